"""Predicates about schools, classes and subject groups: "administers", "teaches", "reviews subject"."""

from ..accounts.models import Role
from ..accounts.permissions import is_district_admin, is_school_admin, is_signed_in
from ..extensions import db


def administers(user, school):
    """District admins administer every school; a school admin only their own."""
    if school is None:
        return False
    return is_district_admin(user) or (is_school_admin(user) and user.school_id == school.id)


can_manage_school = administers


def can_list_users(user):
    return is_district_admin(user) or is_school_admin(user)


def can_manage_classrooms(user):
    return is_school_admin(user) or is_district_admin(user)


def teaches(user, classroom, subject=None):
    from .models import Teaching

    if not is_signed_in(user) or user.role != Role.TEACHER or classroom is None:
        return False
    query = db.select(Teaching.id).where(
        Teaching.teacher_id == user.id, Teaching.classroom_id == classroom.id
    )
    if subject is not None:
        query = query.where(Teaching.subject_id == subject.id)
    return db.session.scalar(query.limit(1)) is not None


def reviews_subject(user, subject):
    """A reviewer reviews the subjects of the district groups they belong to."""
    from .models import SubjectGroup, subject_group_member

    if not is_signed_in(user) or user.role != Role.REVIEWER or subject is None:
        return False
    return db.session.scalar(
        db.select(SubjectGroup.id)
        .join(subject_group_member, subject_group_member.c.group_id == SubjectGroup.id)
        .where(subject_group_member.c.user_id == user.id, SubjectGroup.subject_id == subject.id)
        .limit(1)
    ) is not None
