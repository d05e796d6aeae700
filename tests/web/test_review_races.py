"""Every pair of workflow transitions that can start from the same state, started together on one
material from two threads against the real database (file SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), several rounds each (issue 7.1).

The pairs come from workflow.TABLE, so a new transition is raced as soon as it exists. Both
threads read the material in the same state before either acts (a barrier), as two browsers
would; then exactly one must win, the other be refused (409, or 403 when the winner took its
right away, e.g. a release before the claimant's approval), exactly one event be recorded, and
the material end consistent: its state the winner's target, its version statuses and its
published version in step with that state.
"""

import threading

import pytest

from lms.accounts import services as account_services
from lms.accounts.models import Role
from lms.core.errors import DomainError
from lms.extensions import db
from lms.materials import services as material_services
from lms.materials.models import Material, VersionStatus
from lms.review import services as review_services
from lms.review.models import Review, WorkflowEvent
from lms.review.workflow import TABLE, Action, State
from lms.schools import services as school_services
from tests.materials_support import make_material, pdf_bytes, stored, user
from tests.review_support import subject

ROUNDS = 5


def same_state_pairs(state):
    """The transitions that start from `state`, in pairs (a transition with itself included)."""
    actions = [action for (src, action) in TABLE if src == state]
    return [(first, second) for i, first in enumerate(actions) for second in actions[i:]]


STATES_WITH_PAIRS = [state for state in State if same_state_pairs(state)]


def test_every_transition_is_in_some_pair():
    raced = {(state, action) for state in STATES_WITH_PAIRS for pair in same_state_pairs(state)
             for action in pair}
    assert raced == set(TABLE)


@pytest.fixture
def staff(app, demo, criteria):
    """The demo staff plus two more maths reviewers (claims and reassignments need three)."""
    extra = [account_services.create_user(name, full, Role.REVIEWER, "hoclieu-demo")
             for name, full in (("reviewer.toan2", "Đoàn Văn Hai"), ("reviewer.toan3", "Lý Thị Ba"))]
    group = school_services.group_for(user("admin"), subject("toan"))
    school_services.set_group_members(user("admin"), group, [*group.members, *extra])
    db.session.commit()


def material_in(state, round_no):
    """A committed material of gv.toan in `state`, walked there through the real services. An
    approved one also has a newer, unsubmitted version, so that it can be resubmitted."""
    material = make_material("approved" if state == State.WITHDRAWN else state.value,
                             title=f"Đua {state.value} {round_no}")
    if state == State.APPROVED:
        material_services.add_version(material, user("gv.toan"),
                                      stored(pdf_bytes(f"v2 {state} {round_no} {material.id}"), "v2.pdf"),
                                      "Bản sửa")
    if state == State.WITHDRAWN:
        review_services.withdraw(material, user("gv.toan"), "Gỡ xuống")
    db.session.commit()
    assert material.state == state.value
    return material.id


# Who takes each action in the first (slot 0) and the second (slot 1) thread. Two of the same
# action are taken by two people where the table allows it (two reviewers claim, the owner and
# the district admin withdraw an approved material), else by the same one (a double click).
def actor_of(action, slot, state):
    if action in (Action.SUBMIT, Action.REVISE):
        return "gv.toan"
    if action == Action.WITHDRAW:
        return "admin" if state == State.APPROVED and slot == 1 else "gv.toan"
    if action == Action.CLAIM:
        return ("reviewer.toan", "reviewer.toan2")[slot]
    if action == Action.RELEASE:
        return ("reviewer.toan", "admin")[slot]
    if action == Action.REASSIGN:
        return "admin"
    return "reviewer.toan"  # the claimant's decisions


def prepare(action, slot, state, material, tag):
    """What the thread will do, made before the barrier (files written, people loaded)."""
    actor = user(actor_of(action, slot, state))
    if action == Action.SUBMIT:
        return lambda: review_services.submit(material, actor)
    if action == Action.WITHDRAW:
        return lambda: review_services.withdraw(material, actor, "Rút lại")
    if action == Action.CLAIM:
        return lambda: review_services.claim(material, actor)
    if action == Action.RELEASE:
        return lambda: review_services.release(material, actor, "Trả lại")
    if action == Action.REASSIGN:
        target = user(("reviewer.toan2", "reviewer.toan3")[slot])
        return lambda: review_services.reassign(material, actor, target)
    if action == Action.REVISE:
        upload = stored(pdf_bytes(f"phiên bản {tag}"), f"moi-{slot}.pdf")
        return lambda: material_services.add_version(material, actor, upload, "Phiên bản mới")
    if action == Action.APPROVE:
        scores = {c.code: 3 for c in review_services.criteria()}
        return lambda: review_services.decide(material, actor, "approve", "Đạt.", scores)
    return lambda: review_services.decide(material, actor, action.value, "Thiếu nguồn ảnh.",
                                          reason_code="licensing")


def race(app, material_id, state, actions, tag):
    """Run the two actions at once; answer {slot: "won" | 409 | 403 | "error: ..."}."""
    barrier, outcomes = threading.Barrier(2), {}

    def run(slot, action):
        with app.app_context():
            try:
                material = db.session.get(Material, material_id)
                assert material.state == state.value
                do = prepare(action, slot, state, material, f"{tag} {slot}")
                barrier.wait(timeout=30)
                try:
                    do()
                    db.session.commit()
                    outcomes[slot] = "won"
                except DomainError as error:
                    db.session.rollback()
                    outcomes[slot] = error.status
            except Exception as error:  # noqa: BLE001  (reported by the test, not lost in a thread)
                db.session.rollback()
                outcomes[slot] = f"error: {error!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(slot, action)) for slot, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def inconsistencies(material):
    """What disagrees between the material's state, its versions' statuses and its published
    version (an empty list when nothing does)."""
    wrong = []
    state, latest = State(material.state), material.latest_version
    published = [v.number for v in material.versions if v.status == VersionStatus.PUBLISHED]
    shown = material.published_version.number if material.published_version is not None else None
    if published != ([shown] if shown is not None else []):
        wrong.append(f"published statuses {published} but published version {shown}")
    if state == State.APPROVED and shown is None:
        wrong.append("approved with nothing published")
    if state == State.WITHDRAWN and shown is not None:
        wrong.append("withdrawn but still published")
    expected_latest = {
        State.SUBMITTED: {VersionStatus.UNDER_REVIEW}, State.IN_REVIEW: {VersionStatus.UNDER_REVIEW},
        State.CHANGES_REQUESTED: {VersionStatus.CURRENT}, State.REJECTED: {VersionStatus.CURRENT},
        State.DRAFT: {VersionStatus.DRAFT, VersionStatus.CURRENT},
        State.APPROVED: {VersionStatus.PUBLISHED, VersionStatus.DRAFT},
        State.WITHDRAWN: {VersionStatus.CURRENT, VersionStatus.DRAFT},
    }[state]
    if latest.status not in expected_latest:
        wrong.append(f"{state.value} with its newest version {latest.status}")
    if state == State.IN_REVIEW and material.claimed_by_id is None:
        wrong.append("in review, claimed by nobody")
    if state == State.SUBMITTED and material.claimed_by_id is not None:
        wrong.append("in the pool, yet claimed")
    return wrong


def counts(material_id):
    return (db.session.scalar(db.select(db.func.count(WorkflowEvent.id)).where(
                WorkflowEvent.item_type == "material", WorkflowEvent.item_id == material_id)),
            db.session.scalar(db.select(db.func.count(Review.id)).where(
                Review.item_type == "material", Review.item_id == material_id)))


@pytest.mark.parametrize("state", STATES_WITH_PAIRS, ids=lambda s: s.value)
def test_two_transitions_at_once_one_wins(app, staff, state):
    wrong = []
    for first, second in same_state_pairs(state):
        for round_no in range(ROUNDS):
            label = f"{state.value}: {first.value} + {second.value} (round {round_no + 1})"
            material_id = material_in(state, f"{first.value}-{second.value}-{round_no}")
            before = db.session.get(Material, material_id)
            lock_version, versions = before.lock_version, len(before.versions)
            events, reviews = counts(material_id)
            db.session.remove()  # the threads read the material afresh, as two requests would

            outcomes = race(app, material_id, state, (first, second), f"{label} {material_id}")
            won = [slot for slot, outcome in outcomes.items() if outcome == "won"]
            refused = [outcome for outcome in outcomes.values() if outcome in (409, 403)]
            if len(won) != 1 or len(refused) != 1:
                wrong.append(f"{label}: {outcomes}")
                continue
            winner = (first, second)[won[0]]
            material = db.session.get(Material, material_id)
            after_events, after_reviews = counts(material_id)
            problems = inconsistencies(material)
            if after_events != events + 1:
                problems.append(f"{after_events - events} events recorded")
            if material.state != TABLE[(state, winner)][0].value:
                problems.append(f"ended {material.state} after {winner.value}")
            if material.lock_version != lock_version + 1:
                problems.append(f"lock_version {lock_version} → {material.lock_version}")
            if len(material.versions) != versions + (winner == Action.REVISE):
                problems.append(f"{len(material.versions) - versions} new versions")
            if after_reviews != reviews + (winner in (Action.APPROVE, Action.REQUEST_CHANGES, Action.REJECT)):
                problems.append(f"{after_reviews - reviews} new reviews")
            last = review_services.history(material)[-1]
            if last.action != winner.value:
                problems.append(f"last event {last.action}, winner {winner.value}")
            if problems:
                wrong.append(f"{label}, {winner.value} won: " + "; ".join(problems))
            db.session.remove()
    assert not wrong, "\n".join(wrong)


def send(app, barrier, statuses, url, body, headers, key):
    client = app.test_client()
    barrier.wait(timeout=30)
    statuses[key] = client.post(url, json=body, headers=headers).status_code


def test_approve_and_withdraw_through_the_api(app, staff):
    """The reported case, end to end: the claimant's approval and the owner's withdrawal sent at
    once, each with the lock_version both read (as the web forms send it), answer one 200 and one
    refusal, every round (409 for a withdrawal that lost, or an approval that found the item
    changed; 403 for an approval that lost, since the reviewer no longer holds the draft, or 404
    when the draft was already back with its owner as the approval was loaded), and the material
    is either approved and published or back in draft with nothing published. (Without the
    lock_version a withdrawal that arrives after the approval has committed is a new, valid
    request: it takes the approved item out of the library; see the test below.)"""
    from tests.conftest import api_token, bearer

    tokens = {name: bearer(api_token(app.test_client(), name)) for name in ("gv.toan", "reviewer.toan")}
    scores = {c.code: 3 for c in review_services.criteria()}
    for round_no in range(ROUNDS):
        material_id = material_in(State.IN_REVIEW, f"api {round_no}")
        seen = db.session.get(Material, material_id).lock_version
        db.session.remove()
        base = f"/api/v1/materials/{material_id}"
        calls = [("reviewer.toan", "review", {"decision": "approve", "comment": "Đạt.", "scores": scores,
                                              "lock_version": seen}),
                 ("gv.toan", "withdraw", {"comment": "Rút để sửa", "lock_version": seen})]
        barrier, statuses = threading.Barrier(2), {}
        threads = [threading.Thread(target=send, args=(app, barrier, statuses, f"{base}/{action}", body,
                                                       tokens[name], action))
                   for name, action, body in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(statuses.values()) in ([200, 403], [200, 404], [200, 409]), statuses
        assert statuses["withdraw"] in (200, 409), statuses
        material = db.session.get(Material, material_id)
        assert material.state == ("approved" if statuses["review"] == 200 else "draft")
        assert material.is_published() == (material.state == "approved")
        assert not inconsistencies(material)
        assert counts(material_id)[0] == 3  # submit, claim, and the winner's event
        db.session.remove()


def test_a_withdrawal_sent_from_an_older_reading_changes_nothing(app, staff):
    """The owner pressed "withdraw" on the item in review (their page said lock_version N); the
    reviewer's approval landed first. With N sent back the withdrawal is refused with 409 and the
    approved item stays published; sent without it, the same request is a new decision on the
    approved item and withdraws it (owner's right)."""
    from tests.conftest import api_token, bearer

    owner = bearer(api_token(app.test_client(), "gv.toan"))
    scores = {c.code: 3 for c in review_services.criteria()}
    reviewer = bearer(api_token(app.test_client(), "reviewer.toan"))
    material_id = material_in(State.IN_REVIEW, "stale api")
    seen = db.session.get(Material, material_id).lock_version
    db.session.remove()
    client = app.test_client()
    base = f"/api/v1/materials/{material_id}"
    assert client.get(base, headers=owner).get_json()["lock_version"] == seen
    approved = client.post(f"{base}/review", json={"decision": "approve", "scores": scores, "lock_version": seen},
                           headers=reviewer)
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["lock_version"] == seen + 1
    stale = client.post(f"{base}/withdraw", json={"comment": "Rút để sửa", "lock_version": seen}, headers=owner)
    assert stale.status_code == 409
    assert stale.get_json()["error"]["details"] == {"state": "approved", "lock_version": seen + 1}
    material = db.session.get(Material, material_id)
    assert material.state == "approved" and material.is_published()
    db.session.remove()
    bad = client.post(f"{base}/withdraw", json={"lock_version": "hai"}, headers=owner)
    assert bad.status_code == 422
    assert db.session.get(Material, material_id).state == "approved"
    db.session.remove()
    fresh = client.post(f"{base}/withdraw", json={"comment": "Gỡ khỏi thư viện"}, headers=owner)
    assert fresh.status_code == 200 and fresh.get_json()["state"] == "withdrawn"


def test_the_web_withdraw_button_carries_what_the_page_showed(app, staff):
    """The withdraw button's form sends the lock_version of the page it was on; pressed after the
    approval landed, it says the item changed and the item stays approved."""
    import re

    from tests.conftest import login

    material_id = material_in(State.IN_REVIEW, "stale web")
    db.session.remove()
    owner = app.test_client()
    login(owner, "gv.toan")
    page = owner.get(f"/materials/{material_id}").get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+/withdraw)".*?</form>', page, re.S)
    assert form, "the owner's page has a withdraw button"
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(0)))
    material = db.session.get(Material, material_id)
    assert fields["lock_version"] == str(material.lock_version)
    reviewer = user("reviewer.toan")
    review_services.decide(material, reviewer, "approve", "Đạt.", {c.code: 3 for c in review_services.criteria()})
    db.session.commit()
    db.session.remove()
    answer = owner.post(form.group(1), data=fields, follow_redirects=True)
    assert "đã thay đổi từ khi bạn mở trang" in answer.get_data(as_text=True)
    material = db.session.get(Material, material_id)
    assert material.state == "approved" and material.is_published()
