"""Who may do what with accounts. Predicates take the user explicitly."""

from .models import Role


def is_signed_in(user):
    return bool(user and user.is_authenticated)


def is_district_admin(user):
    return is_signed_in(user) and user.role == Role.DISTRICT_ADMIN


def is_school_admin(user):
    return is_signed_in(user) and user.role == Role.SCHOOL_ADMIN


def is_teacher(user):
    return is_signed_in(user) and user.role == Role.TEACHER


def is_student(user):
    return is_signed_in(user) and user.role == Role.STUDENT


def is_reviewer(user):
    return is_signed_in(user) and user.role == Role.REVIEWER


def can_manage_user(actor, user):
    """District admins manage anyone; a school admin manages the students and teachers of their school."""
    if is_district_admin(actor):
        return True
    return (
        is_school_admin(actor)
        and user.school_id == actor.school_id
        and user.role in (Role.STUDENT, Role.TEACHER, Role.PARENT)
    )
