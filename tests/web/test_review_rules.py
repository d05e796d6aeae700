"""Review rules of issue 7: permission before state, no approval without a scored criterion, and a
review history that only those concerned read."""

import pytest

from lms.accounts import services as account_services
from lms.accounts.models import Role
from lms.extensions import db
from lms.review import services as review_services
from lms.review.models import WorkflowEvent
from tests.conftest import api_token, bearer, login
from tests.materials_support import make_material, reload, user
from tests.review_support import make_item, reviewable  # noqa: F401  (fixture)

REVIEWER_NAME = "Trương Thị Thu Hằng"  # reviewer.toan in the demo district


@pytest.fixture
def tokens(app):
    cache = {}

    def token(username):
        if username not in cache:
            cache[username] = bearer(api_token(app.test_client(), username))
        return cache[username]

    return token


# --- a school admin acting on a teacher's draft -----------------------------------------------

@pytest.mark.parametrize("action", ["submit", "withdraw", "claim", "release", "review"])
def test_a_school_admin_acting_on_a_draft_is_403_not_409(app, demo, criteria, tokens, action):
    material = make_material("draft")  # gv.toan's, THCS01: bgh.thcs01 sees it
    db.session.commit()
    body = {"decision": "approve", "scores": {c.code: 3 for c in criteria}} if action == "review" else {}
    reply = app.test_client().post(f"/api/v1/materials/{material.id}/{action}", json=body,
                                   headers=tokens("bgh.thcs01"))
    assert reply.status_code == 403, reply.get_json()
    assert reply.get_json()["error"]["code"] == "forbidden"
    assert reload(material.id).state == "draft"


@pytest.mark.parametrize("action", ["submit", "withdraw", "claim", "release"])
def test_the_same_on_the_web_pages(app, demo, criteria, action):
    from tests.conftest import csrf_from

    material = make_material("draft")
    db.session.commit()
    client = app.test_client()
    assert login(client, "bgh.thcs01").status_code == 302
    token = csrf_from(client, f"/materials/{material.id}")
    reply = client.post(f"/reviews/items/material/{material.id}/{action}", data={"csrf_token": token})
    assert reply.status_code == 403
    assert reload(material.id).state == "draft"


def test_a_reviewer_deciding_before_claiming_still_hears_about_the_state(app, demo, criteria, tokens):
    material = make_material("submitted")
    db.session.commit()
    reply = app.test_client().post(f"/api/v1/materials/{material.id}/review", headers=tokens("reviewer.toan"),
                                   json={"decision": "approve", "scores": {c.code: 3 for c in criteria}})
    assert reply.status_code == 409 and reply.get_json()["error"]["details"]["state"] == "submitted"


# --- approving with every criterion "not applicable" --------------------------------------------

def test_an_approval_with_every_criterion_not_applicable_is_422(app, demo, criteria, tokens):
    material = make_material("in_review")
    db.session.commit()
    events = len(review_services.history(material))
    client = app.test_client()
    reply = client.post(f"/api/v1/materials/{material.id}/review", headers=tokens("reviewer.toan"),
                        json={"decision": "approve", "comment": "Đạt", "scores": {c.code: None for c in criteria}})
    assert reply.status_code == 422
    error = reply.get_json()["error"]
    assert "không áp dụng" in error["message"] and "scores" in error["details"]
    material = reload(material.id)
    assert material.state == "in_review" and not material.is_published()
    assert len(review_services.history(material)) == events
    # One criterion scored is a review: accepted.
    scores = {c.code: None for c in criteria} | {criteria[0].code: 2}
    reply = client.post(f"/api/v1/materials/{material.id}/review", headers=tokens("reviewer.toan"),
                        json={"decision": "approve", "comment": "Đạt", "scores": scores})
    assert reply.status_code == 200 and reply.get_json()["state"] == "approved"


@pytest.mark.usefixtures("reviewable")
def test_an_approval_with_no_criterion_published_is_422(app, demo):
    from lms.core.errors import ValidationError

    for criterion in review_services.criteria():
        review_services.set_criterion_active(user("admin"), criterion, False)
    item = make_item(user("gv.toan"))
    review_services.submit(item, user("gv.toan"))
    review_services.claim(item, user("reviewer.toan"))
    with pytest.raises(ValidationError) as refused:
        review_services.decide(item, user("reviewer.toan"), "approve", "Đạt", {})
    assert "Chưa có tiêu chí" in refused.value.message
    assert item.state == "in_review"


def test_the_criteria_page_says_so(app, demo, criteria, login_as):
    page = login_as("admin").get("/reviews/criteria").get_data(as_text=True)
    assert 'id="not-applicable-rule"' in page and "ít nhất một tiêu chí" in page


# --- who reads the review history --------------------------------------------------------------

@pytest.fixture
def published(app, demo, criteria):
    account_services.create_user("ph.01", "Phụ huynh", Role.PARENT, "hoclieu-demo")
    material = make_material("approved")
    db.session.commit()
    return material.id


@pytest.mark.parametrize(("username", "status"), [
    ("hs.6a1.01", 403), ("ph.01", 403), ("gv.van", 403), ("gv.toan2", 403),
    ("gv.toan", 200), ("reviewer.toan", 200), ("bgh.thcs01", 200), ("admin", 200),
])
def test_the_history_api_is_for_those_concerned(app, published, tokens, username, status):
    client = app.test_client()
    assert client.get(f"/api/v1/materials/{published}", headers=tokens(username)).status_code == 200
    reply = client.get(f"/api/v1/materials/{published}/history", headers=tokens(username))
    assert reply.status_code == status
    if status == 200:
        assert [e["action"] for e in reply.get_json()] == ["submit", "claim", "approve"]
    else:
        assert "actor_id" not in reply.get_data(as_text=True)


def test_a_student_sees_the_material_page_without_its_history(app, published, login_as):
    page = login_as("hs.6a1.01").get(f"/materials/{published}").get_data(as_text=True)
    assert "review-history" not in page and REVIEWER_NAME not in page and "Đạt yêu cầu" not in page
    owner = app.test_client()
    assert login(owner, "gv.toan").status_code == 302
    page = owner.get(f"/materials/{published}").get_data(as_text=True)
    assert "review-history" in page and REVIEWER_NAME in page


@pytest.mark.usefixtures("reviewable")
def test_the_generic_item_page_hides_the_history_from_students(app, demo, login_as):
    from tests.review_support import all_scores

    item = make_item(user("gv.toan"))
    review_services.submit(item, user("gv.toan"))
    review_services.claim(item, user("reviewer.toan"))
    review_services.decide(item, user("reviewer.toan"), "approve", "Rất tốt, đạt yêu cầu", all_scores())
    db.session.commit()
    url = f"/reviews/items/{item.ITEM_TYPE}/{item.id}"
    page = login_as("hs.6a1.01").get(url).get_data(as_text=True)
    assert item.title in page  # the student sees the published item
    assert "review-history" not in page and REVIEWER_NAME not in page and "Rất tốt" not in page
    assert db.session.scalar(db.select(db.func.count(WorkflowEvent.id))) == 3
