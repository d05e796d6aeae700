"""Predicates about schools, classes and subject groups: "administers", "teaches", "reviews subject",
and one per administrative action. Views (route level and after loading), templates, services and
tests ask the same ones; services refuse with 403 what they say no to."""

from ..accounts.models import Role
from ..accounts.permissions import can_manage_user, is_district_admin, is_school_admin, is_signed_in
from ..core.cache import memo
from ..extensions import db


class _System:
    """The deployment itself: `flask lms` commands (init, import-users) and the demo seeding, run
    by whoever operates the server, before any administrator may exist.

    Services take it as their actor where no person acts. It is a named object rather than
    `actor=None` so that a missing user can never pass for it by accident, and so that every such
    call can be found by searching for SYSTEM. No predicate knows it: only `allows` lets it pass,
    so templates and views, which only ever see people, ask exactly the questions they always did.
    """

    is_authenticated = False
    role = None
    school_id = None
    id = None

    def __repr__(self):
        return "SYSTEM"


SYSTEM = _System()


def allows(predicate, actor, *args):
    """What a service asks before it writes: the system may do anything, a person what the
    predicate says."""
    return actor is SYSTEM or bool(predicate(actor, *args))


def administers(user, school):
    """District admins administer every school; a school admin only their own."""
    if school is None:
        return False
    return is_district_admin(user) or (is_school_admin(user) and user.school_id == school.id)


can_manage_school = administers


# --- the district office's pages ------------------------------------------------------------------

def can_manage_schools(user):
    """Adding and renaming schools."""
    return is_district_admin(user)


def can_manage_groups(user):
    """The district subject groups and who belongs to them."""
    return is_district_admin(user)


def can_manage_topics(user):
    """The topic catalogue (chapters and lessons)."""
    return is_district_admin(user)


def can_manage_all_accounts(user):
    """Every account of the district, of any role and school (a school admin manages some accounts
    of their own school: see `can_manage_user`)."""
    return is_district_admin(user)


def can_list_users(user):
    return is_district_admin(user) or is_school_admin(user)


# --- a school's classes, enrolments and teaching ---------------------------------------------------

def can_manage_own_school(user):
    """The school admin's pages (classes, teachers, students, the student import), which act on
    the school the admin belongs to."""
    return is_school_admin(user) and user.school_id is not None


def can_manage_classrooms(user, school):
    """Creating classes in a school: whoever administers it."""
    return administers(user, school)


def can_manage_classroom(user, classroom):
    """A class, its enrolments and its teaching assignments; for anyone else it does not exist."""
    return classroom is not None and can_manage_classrooms(user, classroom.school)


def can_enroll(user, student, classroom):
    """Putting a student in (or taking them out of) a class."""
    return can_manage_classroom(user, classroom) and student is not None and can_manage_user(user, student)


def can_assign_teaching(user, teacher, classroom):
    return can_manage_classroom(user, classroom) and teacher is not None and can_manage_user(user, teacher)


def can_manage_teaching(user, teaching):
    return teaching is not None and can_manage_classroom(user, teaching.classroom)


def can_import_students(user, school):
    """A bulk student import creates student accounts, classes and enrolments in one school."""
    return can_assign_role(user, Role.STUDENT, school) and can_manage_classrooms(user, school)


def can_link_parents(user, student):
    """Link parents to a student, or unlink them: the admins of the student's school."""
    return student is not None and student.role == Role.STUDENT and administers(user, student.school)


def can_see_import(user, record):
    """An import exists only for the admins of its school (404 for anyone else)."""
    return record is not None and administers(user, record.school)


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


# --- accounts ------------------------------------------------------------------------------------

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


def can_edit_account(actor, user, role, school):
    """Changing an account so that it has this role in this school."""
    return user is not None and can_manage_user(actor, user) and can_assign_role(actor, role, school)


def assignable_roles(actor):
    return [role for role in Role if can_assign_role(actor, role, getattr(actor, "school", None))]
