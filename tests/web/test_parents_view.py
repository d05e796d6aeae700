"""Issue 14.2 and 14.4: the parent's read-only view of their children's homework, its API, and
privacy: another family's child is 404, unreleased marks stay hidden, nothing can be changed."""

import datetime as dt

import pytest

from lms.assignments import marking, services, submissions
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.schools import queries
from tests.conftest import DEMO_PASSWORD, login
from tests.web.conftest_admin import form_post, user_named


def _classroom(name="6A1", school="THCS01"):
    return next(c for c in queries.classrooms_of(queries.school_by_code(school)) if c.name == name)


def _assignment(title, due, cutoff=None, opened=None):
    now = utcnow()
    return services.create_assignment(user_named("gv.toan"), {
        "title": title, "kind": "submission", "class_ids": [_classroom().id], "subject": "toan",
        "instructions": "<p>Làm bài vào vở, chụp ảnh nộp.</p>",
        "open_at": opened or now - dt.timedelta(days=3), "due_at": due, "cutoff_at": cutoff})


@pytest.fixture
def homework(app, demo):
    """For hs.6a1.01 (whose parent is ph.6a1.01): one missed, one handed in late and marked with
    the marks released, one handed in on time and marked but not released, one still to do."""
    now = utcnow()
    student, teacher = user_named("hs.6a1.01"), user_named("gv.toan")
    missed = _assignment("Bài tập về nhà: phân số", now - dt.timedelta(days=2))
    late = _assignment("Luyện tập: số thập phân", now - dt.timedelta(days=2), cutoff=now + dt.timedelta(days=1))
    hidden = _assignment("Ôn tập chương 1", now + dt.timedelta(days=1))
    _assignment("Chuẩn bị bài: tỉ số", now + dt.timedelta(days=3))
    db.session.commit()
    for assignment, mark, feedback in ((late, "7,25", "Trình bày sạch, còn sai một phép tính."),
                                       (hidden, "9", "Rất tốt.")):
        work = submissions.submit_work(assignment, student, "Bài làm của em: 1/2 + 1/3 = 5/6")
        db.session.commit()
        marking.grade_submission(work, teacher, mark, feedback, work.lock_version)
        db.session.commit()
    marking.release_grades(late, teacher)
    db.session.commit()
    return {"missed": missed, "late": late, "hidden": hidden, "student": student}


def test_the_parent_sees_missed_late_and_released_marks_only(app, homework, login_as):
    client = login_as("ph.6a1.01", DEMO_PASSWORD)
    assert client.get("/").headers["Location"].endswith("/parents/")  # their home is their children
    home = client.get("/parents/").get_data(as_text=True)
    student = homework["student"]
    assert student.full_name in home and user_named("hs.6a2.01").full_name in home  # both children
    assert "Bài bỏ lỡ" in home
    page = client.get(f"/parents/children/{student.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    missed = html.split(f'data-assignment="{homework["missed"].id}"', 1)[1].split("</li>", 1)[0]
    assert 'data-status="missing"' in html and "text-bg-" in missed
    late = html.split(f'data-assignment="{homework["late"].id}"', 1)[1].split("</li>", 1)[0]
    assert "nộp muộn" in late and "7.3" in late and "còn sai một phép tính" in late  # 7.25 → 7.3, released
    hidden = html.split(f'data-assignment="{homework["hidden"].id}"', 1)[1].split("</li>", 1)[0]
    assert "đúng hạn" in hidden and "9.0" not in hidden and "Rất tốt" not in hidden  # not released yet
    assert "<form" not in html.split("<main", 1)[1].split("</main>", 1)[0]  # nothing to change here

    week = client.get(f"/parents/children/{student.id}/week").get_data(as_text=True)
    assert "Tóm tắt tuần" in week and "Chuẩn bị bài: tỉ số" in week and "Bài tập về nhà: phân số" in week


def test_another_familys_child_is_404_and_writes_are_refused(app, homework, login_as):
    client = login_as("ph.6a1.02", DEMO_PASSWORD)  # the parent of hs.6a1.02 only
    student = homework["student"]
    assert client.get(f"/parents/children/{student.id}").status_code == 404
    assert client.get(f"/parents/children/{student.id}/week").status_code == 404
    assert client.get("/parents/children/2147483647").status_code == 404
    # A parent cannot act as a student or a teacher on the homework.
    assert form_post(client, f"/assignments/{homework['missed'].id}/submission",
                     {"text": "x"}).status_code in (403, 404)
    # Other roles have no parent pages.
    other = app.test_client()
    assert login(other, "hs.6a1.03", DEMO_PASSWORD).status_code == 302
    assert other.get("/parents/").status_code == 403


def test_api_children_and_their_assignments(app, homework, client):
    token = client.post("/api/v1/auth/token", json={"username": "ph.6a1.01",
                                                    "password": DEMO_PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    children = client.get("/api/v1/children", headers=headers).get_json()
    assert sorted(c["class"] for c in children) == ["6A1", "6A2"]
    student = homework["student"]
    rows = client.get(f"/api/v1/children/{student.id}/assignments", headers=headers).get_json()
    by_id = {r["id"]: r for r in rows}
    assert by_id[homework["missed"].id]["status"] == "missing"
    assert by_id[homework["late"].id]["late"] is True and by_id[homework["late"].id]["mark"] == 7.3
    assert by_id[homework["hidden"].id]["mark"] is None and not by_id[homework["hidden"].id]["feedback"]
    other = user_named("hs.6a1.05")
    assert client.get(f"/api/v1/children/{other.id}/assignments", headers=headers).status_code == 404
    # A student's token gets 403 on the parents' API.
    student_token = client.post("/api/v1/auth/token", json={"username": "hs.6a1.05",
                                                            "password": DEMO_PASSWORD}).get_json()["token"]
    assert client.get("/api/v1/children", headers={"Authorization": f"Bearer {student_token}"}).status_code == 403
