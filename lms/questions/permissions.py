"""Who may do what with the question bank. Predicates take the user explicitly; views, the API, the
templates (as Jinja globals) and the tests ask the same ones.

Seeing a question is the review engine's rule (`review.permissions.can_view`): an approved
question for every signed-in user; the owner, the reviewers concerned, the school's admins and the
district admin beyond that (everyone else gets 404). Answers are for staff only: a student or a
parent who fetches an approved question gets what a student's browser may receive
(`types.public`), never the correct answers, weights or explanation.
"""

from ..accounts.models import Role
from ..accounts.permissions import is_district_admin, is_reviewer, is_signed_in, is_teacher
from ..review import permissions as review_perms
from ..review.workflow import UNDER_REVIEW, Action, State
from . import images, types

EDITABLE_STATES = {State.DRAFT, State.CHANGES_REQUESTED, State.WITHDRAWN, State.APPROVED}
STAFF = {Role.TEACHER, Role.SCHOOL_ADMIN, Role.REVIEWER, Role.DISTRICT_ADMIN}


def is_staff(user):
    return is_signed_in(user) and user.role in STAFF


def can_author(user):
    """Teachers write and import questions (DESIGN.md)."""
    return is_teacher(user)


def can_browse_bank(user):
    """The shared bank (with answers) is for staff building tests, never for students or parents."""
    return is_staff(user)


def can_view(user, question):
    return review_perms.can_view(user, question)


def sees_all_versions(user, question):
    """The owner and the staff the review concerns see every version; others the published one."""
    return review_perms.concerns(user, question)


def sees_answers(user, question):
    """Answers, weights and explanations: staff who may see the question; never a student."""
    return is_staff(user) and can_view(user, question)


def visible_version(user, question):
    if sees_all_versions(user, question):
        return question.current_version
    if question.is_published():
        return question.published_version
    return None


def can_view_version(user, question, version):
    if version is None or version.question_id != question.id or not can_view(user, question):
        return False
    if sees_all_versions(user, question):
        return True
    return question.is_published() and version.id == question.published_version_id


def may_see_image(user, question, file_id):
    """Whether the picture `file_id` may be sent to `user` as one of `question`'s (the page's
    /questions/<id>/images/<file id> and the API's /api/v1/questions/<id>/images/<file id>): a
    version the user may see refers to it by its stem or what students receive (options,
    statements, matching items), or, for those who see the answers, by its answers or
    explanation (questions/images.py). The caller has checked `can_view`."""
    answers = sees_answers(user, question)
    public = types.get(question.qtype).public
    return any(can_view_version(user, question, version) and images.visible_to(
        file_id, version.stem, public(version.data), version.data, version.explanation, answers)
        for version in question.versions)


def can_edit(user, question):
    """The owner edits (a new version) where the workflow allows `revise`: a draft, changes
    requested, withdrawn, or approved (the approved version stays published meanwhile)."""
    return review_perms.may(user, question, Action.REVISE)


def can_export(user):
    return can_browse_bank(user)


def can_import(user):
    return can_author(user)


def owns_import(user, record):
    return is_signed_in(user) and record is not None and record.owner_id == user.id


def can_view_import(user, record):
    """The teacher who uploaded it; once confirmed, also the staff who review its subject (the
    bulk review page) and the district admin."""
    if owns_import(user, record):
        return True
    if record is None or record.state != "confirmed" or not is_signed_in(user):
        return False
    return is_district_admin(user) or can_bulk_review(user, record)


def can_bulk_review(user, record):
    """Reviewers of the set's subject (the district admin too) decide a set on one page."""
    from ..schools.permissions import reviews_subject

    if not is_signed_in(user) or record is None or record.owner_id == user.id:
        return False
    return is_district_admin(user) or (is_reviewer(user) and reviews_subject(user, record.subject))


def in_pool_for(user, question):
    """Whether the reviewer could take this question now (claim it or decide it)."""
    return question.state in UNDER_REVIEW and (review_perms.can_claim(user, question)
                                               or review_perms.can_decide(user, question))


PREDICATES = {
    "can_author_question": can_author,
    "can_browse_question_bank": can_browse_bank,
    "can_view_question": can_view,
    "sees_question_answers": sees_answers,
    "sees_all_question_versions": sees_all_versions,
    "can_edit_question": can_edit,
    "can_export_questions": can_export,
    "can_import_questions": can_import,
    "can_bulk_review_questions": can_bulk_review,
}
