"""Predicates about schools, classes and subject groups: "administers", "teaches", "reviews subject"."""

from ..accounts.models import Role
from ..accounts.permissions import is_district_admin, is_school_admin, is_signed_in
from ..core.cache import memo
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


def reviewed_subject_ids(user):
    """The ids of the subjects whose district groups the user belongs to: asked once per request
    (core.cache.memo), however many rows of a queue ask `reviews_subject`."""
    from .models import SubjectGroup, subject_group_member

    return memo(("reviewed_subject_ids", user.id), lambda: frozenset(db.session.scalars(
        db.select(SubjectGroup.subject_id)
        .join(subject_group_member, subject_group_member.c.group_id == SubjectGroup.id)
        .where(subject_group_member.c.user_id == user.id))))


def reviews_subject(user, subject):
    """A reviewer reviews the subjects of the district groups they belong to."""
    if not is_signed_in(user) or user.role != Role.REVIEWER or subject is None:
        return False
    return subject.id in reviewed_subject_ids(user)


def can_manage_classroom(user, classroom):
    """A school admin manages the classes of their own school; for anyone else they do not exist."""
    return is_school_admin(user) and classroom is not None and administers(user, classroom.school)


def can_manage_teaching(user, teaching):
    return teaching is not None and can_manage_classroom(user, teaching.classroom)


def can_see_user(actor, user):
    """Whether the account exists for the actor at all (404 otherwise): a district admin sees
    everyone, a school admin the accounts of their school."""
    if user is None:
        return False
    return is_district_admin(actor) or (is_school_admin(actor) and user.school_id == actor.school_id)


# Roles a school admin may give: the accounts of their school they manage day to day.
SCHOOL_ADMIN_ROLES = (Role.STUDENT, Role.TEACHER)


def can_assign_role(actor, role, school):
    """Creating or editing an account with this role in this school (None: no school)."""
    if is_district_admin(actor):
        return True
    return (is_school_admin(actor) and role in SCHOOL_ADMIN_ROLES and school is not None
            and school.id == actor.school_id)


def assignable_roles(actor):
    return [role for role in Role if can_assign_role(actor, role, getattr(actor, "school", None))]
