"""Who may do what with materials. Predicates take the user explicitly; views, the API, the
templates (as Jinja globals) and the tests ask the same ones.

Seeing a material is the review engine's rule (`review.permissions.can_view`): published for every
signed-in user; the owner, the reviewers concerned, the school's admins and the district admin
beyond that. Those who see a material only because it is published see only its published
version; the others see every version.
"""

from ..accounts.permissions import (
    is_district_admin,
    is_reviewer,
    is_school_admin,
    is_signed_in,
    is_teacher,
)
from ..review import permissions as review_perms
from ..review.workflow import UNDER_REVIEW, Action, State
from ..schools.permissions import reviews_subject

EDITABLE_STATES = {State.DRAFT, State.CHANGES_REQUESTED, State.REJECTED, State.WITHDRAWN}


def can_upload(user):
    """Teachers build the repository (DESIGN.md: teachers upload materials)."""
    return is_teacher(user)


def can_browse_library(user):
    return is_signed_in(user)


def can_view(user, material):
    return review_perms.can_view(user, material)


def sees_all_versions(user, material):
    """Whether the user would see the material even if it were not published (mirrors
    review.permissions.can_view without its "published" clause)."""
    if not is_signed_in(user) or material is None:
        return False
    if material.owner_id == user.id or is_district_admin(user):
        return True
    if is_school_admin(user):
        return material.school_id is not None and material.school_id == user.school_id
    if is_reviewer(user):
        if material.state in UNDER_REVIEW and reviews_subject(user, material.subject):
            return True
        return material.claimed_by_id == user.id or review_perms.has_reviewed(user, material)
    return False


def sees_only_published(user, owner_id, school_id):
    """Whether `user` sees a published material exactly as every reader does (its published
    version alone), decided from its owner and school without a query: false for everyone
    `sees_all_versions` may answer true for (the owner, the school's admins, reviewers, the
    district admin). Shared answers (queries.library_cache) are served only to these users."""
    if not is_signed_in(user) or is_district_admin(user) or is_reviewer(user) or user.id == owner_id:
        return False
    return not (is_school_admin(user) and school_id is not None and school_id == user.school_id)


def can_view_version(user, material, version):
    if version is None or version.material_id != material.id or not can_view(user, material):
        return False
    if sees_all_versions(user, material):
        return True
    return material.is_published() and version.id == material.published_version_id


def visible_version(user, material):
    """The version this user is shown by default: the newest for those who see every version,
    else the published one."""
    if sees_all_versions(user, material):
        return material.latest_version
    if material.is_published():
        return material.published_version
    return None


def can_edit(user, material):
    """Metadata is edited by the owner while the material is with them (not under review, and
    not while its approved metadata is what the library shows)."""
    return (is_signed_in(user) and material.owner_id == user.id
            and State(material.state) in EDITABLE_STATES)


def can_add_version(user, material):
    """A new file is a revision: allowed where the workflow allows `revise`."""
    return review_perms.may(user, material, Action.REVISE)


def sees_version_details(user):
    """Staff see how a material was made: its versions, which one is published, who uploaded it
    and the file's name. Students and parents see the material itself, its author and licence."""
    return is_signed_in(user) and (is_teacher(user) or is_school_admin(user) or is_reviewer(user)
                                   or is_district_admin(user))


PREDICATES = {
    "sees_material_version_details": sees_version_details,
    "can_upload_material": can_upload,
    "can_view_material": can_view,
    "can_edit_material": can_edit,
    "can_add_material_version": can_add_version,
    "sees_all_material_versions": sees_all_versions,
}
