"""Who may see and move a reviewable item. Predicates take the user explicitly and are used by the
services, the views, the API, the templates (as Jinja globals) and the tests.

The state machine (workflow.py) decides from the actor's relations to the item; this module works
out those relations and adds the rules the table cannot express (nobody claims their own item, an
approved item is resubmitted only with a newer version).
"""

from ..accounts.permissions import is_district_admin, is_reviewer, is_school_admin, is_signed_in
from ..extensions import db
from ..schools.permissions import reviews_subject
from .workflow import DECISIONS, UNDER_REVIEW, Action, Relation, State, TransitionRefused, transition


def relations(user, item):
    """The set of Relation the user holds towards the item. Owning an item excludes reviewing it."""
    found = set()
    if not is_signed_in(user) or item is None:
        return found
    if item.owner_id == user.id:
        found.add(Relation.OWNER)
    else:
        if reviews_subject(user, item.subject):
            found.add(Relation.REVIEWER)
        if item.claimed_by_id is not None and item.claimed_by_id == user.id:
            found.add(Relation.CLAIMANT)
    if is_district_admin(user):
        found.add(Relation.DISTRICT_ADMIN)
    return found


def has_reviewed(user, item):
    from .models import Review

    return db.session.scalar(db.select(Review.id).where(
        Review.item_type == item.ITEM_TYPE, Review.item_id == item.id,
        Review.reviewer_id == user.id).limit(1)) is not None


def has_unreviewed_version(item):
    """Whether the item's current version is newer than the last one approved."""
    from .models import WorkflowEvent

    current = item.current_version_number()
    if current is None:
        return False
    approved = db.session.scalar(db.select(db.func.max(WorkflowEvent.version_number)).where(
        WorkflowEvent.item_type == item.ITEM_TYPE, WorkflowEvent.item_id == item.id,
        WorkflowEvent.action == Action.APPROVE.value))
    return approved is None or current > approved


def can_view(user, item):
    """Visibility (issue 3): published items for every signed-in user; the owner in every state;
    reviewers what waits in their groups' pools and what they claimed or decided; school admins
    their school's items; the district admin everything. Anything else is a 404."""
    if not is_signed_in(user) or item is None:
        return False
    return item.is_published() or concerns(user, item)


def concerns(user, item):
    """Whether the item's review concerns the user, published or not: its owner, the district
    admin, the admins of its school, the reviewers of its pool and whoever claimed or decided it."""
    if not is_signed_in(user) or item is None:
        return False
    if item.owner_id == user.id or is_district_admin(user):
        return True
    if is_school_admin(user):
        return item.school_id is not None and item.school_id == user.school_id
    if is_reviewer(user):
        if item.state in UNDER_REVIEW and reviews_subject(user, item.subject):
            return True
        return item.claimed_by_id == user.id or has_reviewed(user, item)
    return False


def can_see_history(user, item):
    """The review history (who reviewed, their comments and reasons) is for the staff the review
    concerns and the owner (issue 7): a student, a parent or a teacher who sees a published item
    sees the item, not how it was appraised. The history API answers them 403."""
    return concerns(user, item)


def check_transition(user, item, action):
    """Return the state `action` leads to, or raise TransitionRefused (reason "state" or
    "permission"). The one decision behind every can_* predicate and every service."""
    action = Action(action)
    rels = relations(user, item)
    target = transition(item.state, action, rels)
    if action == Action.CLAIM and Relation.OWNER in rels:
        raise TransitionRefused(item.state, action, "permission")
    if action == Action.SUBMIT and item.state == State.APPROVED and not has_unreviewed_version(item):
        raise TransitionRefused(item.state, action, "state")
    return target


def may(user, item, action):
    if not is_signed_in(user) or item is None:
        return False
    try:
        check_transition(user, item, action)
    except TransitionRefused:
        return False
    return True


def can_submit(user, item):
    return may(user, item, Action.SUBMIT)


def can_withdraw(user, item):
    return may(user, item, Action.WITHDRAW)


def can_claim(user, item):
    return may(user, item, Action.CLAIM)


def can_release(user, item):
    return may(user, item, Action.RELEASE)


def can_decide(user, item):
    return any(may(user, item, action) for action in DECISIONS)


def can_reassign(user, item):
    return may(user, item, Action.REASSIGN)


def can_revise(user, item):
    return may(user, item, Action.REVISE)


def can_manage_criteria(user):
    return is_district_admin(user)


def can_use_queue(user):
    """The review queue page and API: reviewers and the district admin."""
    return is_reviewer(user) or is_district_admin(user)


def can_see_all_queues(user):
    return is_district_admin(user)


def can_be_assigned(user, item):
    """Whether the district admin may hand the item to this user: a reviewer of its subject who
    does not own it."""
    return Relation.REVIEWER in relations(user, item)


PREDICATES = {
    "can_view": can_view, "can_submit": can_submit, "can_withdraw": can_withdraw,
    "can_claim": can_claim, "can_release": can_release, "can_decide": can_decide,
    "can_reassign": can_reassign, "can_revise": can_revise,
    "can_manage_criteria": can_manage_criteria, "can_use_queue": can_use_queue,
    "can_see_all_queues": can_see_all_queues, "can_see_history": can_see_history,
}
