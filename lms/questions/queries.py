"""Reads of the question bank: the shared bank of approved questions with its filters, a teacher's
own questions, one question with what its page shows, a teacher's imports.

Lists eager-load what they show (LISTED, ALL_VERSIONS), so a page of 50 costs the same number of
statements as a page of 1.
"""

from dataclasses import dataclass, field

from ..core.errors import ValidationError, _
from ..core.text import clean_line
from ..extensions import db
from ..schools.models import Subject, Topic
from . import types
from .models import Question, QuestionImport, QuestionVersion

LISTED = (
    db.joinedload(Question.subject),
    db.joinedload(Question.owner),
    db.joinedload(Question.topic),
    db.joinedload(Question.published_version),
    db.joinedload(Question.current_version),
)
ALL_VERSIONS = db.selectinload(Question.versions).joinedload(QuestionVersion.created_by)


@dataclass
class BankFilters:
    """The bank's filters from a query string: subject, grade, topic, level, type, tags, text."""

    subject: Subject | None = None
    grade: int | None = None
    topic: Topic | None = None
    level: str | None = None
    qtype: str | None = None
    tags: list = field(default_factory=list)
    q: str = ""

    @classmethod
    def from_args(cls, args, strict=False):
        """The page ignores values it does not know; the API (`strict`) answers 422 naming them."""
        filters, errors = cls(), {}
        code = clean_line(args.get("subject"))
        if code:
            filters.subject = db.session.scalar(db.select(Subject).where(Subject.code == code))
            if filters.subject is None:
                errors["subject"] = _("Không có môn học với mã này.")
        grade = clean_line(args.get("grade"))
        if grade in ("6", "7", "8"):
            filters.grade = int(grade)
        elif grade:
            errors["grade"] = _("Khối lớp là 6, 7 hoặc 8.")
        topic = clean_line(args.get("topic"))
        if topic.isdecimal() and len(topic) <= 9:
            filters.topic = db.session.get(Topic, int(topic))
        if topic and filters.topic is None:
            errors["topic"] = _("Không có chủ đề/bài học này.")
        level = clean_line(args.get("level"))
        if level in types.LEVELS:
            filters.level = level
        elif level:
            errors["level"] = _("Chọn một trong: %(choices)s.", choices=", ".join(types.LEVELS))
        qtype = clean_line(args.get("qtype") or args.get("type"))
        if qtype in types.TYPES:
            filters.qtype = qtype
        elif qtype:
            errors["qtype"] = _("Chọn một trong: %(choices)s.", choices=", ".join(types.TYPES))
        raw_tags = args.getlist("tag") if hasattr(args, "getlist") else []
        raw_tags += (args.get("tags") or "").split(",")
        filters.tags = [t for t in (clean_line(t)[:60] for t in raw_tags) if t][:5]
        filters.q = clean_line(args.get("q"))[:200]
        if strict and errors:
            raise ValidationError(_("Bộ lọc không hợp lệ."), errors)
        return filters

    def as_args(self):
        args = {"subject": self.subject.code if self.subject else None, "grade": self.grade,
                "topic": self.topic.id if self.topic else None, "level": self.level, "qtype": self.qtype,
                "tags": ",".join(self.tags) or None, "q": self.q or None}
        return {k: v for k, v in args.items() if v is not None}


def _tag_clause(tag):
    # Tags are a JSON list; matching its serialised text with the quotes keeps "a" from matching
    # "ab" on both databases without a JSON operator of each.
    import json

    encoded = json.dumps(tag, ensure_ascii=False)
    return db.cast(Question.tags, db.Text).contains(encoded, autoescape=True) | \
        db.cast(Question.tags, db.Text).contains(json.dumps(tag), autoescape=True)


def _filtered(query, filters):
    if filters.subject is not None:
        query = query.where(Question.subject_id == filters.subject.id)
    if filters.grade is not None:
        query = query.where(Question.grade == filters.grade)
    if filters.topic is not None:
        query = query.where(Question.topic_id == filters.topic.id)
    if filters.level:
        query = query.where(Question.level == filters.level)
    if filters.qtype:
        query = query.where(Question.qtype == filters.qtype)
    for tag in filters.tags:
        query = query.where(_tag_clause(tag))
    if filters.q:
        query = query.where(db.func.lower(Question.summary).contains(filters.q.lower(), autoescape=True))
    return query


def bank(filters):
    """Approved questions (the approved version stays in the bank while a newer one is reviewed)."""
    query = db.select(Question).where(Question.published_version_id.is_not(None), Question.state != "withdrawn")
    return _filtered(query, filters).options(*LISTED).order_by(Question.published_at.desc(), Question.id.desc())


def owned_by(user, filters=None):
    """The user's own questions, every state, last changed first."""
    query = db.select(Question).where(Question.owner_id == user.id)
    if filters is not None:
        query = _filtered(query, filters)
    return query.options(*LISTED).order_by(Question.updated_at.desc(), Question.id.desc())


def get_shown(question_id):
    """One question with what its page and API answer show: one statement, one more for versions."""
    return db.session.scalar(db.select(Question).where(Question.id == question_id).options(*LISTED, ALL_VERSIONS))


def imports_of(user, limit=20):
    return db.session.scalars(db.select(QuestionImport).where(QuestionImport.owner_id == user.id)
                              .order_by(QuestionImport.created_at.desc(), QuestionImport.id.desc())
                              .limit(limit)).all()


def sets_waiting_for(user, subject_ids, limit=20):
    """Confirmed imports of these subjects with at least one question waiting or in review."""
    if not subject_ids:
        return []
    waiting = db.select(Question.import_id).where(Question.state.in_(("submitted", "in_review")),
                                                  Question.import_id.is_not(None)).distinct()
    return db.session.scalars(db.select(QuestionImport).where(
        QuestionImport.id.in_(waiting), QuestionImport.subject_id.in_(subject_ids),
        QuestionImport.owner_id != user.id).options(db.joinedload(QuestionImport.owner),
                                                    db.joinedload(QuestionImport.subject))
        .order_by(QuestionImport.confirmed_at).limit(limit)).all()
