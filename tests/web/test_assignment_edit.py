"""Changing an assignment (issue 11): services.update_assignment's rules (what may change once a
student began, deadlines moved earlier or later, open attempts' deadlines, lock_version), the
"Sửa" form (prefilled, read-only parts once begun, what was typed kept on 422 and 409) and
PATCH /api/v1/assignments/{id} (200, 409, 422, 403/404)."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from lms.assignments import attempts, services
from lms.assignments.models import Assignment, Attempt
from lms.core.errors import DomainError
from lms.core.timeutil import as_utc, utcnow
from lms.extensions import db
from tests.assignments_support import approved, classroom, quiz, user
from tests.conftest import CSRF_RE, api_token, bearer, csrf_from

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def world(app, demo, criteria):
    return demo


def refused(call):
    with pytest.raises(DomainError) as caught:
        call()
    db.session.rollback()
    return caught.value


def fresh(assignment):
    db.session.expire_all()
    return db.session.get(Assignment, assignment.id)


def started_quiz(**overrides):
    """A quiz of gv.toan in 6A1 that hs.6a1.01 has started (committed)."""
    assignment = quiz(**overrides)
    attempt, _created = attempts.start(assignment, user("hs.6a1.01"))
    db.session.commit()
    return assignment, attempt


# --- the service's rules ---------------------------------------------------------------------------

def test_once_begun_the_settings_change_and_the_content_is_refused_by_name(world):
    assignment, _attempt = started_quiz()
    due = utcnow() + timedelta(days=3)
    services.update_assignment(assignment, user("gv.toan"), {
        "title": "Ôn tập (đã sửa)", "due_at": due.isoformat(), "max_attempts": 3, "time_limit_minutes": 10,
        "show_answers": "after_due", "grading_method": "last"})
    db.session.commit()
    changed = fresh(assignment)
    assert (changed.title, changed.max_attempts, changed.time_limit_minutes, changed.show_answers) == \
        ("Ôn tập (đã sửa)", 3, 10, "after_due")
    assert abs(as_utc(changed.due_at) - due) < timedelta(seconds=1) and changed.lock_version == 2
    # The whole assignment sent back unchanged (as the form posts it) is no content change.
    same = services.current_fields(changed)
    services.update_assignment(changed, user("gv.toan"), {**same, "title": "Lần hai"})
    db.session.commit()
    assert fresh(assignment).title == "Lần hai"
    error = refused(lambda: services.update_assignment(
        fresh(assignment), user("gv.toan"), {"class_ids": [classroom("6A1").id, classroom("6A2").id],
                                             "kind": "submission", "title": "Không được"}))
    assert (error.status, error.code) == (409, "assignment_started")
    assert {"class_ids", "kind"} <= set(error.details)
    assert fresh(assignment).title == "Lần hai" and [c.name for c in fresh(assignment).classrooms] == ["6A1"]


def test_reading_the_material_is_beginning_the_work(world):
    from tests.materials_support import make_material

    material = make_material("approved", title="Đọc trước")
    db.session.flush()
    assignment = services.create_assignment(user("gv.toan"), {
        "kind": "material", "title": "Đọc", "class_ids": [classroom().id], "material_id": material.id,
        "due_at": (utcnow() + timedelta(days=1)).isoformat()})
    db.session.commit()
    assert not services.has_started(assignment)
    services.record_view(assignment, user("hs.6a1.01"))
    db.session.commit()
    assert services.has_started(assignment)


def test_a_deadline_moved_earlier_keeps_handed_in_work_and_may_not_land_in_the_past(world):
    assignment = quiz()
    attempt, _created = attempts.start(assignment, user("hs.6a1.01"))
    attempts.submit(attempt, user("hs.6a1.01"))
    db.session.commit()
    error = refused(lambda: services.update_assignment(assignment, user("gv.toan"), {
        "due_at": (utcnow() - timedelta(minutes=10)).isoformat(), "open_at": (utcnow() - timedelta(hours=1)).isoformat()}))
    assert error.status == 422 and "due_at" in error.details
    soon = utcnow() + timedelta(hours=1)
    services.update_assignment(fresh(assignment), user("gv.toan"), {"due_at": soon.isoformat()})
    db.session.commit()
    assert abs(as_utc(fresh(assignment).due_at) - soon) < timedelta(seconds=1)
    assert db.session.get(Attempt, attempt.id).late is False  # handed in on time, still on time
    # Later is always allowed; the open time may not move past now once begun.
    services.update_assignment(fresh(assignment), user("gv.toan"),
                               {"due_at": (utcnow() + timedelta(days=7)).isoformat()})
    db.session.commit()
    error = refused(lambda: services.update_assignment(fresh(assignment), user("gv.toan"), {
        "open_at": (utcnow() + timedelta(hours=2)).isoformat()}))
    assert error.status == 422 and "open_at" in error.details


def test_an_open_attempt_keeps_its_promised_deadline_unless_the_cutoff_moves(world):
    assignment, attempt = started_quiz(time_limit_minutes=30)
    promised, version = as_utc(attempt.deadline_at), attempt.lock_version
    services.update_assignment(assignment, user("gv.toan"), {"time_limit_minutes": 5})  # for later starts
    db.session.commit()
    assert as_utc(db.session.get(Attempt, attempt.id).deadline_at) == promised
    cutoff = (utcnow() + timedelta(minutes=10)).replace(microsecond=0)
    services.update_assignment(fresh(assignment), user("gv.toan"),
                               {"due_at": cutoff.isoformat(), "cutoff_at": cutoff.isoformat()})
    db.session.commit()
    moved = db.session.get(Attempt, attempt.id)
    assert as_utc(moved.deadline_at) == cutoff and moved.lock_version == version + 1


def test_a_later_cutoff_gives_back_the_time_an_old_cutoff_took(world):
    soon = (utcnow() + timedelta(minutes=10)).replace(microsecond=0)
    assignment, attempt = started_quiz(due_at=soon.isoformat(), time_limit_minutes=45)
    assert as_utc(attempt.deadline_at) == soon  # cut short by the due time (no cut-off)
    services.update_assignment(assignment, user("gv.toan"),
                               {"due_at": (soon + timedelta(days=1)).isoformat()})
    db.session.commit()
    assert as_utc(db.session.get(Attempt, attempt.id).deadline_at) == \
        as_utc(attempt.started_at) + timedelta(minutes=45)


def test_an_edit_from_an_older_reading_is_409_and_writes_nothing(world):
    assignment = quiz()
    seen = assignment.lock_version
    services.update_assignment(assignment, user("gv.toan"), {"title": "Người thứ nhất", "lock_version": seen})
    db.session.commit()
    error = refused(lambda: services.update_assignment(fresh(assignment), user("gv.toan"),
                                                        {"title": "Người thứ hai", "lock_version": seen}))
    assert (error.status, error.code, error.details) == (409, "stale_assignment", {"lock_version": seen + 1})
    assert fresh(assignment).title == "Người thứ nhất"
    error = refused(lambda: services.update_assignment(fresh(assignment), user("gv.toan"), {"lock_version": "hai"}))
    assert error.status == 422


# --- the "Sửa" page ---------------------------------------------------------------------------------

def value_of(page, name):
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or \
        re.search(rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page)
    return match.group(1) if match else None


def local_text(moment):
    return as_utc(moment).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


def edit_fields(client, assignment, **overrides):
    """What the edit form posts when the teacher changes nothing, with `overrides`."""
    url = f"/assignments/{assignment.id}/edit"
    page = client.get(url).get_data(as_text=True)
    fields = {"csrf_token": CSRF_RE.search(page).group(1), "lock_version": value_of(page, "lock_version"),
              "kind": assignment.kind, "title": assignment.title, "instructions": assignment.instructions,
              "classrooms": [str(c.id) for c in assignment.classrooms], "open_at": value_of(page, "open_at"),
              "due_at": value_of(page, "due_at"), "cutoff_at": value_of(page, "cutoff_at") or "",
              "max_attempts": str(assignment.max_attempts), "time_limit_minutes": "",
              "grading_method": assignment.grading_method, "show_answers": assignment.show_answers,
              "source": "picked", "subject": "toan", "grade": "6", "action": "publish",
              "question_ids": [str(q.question_id) for q in assignment.questions]}
    fields.update(overrides)
    return url, fields


def test_the_teacher_edits_from_the_assignment_page(login_as, world):
    assignment = quiz()
    client = login_as("gv.toan")
    detail = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert f'href="/assignments/{assignment.id}/edit"' in detail
    page = client.get(f"/assignments/{assignment.id}/edit").get_data(as_text=True)
    assert value_of(page, "title") == assignment.title and value_of(page, "due_at") == local_text(assignment.due_at)
    assert value_of(page, "lock_version") == "1" and 'id="edit-locked"' not in page
    assert all(f'value="{q.question_id}" id="pick-{q.question_id}" checked' in page for q in assignment.questions)
    due = utcnow() + timedelta(days=5)
    url, fields = edit_fields(client, assignment, title="Phân số (sửa)", due_at=local_text(due))
    response = client.post(url, data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    changed = fresh(assignment)
    assert changed.title == "Phân số (sửa)" and local_text(changed.due_at) == local_text(due)
    assert changed.lock_version == 2 and len(changed.questions) == 3


def test_a_refused_edit_keeps_what_was_typed(login_as, world):
    assignment = quiz()
    client = login_as("gv.toan")
    url, fields = edit_fields(client, assignment, title="", instructions="<p>Hướng dẫn mới</p>",
                              max_attempts="4", due_at="thứ sáu")
    response = client.post(url, data=fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert value_of(page, "max_attempts") == "4" and value_of(page, "due_at") == "thứ sáu"
    assert "Hướng dẫn mới" in page and 'id="due_at-error"' in page
    assert fresh(assignment).max_attempts == 1


def test_a_second_editor_with_a_stale_form_gets_409_and_their_values_back(login_as, world):
    assignment = quiz()
    client = login_as("gv.toan")
    url, stale = edit_fields(client, assignment, title="Bản của tab thứ hai", max_attempts="2")
    _url, first = edit_fields(client, assignment, title="Bản của tab thứ nhất")
    assert client.post(url, data=first).status_code == 302
    response = client.post(url, data=stale)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert value_of(page, "title") == "Bản của tab thứ hai" and value_of(page, "max_attempts") == "2"
    assert value_of(page, "lock_version") == "2" and 'id="edit-stale"' in page
    assert fresh(assignment).title == "Bản của tab thứ nhất"
    again = client.post(url, data={**stale, "lock_version": "2"})  # saved again: it overwrites
    assert again.status_code == 302 and fresh(assignment).title == "Bản của tab thứ hai"


def test_once_begun_the_form_shows_the_content_read_only_and_saves_the_settings(login_as, world):
    assignment, _attempt = started_quiz()
    client = login_as("gv.toan")
    url = f"/assignments/{assignment.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'id="edit-locked"' in page and 'id="kind-field" disabled' in page
    assert 'id="classrooms-field" disabled' in page and 'id="picker-filters"' not in page
    # Disabled fields are not posted: only the settings come.
    fields = {"csrf_token": CSRF_RE.search(page).group(1), "lock_version": "1", "title": "Đổi tên sau khi làm",
              "instructions": "", "open_at": value_of(page, "open_at"), "due_at": value_of(page, "due_at"),
              "cutoff_at": "", "max_attempts": "2", "time_limit_minutes": "", "grading_method": "highest",
              "show_answers": "never", "action": "publish"}
    response = client.post(url, data={**fields, "title": ""})
    assert response.status_code == 422
    again = response.get_data(as_text=True)
    assert 'id="kind-field" disabled' in again and value_of(again, "max_attempts") == "2"
    assert all(f'id="pick-{q.question_id}" checked' in again for q in assignment.questions)
    assert client.post(url, data=fields).status_code == 302
    changed = fresh(assignment)
    assert (changed.title, changed.max_attempts, changed.show_answers) == ("Đổi tên sau khi làm", 2, "never")
    assert [c.name for c in changed.classrooms] == ["6A1"] and len(changed.questions) == 3


def test_a_form_opened_before_a_student_began_may_not_change_the_questions(login_as, world):
    assignment = quiz()
    client = login_as("gv.toan")
    first = assignment.questions[0].question_id
    url, fields = edit_fields(client, assignment, title="Chỉ còn một câu", question_ids=[str(first)])
    attempts.start(fresh(assignment), user("hs.6a1.01"))
    db.session.commit()
    response = client.post(url, data=fields)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'id="edit-locked"' in page and value_of(page, "title") == "Chỉ còn một câu"
    assert all(f'id="pick-{q.question_id}" checked' in page for q in fresh(assignment).questions)
    assert fresh(assignment).title != "Chỉ còn một câu" and len(fresh(assignment).questions) == 3
    _url, same = edit_fields(client, fresh(assignment), title="Chỉ đổi tên")
    assert client.post(url, data=same).status_code == 302 and fresh(assignment).title == "Chỉ đổi tên"


def test_who_may_open_the_edit_form(app, world):
    from tests.conftest import login

    assignment = quiz()
    url = f"/assignments/{assignment.id}/edit"
    for username, status in (("gv.toan2", 404), ("hs.6a2.01", 404), ("hs.6a1.01", 403), ("bgh.thcs01", 403)):
        client = app.test_client()
        login(client, username)
        assert client.get(url).status_code == status, username
        assert client.post(url, data={"title": "x"}).status_code in (status, 400), username
    client = app.test_client()
    login(client, "bgh.thcs01")
    assert 'id="edit-link"' not in client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert fresh(assignment).title != "x"


# --- PATCH /api/v1/assignments/{id} -----------------------------------------------------------------

def test_patch_changes_some_fields_and_answers_the_assignment(client, world):
    assignment = quiz()
    teacher = bearer(api_token(client, "gv.toan"))
    url = f"/api/v1/assignments/{assignment.id}"
    seen = client.get(url, headers=teacher).get_json()["lock_version"]
    due = (utcnow() + timedelta(days=4)).replace(microsecond=0)
    response = client.patch(url, json={"title": "Qua API", "due_at": due.isoformat(), "lock_version": seen},
                            headers=teacher)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "Qua API" and body["lock_version"] == seen + 1 and body["question_count"] == 3
    stale = client.patch(url, json={"title": "Cũ", "lock_version": seen}, headers=teacher)
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale_assignment"
    assert stale.get_json()["error"]["details"] == {"lock_version": seen + 1}
    bad = client.patch(url, json={"max_attempts": 0, "cutoff_at": (due - timedelta(days=1)).isoformat()},
                       headers=teacher)
    assert bad.status_code == 422 and {"max_attempts", "cutoff_at"} <= set(bad.get_json()["error"]["details"])
    assert client.patch(url, json=["x"], headers=teacher).status_code == 422
    assert fresh(assignment).title == "Qua API"


def test_patch_after_a_student_began_refuses_new_questions(client, world):
    assignment, _attempt = started_quiz()
    other = approved(1)[0]
    db.session.commit()
    teacher = bearer(api_token(client, "gv.toan"))
    response = client.patch(f"/api/v1/assignments/{assignment.id}", json={"question_ids": [other.id]},
                            headers=teacher)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "assignment_started"
    assert "question_ids" in response.get_json()["error"]["details"]


def test_patch_is_its_teachers_only(client, world):
    assignment = quiz()
    url = f"/api/v1/assignments/{assignment.id}"
    for username, status in (("gv.toan2", 404), ("hs.6a2.01", 404), ("hs.6a1.01", 403), ("bgh.thcs01", 403)):
        response = client.patch(url, json={"title": "Của người khác"}, headers=bearer(api_token(client, username)))
        assert response.status_code == status, username
    assert fresh(assignment).title != "Của người khác"


def test_the_create_form_takes_a_blank_time_limit_as_no_limit(login_as, world):
    questions = approved(1)
    db.session.commit()
    client = login_as("gv.toan")
    fields = {"csrf_token": csrf_from(client, "/assignments/new"), "kind": "quiz", "title": "Không giới hạn giờ",
              "classrooms": [str(classroom().id)], "due_at": local_text(utcnow() + timedelta(days=1)),
              "max_attempts": "1", "time_limit_minutes": "", "grading_method": "highest",
              "show_answers": "after_submit", "source": "picked", "action": "publish",
              "question_ids": [str(questions[0].id)]}
    response = client.post("/assignments/new", data=fields)  # a browser posts the empty field
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    made = db.session.scalar(db.select(Assignment).where(Assignment.title == "Không giới hạn giờ"))
    assert made.time_limit_minutes is None



def test_an_edit_shows_at_once_in_the_students_to_do(client, world):
    assignment = quiz(title="Tên cũ")
    student, teacher = bearer(api_token(client, "hs.6a1.01")), bearer(api_token(client, "gv.toan"))
    titles = [item["title"] for item in client.get("/api/v1/assignments", headers=student).get_json()["items"]]
    assert "Tên cũ" in titles  # now kept (assignments.work_cache)
    assert client.patch(f"/api/v1/assignments/{assignment.id}", json={"title": "Tên mới"},
                        headers=teacher).status_code == 200
    titles = [item["title"] for item in client.get("/api/v1/assignments", headers=student).get_json()["items"]]
    assert "Tên mới" in titles and "Tên cũ" not in titles
