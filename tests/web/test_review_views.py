"""Review pages and the review API, through the test client with real sign-in."""

import re

import pytest

from lms.api.review import workflow_api_views
from lms.core.errors import NotFound
from lms.extensions import db
from lms.review import permissions, queries, services
from lms.review.models import ReviewCriterion
from lms.review.registry import load_item
from tests.conftest import api_token, bearer, csrf_from, login
from tests.review_support import ReviewTestItem, all_scores, make_item, reviewable, user  # noqa: F401


def item_json(item, user):
    return {"id": item.id, "state": item.state, "claimed_by_id": item.claimed_by_id}


def load_visible(item_id, user):
    item = load_item("test_item", item_id)
    if item is None or not permissions.can_view(user, item):
        raise NotFound()
    return item


@pytest.fixture
def site(app, demo, request):
    """The demo district, the test item type, and its workflow API at /api/v1/test_items/..."""
    request.getfixturevalue("reviewable")
    for rule, endpoint, view, methods, _meta in workflow_api_views("test_items", load_visible, item_json):
        app.add_url_rule(f"/api/v1{rule}", endpoint=f"api.{endpoint}", view_func=view, methods=methods)
    return app


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def post(client, url, data=None, page="/account/password"):
    return client.post(url, data={"csrf_token": csrf_from(client, page), **(data or {})})


def submitted(owner="gv.toan", **kwargs):
    item = make_item(user(owner), **kwargs)
    services.submit(item, user(owner))
    db.session.commit()
    return item


def refreshed(item):
    db.session.expire_all()
    return db.session.get(ReviewTestItem, item.id)


# --- pages --------------------------------------------------------------------------------------

def test_reviewer_claims_from_the_queue_and_approves_with_the_form(site):
    item = submitted(title="Bài 5. Số nguyên tố")
    reviewer = signed_in(site, "reviewer.toan")
    page = reviewer.get("/reviews/queue").get_data(as_text=True)
    assert "Bài 5. Số nguyên tố" in page and f"/reviews/items/test_item/{item.id}/claim" in page
    response = post(reviewer, f"/reviews/items/test_item/{item.id}/claim", page="/reviews/queue")
    assert response.status_code == 302 and response.location.endswith(f"/reviews/items/test_item/{item.id}")
    page = reviewer.get(response.location).get_data(as_text=True)
    assert 'id="decision-form"' in page and 'name="score_licensing"' in page and "Mục tôi đang thẩm định" not in page
    assert "Mục tôi đang thẩm định" in reviewer.get("/reviews/queue").get_data(as_text=True)

    form = {f"score_{code}": "2" for code in all_scores()} | {"score_accessibility": "na"}
    del form["score_licensing"]
    response = post(reviewer, f"/reviews/items/test_item/{item.id}/review",
                    {**form, "decision": "approve", "comment": "Gần đạt"})
    # Refused: the page again (no redirect), the scores and the note as typed, the error at its field.
    assert response.status_code == 422
    assert refreshed(item).state == "in_review"
    page = response.get_data(as_text=True)
    assert re.search(r'id="score_licensing"[^>]*>\s*<option value="">[^<]*</option>', page)
    assert 'class="form-select is-invalid" name="score_licensing"' in page
    assert 'id="score_licensing-error">Thiếu điểm' in page
    assert '<option value="2" selected>2</option>' in page and '<option value="na" selected>' in page
    assert ">Gần đạt</textarea>" in page and 'value="approve" required checked' in page

    form["score_licensing"] = "3"
    post(reviewer, f"/reviews/items/test_item/{item.id}/review", {**form, "decision": "approve"})
    item = refreshed(item)
    assert item.state == "approved"
    review = services.reviews_of(item)[-1]
    assert review.scores["accessibility"] is None and review.scores["licensing"] == 3

    owner = signed_in(site, "gv.toan")
    home = owner.get("/").get_data(as_text=True)
    assert re.search(r'id="unread-count">\s*2\s*<', home)
    page = owner.get(f"/reviews/items/test_item/{item.id}").get_data(as_text=True)
    assert "Đã duyệt" in page and "review-history" in page and 'data-action="approve"' in page


def test_request_changes_shows_the_author_what_was_asked(site):
    item = submitted()
    services.claim(item, user("reviewer.toan"))
    db.session.commit()
    reviewer = signed_in(site, "reviewer.toan")
    response = post(reviewer, f"/reviews/items/test_item/{item.id}/review",
                    {"decision": "request_changes", "comment": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Cần lí do" in page
    # The reasons are named in Vietnamese at their field, not listed as codes.
    assert 'id="reason_code-error">Chọn một lí do: Bản quyền và ghi nguồn, Độ chính xác' in page
    assert "licensing, content_accuracy" not in page
    post(reviewer, f"/reviews/items/test_item/{item.id}/review",
         {"decision": "request_changes", "reason_code": "metadata", "comment": "Ghi rõ khối lớp"})
    assert refreshed(item).state == "changes_requested"
    page = signed_in(site, "gv.toan").get(f"/reviews/items/test_item/{item.id}").get_data(as_text=True)
    assert 'id="latest-request"' in page and "Ghi rõ khối lớp" in page and "Thông tin mô tả" in page
    assert "/submit" in page  # the owner may resubmit


def test_item_pages_hide_what_the_user_may_not_see(site):
    draft = make_item(user("gv.toan"))
    db.session.commit()
    assert signed_in(site, "gv.toan").get(f"/reviews/items/test_item/{draft.id}").status_code == 200
    for username in ("gv.van", "reviewer.toan", "hs.6a1.01"):
        client = signed_in(site, username)
        assert client.get(f"/reviews/items/test_item/{draft.id}").status_code == 404
        assert post(client, f"/reviews/items/test_item/{draft.id}/submit").status_code == 404
    assert signed_in(site, "admin").get("/reviews/items/nothing/1").status_code == 404


def test_refusals_on_pages(site):
    item = submitted()
    owner = signed_in(site, "gv.toan")
    assert post(owner, f"/reviews/items/test_item/{item.id}/claim").status_code == 403
    services.claim(item, user("reviewer.toan"))
    db.session.commit()
    admin = signed_in(site, "admin")
    response = post(admin, f"/reviews/items/test_item/{item.id}/claim", {"next": "/reviews/queue"})
    assert response.status_code == 302 and response.location.endswith("/reviews/queue")
    assert "Đang thẩm định" in admin.get("/reviews/queue").get_data(as_text=True)  # the 409, flashed
    response = post(admin, f"/reviews/items/test_item/{item.id}/claim", {"next": "https://evil.example/"})
    assert "evil" not in response.location


def test_release_and_withdraw_buttons(site):
    item = submitted()
    services.claim(item, user("reviewer.toan"))
    db.session.commit()
    reviewer = signed_in(site, "reviewer.toan")
    assert 'id="wf-release"' in reviewer.get(f"/reviews/items/test_item/{item.id}").get_data(as_text=True)
    response = post(reviewer, f"/reviews/items/test_item/{item.id}/release")
    assert response.status_code == 302 and refreshed(item).state == "submitted"
    owner = signed_in(site, "gv.toan")
    assert 'id="wf-withdraw"' in owner.get(f"/reviews/items/test_item/{item.id}").get_data(as_text=True)
    post(owner, f"/reviews/items/test_item/{item.id}/withdraw")
    assert refreshed(item).state == "draft"


def test_overview_and_reassign(site):
    item = submitted(title="Chờ lâu")
    admin = signed_in(site, "admin")
    page = admin.get("/reviews/overview").get_data(as_text=True)
    assert "Chờ lâu" in page and "Tổ Toán" in page and 'name="reviewer_id"' in page
    reviewer_id = user("reviewer.toan").id
    response = post(admin, f"/reviews/items/test_item/{item.id}/reassign", {"reviewer_id": str(reviewer_id)},
                    page="/reviews/overview")
    assert response.status_code == 302 and response.location.endswith("/reviews/overview")
    assert refreshed(item).claimed_by_id == reviewer_id
    response = post(admin, f"/reviews/items/test_item/{item.id}/reassign", {"reviewer_id": "abc"})
    assert response.status_code == 302 and refreshed(item).claimed_by_id == reviewer_id
    assert signed_in(site, "reviewer.toan").get("/reviews/overview").status_code == 403


def test_criteria_pages(site):
    admin = signed_in(site, "admin")
    page = admin.get("/reviews/criteria").get_data(as_text=True)
    assert page.count("<code>") == 6 and "Bản quyền và ghi nguồn" in page
    response = post(admin, "/reviews/criteria/new", {"code": "inclusion", "title": "Hoà nhập", "max_score": "3"},
                    page="/reviews/criteria/new")
    assert response.status_code == 302
    assert post(admin, "/reviews/criteria/new", {"code": "inclusion", "title": "Lần hai", "max_score": "3"},
                page="/reviews/criteria/new").status_code == 422
    assert post(admin, "/reviews/criteria/new", {"title": ""}, page="/reviews/criteria/new").status_code == 422
    created = db.session.scalar(db.select(ReviewCriterion).where(ReviewCriterion.code == "inclusion"))
    assert admin.get(f"/reviews/criteria/{created.id}/edit").status_code == 200
    post(admin, f"/reviews/criteria/{created.id}/edit", {"title": "Giáo dục hoà nhập", "description": "x",
                                                         "max_score": "2"})
    post(admin, f"/reviews/criteria/{created.id}/move", {"direction": "up"})
    assert post(admin, f"/reviews/criteria/{created.id}/move", {"direction": "sideways"}).status_code == 422
    post(admin, f"/reviews/criteria/{created.id}/deactivate")
    db.session.expire_all()
    assert (created.title, created.max_score, created.active) == ("Giáo dục hoà nhập", 2, False)
    assert [c.code for c in services.criteria(active_only=False)][-2:] == ["inclusion", "licensing"]
    post(admin, f"/reviews/criteria/{created.id}/activate")
    db.session.expire_all()
    assert created.active
    assert admin.get("/reviews/criteria/999999/edit").status_code == 404


def test_notifications_page_and_bell(site):
    item = submitted(title="Có thông báo")
    services.claim(item, user("reviewer.toan"))
    db.session.commit()
    owner = signed_in(site, "gv.toan")
    page = owner.get("/reviews/notifications").get_data(as_text=True)
    assert "Có thông báo" in page and 'id="unread-count"' in page
    note = queries.notifications_for(user("gv.toan"))[0]
    assert post(signed_in(site, "gv.van"), f"/reviews/notifications/{note.id}/read").status_code == 404
    response = post(owner, f"/reviews/notifications/{note.id}/read")
    assert response.location.endswith(f"/reviews/items/test_item/{item.id}")
    assert 'id="unread-count"' not in owner.get("/").get_data(as_text=True)
    services.release(item, user("reviewer.toan"))
    db.session.commit()
    post(owner, "/reviews/notifications/read-all")
    assert queries.unread_count(user("gv.toan")) == 0


def test_navigation_entries(site):
    assert "Hàng đợi thẩm định" in signed_in(site, "reviewer.toan").get("/").get_data(as_text=True)
    admin_home = signed_in(site, "admin").get("/").get_data(as_text=True)
    assert "Hàng đợi thẩm định" in admin_home and "Tiêu chí thẩm định" in admin_home
    teacher_home = signed_in(site, "gv.toan").get("/").get_data(as_text=True)
    assert "Hàng đợi thẩm định" not in teacher_home and 'id="notifications-link"' in teacher_home


# --- API ----------------------------------------------------------------------------------------

def test_api_queue_and_criteria(site):
    client = site.test_client()
    item = submitted(title="Qua API")
    headers = bearer(api_token(client, "reviewer.toan"))
    body = client.get("/api/v1/reviews/queue", headers=headers).get_json()
    assert body["total"] == 1 and body["page"] == 1
    entry = body["items"][0]
    assert (entry["kind"], entry["id"], entry["title"], entry["subject"], entry["state"]) == (
        "test_item", item.id, "Qua API", "toan", "submitted")
    assert entry["submitted_at"].endswith("+07:00") and entry["waiting_seconds"] >= 0
    assert client.get("/api/v1/reviews/queue?kind=material", headers=headers).get_json()["total"] == 0
    assert client.get("/api/v1/reviews/queue?subject=khtn", headers=headers).get_json()["total"] == 0
    assert client.get("/api/v1/reviews/queue?kind=video", headers=headers).status_code == 422
    assert client.get("/api/v1/reviews/queue?subject=latin", headers=headers).status_code == 422
    teacher = bearer(api_token(client, "gv.toan"))
    response = client.get("/api/v1/reviews/queue", headers=teacher)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    criteria = client.get("/api/v1/review-criteria", headers=teacher).get_json()
    assert [c["code"] for c in criteria][0] == "content_accuracy"
    assert set(criteria[0]) == {"code", "title", "description", "max_score"}


def test_api_workflow_routes(site):
    client = site.test_client()
    teacher = bearer(api_token(client, "gv.toan"))
    reviewer = bearer(api_token(client, "reviewer.toan"))
    other = bearer(api_token(client, "reviewer.khtn"))
    item = make_item(user("gv.toan"))
    db.session.commit()
    base = f"/api/v1/test_items/{item.id}"

    assert client.post(f"{base}/claim", headers=reviewer).status_code == 404  # a draft is not theirs to see
    response = client.post(f"{base}/submit", headers=teacher, json={"comment": "Xin thẩm định"})
    assert response.status_code == 200 and response.get_json()["state"] == "submitted"
    assert client.post(f"{base}/submit", headers=teacher).status_code == 409
    assert client.post(f"{base}/claim", headers=other).status_code == 404
    assert client.post(f"{base}/submit", headers=teacher, json=[1]).status_code == 422
    response = client.post(f"{base}/claim", headers=reviewer)
    assert response.get_json()["state"] == "in_review"
    second = client.post(f"{base}/claim", headers=reviewer)
    assert second.status_code == 409
    assert second.get_json()["error"]["details"] == {"state": "in_review", "action": "claim"}

    scores = all_scores(3)
    del scores["pedagogy"]
    response = client.post(f"{base}/review", headers=reviewer, json={"decision": "approve", "scores": scores})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == {"scores.pedagogy": response.get_json()["error"]["details"]
                                                       ["scores.pedagogy"]}
    response = client.post(f"{base}/review", headers=reviewer, json={"decision": "reject", "comment": "Sai"})
    assert response.status_code == 422 and "reason_code" in response.get_json()["error"]["details"]
    assert client.post(f"{base}/review", headers=reviewer, json={}).status_code == 422
    assert client.post(f"{base}/review", headers=teacher, json={"decision": "approve"}).status_code == 403
    response = client.post(f"{base}/review", headers=reviewer,
                           json={"decision": "approve", "comment": "Tốt", "scores": all_scores(3)})
    assert response.status_code == 200 and response.get_json()["state"] == "approved"

    history = client.get(f"{base}/history", headers=teacher).get_json()
    assert [(h["from"], h["to"], h["action"]) for h in history] == [
        ("draft", "submitted", "submit"), ("submitted", "in_review", "claim"), ("in_review", "approved", "approve")]
    assert history[0]["comment"] == "Xin thẩm định" and history[0]["actor_id"] == user("gv.toan").id
    assert history[2]["at"].endswith("+07:00") and set(history[0]) >= {
        "from", "to", "action", "actor_id", "comment", "reason_code", "at"}
    response = client.post(f"{base}/withdraw", headers=teacher)
    assert response.get_json()["state"] == "withdrawn"
    assert client.post(f"{base}/release", headers=reviewer).status_code == 409
