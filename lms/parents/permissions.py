"""What a parent may see: their linked children, nothing else (another family's child is 404).
Nothing here allows a write: every page of this feature is read-only."""

from ..accounts.models import Role
from ..schools import guardians


def is_parent(user):
    return getattr(user, "is_authenticated", False) and user.role == Role.PARENT


def can_follow(user, student):
    """The parent is linked to this student."""
    return is_parent(user) and student is not None and guardians.is_parent_of(user, student.id)
