"""The approved library is computed once and shared (issue 8): pages of the API list, the library
page's content and published materials are kept per process until an after-commit event says a
material changed, in every process (the generation file), and never served to someone who sees
more of a material than its published version. API answers carry ETags and honour If-None-Match.
"""

import re

import pytest

from lms import create_app
from lms.extensions import db
from lms.materials import services as material_services
from lms.review import services as review_services
from lms.review.queries import criteria
from tests.conftest import IsolatedClient, api_token, bearer, csrf_from, login
from tests.materials_support import make_material, pdf_bytes, stored, user
from tests.query_budget import budget


@pytest.fixture
def world(app, demo, criteria):
    return demo


def ids(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return {item["id"] for item in response.get_json()["items"]}


def page_ids(response):
    assert response.status_code == 200
    return {int(n) for n in re.findall(r'data-material="(\d+)"', response.get_data(as_text=True))}


def scores():
    return {c.code: 3 for c in criteria()}


def test_the_list_is_computed_once_and_is_never_stale(app, world, client):
    shown = make_material("approved", title="Đã duyệt").id
    waiting = make_material("in_review", title="Đang thẩm định").id
    db.session.commit()
    student = bearer(api_token(client, "hs.6a1.01"))
    assert ids(client.get("/api/v1/materials", headers=student)) == {shown}
    # Asked again: the shared answer, for the price of the token check alone.
    assert len(budget(client, "/api/v1/materials", student)) == 1
    another = bearer(api_token(client, "hs.6a2.05"))
    assert len(budget(client, "/api/v1/materials", another)) == 1

    reviewer = bearer(api_token(client, "reviewer.toan"))
    approved = client.post(f"/api/v1/materials/{waiting}/review", headers=reviewer,
                           json={"decision": "approve", "comment": "Tốt", "scores": scores()})
    assert approved.status_code == 200, approved.get_json()
    assert ids(client.get("/api/v1/materials", headers=student)) == {shown, waiting}

    withdrawn = client.post(f"/api/v1/materials/{shown}/withdraw", headers=bearer(api_token(client, "gv.toan")),
                            json={"comment": "Gỡ xuống"})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    assert ids(client.get("/api/v1/materials", headers=student)) == {waiting}
    assert client.get(f"/api/v1/materials/{shown}", headers=student).status_code == 404


def test_the_library_page_is_computed_once_and_is_never_stale(app, world):
    shown = make_material("approved", title="Đã duyệt").id
    waiting = make_material("in_review", title="Đang thẩm định").id
    db.session.commit()
    reader = app.test_client()
    assert login(reader, "hs.6a1.01").status_code == 302
    assert page_ids(reader.get("/materials/?grade=6")) == {shown}
    # Asked again: only what is the reader's own (who they are, with their unread notifications'
    # count in the same statement).
    assert len(budget(reader, "/materials/?grade=6")) == 1

    review_services.decide(_material(waiting), user("reviewer.toan"), "approve", "Tốt", scores())
    db.session.commit()
    assert page_ids(reader.get("/materials/?grade=6")) == {shown, waiting}

    review_services.withdraw(_material(shown), user("gv.toan"), "Gỡ xuống")
    db.session.commit()
    assert page_ids(reader.get("/materials/?grade=6")) == {waiting}


def _material(material_id):
    from lms.materials.models import Material

    db.session.expire_all()
    return db.session.get(Material, material_id)


def test_the_library_page_is_kept_per_language(app, world):
    make_material("approved", title="Đã duyệt")
    db.session.commit()
    reader = app.test_client()
    assert login(reader, "hs.6a1.01").status_code == 302
    assert "1 học liệu" in reader.get("/materials/?grade=6").get_data(as_text=True)
    reader.post("/lang", data={"lang": "en", "csrf_token": csrf_from(reader, "/account/password")})
    assert "Materials: 1" in reader.get("/materials/?grade=6").get_data(as_text=True)


def test_another_process_hears_of_the_change(app, world, app_config, client):
    """Two workers: the second approves, the first (which has the list cached) hears of it through
    the generation file in the shared instance folder."""
    waiting = make_material("in_review", title="Đang thẩm định").id
    db.session.commit()
    student = bearer(api_token(client, "hs.6a1.01"))
    assert ids(client.get("/api/v1/materials", headers=student)) == set()
    assert ids(client.get("/api/v1/materials", headers=student)) == set()  # cached in this worker

    other = create_app(app_config)
    other.test_client_class = IsolatedClient
    second = other.test_client()
    reviewer = bearer(api_token(second, "reviewer.toan"))
    approved = second.post(f"/api/v1/materials/{waiting}/review", headers=reviewer,
                           json={"decision": "approve", "comment": "Tốt", "scores": scores()})
    assert approved.status_code == 200, approved.get_json()
    with other.app_context():
        db.engine.dispose()
    assert ids(client.get("/api/v1/materials", headers=student)) == {waiting}
    assert client.get(f"/api/v1/materials/{waiting}", headers=student).status_code == 200


def test_who_sees_more_gets_their_own_answer(app, world, client):
    """A new version of a published material is the owner's (and the school admin's, the
    reviewer's) to see; readers keep the published one, from the shared answer."""
    material = make_material("approved", title="Phân số")
    material_services.add_version(material, user("gv.toan"), stored(pdf_bytes("Phân số v2"), "v2.pdf"), "Sửa lỗi")
    db.session.commit()
    student = bearer(api_token(client, "hs.6a1.01"))
    for _ in range(2):  # the second answer comes from the cache
        (item,) = client.get("/api/v1/materials", headers=student).get_json()["items"]
        assert item["version"] == 1 and [v["number"] for v in item["versions"]] == [1]
        assert client.get(f"/api/v1/materials/{material.id}", headers=student).get_json()["version"] == 1
    for username in ("gv.toan", "bgh.thcs01", "reviewer.toan", "admin"):
        headers = bearer(api_token(client, username))
        (item,) = client.get("/api/v1/materials", headers=headers).get_json()["items"]
        assert item["version"] == 2 and [v["number"] for v in item["versions"]] == [1, 2], username
        assert client.get(f"/api/v1/materials/{material.id}", headers=headers).get_json()["version"] == 2
    (item,) = client.get("/api/v1/materials", headers=student).get_json()["items"]
    assert item["version"] == 1


def test_a_bad_filter_is_refused_every_time(app, world, client):
    student = bearer(api_token(client, "hs.6a1.01"))
    for _ in range(2):
        refused = client.get("/api/v1/materials?subject=khong-co", headers=student)
        assert refused.status_code == 422 and "subject" in refused.get_json()["error"]["details"]


# --- ETags --------------------------------------------------------------------------------------

def test_the_list_answers_304_while_nothing_changed(app, world, client):
    make_material("approved", title="Đã duyệt")
    waiting = make_material("in_review", title="Đang thẩm định").id
    db.session.commit()
    student = bearer(api_token(client, "hs.6a1.01"))
    first = client.get("/api/v1/materials", headers=student)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and "Authorization" in first.headers["Vary"]
    assert "no-cache" in first.headers["Cache-Control"] and "private" in first.headers["Cache-Control"]

    again = client.get("/api/v1/materials", headers={**student, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    # Another student has the same answer: the same ETag.
    other = bearer(api_token(client, "hs.6a2.01"))
    assert client.get("/api/v1/materials", headers={**other, "If-None-Match": etag}).status_code == 304

    review_services.decide(_material(waiting), user("reviewer.toan"), "approve", "Tốt", scores())
    db.session.commit()
    changed = client.get("/api/v1/materials", headers={**student, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert len(changed.get_json()["items"]) == 2


def test_a_material_answers_304_while_nothing_changed(app, world, client):
    material = make_material("approved", title="Phân số")
    db.session.commit()
    student = bearer(api_token(client, "hs.6a1.01"))
    url = f"/api/v1/materials/{material.id}"
    etag = client.get(url, headers=student).headers["ETag"]
    assert client.get(url, headers={**student, "If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={**student, "If-None-Match": 'W/"something-else"'}).status_code == 200

    owner = bearer(api_token(client, "gv.toan"))
    added = client.post(f"/api/v1/materials/{material.id}/versions", headers=owner,
                        data={"note": "Bản 2", "file": (_pdf("Phân số bản 2"), "v2.pdf")},
                        content_type="multipart/form-data")
    assert added.status_code == 201, added.get_json()
    for step in ("submit", "claim", "review"):
        who = owner if step == "submit" else bearer(api_token(client, "reviewer.toan"))
        body = {"decision": "approve", "comment": "Tốt", "scores": scores()} if step == "review" else {}
        assert client.post(f"{url}/{step}", headers=who, json=body).status_code == 200
    changed = client.get(url, headers={**student, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["version"] == 2


def _pdf(text):
    import io

    return io.BytesIO(pdf_bytes(text))


def test_every_api_get_is_conditional(app, world, client):
    headers = bearer(api_token(client, "gv.toan"))
    first = client.get("/api/v1/subjects", headers=headers)
    assert first.status_code == 200
    assert client.get("/api/v1/subjects", headers={**headers, "If-None-Match": first.headers["ETag"]}) \
        .status_code == 304
    # Writes and errors carry none.
    assert "ETag" not in client.get("/api/v1/materials/999999", headers=headers).headers


# --- a material's page ----------------------------------------------------------------------------

def test_a_material_page_is_rendered_once_for_its_readers_and_never_stale(app, world, client):
    material = make_material("approved", title="Phân số")
    db.session.commit()
    url = f"/materials/{material.id}"
    reader = app.test_client()
    assert login(reader, "hs.6a1.01").status_code == 302
    first = reader.get(url).get_data(as_text=True)
    assert f"/materials/{material.id}/v/1/" in first and "Phân số" in first
    # Asked again, by another student too: only what is the reader's own (one statement).
    assert len(budget(reader, url)) == 1
    other = app.test_client()
    assert login(other, "hs.6a2.03").status_code == 302
    assert len(budget(other, url)) == 1
    assert other.get(url).get_data(as_text=True).count("Phân số") == first.count("Phân số")

    # A new version, approved: readers see it at once.
    material_services.add_version(_material(material.id), user("gv.toan"), stored(pdf_bytes("Phân số bản 2"), "v2.pdf"),
                                  "Bản 2")
    db.session.commit()
    for step in ("submit", "claim", "approve"):
        item = _material(material.id)
        if step == "submit":
            review_services.submit(item, user("gv.toan"))
        elif step == "claim":
            review_services.claim(item, user("reviewer.toan"))
        else:
            review_services.decide(item, user("reviewer.toan"), "approve", "Tốt", scores())
        db.session.commit()
    assert f"/materials/{material.id}/v/2/" in reader.get(url).get_data(as_text=True)

    review_services.withdraw(_material(material.id), user("gv.toan"), "Gỡ xuống")
    db.session.commit()
    assert reader.get(url).status_code == 404


def test_a_material_page_differs_by_reader_kind_and_the_owner_gets_their_own(app, world):
    material = make_material("approved", title="Phân số", filename="phan-so-goc.pdf")
    db.session.commit()
    url = f"/materials/{material.id}"
    pages = {}
    for username in ("hs.6a1.01", "gv.toan2", "hs.6a1.02", "gv.toan"):
        client = app.test_client()
        assert login(client, username).status_code == 302
        pages[username] = client.get(url).get_data(as_text=True)
    # Staff see how it was made (the versions and the file's name); students see the material.
    assert 'id="versions"' in pages["gv.toan2"] and 'id="versions"' not in pages["hs.6a1.01"]
    # The owner's page is their own: what they may do with it.
    assert "wf-withdraw" in pages["gv.toan"] and "wf-withdraw" not in pages["gv.toan2"]
