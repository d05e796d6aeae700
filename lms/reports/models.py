"""What the school admin enters for the digital-transformation indicators that Học liệu cannot
measure: the points claimed (or, for a mandatory condition, that it is met) and the evidence file,
kept in the file store (lms/files) like every other upload. One row per school, school year and
criterion code; the criteria themselves are data (reports/indicators.py), not rows."""

from sqlalchemy import CheckConstraint, UniqueConstraint

from ..core.timeutil import utcnow
from ..extensions import db

__all__ = ["DxEntry"]


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
