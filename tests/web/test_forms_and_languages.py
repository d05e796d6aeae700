"""Issue 9.1, 9.4, 9.6 without a browser: forms that mark what they require, errors at their
fields, our error pages for every status, and notifications and criteria in either language."""

import re

import pytest

from lms.extensions import db
from lms.review import services as review_services
from lms.review.models import Notification
from lms.schools.models import Subject, Topic
from tests.conftest import csrf_from
from tests.materials_support import make_material, metadata, multipart, pdf_bytes, user

FORM_PAGES = {
    "gv.toan": ["/account/password", "/materials/upload"],
    "admin": ["/reviews/criteria/new", "/admin/schools/new", "/admin/users/new", "/admin/groups/new",
              "/admin/topics/new", "/admin/topics/import"],
    "bgh.thcs01": ["/admin/classrooms/new", "/admin/teachers/new", "/admin/students/new",
                   "/admin/teachings/new", "/admin/students/import"],
}


def english(client):
    token = csrf_from(client, "/")
    client.post("/lang", data={"lang": "en", "csrf_token": token, "next": "/"})


@pytest.mark.parametrize("username", sorted(FORM_PAGES))
def test_forms_let_the_browser_check_what_they_require(demo, app, login_as, username):
    client = login_as(username)
    for url in FORM_PAGES[username]:
        page = client.get(url).get_data(as_text=True)
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>", page)
        assert forms, url
        assert not any("novalidate" in form for form in forms), url
        assert re.search(r"<(input|select|textarea)[^>]*\brequired\b", page), url
        assert 'class="form-label required"' in page or 'class="form-check-label required"' in page, url


def test_login_page_has_no_novalidate_and_requires_both_fields(client, demo):
    page = client.get("/login").get_data(as_text=True)
    assert "novalidate" not in page
    assert re.search(r'<input[^>]*name="username"[^>]*required', page)
    assert re.search(r'<input[^>]*name="password"[^>]*required', page)


@pytest.mark.parametrize("status, method, url, kwargs, title", [
    (404, "get", "/no-such-page", {}, "Không tìm thấy trang"),
    (405, "delete", "/login", {}, "Thao tác không được hỗ trợ"),
    (413, "post", "/login", "multipart", "Dữ liệu quá lớn"),  # a field over MAX_FORM_MEMORY_SIZE
])
def test_werkzeug_statuses_render_our_page(client, demo, status, method, url, kwargs, title):
    if kwargs == "multipart":
        body, content_type = multipart({"username": "x" * 600_000}, {"f": (b"x", "a.txt")})
        kwargs = {"data": body, "content_type": content_type}
    response = getattr(client, method)(url, **kwargs)
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert f'data-status="{status}"' in page and title in page and 'id="error-home"' in page
    for english in ("The requested URL", "The method is not allowed", "capacity limit"):
        assert english not in page


def test_forbidden_page_in_english(client, demo, login_as):
    client = login_as("gv.toan")
    english(client)
    response = client.get("/admin/schools")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Not allowed" in page or "may not see this page" in page
    assert "Không có quyền" not in page


def test_api_errors_speak_the_users_language_too(client, demo):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"].startswith("Không có trang này")


def test_upload_without_script_refuses_a_topic_of_another_subject_at_its_field(world_upload):
    client, body, content_type = world_upload
    response = client.post("/materials/upload", data=body, content_type=content_type)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="topic-error">Chủ đề/bài học không thuộc môn và khối lớp đã chọn.' in page
    assert 'value="Phân số, không JavaScript"' in page  # what was typed stays


@pytest.fixture
def world_upload(demo, login_as, criteria):
    client = login_as("gv.toan")
    khtn_topic = db.session.scalar(db.select(Topic.id).join(Subject).where(Subject.code == "khtn"))
    token = csrf_from(client, "/materials/upload")
    fields = {"csrf_token": token, **metadata(title="Phân số, không JavaScript", topic=str(khtn_topic))}
    body, content_type = multipart(fields, {"file": (pdf_bytes("không JavaScript"), "phan-so.pdf")})
    return client, body, content_type


def test_notifications_are_worded_in_the_readers_language(demo, login_as, criteria):
    material = make_material("submitted", title="Ôn tập chương I")
    review_services.claim(material, user("reviewer.toan"))
    review_services.decide(material, user("reviewer.toan"), "request_changes", "Thiếu nguồn.",
                           reason_code="licensing")
    db.session.commit()
    stored = db.session.scalars(db.select(Notification).where(Notification.user_id == user("gv.toan").id)
                                .order_by(Notification.id)).all()
    assert [n.message_key for n in stored] == ["claimed", "changes_requested"]
    # The Vietnamese sentence is stored too (older readers, and keys this version does not know).
    assert stored[1].message == "Trương Thị Thu Hằng yêu cầu chỉnh sửa “Ôn tập chương I” (Bản quyền và ghi nguồn)."
    assert stored[1].params["reason_code"] == "licensing"

    client = login_as("gv.toan")
    page = client.get("/reviews/notifications").get_data(as_text=True)
    assert "yêu cầu chỉnh sửa “Ôn tập chương I” (Bản quyền và ghi nguồn)" in page
    english(client)
    page = client.get("/reviews/notifications").get_data(as_text=True)
    assert "asked for changes to “Ôn tập chương I” (Licensing and attribution)" in page
    assert "is reviewing “Ôn tập chương I”" in page


def test_criteria_have_english_wording(demo, login_as, criteria):
    client = login_as("admin")
    token = csrf_from(client, "/reviews/criteria/new")
    response = client.post("/reviews/criteria/new", data={
        "csrf_token": token, "code": "inclusion", "title": "Giáo dục hoà nhập", "description": "Phù hợp mọi học sinh",
        "title_en": "Inclusive education", "description_en": "Suits every pupil", "max_score": "3"})
    assert response.status_code == 302
    page = client.get("/reviews/criteria").get_data(as_text=True)
    assert "Giáo dục hoà nhập" in page and "Inclusive education" not in page
    english(client)
    page = client.get("/reviews/criteria").get_data(as_text=True)
    assert "Inclusive education" in page and "Suits every pupil" in page and "Accuracy of content" in page


def test_a_missing_kind_is_asked_for_by_name_not_by_code(demo, login_as, criteria):
    client = login_as("gv.toan")
    token = csrf_from(client, "/materials/upload")
    body, content_type = multipart({"csrf_token": token, **metadata(kind="")},
                                   {"file": (pdf_bytes("không loại"), "phieu.pdf")})
    page = client.post("/materials/upload", data=body, content_type=content_type).get_data(as_text=True)
    assert 'id="kind-error">Chọn một trong: Bài giảng (trình chiếu), Phiếu học tập' in page
    assert "slides, worksheet" not in page
