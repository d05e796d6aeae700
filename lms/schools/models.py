import enum

from sqlalchemy import CheckConstraint, UniqueConstraint

from ..core.timeutil import utcnow
from ..extensions import db

__all__ = [
    "Office", "School", "SchoolYear", "Classroom", "Subject", "Topic", "Enrollment", "Teaching",
    "SubjectGroup", "subject_group_member", "Guardian", "ImportState", "StudentImport",
]


class Office(db.Model):
    """The moderating office (Phòng GD&ĐT). Its name is data, configured, never hard-coded."""

    __tablename__ = "office"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False)

    schools = db.relationship("School", back_populates="office")


class School(db.Model):
    __tablename__ = "school"

    id = db.Column(db.Integer, primary_key=True)
    office_id = db.Column(db.Integer, db.ForeignKey("office.id"), nullable=False, index=True)
    code = db.Column(db.String(20), nullable=False, unique=True)
    name = db.Column(db.String(200), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    office = db.relationship("Office", back_populates="schools")
    users = db.relationship("User", back_populates="school")
    classrooms = db.relationship("Classroom", back_populates="school",
                                 order_by="(Classroom.grade, Classroom.name)")


class SchoolYear(db.Model):
    __tablename__ = "school_year"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(9), nullable=False, unique=True)  # "2025-2026"
    is_current = db.Column(db.Boolean, nullable=False, default=False)


class Classroom(db.Model):
    __tablename__ = "classroom"
    __table_args__ = (
        UniqueConstraint("school_id", "school_year_id", "name"),
        CheckConstraint("grade BETWEEN 6 AND 8", name="grade_thcs"),
    )

    id = db.Column(db.Integer, primary_key=True)
    school_id = db.Column(db.Integer, db.ForeignKey("school.id"), nullable=False, index=True)
    school_year_id = db.Column(db.Integer, db.ForeignKey("school_year.id"), nullable=False)
    grade = db.Column(db.Integer, nullable=False)
    name = db.Column(db.String(20), nullable=False)  # "6A1"

    school = db.relationship("School", back_populates="classrooms")
    school_year = db.relationship("SchoolYear")
    enrollments = db.relationship("Enrollment", back_populates="classroom",
                                  cascade="all, delete-orphan")

    @property
    def label(self):
        return f"{self.name} ({self.school_year.name})"


class Subject(db.Model):
    __tablename__ = "subject"

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(30), nullable=False, unique=True)
    name_vi = db.Column(db.String(120), nullable=False)
    name_en = db.Column(db.String(120), nullable=False)
    grades = db.Column(db.JSON, nullable=False, default=lambda: [6, 7, 8])
    position = db.Column(db.Integer, nullable=False, default=0)

    def name(self, locale="vi"):
        return self.name_en if str(locale).startswith("en") else self.name_vi


class Topic(db.Model):
    """A chapter (chương/chủ đề) and, when catalogued, a lesson (bài) of a subject and grade.

    Keyed by (subject, grade, chapter, lesson): titles may be edited by the district admin, and
    imports match titles after NFC + diacritic folding (see shared/data/README.md).
    """

    __tablename__ = "topic"
    __table_args__ = (
        UniqueConstraint("subject_id", "grade", "chapter_key", "lesson_key"),
        CheckConstraint("grade BETWEEN 6 AND 8", name="grade_thcs"),
    )

    id = db.Column(db.Integer, primary_key=True)
    subject_id = db.Column(db.Integer, db.ForeignKey("subject.id"), nullable=False, index=True)
    grade = db.Column(db.Integer, nullable=False)
    position = db.Column(db.Integer, nullable=False)
    chapter = db.Column(db.String(300), nullable=False)
    lesson = db.Column(db.String(300), nullable=False, default="")
    chapter_key = db.Column(db.String(300), nullable=False)
    lesson_key = db.Column(db.String(300), nullable=False, default="")
    source = db.Column(db.String(200), nullable=True)

    subject = db.relationship("Subject")

    @property
    def label(self):
        return f"{self.chapter} — {self.lesson}" if self.lesson else self.chapter


class Enrollment(db.Model):
    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("student_id", "classroom_id"),)

    id = db.Column(db.Integer, primary_key=True)
    student_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    classroom_id = db.Column(db.Integer, db.ForeignKey("classroom.id", ondelete="CASCADE"),
                             nullable=False, index=True)

    student = db.relationship("User")
    classroom = db.relationship("Classroom", back_populates="enrollments")


class Teaching(db.Model):
    """A teaching assignment: this teacher teaches this subject in this classroom."""

    __tablename__ = "teaching"
    __table_args__ = (UniqueConstraint("teacher_id", "classroom_id", "subject_id"),)

    id = db.Column(db.Integer, primary_key=True)
    teacher_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    classroom_id = db.Column(db.Integer, db.ForeignKey("classroom.id", ondelete="CASCADE"),
                             nullable=False, index=True)
    subject_id = db.Column(db.Integer, db.ForeignKey("subject.id"), nullable=False)

    teacher = db.relationship("User")
    classroom = db.relationship("Classroom")
    subject = db.relationship("Subject")


subject_group_member = db.Table(
    "subject_group_member",
    db.Column("group_id", db.Integer, db.ForeignKey("subject_group.id", ondelete="CASCADE"),
              primary_key=True),
    db.Column("user_id", db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class SubjectGroup(db.Model):
    """A district subject group (tổ bộ môn huyện): the reviewers of one subject."""

    __tablename__ = "subject_group"

    id = db.Column(db.Integer, primary_key=True)
    subject_id = db.Column(db.Integer, db.ForeignKey("subject.id"), nullable=False, unique=True)
    name = db.Column(db.String(200), nullable=False)

    subject = db.relationship("Subject")
    members = db.relationship("User", secondary=subject_group_member, order_by="(User.name_sort, User.username)")


class Guardian(db.Model):
    __tablename__ = "guardian"
    __table_args__ = (UniqueConstraint("parent_id", "student_id"),)

    id = db.Column(db.Integer, primary_key=True)
    parent_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False,
                          index=True)
    student_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False,
                           index=True)


class ImportState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class StudentImport(db.Model):
    """One confirmed bulk student import, run as a background job (see schools/jobs.py).

    The row is committed before the job is queued and records how it ended: the counts and the
    one-time passwords sheet's stash token when done; every bad row ({line, message}) or the
    failure in words when failed, in which case nothing of the file was written.
    """

    __tablename__ = "student_import"

    id = db.Column(db.Integer, primary_key=True)
    school_id = db.Column(db.Integer, db.ForeignKey("school.id"), nullable=False, index=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    state = db.Column(db.String(20), nullable=False, default=ImportState.QUEUED.value)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime(timezone=True), nullable=True)
    filename = db.Column(db.String(255), nullable=False, default="")
    counts = db.Column(db.JSON, nullable=True)  # {"created": n, "updated": n, "classes_created": [...]}
    errors = db.Column(db.JSON, nullable=True)  # [{"line": n, "message": "..."}]
    message = db.Column(db.Text, nullable=True)
    passwords_token = db.Column(db.String(64), nullable=True)  # cleared once downloaded
    # SHA-256 of the stash token of the previewed upload it imports: unique, so that a preview is
    # confirmed once however many confirmations race (see importing.confirm_import).
    upload_key = db.Column(db.String(64), nullable=True, unique=True)

    school = db.relationship("School")
    actor = db.relationship("User")

    @property
    def finished(self):
        return self.state in (ImportState.DONE, ImportState.FAILED)
