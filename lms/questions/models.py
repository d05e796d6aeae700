"""The question bank's tables: questions, their immutable versions, and import previews.

A question carries its metadata and review state (ReviewableMixin); its content (stem, type data,
explanation) lives in QuestionVersion rows that never change. Editing makes a new version; the
approved version stays published (Question.published_version_id) while a newer one is reviewed,
exactly as materials' versions do.

Version statuses (as materials'):
- draft: the newest version, not (yet) submitted since it was written;
- under_review: the newest version, submitted and waiting or being reviewed;
- published: the one version the bank shows to everyone;
- current: the newest version, back with its owner after a decision or a withdrawal;
- superseded: replaced, by a newer approved version or by a newer edit before any approval.

`QuestionVersion.text_key` is the SHA-256 of the normalised stem (questions.services.text_key):
two stems that differ only in case, spacing or tone-mark placement share it, which is how an
import flags a question already in the bank.

A QuestionImport is the preview of one uploaded file: everything the importer understood, kept
until the teacher confirms it once (a conditional UPDATE from "preview" to "confirmed").
"""

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, UniqueConstraint

from ..core.timeutil import utcnow
from ..extensions import db
from ..files.models import StoredFile  # noqa: F401  (QuestionImport.stored_file names it)
from ..review.models import ReviewableMixin
from ..review.registry import register_item_type
from ..review.versions import VERSION_STATUS_LABELS, VersionedItemMixin, VersionStatus  # noqa: F401  (re-exported)
from . import images
from .types import LEVELS, TYPES

__all__ = ["Question", "QuestionVersion", "QuestionImport"]


class ImportState(enum.StrEnum):
    PREVIEW = "preview"
    CONFIRMED = "confirmed"


LEVEL_LABELS = {
    "nhan_biet": _l("Nhận biết"),
    "thong_hieu": _l("Thông hiểu"),
    "van_dung": _l("Vận dụng"),
    "van_dung_cao": _l("Vận dụng cao"),
}
TYPE_LABELS = {
    "single_choice": _l("Trắc nghiệm một đáp án"),
    "multiple_choice": _l("Trắc nghiệm nhiều đáp án"),
    "true_false": _l("Đúng/Sai"),
    "true_false_group": _l("Đúng/Sai theo ý (a–d)"),
    "short_answer": _l("Trả lời ngắn"),
    "numerical": _l("Số"),
    "matching": _l("Ghép đôi"),
    "essay": _l("Tự luận"),
}
FORMAT_LABELS = {"gift": "GIFT", "aiken": "Aiken", "moodle_xml": "Moodle XML", "docx": _l("Word (.docx)")}
SUMMARY_MAX = 200


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Question(VersionedItemMixin, ReviewableMixin, db.Model):
    __tablename__ = "question"
    __table_args__ = (
        CheckConstraint("grade BETWEEN 6 AND 8", name="grade_thcs"),
        CheckConstraint(_in("qtype", TYPES), name="qtype_known"),
        CheckConstraint(f"level IS NULL OR {_in('level', LEVELS)}", name="level_known"),
    )

    ITEM_TYPE = "question"

    id = db.Column(db.Integer, primary_key=True)
    qtype = db.Column(db.String(30), nullable=False, index=True)  # fixed at creation
    topic_id = db.Column(db.Integer, db.ForeignKey("topic.id"), nullable=True, index=True)
    level = db.Column(db.String(20), nullable=True, index=True)
    tags = db.Column(db.JSON, nullable=False, default=list)
    outcome = db.Column(db.String(60), nullable=False, default="")  # learning-outcome code (yêu cầu cần đạt)
    # The newest version's stem, shortened to one line: what lists and review queues show.
    summary = db.Column(db.String(SUMMARY_MAX), nullable=False, default="")
    # Checked at commit (DEFERRABLE INITIALLY DEFERRED): an import writes its questions already
    # pointing at the versions it writes next (services._insert_questions), with no UPDATE after.
    current_version_id = db.Column(
        db.Integer, db.ForeignKey("question_version.id", use_alter=True, ondelete="SET NULL", deferrable=True,
                                  initially="DEFERRED"), nullable=True)
    published_version_id = db.Column(
        db.Integer, db.ForeignKey("question_version.id", use_alter=True, ondelete="SET NULL"), nullable=True,
        index=True)
    published_at = db.Column(db.DateTime(timezone=True), nullable=True, index=True)
    import_id = db.Column(db.Integer, db.ForeignKey("question_import.id", ondelete="SET NULL"), nullable=True,
                          index=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    topic = db.relationship("Topic")
    versions = db.relationship("QuestionVersion", back_populates="question",
                               foreign_keys="QuestionVersion.question_id",
                               order_by="QuestionVersion.number", cascade="all, delete-orphan")
    current_version = db.relationship("QuestionVersion", foreign_keys=[current_version_id], post_update=True)
    published_version = db.relationship("QuestionVersion", foreign_keys=[published_version_id],
                                        post_update=True)
    import_record = db.relationship("QuestionImport", foreign_keys=[import_id])

    @property
    def latest_version(self):
        return self.current_version

    @property
    def level_label(self):
        return LEVEL_LABELS.get(self.level, "")

    @property
    def type_label(self):
        return TYPE_LABELS[self.qtype]

    # --- review hooks ---------------------------------------------------------------------

    @classmethod
    def list_options(cls):
        return (*super().list_options(), db.joinedload(cls.current_version))

    def title_for_queue(self):
        """The stem's line as review queues, the home page and notices show it: pictures named,
        never their raw markers (questions.images.line)."""
        return images.line(self.summary) or f"#{self.id}"

    def item_url(self):
        return f"/questions/{self.id}"


register_item_type(Question)


class QuestionVersion(db.Model):
    """One immutable text of a question: stem, the type's data (answers included) and explanation."""

    __tablename__ = "question_version"
    __table_args__ = (
        UniqueConstraint("question_id", "number"),
        CheckConstraint(_in("status", [s.value for s in VersionStatus]), name="status_known"),
    )

    id = db.Column(db.Integer, primary_key=True)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id", ondelete="CASCADE"), nullable=False,
                            index=True)
    number = db.Column(db.Integer, nullable=False)
    stem = db.Column(db.Text, nullable=False)
    data = db.Column(db.JSON, nullable=False, default=dict)
    explanation = db.Column(db.Text, nullable=False, default="")
    text_key = db.Column(db.String(64), nullable=False, index=True)
    note = db.Column(db.String(500), nullable=False, default="")
    status = db.Column(db.String(20), nullable=False, default=VersionStatus.DRAFT.value)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    question = db.relationship("Question", back_populates="versions", foreign_keys=[question_id])
    created_by = db.relationship("User")

    @property
    def status_label(self):
        return VERSION_STATUS_LABELS[VersionStatus(self.status)]


class QuestionImport(db.Model):
    """One uploaded question file between its preview and its confirmation, then the set of
    questions it made (their ids, in file order). `result` holds every question as understood,
    the problems with their lines, the duplicates and the answers that could not be told."""

    __tablename__ = "question_import"
    __table_args__ = (
        CheckConstraint(_in("state", [s.value for s in ImportState]), name="state_known"),
        CheckConstraint("grade BETWEEN 6 AND 8", name="grade_thcs"),
    )

    id = db.Column(db.Integer, primary_key=True)
    owner_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    format = db.Column(db.String(20), nullable=False)
    filename = db.Column(db.String(255), nullable=False, default="")
    subject_id = db.Column(db.Integer, db.ForeignKey("subject.id"), nullable=False)
    grade = db.Column(db.Integer, nullable=False)
    result = db.Column(db.JSON, nullable=False, default=dict)
    state = db.Column(db.String(20), nullable=False, default=ImportState.PREVIEW.value)
    question_ids = db.Column(db.JSON, nullable=False, default=list)
    # The uploaded file itself, kept through lms/files so the teacher and the reviewers can
    # download the original from the import's page.
    file_id = db.Column(db.Integer, db.ForeignKey("stored_file.id"), nullable=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    confirmed_at = db.Column(db.DateTime(timezone=True), nullable=True)

    owner = db.relationship("User")
    subject = db.relationship("Subject")
    stored_file = db.relationship("StoredFile")

    @property
    def format_label(self):
        return FORMAT_LABELS.get(self.format, self.format)

    @property
    def questions_preview(self):
        return (self.result or {}).get("questions", [])

    @property
    def errors(self):
        return (self.result or {}).get("errors", [])

    @property
    def warnings(self):
        return (self.result or {}).get("warnings", [])

    @property
    def image_ids(self):
        """The StoredFile ids of the pictures this import stored (what its questions may show)."""
        return (self.result or {}).get("images", [])

    @property
    def unresolved(self):
        return [q for q in self.questions_preview if q.get("unresolved")]
