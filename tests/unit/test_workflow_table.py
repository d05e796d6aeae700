"""The review state machine: every state × every action × every relation.

The expectations are written out here by hand from DESIGN.md and issue 3 (plus the extensions
documented in workflow.py), not derived from workflow.TABLE, so a change to the table has to be
made twice, on purpose.
"""

import itertools

import pytest

from lms.review import workflow
from lms.review.workflow import Action, Relation, State, TransitionRefused, allowed_actions, transition

STATES = ["draft", "submitted", "in_review", "approved", "changes_requested", "rejected", "withdrawn"]
ACTIONS = ["submit", "withdraw", "claim", "release", "approve", "request_changes", "reject", "revise",
           "reassign"]
RELATIONS = ["owner", "reviewer", "claimant", "district_admin"]

# (state, action) -> (next state, who may take it). Everything not listed is refused for everyone.
EXPECTED = {
    ("draft", "submit"): ("submitted", {"owner"}),
    ("draft", "revise"): ("draft", {"owner"}),
    ("submitted", "withdraw"): ("draft", {"owner"}),
    ("submitted", "claim"): ("in_review", {"reviewer", "district_admin"}),
    ("submitted", "reassign"): ("in_review", {"district_admin"}),
    ("in_review", "withdraw"): ("draft", {"owner"}),
    ("in_review", "release"): ("submitted", {"claimant", "district_admin"}),
    ("in_review", "reassign"): ("in_review", {"district_admin"}),
    ("in_review", "approve"): ("approved", {"claimant"}),
    ("in_review", "request_changes"): ("changes_requested", {"claimant"}),
    ("in_review", "reject"): ("rejected", {"claimant"}),
    ("approved", "withdraw"): ("withdrawn", {"owner", "district_admin"}),
    ("approved", "revise"): ("approved", {"owner"}),
    ("approved", "submit"): ("submitted", {"owner"}),
    ("changes_requested", "submit"): ("submitted", {"owner"}),
    ("changes_requested", "withdraw"): ("draft", {"owner"}),
    ("changes_requested", "revise"): ("draft", {"owner"}),
    ("rejected", "withdraw"): ("draft", {"owner"}),
    ("withdrawn", "revise"): ("draft", {"owner"}),
}


def test_the_enums_are_the_ones_this_table_covers():
    assert [s.value for s in State] == STATES
    assert [a.value for a in Action] == ACTIONS
    assert [r.value for r in Relation] == RELATIONS


@pytest.mark.parametrize(("state", "action", "relation"), list(itertools.product(STATES, ACTIONS, RELATIONS)))
def test_every_state_action_relation(state, action, relation):
    entry = EXPECTED.get((state, action))
    if entry is not None and relation in entry[1]:
        assert transition(state, action, {Relation(relation)}) == State(entry[0])
        return
    with pytest.raises(TransitionRefused) as refused:
        transition(state, action, {Relation(relation)})
    error = refused.value
    # Permission first: a relation that may take the action from no state is refused as such
    # (403) whatever the state; only one that may take it somewhere hears about the state (409).
    if not may_ever(action, relation):
        assert error.reason == "permission"
    else:
        assert error.reason == ("state" if entry is None else "permission")
    assert error.state == State(state) and error.action == Action(action)
    assert workflow.STATE_LABELS[State(state)] in error.message  # the current state is named


def may_ever(action, relation):
    # A reviewer of the group and the district admin may claim, and so come to decide as claimant.
    held = {relation, "claimant"} if relation in ("reviewer", "district_admin") else {relation}
    return any(held & who for (_state, act), (_to, who) in EXPECTED.items() if act == action)


def test_permission_comes_before_the_state():
    # A school admin holds no relation to a teacher's draft: 403, never "not in this state" (issue 7).
    for action in ACTIONS:
        with pytest.raises(TransitionRefused) as refused:
            transition("draft", action, set())
        assert refused.value.reason == "permission"
    # The owner never claims or decides, in any state; a reviewer never submits or withdraws.
    for state in STATES:
        for action, relation in [("claim", "owner"), ("approve", "owner"), ("release", "owner"),
                                 ("submit", "reviewer"), ("withdraw", "reviewer"), ("revise", "claimant")]:
            with pytest.raises(TransitionRefused) as refused:
                transition(state, action, {Relation(relation)})
            assert refused.value.reason == "permission", (state, action, relation)
    # Someone who may claim, asked to claim a draft or to decide before claiming, is told about
    # the state.
    for state, action in [("draft", "claim"), ("submitted", "approve"), ("draft", "reject")]:
        with pytest.raises(TransitionRefused) as refused:
            transition(state, action, {Relation.REVIEWER})
        assert refused.value.reason == "state"


@pytest.mark.parametrize(("state", "action"), list(itertools.product(STATES, ACTIONS)))
def test_nobody_without_a_relation(state, action):
    with pytest.raises(TransitionRefused) as refused:
        transition(state, action, set())
    assert refused.value.reason == "permission"


@pytest.mark.parametrize(("state", "relation"), list(itertools.product(STATES, RELATIONS)))
def test_allowed_actions_lists_exactly_the_allowed(state, relation):
    expected = {action for (s, action), (_to, who) in EXPECTED.items() if s == state and relation in who}
    assert {a.value for a in allowed_actions(state, {Relation(relation)})} == expected


def test_several_relations_combine():
    # The district admin who also claimed the item may decide it as its claimant.
    both = {Relation.DISTRICT_ADMIN, Relation.CLAIMANT}
    assert transition("in_review", "approve", both) == State.APPROVED
    assert transition("approved", "withdraw", {Relation.OWNER, Relation.DISTRICT_ADMIN}) == State.WITHDRAWN


def test_unknown_names_are_errors_not_refusals():
    with pytest.raises(ValueError):
        transition("archived", "submit", {Relation.OWNER})
    with pytest.raises(ValueError):
        transition("draft", "publish", {Relation.OWNER})


def test_decisions_and_reasons():
    assert {a.value for a in workflow.DECISIONS} == {"approve", "request_changes", "reject"}
    assert {a.value for a in workflow.NEEDS_REASON} == {"request_changes", "reject"}
    assert set(workflow.REASON_CODES) == {"licensing", "content_accuracy", "curriculum_fit",
                                          "technical_quality", "metadata", "other"}
