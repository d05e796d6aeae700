"""What the school admin enters for the digital-transformation indicators that Học liệu cannot
measure: the points claimed (or, for a mandatory condition, that it is met) and the evidence file,
kept in the file store (lms/files) like every other upload. One row per school, school year and
criterion code; the criteria themselves are data (reports/indicators.py), not rows."""

from sqlalchemy import CheckConstraint, UniqueConstraint

from ..core.timeutil import utcnow
from ..extensions import db

__all__ = ["DecisionSummary", "DxEntry", "GivenSummary", "MonthSummary", "ReachSummary", "TopicSummary", "WorkSummary"]


class DxEntry(db.Model):
    __tablename__ = "dx_entry"
    __table_args__ = (
        UniqueConstraint("school_id", "school_year_id", "criterion_code"),
        CheckConstraint("points IS NULL OR points >= 0", name="points_not_negative"),
    )

    id = db.Column(db.Integer, primary_key=True)
    school_id = db.Column(db.Integer, db.ForeignKey("school.id"), nullable=False, index=True)
    school_year_id = db.Column(db.Integer, db.ForeignKey("school_year.id"), nullable=False)
    criterion_code = db.Column(db.String(20), nullable=False)
    points = db.Column(db.Numeric(6, 2), nullable=True)  # null for a mandatory condition
    met = db.Column(db.Boolean, nullable=False, default=False)  # mandatory conditions
    note = db.Column(db.Text, nullable=False, default="")
    evidence_file_id = db.Column(db.Integer, db.ForeignKey("stored_file.id"), nullable=True, index=True)
    evidence_name = db.Column(db.String(255), nullable=False, default="")  # as the admin named it
    entered_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    entered_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    lock_version = db.Column(db.Integer, nullable=False, default=1)

    school = db.relationship("School")
    evidence_file = db.relationship("StoredFile")
    entered_by = db.relationship("User")


class WorkSummary(db.Model):
    """Per assignment and class it was given to: the work its students did (summary.py keeps it
    from the attempts, submissions and material views after every commit that changes them;
    `flask lms rebuild-report-summary` computes it again). Completion and on-time counts are of
    every pair whatever the due time: the reports count those of assignments already due. The
    assignment's school, subject and due time and the class's year and grade are copied here so a
    district's statistics read one table (issue 13: 100,000 assignments in under 500 ms)."""

    __tablename__ = "report_work"
    __table_args__ = (db.Index("ix_report_work_year_school", "school_year_id", "school_id"),)

    assignment_id = db.Column(db.Integer, db.ForeignKey("assignment.id", ondelete="CASCADE"), primary_key=True)
    classroom_id = db.Column(db.Integer, db.ForeignKey("classroom.id", ondelete="CASCADE"), primary_key=True,
                             index=True)
    school_id = db.Column(db.Integer, nullable=False)
    school_year_id = db.Column(db.Integer, nullable=False)
    subject_id = db.Column(db.Integer, nullable=True)
    grade = db.Column(db.Integer, nullable=False)
    due_at = db.Column(db.DateTime(timezone=True), nullable=False)
    done = db.Column(db.Integer, nullable=False, default=0)  # students whose work is complete
    on_time = db.Column(db.Integer, nullable=False, default=0)  # of those, complete by the due time
    mark_sum = db.Column(db.Numeric(12, 1), nullable=True)  # of the students' best marks
    marked = db.Column(db.Integer, nullable=False, default=0)


class ReachSummary(db.Model):
    """Per class: how many of its students did something (opened, started, handed in) for the
    assignments of each subject given to it, and (`whole`) for any of them. Kept with WorkSummary."""

    __tablename__ = "report_reach"
    __table_args__ = (db.Index("ix_report_reach_year_school", "school_year_id", "school_id"),)

    id = db.Column(db.Integer, primary_key=True)
    classroom_id = db.Column(db.Integer, db.ForeignKey("classroom.id", ondelete="CASCADE"), nullable=False,
                             index=True)
    subject_id = db.Column(db.Integer, nullable=True)  # null: no subject, or the `whole` row
    whole = db.Column(db.Boolean, nullable=False, default=False)
    school_id = db.Column(db.Integer, nullable=False)
    school_year_id = db.Column(db.Integer, nullable=False)
    grade = db.Column(db.Integer, nullable=False)
    reached = db.Column(db.Integer, nullable=False, default=0)


class MonthSummary(db.Model):
    """Per class, subject and month (YYYY-MM in the district's zone): the quiz attempts its students
    submitted for the assignments of that subject given to the class. Kept with WorkSummary, so the
    monthly trend reads thousands of rows, not half a million attempts (issue 13)."""

    __tablename__ = "report_month"
    __table_args__ = (db.Index("ix_report_month_year_school", "school_year_id", "school_id"),)

    id = db.Column(db.Integer, primary_key=True)
    classroom_id = db.Column(db.Integer, db.ForeignKey("classroom.id", ondelete="CASCADE"), nullable=False,
                             index=True)
    subject_id = db.Column(db.Integer, nullable=True)
    month = db.Column(db.String(7), nullable=False)
    school_id = db.Column(db.Integer, nullable=False)
    school_year_id = db.Column(db.Integer, nullable=False)
    grade = db.Column(db.Integer, nullable=False)
    attempts = db.Column(db.Integer, nullable=False, default=0)


class DecisionSummary(db.Model):
    """Per reviewer's decision (approve, request changes, reject; a row of workflow_event): the
    hours from the item's latest submission before it (null without one). Finding each of a
    city's 65,000 decisions its submission took 200 ms of every dashboard view (issue 13); it is
    found once, when the item's events change (summary.py keeps it with the other rows). The
    item's school, subject and grade are copied (kept when they change, the rows gone with the
    item), so the statistics read this table alone."""

    __tablename__ = "report_decision"
    __table_args__ = (
        db.Index("ix_report_decision_item", "item_type", "item_id"),
        # The statistics' groups in order with every column read: PostgreSQL groups them from an
        # index-only scan, no sort of 65,000 rows (queries.review_stats).
        db.Index("ix_report_decision_group", "item_type", "subject_id", "grade", "hours", "at", "action", "school_id"),
    )

    event_id = db.Column(db.Integer, db.ForeignKey("workflow_event.id", ondelete="CASCADE"), primary_key=True)
    item_type = db.Column(db.String(20), nullable=False)
    item_id = db.Column(db.Integer, nullable=False)
    action = db.Column(db.String(20), nullable=False)
    at = db.Column(db.DateTime(timezone=True), nullable=False)
    hours = db.Column(db.Float, nullable=True)
    school_id = db.Column(db.Integer, nullable=True)  # null: an item of the district's staff
    subject_id = db.Column(db.Integer, nullable=False)
    grade = db.Column(db.Integer, nullable=False)


class GivenSummary(db.Model):
    """Per assignment, school year and grade of the classes it was given to: the assignment's
    school, subject, teacher, kind and month of creation (YYYY-MM in the district's zone), and
    `lead` on the row of its lowest grade of the year, so "assignments given" is a count of rows
    (of one grade, or the lead rows for all grades) with no DISTINCT over 100,000 (assignment,
    class) rows and no semi-join to the classes on every view (issue 13: the monthly trend,
    teachers who assigned work, assignments per school and the DX indicators read it). Kept with
    WorkSummary (summary.py)."""

    __tablename__ = "report_given"
    __table_args__ = (db.Index("ix_report_given_year_school", "school_year_id", "school_id"),)

    assignment_id = db.Column(db.Integer, db.ForeignKey("assignment.id", ondelete="CASCADE"), primary_key=True)
    school_year_id = db.Column(db.Integer, primary_key=True)
    grade = db.Column(db.Integer, primary_key=True)
    lead = db.Column(db.Boolean, nullable=False)
    school_id = db.Column(db.Integer, nullable=False)
    subject_id = db.Column(db.Integer, nullable=True)
    teacher_id = db.Column(db.Integer, nullable=False)
    kind = db.Column(db.String(20), nullable=False)
    month = db.Column(db.String(7), nullable=False)


class TopicSummary(db.Model):
    """Per assignment given to a class of a school year and catalogue topic it uses (its
    material's, its questions'), with the assignment's school: the online share's "used by an
    assignment given in the year" reads 50,000 rows of one table instead of joining 100,000
    assignments to their materials, questions and classes on every view (issue 13). Kept with
    GivenSummary (summary.py), and when a question's or material's topic changes."""

    __tablename__ = "report_topic"
    __table_args__ = (db.Index("ix_report_topic_year_school", "school_year_id", "school_id"),)

    assignment_id = db.Column(db.Integer, db.ForeignKey("assignment.id", ondelete="CASCADE"), primary_key=True)
    school_year_id = db.Column(db.Integer, primary_key=True)
    topic_id = db.Column(db.Integer, primary_key=True)
    school_id = db.Column(db.Integer, nullable=False)
