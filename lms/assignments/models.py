"""Homework: assignments given to classrooms, students' quiz attempts, written or file submissions,
material views (the preparation check) and the questions students ask about the work.

- An Assignment belongs to its teacher and is given to one or more of their classrooms
  (assignment_classroom). Its kind is `material` (read or watch before class, optionally with a
  short check quiz), `quiz` or `submission`.
- Quiz questions are AssignmentQuestion rows, each pinned to the QuestionVersion it was made with.
  Hand-picked questions have a position and marks; a test-matrix assignment pins a pool per cell
  (`cell` is the index into `Assignment.matrix`), and each attempt draws its own questions from it.
- An Attempt is one student's go at the quiz: AttemptQuestion rows hold the student's own draw and
  order (and option order when shuffled), the saved answer and its score. At most one attempt per
  student and assignment is open (a partial unique index), which makes "start" idempotent under
  races. `lock_version` guards the state change in_progress → submitted.
- A Submission is one student's written text and files (SubmissionFile → StoredFile), replaced on
  resubmission until the due time; `late` says it came after the due time.
- Marks are on the 10-point scale with one decimal (Numeric(4, 1)); see assignments.grading.
"""

import enum

from sqlalchemy import CheckConstraint, UniqueConstraint

from ..core.timeutil import utcnow
from ..extensions import db

__all__ = [
    "AssignmentKind", "GradingMethod", "ShowAnswers", "AttemptState", "Assignment", "assignment_classroom",
    "AssignmentQuestion", "Attempt", "AttemptQuestion", "Submission", "SubmissionFile", "MaterialView",
    "Inquiry",
]


class AssignmentKind(enum.StrEnum):
    MATERIAL = "material"
    QUIZ = "quiz"
    SUBMISSION = "submission"


class GradingMethod(enum.StrEnum):
    HIGHEST = "highest"
    LAST = "last"
    FIRST = "first"
    AVERAGE = "average"


class ShowAnswers(enum.StrEnum):
    NEVER = "never"
    AFTER_SUBMIT = "after_submit"
    AFTER_DUE = "after_due"


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


def _in(column, enum_type):
    return f"{column} IN ({', '.join(repr(v.value) for v in enum_type)})"


assignment_classroom = db.Table(
    "assignment_classroom",
    db.Column("assignment_id", db.Integer, db.ForeignKey("assignment.id", ondelete="CASCADE"), primary_key=True),
    db.Column("classroom_id", db.Integer, db.ForeignKey("classroom.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Assignment(db.Model):
    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint(_in("kind", AssignmentKind), name="kind_known"),
        CheckConstraint(_in("grading_method", GradingMethod), name="grading_method_known"),
        CheckConstraint(_in("show_answers", ShowAnswers), name="show_answers_known"),
        CheckConstraint("max_attempts >= 1", name="max_attempts_positive"),
        CheckConstraint("time_limit_minutes IS NULL OR time_limit_minutes >= 1", name="time_limit_positive"),
    )

    id = db.Column(db.Integer, primary_key=True)
    teacher_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    school_id = db.Column(db.Integer, db.ForeignKey("school.id"), nullable=False, index=True)
    kind = db.Column(db.String(20), nullable=False)
    title = db.Column(db.String(200), nullable=False)
    instructions = db.Column(db.Text, nullable=False, default="")  # sanitised HTML
    subject_id = db.Column(db.Integer, db.ForeignKey("subject.id"), nullable=True, index=True)
    # A material assignment pins the version it was made with.
    material_id = db.Column(db.Integer, db.ForeignKey("material.id"), nullable=True, index=True)
    material_version_id = db.Column(db.Integer, db.ForeignKey("material_version.id"), nullable=True)
    open_at = db.Column(db.DateTime(timezone=True), nullable=False)
    due_at = db.Column(db.DateTime(timezone=True), nullable=False, index=True)
    cutoff_at = db.Column(db.DateTime(timezone=True), nullable=True)  # nothing accepted after it
    max_attempts = db.Column(db.Integer, nullable=False, default=1)
    grading_method = db.Column(db.String(10), nullable=False, default=GradingMethod.HIGHEST.value)
    time_limit_minutes = db.Column(db.Integer, nullable=True)
    shuffle_questions = db.Column(db.Boolean, nullable=False, default=False)
    shuffle_options = db.Column(db.Boolean, nullable=False, default=False)
    show_answers = db.Column(db.String(20), nullable=False, default=ShowAnswers.AFTER_SUBMIT.value)
    # Test matrix: [{topic, level, count, marks}], or null for hand-picked questions.
    matrix = db.Column(db.JSON, nullable=True)
    grades_released_at = db.Column(db.DateTime(timezone=True), nullable=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    # Bumped by every edit (services.update_assignment): an edit form or API call sent with an older
    # value is refused (409) instead of overwriting a change its sender never saw.
    lock_version = db.Column(db.Integer, nullable=False, default=1, server_default="1")

    teacher = db.relationship("User")
    school = db.relationship("School")
    subject = db.relationship("Subject")
    material = db.relationship("Material")
    material_version = db.relationship("MaterialVersion")
    classrooms = db.relationship("Classroom", secondary=assignment_classroom,
                                 order_by="(Classroom.grade, Classroom.name)")
    questions = db.relationship("AssignmentQuestion", back_populates="assignment",
                                order_by="(AssignmentQuestion.cell, AssignmentQuestion.position)",
                                cascade="all, delete-orphan")

    @property
    def cutoff(self):
        """The moment after which nothing is accepted: the cut-off, or the due time without one."""
        return self.cutoff_at or self.due_at

    @property
    def has_quiz(self):
        return bool(self.questions)

    @property
    def uses_matrix(self):
        return self.matrix is not None


class AssignmentQuestion(db.Model):
    """A question of a quiz, pinned to its version. `cell` is null for a hand-picked question
    (`position` orders them) and the matrix cell's index for a drawn one (the cell's pool)."""

    __tablename__ = "assignment_question"
    __table_args__ = (
        UniqueConstraint("assignment_id", "question_id"),
        CheckConstraint("marks > 0", name="marks_positive"),
    )

    id = db.Column(db.Integer, primary_key=True)
    assignment_id = db.Column(db.Integer, db.ForeignKey("assignment.id", ondelete="CASCADE"), nullable=False,
                              index=True)
    question_id = db.Column(db.Integer, db.ForeignKey("question.id"), nullable=False, index=True)
    question_version_id = db.Column(db.Integer, db.ForeignKey("question_version.id"), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    cell = db.Column(db.Integer, nullable=True)
    marks = db.Column(db.Numeric(6, 3), nullable=False, default=1)

    assignment = db.relationship("Assignment", back_populates="questions")
    question = db.relationship("Question")
    version = db.relationship("QuestionVersion")


class Attempt(db.Model):
    __tablename__ = "attempt"
    __table_args__ = (
        UniqueConstraint("assignment_id", "student_id", "number"),
        CheckConstraint(_in("state", AttemptState), name="state_known"),
        # One open attempt per student and assignment: a second "start" finds it instead.
        db.Index("uq_attempt_open", "assignment_id", "student_id", unique=True,
                 sqlite_where=db.text("state = 'in_progress'"),
                 postgresql_where=db.text("state = 'in_progress'")),
    )

    id = db.Column(db.Integer, primary_key=True)
    assignment_id = db.Column(db.Integer, db.ForeignKey("assignment.id", ondelete="CASCADE"), nullable=False,
                              index=True)
    student_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    number = db.Column(db.Integer, nullable=False, default=1)
    state = db.Column(db.String(20), nullable=False, default=AttemptState.IN_PROGRESS.value)
    started_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    deadline_at = db.Column(db.DateTime(timezone=True), nullable=True)  # start + limit, never past the cut-off
    submitted_at = db.Column(db.DateTime(timezone=True), nullable=True)
    auto_submitted = db.Column(db.Boolean, nullable=False, default=False)
    late = db.Column(db.Boolean, nullable=False, default=False)
    score = db.Column(db.Numeric(8, 3), nullable=True)  # marks earned, null until scored
    max_score = db.Column(db.Numeric(8, 3), nullable=False, default=0)
    mark = db.Column(db.Numeric(4, 1), nullable=True)  # on the 10-point scale, rounded half-up
    needs_grading = db.Column(db.Boolean, nullable=False, default=False)  # an essay waits for the teacher
    lock_version = db.Column(db.Integer, nullable=False, default=1)

    assignment = db.relationship("Assignment")
    student = db.relationship("User")
    items = db.relationship("AttemptQuestion", back_populates="attempt", order_by="AttemptQuestion.position",
                            cascade="all, delete-orphan")


class AttemptQuestion(db.Model):
    """One question in one attempt: its place, the option order shown, the saved answer, the score
    (a fraction of `marks`, set on submit, or by the teacher for an essay)."""

    __tablename__ = "attempt_question"
    __table_args__ = (UniqueConstraint("attempt_id", "assignment_question_id"),)

    id = db.Column(db.Integer, primary_key=True)
    attempt_id = db.Column(db.Integer, db.ForeignKey("attempt.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    assignment_question_id = db.Column(db.Integer, db.ForeignKey("assignment_question.id"), nullable=False,
                                       index=True)
    position = db.Column(db.Integer, nullable=False)
    option_order = db.Column(db.JSON, nullable=True)  # ids in the order shown, when shuffled
    marks = db.Column(db.Numeric(6, 3), nullable=False, default=1)
    answer = db.Column(db.JSON, nullable=True)
    answered_at = db.Column(db.DateTime(timezone=True), nullable=True)
    fraction = db.Column(db.Numeric(6, 5), nullable=True)  # 0..1 of marks, null until scored
    feedback = db.Column(db.Text, nullable=False, default="")
    graded_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=True)

    attempt = db.relationship("Attempt", back_populates="items")
    assignment_question = db.relationship("AssignmentQuestion")


class Submission(db.Model):
    """A student's written work for a submission assignment: one row per student, replaced on
    resubmission until the due time."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("assignment_id", "student_id"),)

    id = db.Column(db.Integer, primary_key=True)
    assignment_id = db.Column(db.Integer, db.ForeignKey("assignment.id", ondelete="CASCADE"), nullable=False,
                              index=True)
    student_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    text = db.Column(db.Text, nullable=False, default="")  # sanitised HTML
    submitted_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    late = db.Column(db.Boolean, nullable=False, default=False)
    count = db.Column(db.Integer, nullable=False, default=1)  # how many times it was (re)submitted
    mark = db.Column(db.Numeric(4, 1), nullable=True)
    feedback = db.Column(db.Text, nullable=False, default="")
    graded_at = db.Column(db.DateTime(timezone=True), nullable=True)
    graded_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=True)
    lock_version = db.Column(db.Integer, nullable=False, default=1)

    assignment = db.relationship("Assignment")
    student = db.relationship("User", foreign_keys=[student_id])
    files = db.relationship("SubmissionFile", back_populates="submission", order_by="SubmissionFile.position",
                            cascade="all, delete-orphan")


class SubmissionFile(db.Model):
    __tablename__ = "submission_file"

    id = db.Column(db.Integer, primary_key=True)
    submission_id = db.Column(db.Integer, db.ForeignKey("submission.id", ondelete="CASCADE"), nullable=False,
                              index=True)
    file_id = db.Column(db.Integer, db.ForeignKey("stored_file.id"), nullable=False, index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    name = db.Column(db.String(255), nullable=False, default="")  # the name it was handed in under
    # Made by the processing job (assignments.work_jobs): a photo is shown from its re-encoded copy.
    preview_sha256 = db.Column(db.String(64), nullable=True)
    preview_mime = db.Column(db.String(40), nullable=True)
    thumbnail_sha256 = db.Column(db.String(64), nullable=True)
    thumbnail_mime = db.Column(db.String(40), nullable=True)
    processed_at = db.Column(db.DateTime(timezone=True), nullable=True)
    processing_error = db.Column(db.String(500), nullable=True)

    submission = db.relationship("Submission", back_populates="files")
    file = db.relationship("StoredFile")


class MaterialView(db.Model):
    """A student opened an assignment's material: when first and last, how often and for how long
    (seconds reported by the page while it was visible)."""

    __tablename__ = "material_view"
    __table_args__ = (UniqueConstraint("assignment_id", "student_id"),)

    id = db.Column(db.Integer, primary_key=True)
    assignment_id = db.Column(db.Integer, db.ForeignKey("assignment.id", ondelete="CASCADE"), nullable=False,
                              index=True)
    student_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    material_id = db.Column(db.Integer, db.ForeignKey("material.id"), nullable=True)
    first_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    views = db.Column(db.Integer, nullable=False, default=1)
    seconds = db.Column(db.Integer, nullable=False, default=0)


class Inquiry(db.Model):
    """A student's question about an assignment, private to the teacher or shown to the class,
    and the teacher's answer."""

    __tablename__ = "inquiry"

    id = db.Column(db.Integer, primary_key=True)
    assignment_id = db.Column(db.Integer, db.ForeignKey("assignment.id", ondelete="CASCADE"), nullable=False,
                              index=True)
    student_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    body = db.Column(db.Text, nullable=False)
    public = db.Column(db.Boolean, nullable=False, default=False)
    answer = db.Column(db.Text, nullable=True)
    answered_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=True)
    answered_at = db.Column(db.DateTime(timezone=True), nullable=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    assignment = db.relationship("Assignment")
    student = db.relationship("User", foreign_keys=[student_id])
    answered_by = db.relationship("User", foreign_keys=[answered_by_id])
