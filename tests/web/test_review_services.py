"""The review engine's services against a real database, with a throw-away reviewable model."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from lms.accounts import services as account_services
from lms.accounts.models import Role
from lms.core.errors import Conflict, Forbidden, ValidationError
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.review import permissions, queries, services
from lms.review.models import Notification, Review, ReviewCriterion, WorkflowEvent
from lms.schools import services as school_services
from tests.review_support import (  # noqa: F401  (fixture)
    HOOK_CALLS,
    ReviewTestItem,
    all_scores,
    make_item,
    reviewable,
    school,
    subject,
    user,
)


@pytest.fixture
def people(app, demo, request):
    """The demo staff plus a second maths reviewer, a school admin of THCS02 and a parent."""
    request.getfixturevalue("reviewable")
    second = account_services.create_user("reviewer.toan2", "Đoàn Văn Hai", Role.REVIEWER, "hoclieu-demo")
    group = school_services.group_for(user("admin"), subject("toan"))
    school_services.set_group_members(user("admin"), group, [*group.members, second])
    account_services.create_user("bgh.thcs02", "Hiệu trưởng THCS02", Role.SCHOOL_ADMIN, "hoclieu-demo",
                                 school=school("THCS02"))
    account_services.create_user("ph.01", "Phụ huynh", Role.PARENT, "hoclieu-demo")
    db.session.commit()
    return user


def notifications_of(username):
    return db.session.scalars(db.select(Notification).where(Notification.user_id == user(username).id)
                              .order_by(Notification.id)).all()


def submitted_item(owner="gv.toan", **kwargs):
    item = make_item(user(owner), **kwargs)
    services.submit(item, user(owner))
    return item


def claimed_item(reviewer="reviewer.toan", **kwargs):
    item = submitted_item(**kwargs)
    services.claim(item, user(reviewer))
    return item


# --- the happy path -----------------------------------------------------------------------------

def test_submit_claim_approve_records_events_reviews_and_notifications(people):
    teacher, reviewer = user("gv.toan"), user("reviewer.toan")
    item = make_item(teacher, title="Bài 3. Phân số")
    services.submit(item, teacher, "Nhờ tổ xem giúp")
    assert item.state == "submitted" and item.submitted_at is not None
    services.claim(item, reviewer)
    assert item.state == "in_review" and item.claimed_by_id == reviewer.id and item.claimed_at is not None
    scores = all_scores(3) | {"accessibility": None}
    review = services.decide(item, reviewer, "approve", "Tốt", scores)
    db.session.commit()

    assert item.state == "approved" and item.decided_at is not None
    assert review.scores == scores and review.decision == "approve" and review.version_number == 1
    events = services.history(item)
    assert [(e.from_state, e.to_state, e.action, e.actor.username) for e in events] == [
        ("draft", "submitted", "submit", "gv.toan"),
        ("submitted", "in_review", "claim", "reviewer.toan"),
        ("in_review", "approved", "approve", "reviewer.toan"),
    ]
    assert events[0].comment == "Nhờ tổ xem giúp" and all(e.version_number == 1 for e in events)
    messages = [n.message for n in notifications_of("gv.toan")]
    assert len(messages) == 2
    assert "nhận thẩm định" in messages[0] and "Bài 3. Phân số" in messages[0]
    assert "đã duyệt" in messages[1]
    assert all(n.link == f"/reviews/items/test_item/{item.id}" for n in notifications_of("gv.toan"))
    # The reviewer heard of the submission only; nobody is told about their own actions.
    assert [n.message for n in notifications_of("reviewer.toan")] == [
        "Nguyễn Thị Minh Thư đã gửi “Bài 3. Phân số” vào hàng đợi thẩm định Tổ Toán."]
    assert [c[1:4] for c in HOOK_CALLS] == [("submit", "draft", "submitted"), ("claim", "submitted", "in_review"),
                                            ("approve", "in_review", "approved")]


def test_submitting_tells_the_subject_groups_reviewers(people):
    item = submitted_item(title="Bài 5. Số nguyên tố")
    db.session.commit()
    for reviewer in ("reviewer.toan", "reviewer.toan2"):
        (notification,) = notifications_of(reviewer)
        assert "Bài 5. Số nguyên tố" in notification.message and "hàng đợi" in notification.message
        assert notification.link == f"/reviews/items/test_item/{item.id}"
    assert notifications_of("reviewer.khtn") == []  # another subject's group
    assert notifications_of("gv.toan") == []  # the author is not told of their own submission


def test_request_changes_then_revise_and_resubmit(people):
    teacher, reviewer = user("gv.toan"), user("reviewer.toan")
    item = claimed_item()
    services.decide(item, reviewer, "request_changes", "Thiếu nguồn ảnh", reason_code="licensing")
    assert item.state == "changes_requested"
    asked = services.latest_request(item)
    assert (asked.reason_code, asked.comment, asked.reviewer_id) == ("licensing", "Thiếu nguồn ảnh", reviewer.id)
    assert "Bản quyền" in notifications_of("gv.toan")[-1].message
    item.version = 2
    services.revise(item, teacher, "Đã thêm nguồn")
    assert item.state == "draft"
    services.submit(item, teacher)
    assert item.state == "submitted" and item.claimed_by_id is None
    assert services.history(item)[-2].comment == "Đã thêm nguồn"
    assert services.history(item)[-1].version_number == 2


def test_revise_keeps_an_approved_item_approved_and_resubmits_only_a_newer_version(people):
    teacher, reviewer = user("gv.toan"), user("reviewer.toan")
    item = claimed_item()
    services.decide(item, reviewer, "approve", "", all_scores(2))
    with pytest.raises(Conflict):  # nothing new to review
        services.submit(item, teacher)
    item.version = 2
    services.revise(item, teacher, "Bản 2")
    assert item.state == "approved"
    assert permissions.can_submit(teacher, item)
    services.submit(item, teacher)
    assert item.state == "submitted"


# --- refusals -----------------------------------------------------------------------------------

def test_a_refused_state_is_409_naming_the_state(people):
    item = make_item(user("gv.toan"))
    with pytest.raises(Conflict) as refused:
        services.claim(item, user("reviewer.toan"))
    assert refused.value.status == 409 and refused.value.code == "invalid_transition"
    assert refused.value.details == {"state": "draft", "action": "claim"}
    assert "Bản nháp" in refused.value.message
    assert db.session.scalar(db.select(db.func.count(WorkflowEvent.id))) == 0


def test_claim_race_second_claim_is_409(people):
    first, second = user("reviewer.toan"), user("reviewer.toan2")
    item = submitted_item()
    db.session.commit()
    assert item.state == "submitted"  # loaded now; the other reviewer's claim happens behind our back
    engine = create_engine(db.engine.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE review_test_item SET state='in_review', claimed_by_id=:r WHERE id=:i"),
                     {"r": first.id, "i": item.id})
    engine.dispose()
    assert item.state == "submitted"  # stale in this session
    with pytest.raises(Conflict) as refused:
        services.claim(item, second)
    assert refused.value.details["state"] == "in_review"
    db.session.rollback()
    assert item.claimed_by_id == first.id


def test_claim_race_with_two_threads(app, people):
    item = submitted_item()
    db.session.commit()
    item_id, usernames = item.id, ["reviewer.toan", "reviewer.toan2"]
    barrier, outcomes = threading.Barrier(2), {}

    def claim(username):
        with app.app_context():
            mine, reviewer = db.session.get(ReviewTestItem, item_id), user(username)
            assert mine.state == "submitted"
            barrier.wait(timeout=10)
            try:
                services.claim(mine, reviewer)
                db.session.commit()
                outcomes[username] = "claimed"
            except Conflict:
                db.session.rollback()
                outcomes[username] = "conflict"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(u,)) for u in usernames]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["claimed", "conflict"]
    db.session.expire_all()
    winner = next(u for u, outcome in outcomes.items() if outcome == "claimed")
    assert db.session.get(ReviewTestItem, item_id).claimed_by_id == user(winner).id
    assert [e.action for e in services.history(db.session.get(ReviewTestItem, item_id))] == ["submit", "claim"]


def test_reviewer_of_another_subject_is_403(people):
    item = submitted_item()
    with pytest.raises(Forbidden) as refused:
        services.claim(item, user("reviewer.khtn"))
    assert refused.value.status == 403
    assert not permissions.can_claim(user("reviewer.khtn"), item)


def test_nobody_claims_their_own_item(people):
    reviewer = user("reviewer.toan")
    own = make_item(reviewer)
    services.submit(own, reviewer)
    assert permissions.relations(reviewer, own) == {permissions.Relation.OWNER}
    with pytest.raises(Forbidden):
        services.claim(own, reviewer)
    admin = user("admin")
    admins_own = make_item(admin)
    services.submit(admins_own, admin)
    with pytest.raises(Forbidden):
        services.claim(admins_own, admin)
    assert own not in [e.item for e in services.queue(reviewer)]


def test_only_the_claimant_decides(people):
    item = claimed_item()
    for other in ("reviewer.toan2", "admin", "gv.toan"):
        with pytest.raises(Forbidden):
            services.decide(item, user(other), "approve", "", all_scores())


def test_approve_needs_a_score_for_every_active_criterion(people):
    reviewer = user("reviewer.toan")
    item = claimed_item()
    scores = all_scores(2)
    del scores["licensing"]
    with pytest.raises(ValidationError) as refused:
        services.decide(item, reviewer, "approve", "", scores)
    assert refused.value.status == 422
    assert list(refused.value.details) == ["scores.licensing"]
    bad = all_scores(2) | {"pedagogy": 4, "accessibility": True, "beauty": 3}
    with pytest.raises(ValidationError) as refused:
        services.decide(item, reviewer, "approve", "", bad)
    assert set(refused.value.details) == {"scores.pedagogy", "scores.accessibility", "scores.beauty"}
    with pytest.raises(ValidationError):
        services.decide(item, reviewer, "approve", "", None)
    assert item.state == "in_review"
    # A deactivated criterion is no longer required (nor accepted).
    criterion = db.session.scalar(db.select(ReviewCriterion).where(ReviewCriterion.code == "licensing"))
    services.set_criterion_active(user("admin"), criterion, False)
    services.decide(item, reviewer, "approve", "", scores | {"accessibility": None})
    assert item.state == "approved"


@pytest.mark.parametrize("decision", ["reject", "request_changes"])
def test_reject_and_request_changes_need_a_reason_and_a_note(people, decision):
    reviewer = user("reviewer.toan")
    item = claimed_item()
    with pytest.raises(ValidationError) as refused:
        services.decide(item, reviewer, decision, "Không phù hợp")
    assert set(refused.value.details) == {"reason_code"}
    with pytest.raises(ValidationError) as refused:
        services.decide(item, reviewer, decision, "   ", reason_code="other")
    assert set(refused.value.details) == {"comment"}
    with pytest.raises(ValidationError):
        services.decide(item, reviewer, decision, "x", reason_code="ugly")
    services.decide(item, reviewer, decision, "Sai kiến thức ở câu 2", reason_code="content_accuracy")
    assert item.state == {"reject": "rejected", "request_changes": "changes_requested"}[decision]
    review = db.session.scalar(db.select(Review))
    assert (review.reason_code, review.scores) == ("content_accuracy", {})
    assert services.history(item)[-1].reason_code == "content_accuracy"


def test_an_unknown_decision_is_422(people):
    with pytest.raises(ValidationError) as refused:
        services.decide(claimed_item(), user("reviewer.toan"), "publish", "")
    assert "decision" in refused.value.details


# --- release, withdraw, reassign -----------------------------------------------------------------

def test_release_puts_the_item_back_in_the_pool(people):
    reviewer, other = user("reviewer.toan"), user("reviewer.toan2")
    item = claimed_item()
    assert item not in [e.item for e in services.queue(other)]
    services.release(item, reviewer, "Tôi bận")
    assert (item.state, item.claimed_by_id, item.claimed_at) == ("submitted", None, None)
    assert item in [e.item for e in services.queue(other)]
    assert "trả lại hàng đợi" in notifications_of("gv.toan")[-1].message
    services.claim(item, other)
    with pytest.raises(Forbidden):  # only the claimant (or the district admin) releases
        services.release(item, reviewer)
    services.release(item, user("admin"))
    assert item.state == "submitted"
    assert "không còn giữ" in notifications_of("reviewer.toan2")[-1].message


def test_withdraw_approved_by_owner_and_by_district_admin(people):
    reviewer = user("reviewer.toan")
    by_owner, by_admin = claimed_item(title="A"), claimed_item(title="B")
    for item in (by_owner, by_admin):
        services.decide(item, reviewer, "approve", "", all_scores())
    with pytest.raises(Forbidden):
        services.withdraw(by_owner, user("gv.van"))
    with pytest.raises(Forbidden):
        services.withdraw(by_owner, reviewer)
    before = len(notifications_of("gv.toan"))
    services.withdraw(by_owner, user("gv.toan"), "Đã lỗi thời")
    assert by_owner.state == "withdrawn"
    assert len(notifications_of("gv.toan")) == before
    services.withdraw(by_admin, user("admin"), "Vi phạm bản quyền")
    assert by_admin.state == "withdrawn"
    assert "gỡ" in notifications_of("gv.toan")[-1].message
    assert services.history(by_admin)[-1].comment == "Vi phạm bản quyền"
    with pytest.raises(Conflict):
        services.withdraw(by_admin, user("admin"))


def test_owner_withdraws_before_a_decision_and_the_claimant_is_told(people):
    teacher = user("gv.toan")
    item = claimed_item()
    services.withdraw(item, teacher)
    assert (item.state, item.claimed_by_id) == ("draft", None)
    assert "rút" in notifications_of("reviewer.toan")[-1].message
    with pytest.raises(Conflict):
        services.withdraw(item, teacher)
    with pytest.raises(Forbidden):  # the district admin withdraws only approved items
        services.withdraw(submitted_item(), user("admin"))


def test_reassign(people):
    admin, first, second = user("admin"), user("reviewer.toan"), user("reviewer.toan2")
    waiting = submitted_item()
    services.reassign(waiting, admin, first)
    assert (waiting.state, waiting.claimed_by_id) == ("in_review", first.id)
    assert "giao cho bạn" in notifications_of("reviewer.toan")[-1].message
    services.reassign(waiting, admin, second)
    assert waiting.claimed_by_id == second.id
    assert "người khác" in notifications_of("reviewer.toan")[-1].message
    assert permissions.can_decide(second, waiting) and not permissions.can_decide(first, waiting)
    with pytest.raises(ValidationError):
        services.reassign(waiting, admin, user("reviewer.khtn"))  # not in the maths group
    with pytest.raises(ValidationError):
        services.reassign(waiting, admin, user("gv.toan"))  # the owner
    with pytest.raises(Forbidden):
        services.reassign(waiting, first, first)
    with pytest.raises(Conflict):
        services.reassign(make_item(user("gv.toan")), admin, first)  # a draft
    assert services.history(waiting)[-1].comment.startswith("Giao cho Đoàn Văn Hai")


# --- queues -------------------------------------------------------------------------------------

def test_queue_is_oldest_first_with_waiting_time(people):
    now = utcnow()
    teacher = user("gv.toan")
    make_item(teacher, title="mới", state="submitted", submitted_at=now - timedelta(hours=1))
    oldest = make_item(teacher, title="cũ", state="submitted", submitted_at=now - timedelta(days=3))
    middle = make_item(user("gv.toan2"), title="giữa", state="submitted", grade=7,
                       submitted_at=now - timedelta(days=1))
    make_item(teacher, title="nháp")
    make_item(user("gv.van"), subject_code="khtn", title="khtn", state="submitted")
    claimed = make_item(teacher, title="đang", state="in_review", claimed_by=user("reviewer.toan2"))
    db.session.commit()

    entries = services.queue(user("reviewer.toan"))
    assert [e.item.title for e in entries] == ["cũ", "giữa", "mới"]
    assert entries[0].waiting >= timedelta(days=3) - timedelta(minutes=1)
    assert entries[0].waiting > entries[1].waiting > entries[2].waiting
    assert [e.item.title for e in services.queue(user("reviewer.khtn"))] == ["khtn"]
    assert [e.item.title for e in services.queue(user("admin"))] == ["cũ", "giữa", "mới", "khtn"]
    assert [e.item.title for e in services.queue(user("admin"), subject=subject("khtn"))] == ["khtn"]
    assert services.queue(user("admin"), item_type="material") == []
    assert services.queue(user("gv.toan")) == []
    assert [e.item for e in services.claimed_items(user("reviewer.toan2"))] == [claimed]

    overview = {row.subject.code: row for row in services.queues_overview()}
    assert (overview["toan"].waiting, overview["toan"].in_review) == (3, 1)
    assert overview["toan"].oldest_at == oldest.submitted_at.replace(tzinfo=overview["toan"].oldest_at.tzinfo)
    assert overview["toan"].oldest_age >= timedelta(days=3) - timedelta(minutes=1)
    assert overview["khtn"].waiting == 1
    assert overview["toan"].group is not None
    assert middle in [e.item for e in services.under_review()]


# --- visibility ---------------------------------------------------------------------------------

ROLES = ["owner", "teacher_same_school", "teacher_other_school", "student", "parent", "school_admin",
         "school_admin_other", "reviewer", "reviewer_other_subject", "district_admin"]
USERNAMES = {"owner": "gv.toan", "teacher_same_school": "gv.van", "teacher_other_school": "gv.toan2",
             "student": "hs.6a1.01", "parent": "ph.01", "school_admin": "bgh.thcs01",
             "school_admin_other": "bgh.thcs02", "reviewer": "reviewer.toan",
             "reviewer_other_subject": "reviewer.khtn", "district_admin": "admin"}
ALWAYS = {"owner", "school_admin", "district_admin"}
VISIBLE = {
    "draft": ALWAYS,
    "submitted": ALWAYS | {"reviewer"},
    "in_review": ALWAYS | {"reviewer"},
    "approved": set(ROLES),
    "changes_requested": ALWAYS,
    "rejected": ALWAYS,
    "withdrawn": ALWAYS,
}


@pytest.mark.parametrize("state", list(VISIBLE))
def test_visibility_per_role_and_state(people, state):
    item = make_item(user("gv.toan"), state=state,
                     claimed_by=user("reviewer.toan2") if state == "in_review" else None)
    seen = {role for role in ROLES if permissions.can_view(user(USERNAMES[role]), item)}
    assert seen == VISIBLE[state]


def test_reviewers_keep_seeing_what_they_claimed_or_decided(people):
    reviewer = user("reviewer.toan")
    requested = claimed_item()
    services.decide(requested, reviewer, "request_changes", "Sửa câu 1", reason_code="other")
    assert permissions.can_view(reviewer, requested)  # decided
    assert not permissions.can_view(user("reviewer.toan2"), requested)
    group = school_services.group_for(user("admin"), subject("toan"))
    claimed = claimed_item()
    school_services.set_group_members(user("admin"), group, [user("reviewer.toan2")])  # left the group meanwhile
    assert permissions.can_view(reviewer, claimed)  # claimed
    assert permissions.can_release(reviewer, claimed)


def test_anonymous_sees_nothing(people):
    from flask_login import AnonymousUserMixin

    item = make_item(user("gv.toan"), state="approved")
    assert not permissions.can_view(AnonymousUserMixin(), item)
    assert permissions.relations(AnonymousUserMixin(), item) == set()


# --- criteria and notifications -------------------------------------------------------------------

def test_default_criteria_are_seeded_once(people):
    codes = [c.code for c in services.criteria()]
    assert codes == ["content_accuracy", "curriculum_fit", "pedagogy", "technical_quality", "accessibility",
                     "licensing"]
    assert all(c.max_score == 3 for c in services.criteria())
    assert services.ensure_default_criteria() == 0


def test_criteria_management(people):
    admin = user("admin")
    with pytest.raises(Forbidden):
        services.create_criterion(user("reviewer.toan"), "beauty", "Đẹp")
    with pytest.raises(ValidationError) as refused:
        services.create_criterion(admin, "Sai mã!", "", max_score=0)
    assert set(refused.value.details) == {"code", "title", "max_score"}
    with pytest.raises(ValidationError):
        services.create_criterion(admin, "pedagogy", "Trùng mã")
    created = services.create_criterion(admin, "inclusion", "Hoà nhập", "Phù hợp học sinh khuyết tật")
    assert services.criteria()[-1] is created
    services.move_criterion(admin, created, -1)
    assert [c.code for c in services.criteria()][-2:] == ["inclusion", "licensing"]
    services.move_criterion(admin, services.criteria()[0], -1)  # already first: stays
    assert services.criteria()[0].code == "content_accuracy"
    services.update_criterion(admin, created, "Giáo dục hoà nhập", "", 2)
    assert (created.title, created.max_score) == ("Giáo dục hoà nhập", 2)
    services.set_criterion_active(admin, created, False)
    assert created not in services.criteria() and created in services.criteria(active_only=False)


def test_notifications_are_read_by_their_owner(people):
    claimed_item()
    note = notifications_of("gv.toan")[0]
    assert queries.unread_count(user("gv.toan")) == 1
    with pytest.raises(Forbidden):
        services.mark_read(user("gv.van"), note)
    services.mark_read(user("gv.toan"), note)
    assert note.read_at is not None
    claimed_item()
    assert services.mark_all_read(user("gv.toan")) == 1
    assert queries.unread_count(user("gv.toan")) == 0
