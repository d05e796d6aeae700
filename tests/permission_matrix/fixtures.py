"""Ids for parametrised URLs in the permission matrix: one place, extended by each feature."""

from lms.accounts.models import User
from lms.extensions import db
from lms.schools.models import Classroom, School, Subject, SubjectGroup, Teaching, Topic


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
    ids.update(_admin_ids(ids))
    ids.update(_review_ids())
    ids.update(_material_ids())
    ids.update(_question_ids())
    ids.update(_quiz_ids())
    ids.update(_work_ids())
    return ids


def _admin_ids(ids):
    """Administration pages. POSTs with an empty form really act, so each action gets its own
    object, never a persona the matrix signs in as, and never one another route reads later."""
    def user(username):
        return db.session.scalar(db.select(User.id).where(User.username == username))

    toan = db.session.scalar(db.select(Subject).where(Subject.code == "toan"))
    topics = db.session.scalars(db.select(Topic.id).where(Topic.subject_id == toan.id, Topic.grade == 6)
                                .order_by(Topic.position).limit(2)).all()
    return {
        "student_enrolled_6a1": user("hs.6a1.02"),   # removed from 6A1 by enrollment_remove
        "parent_6a1_01": user("ph.6a1.01"),          # not a parent of student_managed: unlink is 404
        "student_managed": user("hs.6a1.03"),        # edited, password reset
        "group_toan": db.session.scalar(db.select(SubjectGroup.id).where(SubjectGroup.subject_id == toan.id)),
        "topic_edit": topics[0],
        "topic_delete": topics[1],
        "teaching_gv_van": db.session.scalar(db.select(Teaching.id).where(
            Teaching.teacher_id == ids["users"]["gv.van"])),
        "student_import_thcs01": _student_import(ids),
    }


def _student_import(ids):
    """A finished import of THCS01 whose passwords sheet is already downloaded (no token)."""
    from lms.schools.models import StudentImport

    record = StudentImport(school_id=ids["thcs01"], actor_id=ids["users"]["bgh.thcs01"], state="done",
                           filename="danh-sach.xlsx",
                           counts={"created": 0, "updated": 0, "classes_created": []})
    db.session.add(record)
    db.session.commit()
    return record.id


def _review_ids():
    """Review criteria: one per acting route (deactivate, activate), another for the edit page."""
    from lms.review.models import ReviewCriterion
    from lms.review.services import ensure_default_criteria

    ensure_default_criteria()
    db.session.commit()

    def criterion(code):
        return db.session.scalar(db.select(ReviewCriterion.id).where(ReviewCriterion.code == code))

    return {
        "criterion_edit": criterion("content_accuracy"),
        "criterion_deactivate": criterion("accessibility"),
        "criterion_activate": criterion("licensing"),
    }


def _material_ids():
    """Materials of gv.toan (the matrix's teacher), one per route that acts (see materials.py)."""
    from tests.permission_matrix.materials import build_material_ids

    return build_material_ids()


def _question_ids():
    """Questions and imports of gv.toan, one per route that acts (see questions.py)."""
    from tests.permission_matrix.questions import build_question_ids

    return build_question_ids()


def _work_ids():
    """Handed-in work, an essay to grade and a question about the work (see assignments_work.py)."""
    from tests.permission_matrix.assignments_work import build_work_ids

    return build_work_ids()


def _quiz_ids():
    """Quizzes of gv.toan for 6A1 and attempts of hs.6a1.01, one per route that acts (see assignments_api.py)."""
    from tests.permission_matrix.assignments_api import build_quiz_ids

    return build_quiz_ids()
