"""The review workflow, one pure state machine for materials and questions (DESIGN.md).

    draft --submit--> submitted --claim--> in_review --approve--> approved
                        |  ^                  |  |--request_changes--> changes_requested
                        |  +-----release------+  +--reject--> rejected
                        +--withdraw--> draft
    changes_requested --revise (new version)--> draft;  changes_requested/rejected --withdraw--> draft
    approved --withdraw (owner or district admin)--> withdrawn
    withdrawn --revise--> draft;  draft --revise--> draft
    approved --revise--> approved (the approved version stays published)
    approved --submit--> submitted (a newer version goes to review; the caller checks there is one)
    submitted/in_review --reassign (district admin)--> in_review (claimed by the chosen reviewer)

No database, no Flask: `transition(state, action, relation)` answers the next state or raises
`TransitionRefused` naming the current state. Who the actor is relative to the item (its owner, a
reviewer of its subject group, the district admin) is decided by the caller and passed in.
"""

import enum


def N_(text):
    """Marks a label for translation extraction; templates translate it with _() when shown."""
    return text


class State(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Action(enum.StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    CLAIM = "claim"
    RELEASE = "release"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    REVISE = "revise"
    REASSIGN = "reassign"


class Relation(enum.StrEnum):
    OWNER = "owner"
    REVIEWER = "reviewer"  # member of the item's subject group, not its owner
    CLAIMANT = "claimant"  # the reviewer who claimed it
    DISTRICT_ADMIN = "district_admin"


STATE_LABELS = {
    State.DRAFT: N_("Bản nháp"),
    State.SUBMITTED: N_("Đã gửi, chờ thẩm định"),
    State.IN_REVIEW: N_("Đang thẩm định"),
    State.APPROVED: N_("Đã duyệt"),
    State.CHANGES_REQUESTED: N_("Cần chỉnh sửa"),
    State.REJECTED: N_("Bị từ chối"),
    State.WITHDRAWN: N_("Đã rút"),
}

# (from state, action) -> (to state, relations allowed to take it)
TABLE = {
    (State.DRAFT, Action.SUBMIT): (State.SUBMITTED, {Relation.OWNER}),
    (State.SUBMITTED, Action.WITHDRAW): (State.DRAFT, {Relation.OWNER}),
    (State.SUBMITTED, Action.CLAIM): (State.IN_REVIEW, {Relation.REVIEWER, Relation.DISTRICT_ADMIN}),
    (State.SUBMITTED, Action.REASSIGN): (State.IN_REVIEW, {Relation.DISTRICT_ADMIN}),
    (State.IN_REVIEW, Action.RELEASE): (State.SUBMITTED, {Relation.CLAIMANT, Relation.DISTRICT_ADMIN}),
    (State.IN_REVIEW, Action.REASSIGN): (State.IN_REVIEW, {Relation.DISTRICT_ADMIN}),
    (State.IN_REVIEW, Action.WITHDRAW): (State.DRAFT, {Relation.OWNER}),
    (State.IN_REVIEW, Action.APPROVE): (State.APPROVED, {Relation.CLAIMANT}),
    (State.IN_REVIEW, Action.REQUEST_CHANGES): (State.CHANGES_REQUESTED, {Relation.CLAIMANT}),
    (State.IN_REVIEW, Action.REJECT): (State.REJECTED, {Relation.CLAIMANT}),
    (State.DRAFT, Action.REVISE): (State.DRAFT, {Relation.OWNER}),
    (State.CHANGES_REQUESTED, Action.REVISE): (State.DRAFT, {Relation.OWNER}),
    (State.CHANGES_REQUESTED, Action.SUBMIT): (State.SUBMITTED, {Relation.OWNER}),
    (State.CHANGES_REQUESTED, Action.WITHDRAW): (State.DRAFT, {Relation.OWNER}),
    (State.REJECTED, Action.WITHDRAW): (State.DRAFT, {Relation.OWNER}),
    (State.APPROVED, Action.WITHDRAW): (State.WITHDRAWN, {Relation.OWNER, Relation.DISTRICT_ADMIN}),
    (State.APPROVED, Action.REVISE): (State.APPROVED, {Relation.OWNER}),
    (State.APPROVED, Action.SUBMIT): (State.SUBMITTED, {Relation.OWNER}),
    (State.WITHDRAWN, Action.REVISE): (State.DRAFT, {Relation.OWNER}),
}

ACTION_LABELS = {
    Action.SUBMIT: N_("Gửi thẩm định"),
    Action.WITHDRAW: N_("Rút lại"),
    Action.CLAIM: N_("Nhận thẩm định"),
    Action.RELEASE: N_("Trả lại hàng đợi"),
    Action.APPROVE: N_("Duyệt"),
    Action.REQUEST_CHANGES: N_("Yêu cầu chỉnh sửa"),
    Action.REJECT: N_("Từ chối"),
    Action.REVISE: N_("Cập nhật phiên bản mới"),
    Action.REASSIGN: N_("Giao lại người thẩm định"),
}

DECISIONS = (Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT)
# Where an item waits for a reviewer (the subject group's pool) or is being reviewed.
UNDER_REVIEW = {State.SUBMITTED, State.IN_REVIEW}

# Decisions that need a reason code and a note the author sees.
NEEDS_REASON = {Action.REQUEST_CHANGES, Action.REJECT}
REASON_CODES = {
    "licensing": N_("Bản quyền và ghi nguồn"),
    "content_accuracy": N_("Độ chính xác của nội dung"),
    "curriculum_fit": N_("Phù hợp chương trình GDPT 2018"),
    "technical_quality": N_("Chất lượng kĩ thuật"),
    "metadata": N_("Thông tin mô tả"),
    "other": N_("Lí do khác"),
}


class TransitionRefused(Exception):
    """Raised for a transition the current state (or the actor's relation) does not allow."""

    def __init__(self, state, action, reason="state"):
        self.state, self.action, self.reason = State(state), Action(action), reason
        label, verb = STATE_LABELS[self.state], ACTION_LABELS[self.action]
        if reason == "state":
            message = f"Không thể '{verb}' khi mục đang ở trạng thái '{label}' ({self.state.value})."
        else:
            message = f"Bạn không được '{verb}' mục này ở trạng thái '{label}'."
        super().__init__(message)
        self.message = message


def allowed_actions(state, relations):
    """The actions `relations` may take from `state` (for buttons and the API)."""
    relations = set(relations)
    return [action for (src, action), (_dst, who) in TABLE.items()
            if src == State(state) and who & relations]


# Relations an actor comes to hold through a transition: who may claim becomes the claimant.
BECOMES = {Relation.REVIEWER: {Relation.CLAIMANT}, Relation.DISTRICT_ADMIN: {Relation.CLAIMANT}}


def may_ever(action, relations):
    """Whether an actor holding `relations` could take `action` in some state, counting what it
    may become (a reviewer of the group who has not claimed the item yet may still decide it
    once claimed: deciding an unclaimed item is a matter of state, not of permission)."""
    relations = set(relations)
    for relation in list(relations):
        relations |= BECOMES.get(relation, set())
    return any(who & relations for (_src, act), (_dst, who) in TABLE.items() if act == Action(action))


def transition(state, action, relations):
    """Return the next state, or raise TransitionRefused.

    `relations` is the set of Relation values the actor holds towards the item. Permission comes
    first: an action the actor could take from no state at all is refused with reason "permission"
    (HTTP 403), whatever the state (a school admin withdrawing a teacher's draft is not told about
    states). Then a state that has no such action is refused with reason "state" (HTTP 409), and an
    action the state allows but the actor may not take there with reason "permission" (HTTP 403).
    """
    state, action = State(state), Action(action)
    relations = set(relations)
    if not may_ever(action, relations):
        raise TransitionRefused(state, action, "permission")
    entry = TABLE.get((state, action))
    if entry is None:
        raise TransitionRefused(state, action, "state")
    target, who = entry
    if not (who & relations):
        raise TransitionRefused(state, action, "permission")
    return target

