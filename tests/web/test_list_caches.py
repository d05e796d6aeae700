"""Per-user lists kept in the cache (issue 8): "my materials" (page and ?mine=1) in the "own"
region, the reviewer's queue (page and API) in the "queues" region. Each test warms the list,
changes what it shows through the services (whose after-commit events empty the regions) or
through a group membership (a new key), and checks the next answer shows the change: no stale
entry. And what a kept fragment must not keep: the CSRF token (the forms of a cached queue page
post with the reader's own session) and how long an item has waited.
"""

import re
from datetime import timedelta

import pytest
from babel.dates import format_timedelta

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.materials import queries as material_queries
from lms.review import queries as review_queries
from lms.review import services as review_services
from lms.schools import permissions as school_permissions
from lms.schools import services as school_services
from lms.schools.models import Subject
from tests.conftest import api_token, bearer, csrf_from, login
from tests.materials_support import make_material, user, walk
from tests.query_budget import budget
from tests.questions_support import make_question


@pytest.fixture
def world(app, demo, criteria):
    return demo


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def queue_rows(page):
    return re.findall(r'<tr data-item="(\w+-\d+)"', page)


def api_items(client, url, headers):
    answer = client.get(url, headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["items"]


def api_ids(client, url, headers):
    """The queue's (kind, id) of each item."""
    return [(item["kind"], item["id"]) for item in api_items(client, url, headers)]


def my_ids(client, headers):
    return [item["id"] for item in api_items(client, "/api/v1/materials?mine=1", headers)]


# --- the reviewer's queue ----------------------------------------------------------------------

def test_queue_shows_a_new_submission_and_loses_an_item_claimed_by_someone_else(app, world, client):
    first = make_material("submitted", owner="gv.toan2", title="Đã chờ từ trước")
    db.session.commit()
    page_reader = signed_in(app, "reviewer.toan")
    headers = bearer(api_token(client, "reviewer.toan"))
    assert queue_rows(page_reader.get("/reviews/queue").get_data(as_text=True)) == [f"material-{first.id}"]
    assert api_ids(client, "/api/v1/reviews/queue", headers) == [("material", first.id)]
    assert len(review_queries.queue_cache()) == 2  # both answers kept

    # A submission (a transition) and a question (the other kind) appear at once.
    second = make_material("submitted", owner="gv.toan2", title="Mới gửi")
    question = make_question("submitted", owner="gv.toan2")
    db.session.commit()
    assert queue_rows(page_reader.get("/reviews/queue").get_data(as_text=True)) == [
        f"material-{first.id}", f"material-{second.id}", f"question-{question.id}"]
    assert api_ids(client, "/api/v1/reviews/queue", headers) == [
        ("material", first.id), ("material", second.id), ("question", question.id)]

    # Another reviewer joins the group (no event: a new key) and claims the first item.
    admin = school_permissions.SYSTEM
    toan = db.session.scalar(db.select(Subject).where(Subject.code == "toan"))
    khtn_reviewer = user("reviewer.khtn")
    other = signed_in(app, "reviewer.khtn")
    assert f"material-{first.id}" not in queue_rows(other.get("/reviews/queue").get_data(as_text=True))
    school_services.add_group_member(admin, school_services.group_for(admin, toan), khtn_reviewer)
    db.session.commit()
    assert f"material-{first.id}" in queue_rows(other.get("/reviews/queue").get_data(as_text=True))
    review_services.claim(db.session.get(type(first), first.id), khtn_reviewer)
    db.session.commit()
    assert queue_rows(page_reader.get("/reviews/queue").get_data(as_text=True)) == [
        f"material-{second.id}", f"question-{question.id}"]
    assert api_ids(client, "/api/v1/reviews/queue", headers) == [
        ("material", second.id), ("question", question.id)]
    # Their own claimed list shows it; leaving the group takes the pool's items away.
    claimed = other.get("/reviews/queue").get_data(as_text=True)
    assert 'id="claimed"' in claimed and "Đã chờ từ trước" in claimed
    school_services.remove_group_member(admin, school_services.group_for(admin, toan), khtn_reviewer)
    db.session.commit()
    assert f"material-{second.id}" not in queue_rows(other.get("/reviews/queue").get_data(as_text=True))


def test_a_kept_queue_page_has_the_readers_own_csrf_token_and_fresh_waiting_times(app, world, monkeypatch):
    item = make_material("submitted", owner="gv.toan2", title="Chờ nhận")
    db.session.commit()
    first, second = signed_in(app, "reviewer.toan"), signed_in(app, "reviewer.toan")  # two sessions
    assert "Chờ nhận" in first.get("/reviews/queue").get_data(as_text=True)
    assert len(review_queries.queue_cache()) == 1
    # Three hours later, from the kept fragment: the waiting time is this request's.
    later = utcnow() + timedelta(hours=3)
    monkeypatch.setattr("lms.review.views.utcnow", lambda: later)
    page = second.get("/reviews/queue").get_data(as_text=True)
    assert len(review_queries.queue_cache()) == 1  # the same entry served
    waited = format_timedelta(timedelta(hours=3), locale="vi")  # "3 tiếng"
    assert re.findall(r'data-label="Đã chờ">([^<]*)<', page) == [waited]
    assert "\x00" not in page
    # The claim form carries the second session's token: it posts.
    token = re.search(r'action="/reviews/items/material/\d+/claim".*?name="csrf_token" value="([^"]+)"', page,
                      re.S).group(1)
    version = re.search(r'name="lock_version" value="(\d+)"', page).group(1)
    response = second.post(f"/reviews/items/material/{item.id}/claim",
                           data={"csrf_token": token, "lock_version": version, "next": "/reviews/queue"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    assert db.session.get(type(item), item.id).state == "in_review"
    # The claim emptied the queues: the first session's next page holds it among its claimed items.
    page = first.get("/reviews/queue").get_data(as_text=True)
    assert queue_rows(page) == [] and 'id="claimed"' in page and "Chờ nhận" in page


def test_queue_page_is_kept_per_language(app, world):
    make_material("submitted", owner="gv.toan2", title="Hai thứ tiếng")
    db.session.commit()
    reviewer = signed_in(app, "reviewer.toan")
    assert "Hàng đợi thẩm định" in reviewer.get("/reviews/queue").get_data(as_text=True)
    reviewer.post("/lang", data={"lang": "en", "csrf_token": csrf_from(reviewer, "/account/password")})
    english = reviewer.get("/reviews/queue").get_data(as_text=True)
    assert "Hàng đợi thẩm định" not in english.split("<main", 1)[-1] and "Hai thứ tiếng" in english


def test_queue_refusals_are_not_kept(app, world, client):
    reviewer = signed_in(app, "reviewer.toan")
    assert reviewer.get("/reviews/queue?subject=khtn").status_code == 404  # not their pool
    assert reviewer.get("/reviews/queue?subject=khtn").status_code == 404
    headers = bearer(api_token(client, "reviewer.toan"))
    assert client.get("/api/v1/reviews/queue?subject=zz", headers=headers).status_code == 422
    assert len(review_queries.queue_cache()) == 0


# --- my materials ------------------------------------------------------------------------------

def my_rows(page):
    return re.findall(r'<tr data-material="(\d+)"', page)


def test_my_materials_show_an_upload_and_a_decision(app, world, client):
    draft = make_material("draft", title="Bản nháp")
    db.session.commit()
    teacher = signed_in(app, "gv.toan")
    headers = bearer(api_token(client, "gv.toan"))
    assert my_rows(teacher.get("/materials/mine").get_data(as_text=True)) == [str(draft.id)]
    assert my_ids(client, headers) == [draft.id]
    assert len(material_queries.own_cache()) == 2

    # An upload (material_changed) shows at once, newest first.
    uploaded = make_material("draft", title="Vừa tải lên")
    db.session.commit()
    assert my_rows(teacher.get("/materials/mine").get_data(as_text=True)) == [str(uploaded.id), str(draft.id)]
    assert my_ids(client, headers) == [uploaded.id, draft.id]

    # A reviewer's decision (item_transitioned) shows its state and note.
    walk(draft, "changes_requested")
    db.session.commit()
    page = teacher.get("/materials/mine").get_data(as_text=True)
    assert 'data-state="changes_requested"' in page and "Thiếu nguồn ảnh." in page
    states = {item["id"]: item["state"] for item in
              client.get("/api/v1/materials?mine=1", headers=headers).get_json()["items"]}
    assert states == {draft.id: "changes_requested", uploaded.id: "draft"}


def test_my_materials_are_each_teachers_own(app, world, client):
    mine = make_material("draft", title="Của gv.toan")
    theirs = make_material("draft", owner="gv.toan2", title="Của gv.toan2")
    db.session.commit()
    for username, expected in (("gv.toan", mine), ("gv.toan2", theirs)):
        page = signed_in(app, username).get("/materials/mine").get_data(as_text=True)
        assert my_rows(page) == [str(expected.id)]
        headers = bearer(api_token(client, username))
        assert my_ids(client, headers) == [expected.id]


def test_notifications_page_words_each_row_and_posts(app, world):
    owner = user("gv.toan")
    item = make_material("submitted", title="Được nhận")
    review_services.claim(item, user("reviewer.toan"))
    db.session.commit()
    teacher = signed_in(app, "gv.toan")
    page = teacher.get("/reviews/notifications").get_data(as_text=True)
    assert "Được nhận" in page
    (note,) = review_queries.notifications_for(owner)
    assert f'action="/reviews/notifications/{note.id}/read"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = teacher.post(f"/reviews/notifications/{note.id}/read", data={"csrf_token": token})
    assert response.status_code == 302
    assert review_queries.unread_count(owner) == 0


def test_kept_lists_cost_the_reader_lookups_only(app, world, client):
    """Warm, "my materials" and the queue cost what any page costs: the session's (or token's)
    user (on pages with the unread count in the same statement), and the reviewer's pool
    subjects (the key)."""
    make_material("submitted", owner="gv.toan2", title="Trong hàng đợi")
    make_material("draft", title="Của tôi")
    db.session.commit()
    cases = [(signed_in(app, "gv.toan"), "/materials/mine", {}, 1),
             (client, "/api/v1/materials?mine=1", bearer(api_token(client, "gv.toan")), 1),
             (signed_in(app, "reviewer.toan"), "/reviews/queue", {}, 2),
             (client, "/api/v1/reviews/queue", bearer(api_token(client, "reviewer.toan")), 2)]
    for reader, url, headers, statements in cases:
        budget(reader, url, headers)  # computed and kept
        counted = budget(reader, url, headers)
        assert len(counted) == statements, (url, counted.report())
