"""Ids for parametrised URLs in the permission matrix: one place, extended by each feature."""

from lms.extensions import db
from lms.schools.models import Classroom, School


def build_ids(app, demo):
    thcs01 = db.session.scalar(db.select(School).where(School.code == "THCS01"))
    thcs02 = db.session.scalar(db.select(School).where(School.code == "THCS02"))
    ids = {
        "thcs01": thcs01.id,
        "thcs02": thcs02.id,
        "classroom_6a1_thcs01": db.session.scalar(db.select(Classroom.id).where(
            Classroom.school_id == thcs01.id, Classroom.name == "6A1")),
        "users": {u: user.id for u, user in demo.items()},
    }
    return ids
