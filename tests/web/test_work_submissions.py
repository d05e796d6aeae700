"""Handing in written/file work (issue 11.4): late, refused after the cut-off, resubmission until
the due time, files through the pipeline (a renamed EXE is refused with nothing written), phone
photos shown upright; pages and API; who may see what."""

import io
from datetime import timedelta

import pytest
from PIL import Image

from lms.assignments import submissions
from lms.assignments.models import Submission, SubmissionFile
from lms.extensions import db
from lms.files.models import StoredFile
from lms.files.store import file_store
from tests.assignments_work_support import jpeg_with_orientation, make_assignment, png_bytes, user
from tests.conftest import api_token, bearer, csrf_from


@pytest.fixture
def app_config(app_config):
    # Homework does not search; the search index's writer (another feature's) stays out of the way.
    return {**app_config, "SEARCH_ENABLED": False}


def _post(client, assignment_id, token, text=None, file=None):
    data = {}
    if text is not None:
        data["text"] = text
    if file is not None:
        data["file"] = (io.BytesIO(file[1]), file[0])
    return client.post(f"/api/v1/assignments/{assignment_id}/submissions", data=data,
                       content_type="multipart/form-data", headers=bearer(token))


def _blobs():
    root = file_store().root
    return {p.name for p in root.rglob("*") if p.is_file() and p.parent.name != "tmp" and len(p.name) == 64}


def test_on_time_submission_with_text_is_sanitised_and_nfc(app, demo, client):
    assignment = make_assignment()
    db.session.commit()
    token = api_token(client, "hs.6a1.01")
    decomposed = "Bài làm của em: Hoa\u0300 bình<script>alert(1)</script> <b>đậm</b>"
    response = _post(client, assignment.id, token, text=decomposed)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["late"] is False and body["count"] == 1
    assert "<script>" not in body["text"] and "alert(1)" not in body["text"]
    assert "Ho\u00e0 bình" in body["text"] and "\u0300" not in body["text"]  # NFC: à is one code point
    row = db.session.scalar(db.select(Submission).where(Submission.assignment_id == assignment.id))
    assert row.student_id == user("hs.6a1.01").id and not row.late


def test_after_due_is_late_and_after_cutoff_refused_with_the_time(app, demo, client):
    late_one = make_assignment(due_in=timedelta(hours=-2), cutoff_after_due=timedelta(days=1))
    closed = make_assignment(due_in=timedelta(days=-2), cutoff_after_due=timedelta(days=1), title="Đã đóng")
    db.session.commit()
    token = api_token(client, "hs.6a1.01")
    response = _post(client, late_one.id, token, text="Nộp muộn")
    assert response.status_code == 201
    assert response.get_json()["late"] is True
    response = _post(client, closed.id, token, text="Quá muộn")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "past_cutoff"
    cutoff = closed.cutoff_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"))
    assert cutoff.strftime("%H:%M") in error["message"] and cutoff.strftime("%d/%m/%Y") in error["message"]
    assert "Đã hết hạn nhận bài" in error["message"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Submission)
                             .where(Submission.assignment_id == closed.id)) == 0


def test_without_cutoff_the_due_time_closes(app, demo, client):
    assignment = make_assignment(due_in=timedelta(minutes=-1), cutoff_after_due=None)
    db.session.commit()
    response = _post(client, assignment.id, api_token(client, "hs.6a1.01"), text="Muộn")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "past_cutoff"


def test_not_open_yet_is_refused(app, demo, client):
    assignment = make_assignment(opened=timedelta(hours=-3))
    db.session.commit()
    response = _post(client, assignment.id, api_token(client, "hs.6a1.01"), text="Sớm quá")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_open"


def test_resubmission_replaces_until_due_then_is_refused(app, demo, client, make):
    assignment = make_assignment()
    db.session.commit()
    token = api_token(client, "hs.6a1.01")
    first = _post(client, assignment.id, token, text="Lần một", file=("bai.png", png_bytes()))
    assert first.status_code == 201 and len(first.get_json()["files"]) == 1
    second = _post(client, assignment.id, token, text="Lần hai")
    assert second.status_code == 201
    body = second.get_json()
    assert body["id"] == first.get_json()["id"]
    assert body["count"] == 2 and "Lần hai" in body["text"] and body["files"] == []
    assert db.session.scalar(db.select(db.func.count()).select_from(SubmissionFile)) == 0
    # The due time passes: the work handed in stays, a replacement is refused.
    later = submissions.submission_of(assignment, user("hs.6a1.01"))
    try:
        submissions.submit_work(assignment, user("hs.6a1.01"), "Lần ba",
                                now=assignment.due_at + timedelta(minutes=5))
        raise AssertionError("a resubmission after the due time was accepted")
    except submissions.Conflict as error:
        assert error.code == "resubmission_closed"
    db.session.rollback()
    db.session.refresh(later)
    assert later.count == 2 and "Lần hai" in later.text and not later.late


def test_empty_submission_is_422(app, demo, client):
    assignment = make_assignment()
    db.session.commit()
    response = _post(client, assignment.id, api_token(client, "hs.6a1.01"), text="  <p> </p> ")
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]) >= {"text", "file"}


def test_exe_renamed_jpeg_is_415_and_leaves_no_row_nor_blob(app, demo, client, make):
    assignment = make_assignment()
    db.session.commit()
    before_files = db.session.scalar(db.select(db.func.count()).select_from(StoredFile))
    blobs = _blobs()
    exe = make.exe("anh-bai-lam.jpg").read_bytes()
    response = _post(client, assignment.id, api_token(client, "hs.6a1.01"), text="Kèm ảnh",
                     file=("anh-bai-lam.jpg", exe))
    assert response.status_code == 415
    error = response.get_json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert "tệp thực thi Windows (EXE)" in error["message"] and ".jpg" in error["message"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Submission)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(StoredFile)) == before_files
    assert _blobs() == blobs


def test_phone_photo_with_exif_orientation_6_is_shown_upright(app, demo, client):
    assignment = make_assignment()
    db.session.commit()
    token = api_token(client, "hs.6a1.01")
    photo = jpeg_with_orientation(6, size=(60, 20))
    response = _post(client, assignment.id, token, file=("IMG_0001.JPG", photo))
    assert response.status_code == 201, response.get_json()
    shown_url = response.get_json()["files"][0]["image_url"]
    assert shown_url  # processed after the commit (the job runs at once in tests)
    shown = client.get(shown_url, headers=bearer(token))
    assert shown.status_code == 200
    assert shown.headers["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(shown.data)) as image:
        assert image.size == (20, 60)  # upright: turned from 60×20 to tall
        assert image.getexif().get(0x0112) in (None, 1)
        assert 0x8825 not in image.getexif()  # the GPS position is gone
        rgb = image.convert("RGB")
        # Orientation 6 turns the picture 90° clockwise: the left (red) half ends up on top.
        top, bottom = rgb.getpixel((10, 5)), rgb.getpixel((10, 55))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom
    # The download is the file as handed in, as an attachment.
    original = client.get(response.get_json()["files"][0]["url"], headers=bearer(token))
    assert original.status_code == 200 and original.data == photo
    assert original.headers["Content-Disposition"].startswith("attachment")
    # The teacher's page shows the thumbnail, also upright.
    row = db.session.scalar(db.select(SubmissionFile))
    assert row.thumbnail_sha256
    with Image.open(file_store().path_for(row.thumbnail_sha256)) as thumb:
        assert thumb.size[1] > thumb.size[0]


def test_another_class_student_gets_404_and_teacher_cannot_submit(app, demo, client):
    assignment = make_assignment()
    db.session.commit()
    for username, status in (("hs.6a2.01", 404), ("hs2.6a1.01", 404), ("gv.toan2", 404), ("gv.toan", 403)):
        response = _post(client, assignment.id, api_token(client, username), text="Thử")
        assert response.status_code == status, (username, response.get_json())
    assert db.session.scalar(db.select(db.func.count()).select_from(Submission)) == 0


def test_a_student_sees_only_their_own_submission_and_files(app, demo, client):
    assignment = make_assignment()
    db.session.commit()
    mine = _post(client, assignment.id, api_token(client, "hs.6a1.01"), text="Của em",
                 file=("bai.png", png_bytes())).get_json()
    other = api_token(client, "hs.6a1.02")
    listed = client.get(f"/api/v1/assignments/{assignment.id}/submissions", headers=bearer(other)).get_json()
    assert listed["items"] == []
    assert client.get(mine["files"][0]["url"], headers=bearer(other)).status_code == 404
    teacher = api_token(client, "gv.toan")
    listed = client.get(f"/api/v1/assignments/{assignment.id}/submissions", headers=bearer(teacher)).get_json()
    assert [s["id"] for s in listed["items"]] == [mine["id"]]
    assert client.get(mine["files"][0]["url"], headers=bearer(teacher)).status_code == 200
    assert client.get(mine["files"][0]["url"], headers=bearer(api_token(client, "gv.toan2"))).status_code == 404


# --- the pages ---------------------------------------------------------------------------------

def test_page_hand_in_with_photo_and_refusal_keeps_the_text(app, demo, login_as, make):
    assignment = make_assignment()
    db.session.commit()
    client = login_as("hs.6a1.01")
    url = f"/assignments/{assignment.id}/submission"
    page = client.get(url)
    assert page.status_code == 200 and "Nộp bài" in page.get_data(as_text=True)
    token = csrf_from(client, url)
    refused = client.post(url, data={"csrf_token": token, "text": "Bài làm dở dang của em",
                                     "file": (io.BytesIO(make.exe().read_bytes()), "anh.jpg")},
                          content_type="multipart/form-data")
    assert refused.status_code == 415
    html = refused.get_data(as_text=True)
    assert "Bài làm dở dang của em" in html and "tệp thực thi Windows" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Submission)) == 0
    done = client.post(url, data={"csrf_token": token, "text": "Bài làm của em",
                                  "file": (io.BytesIO(jpeg_with_orientation()), "anh.jpg")},
                       content_type="multipart/form-data")
    assert done.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "Đúng hạn" in html and "Bài làm của em" in html and "/thumbnail" in html
    assert "Nộp lại" in html


def test_page_post_without_csrf_writes_nothing(app, demo, login_as):
    assignment = make_assignment()
    db.session.commit()
    client = login_as("hs.6a1.01")
    response = client.post(f"/assignments/{assignment.id}/submission",
                           data={"text": "x", "file": (io.BytesIO(png_bytes()), "a.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Submission)) == 0


def test_page_after_cutoff_says_why(app, demo, login_as):
    assignment = make_assignment(due_in=timedelta(days=-3), cutoff_after_due=timedelta(days=1))
    db.session.commit()
    html = login_as("hs.6a1.01").get(f"/assignments/{assignment.id}/submission").get_data(as_text=True)
    assert "Đã hết hạn nhận bài" in html and 'id="submission-form"' not in html


def test_the_assignment_page_shows_the_hand_in_and_questions(app, demo, login_as):
    """The assignment's own page (views/student.py) includes the partials: the student's form
    and questions; for the teacher the way to the grading queue, also for a quiz's essays."""
    from tests.assignments_work_support import make_quiz_with_essays

    assignment = make_assignment()
    quiz = make_quiz_with_essays()
    db.session.commit()
    html = login_as("hs.6a1.01").get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert 'id="submission-form"' in html and 'id="ask-form"' in html
    teacher = app.test_client()
    from tests.conftest import login

    login(teacher, "gv.toan")
    for work in (assignment, quiz):
        html = teacher.get(f"/assignments/{work.id}").get_data(as_text=True)
        assert f"/assignments/{work.id}/grading" in html and 'id="inquiries"' in html


def test_the_openapi_document_lists_the_hand_in_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    upload = paths["/api/v1/assignments/{assignment_id}/submissions"]["post"]
    assert set(upload["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]) == {"text", "file"}
    assert {"201", "409", "413", "415"} <= set(upload["responses"])
    for path, method in (("/api/v1/submissions/{submission_id}/grade", "put"),
                         ("/api/v1/essays/{item_id}/grade", "put"),
                         ("/api/v1/assignments/{assignment_id}/release-grades", "post"),
                         ("/api/v1/assignments/{assignment_id}/grading", "get"),
                         ("/api/v1/assignments/{assignment_id}/inquiries", "post"),
                         ("/api/v1/inquiries/{inquiry_id}/answer", "post"),
                         ("/api/v1/submissions/{submission_id}/files/{position}", "get")):
        assert method in paths[path], path
    assert paths["/api/v1/submissions/{submission_id}/grade"]["put"]["requestBody"]["content"][
        "application/json"]["schema"]["required"] == ["mark", "lock_version"]
