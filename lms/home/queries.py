"""What the home page shows each role."""

from ..accounts.models import Role, User
from ..extensions import db
from ..schools import queries as school_queries
from ..schools.models import Classroom, Enrollment, School


def summary_for(user):
    summary = {"role": user.role}
    if user.role == Role.STUDENT:
        summary["classrooms"] = db.session.scalars(
            db.select(Classroom).join(Enrollment).where(Enrollment.student_id == user.id)).all()
    elif user.role == Role.TEACHER:
        summary["teachings"] = school_queries.teachings_of(user)
    elif user.role == Role.SCHOOL_ADMIN and user.school is not None:
        summary["classrooms"] = school_queries.classrooms_of(user.school)
        summary["counts"] = dict(db.session.execute(
            db.select(User.role, db.func.count(User.id)).where(User.school_id == user.school_id)
            .group_by(User.role)).all())
    elif user.role == Role.REVIEWER:
        summary["groups"] = school_queries.groups_of(user)
    elif user.role == Role.DISTRICT_ADMIN:
        summary["schools"] = db.session.scalar(db.select(db.func.count(School.id)))
        summary["users"] = db.session.scalar(db.select(db.func.count(User.id)))
        summary["groups"] = school_queries.groups()
    return summary
