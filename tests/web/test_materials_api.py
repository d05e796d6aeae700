"""/api/v1/materials: the flows a mobile app or a script drives, with bearer tokens."""

import pytest

from lms.extensions import db
from lms.review.queries import criteria as published_criteria
from tests.conftest import api_token, bearer
from tests.materials_support import (
    make_material,
    metadata,
    multipart,
    pdf_bytes,
)


@pytest.fixture
def world(app, demo, criteria):
    return demo


@pytest.fixture
def tokens(client, world):
    cache = {}

    def headers(username):
        if username not in cache:
            cache[username] = bearer(api_token(client, username))
        return cache[username]

    return headers


def upload(client, headers, data=None, filename="bai.pdf", **fields):
    body, content_type = multipart(metadata(**fields), {"file": (data or pdf_bytes("API"), filename)})
    return client.post("/api/v1/materials", data=body, content_type=content_type, headers=headers)


def test_upload_submit_claim_approve_then_students_see_it(client, tokens):
    created = upload(client, tokens("gv.toan"), title="Luyện tập phân số", description="<p>Hay<script>x</script></p>",
                     topic="", note="Bản đầu")
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert {"id", "title", "subject", "grade", "kind", "license", "state", "owner_id", "school_id", "version",
            "versions", "file"} <= set(item)
    assert (item["state"], item["subject"], item["grade"], item["version"]) == ("draft", "toan", 6, 1)
    assert item["description"] == "<p>Hay</p>"
    assert item["file"]["name"] == "bai.pdf" and item["file"]["mime"] == "application/pdf"
    assert item["versions"][0]["processing_state"] == "ok"
    material_id = item["id"]
    student = tokens("hs.6a1.01")
    assert client.get(f"/api/v1/materials/{material_id}", headers=student).status_code == 404

    submitted = client.post(f"/api/v1/materials/{material_id}/submit", headers=tokens("gv.toan"))
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "submitted"
    queue = client.get("/api/v1/reviews/queue?kind=material", headers=tokens("reviewer.toan")).get_json()
    assert [e["id"] for e in queue["items"]] == [material_id]
    claimed = client.post(f"/api/v1/materials/{material_id}/claim", headers=tokens("reviewer.toan"))
    assert claimed.get_json()["state"] == "in_review"
    scores = {c.code: 3 for c in published_criteria()}
    approved = client.post(f"/api/v1/materials/{material_id}/review", headers=tokens("reviewer.toan"),
                           json={"decision": "approve", "comment": "Tốt", "scores": scores})
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["state"] == "approved"

    seen = client.get(f"/api/v1/materials/{material_id}", headers=student)
    assert seen.status_code == 200
    listed = client.get("/api/v1/materials?subject=toan&grade=6", headers=student).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == material_id
    assert {"items", "total", "page", "per_page"} == set(listed)
    download = client.get(seen.get_json()["file"]["url"], headers=student, buffered=True)
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert download.headers["Content-Disposition"].startswith("attachment")
    history = client.get(f"/api/v1/materials/{material_id}/history", headers=tokens("gv.toan")).get_json()
    assert [(e["from"], e["to"]) for e in history] == [
        ("draft", "submitted"), ("submitted", "in_review"), ("in_review", "approved")]


def test_required_fields_and_attribution(client, tokens):
    body, content_type = multipart({"title": ""}, {"file": (pdf_bytes(), "a.pdf")})
    response = client.post("/api/v1/materials", data=body, content_type=content_type, headers=tokens("gv.toan"))
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert {"title", "subject", "grade", "kind", "license", "rights_confirmed"} <= set(details)
    response = upload(client, tokens("gv.toan"), uploader_is_author="false")
    assert {"author", "source"} <= set(response.get_json()["error"]["details"])
    ok = upload(client, tokens("gv.toan"), uploader_is_author="false", author="Bộ GD&ĐT",
                attribution="Sách giáo khoa Toán 6")
    assert ok.status_code == 201 and ok.get_json()["source"] == "Sách giáo khoa Toán 6"


def test_a_file_is_required(client, tokens):
    response = client.post("/api/v1/materials", data=metadata(), headers=tokens("gv.toan"))
    assert response.status_code == 422 and "file" in response.get_json()["error"]["details"]


def test_only_teachers_upload(client, tokens):
    assert upload(client, tokens("hs.6a1.01")).status_code == 403
    assert upload(client, tokens("reviewer.toan")).status_code == 403
    assert client.post("/api/v1/materials").status_code == 401


def test_patch_metadata(client, tokens):
    material = make_material("draft")
    db.session.commit()
    url = f"/api/v1/materials/{material.id}"
    response = client.patch(url, json={"title": "Đổi tên", "grade": 7}, headers=tokens("gv.toan"))
    assert response.status_code == 200 and (response.get_json()["title"], response.get_json()["grade"]) == ("Đổi tên", 7)
    assert client.patch(url, json={"grade": 9}, headers=tokens("gv.toan")).status_code == 422
    assert client.patch(url, json={"title": "x"}, headers=tokens("hs.6a1.01")).status_code == 404
    assert client.patch(url, json={"title": "x"}, headers=tokens("bgh.thcs01")).status_code == 403
    assert client.patch(url, json=["x"], headers=tokens("gv.toan")).status_code == 422


def test_new_version_keeps_the_published_one_for_students(client, tokens):
    material = make_material("approved")
    db.session.commit()
    body, content_type = multipart({"note": "Thêm hình minh hoạ"}, {"file": (pdf_bytes("Bản hai"), "ban-hai.pdf")})
    response = client.post(f"/api/v1/materials/{material.id}/versions", data=body, content_type=content_type,
                           headers=tokens("gv.toan"))
    assert response.status_code == 201, response.get_json()
    owner_view = response.get_json()
    assert owner_view["version"] == 2 and owner_view["published_version"] == 1
    assert [v["status"] for v in owner_view["versions"]] == ["published", "draft"]
    student_view = client.get(f"/api/v1/materials/{material.id}", headers=tokens("hs.6a1.01")).get_json()
    assert student_view["version"] == 1 and [v["number"] for v in student_view["versions"]] == [1]
    assert client.get(f"/api/v1/materials/{material.id}/versions/2/file",
                      headers=tokens("hs.6a1.01")).status_code == 404
    assert client.post(f"/api/v1/materials/{material.id}/submit", headers=tokens("gv.toan")).status_code == 200


def test_new_version_refused_while_under_review(client, tokens):
    material = make_material("submitted")
    db.session.commit()
    body, content_type = multipart({"note": "x"}, {"file": (pdf_bytes("x"), "x.pdf")})
    response = client.post(f"/api/v1/materials/{material.id}/versions", data=body, content_type=content_type,
                           headers=tokens("gv.toan"))
    assert response.status_code == 409
    assert response.get_json()["error"]["details"]["state"] == "submitted"


def test_workflow_refusals(client, tokens):
    material = make_material("draft")
    db.session.commit()
    assert client.post(f"/api/v1/materials/{material.id}/claim", headers=tokens("admin")).status_code == 409
    assert client.post(f"/api/v1/materials/{material.id}/submit", headers=tokens("hs.6a1.01")).status_code == 404
    other = make_material("submitted")
    db.session.commit()
    assert client.post(f"/api/v1/materials/{other.id}/claim", headers=tokens("gv.toan")).status_code == 403
    reply = client.post(f"/api/v1/materials/{other.id}/review", headers=tokens("reviewer.toan"),
                        json={"decision": "approve", "scores": {}})
    assert reply.status_code == 409


def test_request_changes_needs_a_reason_and_the_author_sees_it(client, tokens):
    material = make_material("in_review")
    db.session.commit()
    url = f"/api/v1/materials/{material.id}/review"
    missing = client.post(url, headers=tokens("reviewer.toan"), json={"decision": "request_changes"})
    assert missing.status_code == 422
    assert {"reason_code", "comment"} <= set(missing.get_json()["error"]["details"])
    done = client.post(url, headers=tokens("reviewer.toan"),
                       json={"decision": "request_changes", "reason_code": "metadata", "comment": "Thiếu chủ đề."})
    assert done.get_json()["state"] == "changes_requested"
    history = client.get(f"/api/v1/materials/{material.id}/history", headers=tokens("gv.toan")).get_json()
    assert history[-1]["comment"] == "Thiếu chủ đề."


def test_my_materials_list(client, tokens):
    make_material("draft", title="Của tôi")
    make_material("approved", owner="gv.toan2", title="Của người khác")
    db.session.commit()
    mine = client.get("/api/v1/materials?mine=1", headers=tokens("gv.toan")).get_json()
    assert [m["title"] for m in mine["items"]] == ["Của tôi"]
    library = client.get("/api/v1/materials?per_page=1", headers=tokens("gv.toan")).get_json()
    assert (library["total"], library["per_page"], [m["title"] for m in library["items"]]) == \
        (1, 1, ["Của người khác"])


def test_unsupported_type_and_too_large_in_the_json_error_shape(client, tokens, make):
    response = upload(client, tokens("gv.toan"), data=make.exe().read_bytes(), filename="a.pdf")
    assert response.status_code == 415
    assert set(response.get_json()["error"]) == {"code", "message", "details"}


def test_openapi_lists_the_material_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/materials", "/api/v1/materials/{material_id}", "/api/v1/materials/{material_id}/versions",
                 "/api/v1/materials/{item_id}/review"):
        assert path in paths
