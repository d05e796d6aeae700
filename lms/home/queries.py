"""What the home page shows each role: what that person should do next, each item a link.

Every reader here costs a fixed number of SQL statements however many rows it finds (one per
reviewable kind at most, with what the page shows eager-loaded): tests/web/test_home.py counts them.
"""

from dataclasses import dataclass, field
from datetime import datetime

from ..accounts.models import Role, User
from ..core.timeutil import as_utc, utcnow
from ..extensions import db
from ..materials.models import Material
from ..review.models import Notification, Review
from ..review.registry import item_classes
from ..review.services import item_link
from ..review.workflow import NEEDS_REASON, State
from ..schools import services as school_services
from ..schools.guardians import parents_of
from ..schools.models import (
    Classroom,
    Enrollment,
    School,
    StudentImport,
    Subject,
    SubjectGroup,
    Teaching,
    subject_group_member,
)

SHOWN = 8  # items per list; the full lists are one link away


@dataclass
class Entry:
    """An item of a list on the home page: the item, since when it waits, and a note."""

    item: object
    since: datetime | None = None
    note: Review | None = None

    @property
    def age(self):
        return utcnow() - self.since if self.since else None

    @property
    def url(self):
        return self.item.item_url() or item_link(self.item)


@dataclass
class Listing:
    """The first SHOWN entries of a list, and how many there are in all."""

    entries: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self):
        return self.total - len(self.entries)


def _listing(entries, key, reverse=False):
    entries = sorted(entries, key=key, reverse=reverse)
    return Listing(entries[:SHOWN], len(entries))


def _oldest_first(entry):
    return (entry.since or utcnow(), entry.item.ITEM_TYPE, entry.item.id)


def _newest_first(entry):
    return (entry.since or datetime.min.replace(tzinfo=utcnow().tzinfo), entry.item.ITEM_TYPE, entry.item.id)


def unread_notifications(user, limit=5):
    return db.session.scalars(
        db.select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()


def _items(cls, *where, order=None, limit=None, owner=False):
    query = db.select(cls).where(*where).options(db.joinedload(cls.subject))
    if owner:
        query = query.options(db.joinedload(cls.owner))
    if order is not None:
        query = query.order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    return db.session.scalars(query).unique().all()


def _count(cls, *where):
    return db.session.scalar(db.select(db.func.count(cls.id)).where(*where))


# --- reviewer --------------------------------------------------------------------------------

def reviewer_home(user):
    """Items waiting in the pools of the reviewer's groups (oldest first, with their age) and the
    items they hold (claimed, not decided)."""
    groups = db.session.scalars(
        db.select(SubjectGroup).join(subject_group_member, subject_group_member.c.group_id == SubjectGroup.id)
        .where(subject_group_member.c.user_id == user.id)
        .options(db.joinedload(SubjectGroup.subject)).order_by(SubjectGroup.name)).unique().all()
    subject_ids = [g.subject_id for g in groups]
    waiting, waiting_total, held = [], 0, []
    for cls in item_classes():
        if subject_ids:
            mine = (cls.state == State.SUBMITTED.value, cls.subject_id.in_(subject_ids), cls.owner_id != user.id)
            waiting += [Entry(i, as_utc(i.submitted_at))
                        for i in _items(cls, *mine, order=(cls.submitted_at, cls.id), limit=SHOWN)]
            waiting_total += _count(cls, *mine)
        held += [Entry(i, as_utc(i.claimed_at))
                 for i in _items(cls, cls.state == State.IN_REVIEW.value, cls.claimed_by_id == user.id)]
    waiting = sorted(waiting, key=_oldest_first)[:SHOWN]
    return {"groups": groups, "waiting": Listing(waiting, waiting_total),
            "held": _listing(held, _oldest_first)}


# --- teacher ---------------------------------------------------------------------------------

def teacher_home(user):
    """The teacher's own items: changes requested (with the reviewer's note), drafts not sent yet,
    items waiting for review, the most recently approved; and the classes they teach."""
    changes, drafts, waiting, approved = [], [], [], []
    open_states = [State.CHANGES_REQUESTED.value, State.REJECTED.value, State.DRAFT.value,
                   State.SUBMITTED.value, State.IN_REVIEW.value]
    for cls in item_classes():
        for item in _items(cls, cls.owner_id == user.id, cls.state.in_(open_states)):
            if item.state in (State.CHANGES_REQUESTED, State.REJECTED):
                changes.append(Entry(item, as_utc(item.decided_at)))
            elif item.state == State.DRAFT:
                drafts.append(Entry(item, as_utc(getattr(item, "updated_at", None))))
            else:
                waiting.append(Entry(item, as_utc(item.submitted_at)))
        approved += [Entry(i, as_utc(i.decided_at)) for i in _items(
            cls, cls.owner_id == user.id, cls.state == State.APPROVED.value,
            order=(cls.decided_at.desc(), cls.id.desc()), limit=SHOWN)]
    _attach_requests(changes)
    teachings = db.session.scalars(
        db.select(Teaching).join(Classroom).join(Subject)
        .where(Teaching.teacher_id == user.id)
        .options(db.contains_eager(Teaching.classroom).joinedload(Classroom.school_year),
                 db.contains_eager(Teaching.subject))
        .order_by(Classroom.grade, Classroom.name, Subject.position)).all()
    return {"changes": _listing(changes, _newest_first, reverse=True),
            "drafts": _listing(drafts, _newest_first, reverse=True),
            "waiting": _listing(waiting, _oldest_first),
            "approved": _listing(approved, _newest_first, reverse=True),
            "teachings": teachings}


def _attach_requests(entries):
    """The last request_changes/reject review of each entry's item, with its reviewer: one
    statement for all of them."""
    by_type = {}
    for entry in entries:
        by_type.setdefault(entry.item.ITEM_TYPE, []).append(entry.item.id)
    if not by_type:
        return
    reviews = db.session.scalars(
        db.select(Review).where(db.or_(*[db.and_(Review.item_type == kind, Review.item_id.in_(ids))
                                          for kind, ids in by_type.items()]),
                                Review.decision.in_([a.value for a in NEEDS_REASON]))
        .options(db.joinedload(Review.reviewer)).order_by(Review.at, Review.id)).all()
    latest = {(r.item_type, r.item_id): r for r in reviews}  # later rows win
    for entry in entries:
        entry.note = latest.get((entry.item.ITEM_TYPE, entry.item.id))


# --- district admin --------------------------------------------------------------------------

@dataclass
class SubjectQueue:
    """One subject's waiting items, for the queues nobody reviews."""

    subject: Subject
    group: SubjectGroup | None
    waiting: int = 0
    oldest_at: datetime | None = None
    entries: list = field(default_factory=list)

    @property
    def oldest_age(self):
        return utcnow() - self.oldest_at if self.oldest_at else None


def district_home(user):
    """Queues without a group (subjects with waiting items and nobody to review them), the oldest
    waiting item, and the district's counts."""
    subjects = {s.id: s for s in db.session.scalars(db.select(Subject))}
    groups = {g.subject_id: g for g in db.session.scalars(db.select(SubjectGroup))}
    reviewers = dict(db.session.execute(
        db.select(SubjectGroup.subject_id, db.func.count(User.id))
        .join(subject_group_member, subject_group_member.c.group_id == SubjectGroup.id)
        .join(User, User.id == subject_group_member.c.user_id)
        .where(User.active.is_(True), User.role == Role.REVIEWER)
        .group_by(SubjectGroup.subject_id)).all())
    waiting, in_review, queues, oldest = 0, 0, {}, None
    for cls in item_classes():
        rows = db.session.execute(
            db.select(cls.subject_id, cls.state, db.func.count(cls.id), db.func.min(cls.submitted_at))
            .where(cls.state.in_([State.SUBMITTED.value, State.IN_REVIEW.value]))
            .group_by(cls.subject_id, cls.state)).all()
        orphaned = []
        for subject_id, state, count, first in rows:
            if state == State.IN_REVIEW:
                in_review += count
                continue
            waiting += count
            if not reviewers.get(subject_id):
                queue = queues.setdefault(subject_id, SubjectQueue(subjects[subject_id], groups.get(subject_id)))
                queue.waiting += count
                first = as_utc(first)
                queue.oldest_at = min(filter(None, (queue.oldest_at, first)), default=None)
                orphaned.append(subject_id)
        if orphaned:
            for item in _items(cls, cls.state == State.SUBMITTED.value, cls.subject_id.in_(orphaned),
                               order=(cls.submitted_at, cls.id), limit=SHOWN, owner=True):
                queues[item.subject_id].entries.append(Entry(item, as_utc(item.submitted_at)))
        first_item = _items(cls, cls.state == State.SUBMITTED.value, order=(cls.submitted_at, cls.id), limit=1)
        if first_item:
            candidate = Entry(first_item[0], as_utc(first_item[0].submitted_at))
            if oldest is None or _oldest_first(candidate) < _oldest_first(oldest):
                oldest = candidate
    counts = db.session.execute(db.select(
        db.select(db.func.count(School.id)).scalar_subquery(),
        db.select(db.func.count(User.id)).scalar_subquery())).one()
    return {"orphaned": sorted(queues.values(), key=lambda q: (q.subject.position, q.subject.code)),
            "oldest": oldest, "waiting": waiting, "in_review": in_review,
            "schools": counts[0], "users": counts[1], "groups": len(groups)}


# --- school admin ----------------------------------------------------------------------------

def school_home(user):
    """The school's counts, its classes of the year with how many students each (empty ones
    first: they need students), teachers without a teaching assignment, the last student import."""
    school = user.school
    if school is None:
        return {"school": None}
    year = school_services.current_school_year()
    counts = dict(db.session.execute(
        db.select(User.role, db.func.count(User.id)).where(User.school_id == school.id)
        .group_by(User.role)).all())
    classrooms = db.session.execute(
        db.select(Classroom, db.func.count(Enrollment.id))
        .outerjoin(Enrollment, Enrollment.classroom_id == Classroom.id)
        .where(Classroom.school_id == school.id, Classroom.school_year_id == year.id)
        .group_by(Classroom.id).order_by(Classroom.grade, Classroom.name)).all()
    idle_teachers = db.session.scalars(
        db.select(User).where(User.school_id == school.id, User.role == Role.TEACHER, User.active.is_(True),
                              ~db.exists().where(Teaching.teacher_id == User.id))
        .order_by(User.full_name, User.username).limit(SHOWN)).all()
    last_import = db.session.scalar(
        db.select(StudentImport).where(StudentImport.school_id == school.id)
        .order_by(StudentImport.created_at.desc(), StudentImport.id.desc()).limit(1))
    return {"school": school, "year": year, "counts": counts, "classrooms": classrooms,
            "empty_classrooms": [c for c, n in classrooms if n == 0], "idle_teachers": idle_teachers,
            "last_import": last_import}


# --- student ---------------------------------------------------------------------------------

def student_home(user):
    """The student's classes and, until homework exists, the materials newly approved for their
    grade (the newest first)."""
    classrooms = db.session.scalars(
        db.select(Classroom).join(Enrollment).where(Enrollment.student_id == user.id)
        .options(db.joinedload(Classroom.school_year), db.joinedload(Classroom.school))
        .order_by(Classroom.grade.desc())).unique().all()
    current = [c for c in classrooms if c.school_year.is_current] or classrooms
    grades = sorted({c.grade for c in current})
    materials = []
    if grades:
        materials = db.session.scalars(
            db.select(Material).where(Material.published_version_id.is_not(None),
                                      Material.state != State.WITHDRAWN.value, Material.grade.in_(grades))
            .options(db.joinedload(Material.subject))
            .order_by(Material.published_at.desc(), Material.id.desc()).limit(SHOWN)).unique().all()
    return {"classrooms": classrooms, "grades": grades, "materials": materials, "parents": parents_of(user)}


READERS = {
    Role.REVIEWER: reviewer_home,
    Role.TEACHER: teacher_home,
    Role.DISTRICT_ADMIN: district_home,
    Role.SCHOOL_ADMIN: school_home,
    Role.STUDENT: student_home,
}


def dashboard_for(user):
    """{"role", "notifications", ...what the role's reader returns}."""
    reader = READERS.get(user.role)
    return {"role": str(user.role), "notifications": unread_notifications(user),
            **(reader(user) if reader else {})}
