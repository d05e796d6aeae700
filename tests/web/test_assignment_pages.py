"""Homework pages (issue 11): the teacher's "Giao bài" form with its question picker and test
matrix, "Giao cho lớp" from an approved material, the teacher's and the student's page of an
assignment, and the quiz page's own JSON routes (autosave, submit, the material's view time)."""

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lms.assignments.models import Assignment, Attempt, AttemptQuestion, MaterialView
from lms.core.timeutil import as_utc, utcnow
from lms.extensions import db
from lms.schools.models import Subject, Topic
from tests.assignment_pages_support import approved_questions, classroom, make_assignment
from tests.conftest import csrf_from, login
from tests.materials_support import make_material
from tests.questions_support import make_question

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def bank(app, demo):
    questions = approved_questions()
    db.session.commit()
    return questions


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def local_text(moment):
    return moment.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


def form_fields(client, **overrides):
    due = utcnow() + timedelta(days=3)
    fields = {"csrf_token": csrf_from(client, "/assignments/new"), "kind": "quiz",
              "title": "Kiểm tra 15 phút: phân số", "instructions": "<p>Làm <b>cẩn thận</b></p><script>x()</script>",
              "classrooms": [str(classroom("6A1").id)], "due_at": local_text(due), "max_attempts": "1",
              "grading_method": "highest", "show_answers": "after_submit", "source": "picked",
              "action": "publish"}
    fields.update(overrides)
    return fields


def value_of(page, name):
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or \
        re.search(rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page)
    return match.group(1) if match else None


# --- the teacher's form ------------------------------------------------------------------------

def test_the_form_offers_only_the_classes_the_teacher_teaches(login_as, demo):
    client = login_as("gv.toan")
    page = client.get("/assignments/new").get_data(as_text=True)
    assert f'value="{classroom("6A1").id}"' in page and f'value="{classroom("6A2").id}"' in page
    assert f'value="{classroom("7A1").id}"' not in page
    assert 'type="datetime-local"' in page


def test_a_hand_picked_quiz_is_given_with_local_times_stored_in_utc(login_as, bank):
    client = login_as("gv.toan")
    due_local = (datetime.now(LOCAL) + timedelta(days=2)).replace(hour=20, minute=0, second=0, microsecond=0)
    fields = form_fields(client, due_at=due_local.strftime("%Y-%m-%dT%H:%M"),
                         question_ids=[str(bank[1].id), str(bank[0].id)], **{f"marks_{bank[1].id}": "4",
                                                                              f"marks_{bank[0].id}": "6"},
                         shuffle_options="y", time_limit_minutes="15")
    response = client.post("/assignments/new", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assignment = db.session.scalar(db.select(Assignment).order_by(Assignment.id.desc()))
    assert response.headers["Location"].endswith(f"/assignments/{assignment.id}")
    assert as_utc(assignment.due_at) == due_local.astimezone(UTC)  # 20:00 in Hà Nội is 13:00 UTC
    assert as_utc(assignment.due_at).hour == 13
    assert "<script>" not in assignment.instructions and "cẩn thận" in assignment.instructions
    assert [c.name for c in assignment.classrooms] == ["6A1"]
    assert [(q.question_id, float(q.marks)) for q in assignment.questions] == [(bank[1].id, 4.0), (bank[0].id, 6.0)]
    assert assignment.time_limit_minutes == 15 and assignment.shuffle_options and not assignment.shuffle_questions

    page = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert "Kiểm tra 15 phút: phân số" in page and 'id="question-list"' in page
    assert 'id="tracking-link"' in page and f"/assignments/{assignment.id}/tracking" in page


def test_a_refused_form_keeps_what_was_typed_and_says_why_at_each_field(login_as, bank):
    client = login_as("gv.toan")
    fields = form_fields(client, title="Ôn tập chương II", classrooms=[], due_at="ngày mai",
                         question_ids=[str(bank[2].id)], **{f"marks_{bank[2].id}": "2,5"}, time_limit_minutes="45")
    response = client.post("/assignments/new", data=fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert value_of(page, "title") == "Ôn tập chương II"
    assert value_of(page, "time_limit_minutes") == "45"
    assert 'id="classrooms-error"' in page and 'id="due_at-error"' in page
    assert "Nhập ngày và giờ" in page
    # The ticked question is still ticked, with its marks, at the top of the list.
    picked = page[page.index('id="picked-list"'):page.index('id="picker-filters"')]
    assert f'value="{bank[2].id}" id="pick-{bank[2].id}" checked' in picked
    assert value_of(page, f"marks_{bank[2].id}") == "2,5"
    assert db.session.scalar(db.select(db.func.count(Assignment.id))) == 0


def test_the_service_refusals_land_on_their_fields(login_as, bank):
    client = login_as("gv.toan")
    yesterday = utcnow() - timedelta(days=1)
    fields = form_fields(client, title="", open_at=local_text(utcnow()), due_at=local_text(yesterday),
                         question_ids=[str(bank[0].id)], **{f"marks_{bank[0].id}": "-1"})
    response = client.post("/assignments/new", data=fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="title-error"' in page and 'id="due_at-error"' in page
    assert f'id="marks-{bank[0].id}-error"' in page


def test_the_picker_filters_the_bank_and_offers_the_teachers_own_drafts(login_as, bank):
    draft = make_question("draft", stem="Câu nháp của tôi về số nguyên tố", level="van_dung")
    other = make_question("draft", owner="gv.toan2", stem="Câu nháp của người khác")
    db.session.commit()
    client = login_as("gv.toan")
    fields = form_fields(client, action="filter", subject="toan", grade="6", question_ids=[str(bank[0].id)])
    page = client.post("/assignments/new", data=fields).get_data(as_text=True)
    candidates = page[page.index('id="candidate-list"'):]
    assert f'data-question="{draft.id}"' in candidates and f'data-question="{bank[3].id}"' in candidates
    assert f'data-question="{other.id}"' not in page
    assert f'data-question="{bank[0].id}"' not in candidates  # ticked: shown above, not twice
    fields = form_fields(client, action="filter", subject="toan", grade="6", f_level="van_dung")
    candidates = client.post("/assignments/new", data=fields).get_data(as_text=True)
    candidates = candidates[candidates.index('id="candidate-list"'):]
    assert f'data-question="{draft.id}"' in candidates and f'data-question="{bank[0].id}"' not in candidates


def _topic(position=0):
    toan = db.session.scalar(db.select(Subject).where(Subject.code == "toan"))
    return db.session.scalars(db.select(Topic).where(Topic.subject_id == toan.id, Topic.grade == 6)
                              .order_by(Topic.position)).all()[position]


def test_the_matrix_shows_what_the_bank_holds_per_cell_before_publishing(login_as, demo):
    topic = _topic(3)
    for n in range(2):
        make_question("approved", stem=f"Nhận biết {n}", topic=topic.id, level="nhan_biet")
    make_question("approved", stem="Thông hiểu", topic=topic.id, level="thong_hieu")
    db.session.commit()
    client = login_as("gv.toan")
    cell = f"cell_{topic.id}_nhan_biet_count"
    fields = form_fields(client, action="matrix", source="matrix", subject="toan", grade="6", **{cell: "3"})
    response = client.post("/assignments/new", data=fields)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    short = page[page.index(f'id="cell-{topic.id}-nhan_biet"'):][:1500]
    assert "matrix-short" in page[page.index(f'id="cell-{topic.id}-nhan_biet"') - 60:][:80]
    assert "Thiếu: ngân hàng chỉ có 2 câu" in short
    enough = page[page.index(f'id="cell-{topic.id}-thong_hieu"'):][:1500]
    assert 'data-available="1"' in enough and "Ngân hàng: 1 câu" in enough
    assert value_of(page, cell) == "3"
    assert db.session.scalar(db.select(db.func.count(Assignment.id))) == 0

    # Publishing the short matrix is refused, the shortage at the cell; two questions are enough.
    response = client.post("/assignments/new", data={**fields, "action": "publish"})
    assert response.status_code == 422
    assert "Thiếu: ngân hàng chỉ có 2 câu" in response.get_data(as_text=True)
    response = client.post("/assignments/new", data={**fields, "action": "publish", cell: "2",
                                                      f"cell_{topic.id}_thong_hieu_count": "1",
                                                      f"cell_{topic.id}_thong_hieu_marks": "4"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assignment = db.session.scalar(db.select(Assignment))
    assert sorted((c["level"], c["count"]) for c in assignment.matrix) == [("nhan_biet", 2), ("thong_hieu", 1)]


# --- "Giao cho lớp" from the library -----------------------------------------------------------

def test_giao_cho_lop_on_an_approved_material_opens_the_form_prefilled(login_as, demo, app):
    material = make_material("approved", title="Phiếu học tập: ước và bội")
    draft = make_material("draft", title="Bản nháp của tôi")
    db.session.commit()
    # A student reads it first: the shared part of the page is cached without the button.
    student = app.test_client()
    login(student, "hs.6a1.01")
    assert 'id="assign-material"' not in student.get(f"/materials/{material.id}").get_data(as_text=True)
    colleague = login_as("gv.van")
    page = colleague.get(f"/materials/{material.id}").get_data(as_text=True)
    assert f'href="/assignments/new?material={material.id}"' in page and "Giao cho lớp" in page
    owner = app.test_client()
    login(owner, "gv.toan")
    assert f'href="/assignments/new?material={material.id}"' in owner.get(f"/materials/{material.id}").get_data(
        as_text=True)
    assert 'id="assign-material"' not in owner.get(f"/materials/{draft.id}").get_data(as_text=True)
    admin = app.test_client()
    login(admin, "bgh.thcs01")
    assert 'id="assign-material"' not in admin.get(f"/materials/{material.id}").get_data(as_text=True)

    form = colleague.get(f"/assignments/new?material={material.id}").get_data(as_text=True)
    assert value_of(form, "title") == "Phiếu học tập: ước và bội"
    assert value_of(form, "material") == str(material.id)
    assert re.search(r'<input[^>]*checked[^>]*value="material"|<input[^>]*value="material"[^>]*checked', form)
    assert 'id="assign-material-info"' in form
    # A draft of someone else is not offered even through the address.
    other = make_material("draft", owner="gv.toan2", title="Nháp của trường khác")
    db.session.commit()
    form = colleague.get(f"/assignments/new?material={other.id}").get_data(as_text=True)
    assert "Nháp của trường khác" not in form and value_of(form, "material") in ("", None)


def test_a_material_assignment_from_the_prefilled_form(login_as, demo):
    material = make_material("approved", title="Đọc trước: phân số")
    db.session.commit()
    client = login_as("gv.toan")
    fields = form_fields(client, kind="material", title="Đọc trước: phân số", material=str(material.id))
    response = client.post("/assignments/new", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assignment = db.session.scalar(db.select(Assignment))
    assert assignment.kind == "material" and assignment.material_id == material.id
    assert assignment.material_version_id == material.published_version_id


# --- the student's pages -----------------------------------------------------------------------

def test_a_student_sees_their_class_assignment_and_others_get_404(login_as, bank, app):
    assignment = make_assignment(questions=bank)
    db.session.commit()
    client = login_as("hs.6a1.01")
    page = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert "Kiểm tra 15 phút: phân số" in page and "<strong>ghi rõ</strong>" in page
    assert 'id="start-quiz"' in page and 'data-overdue' not in page
    for username in ("hs.6a2.01", "gv.toan2", "gv.van", "reviewer.toan"):
        other = app.test_client()
        login(other, username)
        assert other.get(f"/assignments/{assignment.id}").status_code == 404, username
        assert other.post(f"/assignments/{assignment.id}/start",
                          data={"csrf_token": csrf_from(other, "/account/password")}).status_code == 404


def test_an_overdue_assignment_is_highlighted(login_as, bank):
    assignment = make_assignment(questions=bank, cutoff_at=utcnow() + timedelta(days=1))
    assignment.due_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    page = login_as("hs.6a1.01").get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert 'data-overdue="1"' in page and "đã quá hạn" in page
    assert 'id="start-quiz"' in page  # before the cut-off a late attempt is still possible


def _start(client, assignment):
    token = csrf_from(client, f"/assignments/{assignment.id}")
    response = client.post(f"/assignments/{assignment.id}/start", data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(Attempt, attempt_id), token


def test_a_quiz_is_taken_saved_as_it_goes_and_submitted(login_as, bank, app):
    assignment = make_assignment(questions=bank, time_limit_minutes=20)
    db.session.commit()
    client = login_as("hs.6a1.01")
    attempt, token = _start(client, assignment)
    again, _token = _start(client, assignment)  # a second tap: the same attempt
    assert again.id == attempt.id
    url = f"/assignments/{assignment.id}/attempts/{attempt.id}"
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="card mb-3 question-card"') == 4
    assert 'data-seconds-left="' in page and 'id="quiz-countdown"' in page
    assert "Mất kết nối — câu trả lời được giữ trên máy" in page  # the status the script shows offline

    answers = {str(bank[0].id): "c", str(bank[1].id): True, str(bank[2].id): "ha noi"}
    saved = client.put(f"{url}/answers", json={"answers": answers}, headers={"X-CSRFToken": token})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert client.put(f"{url}/answers", json={"answers": answers}, headers={"X-CSRFToken": token}).status_code == 200
    # Without the token, or with an answer that does not fit: refused as JSON.
    assert client.put(f"{url}/answers", json={"answers": answers}).status_code == 400
    bad = client.put(f"{url}/answers", json={"answers": {str(bank[0].id): "z"}}, headers={"X-CSRFToken": token})
    assert bad.status_code == 422 and f"answers.{bank[0].id}" in bad.get_json()["error"]["details"]
    # A reload shows what was saved.
    page = client.get(url).get_data(as_text=True)
    assert re.search(rf'id="a-{bank[0].id}-c" value="c" checked', page)
    assert value_of(page, "x") is None and 'value="ha noi"' in page

    # Submitting sends the page's copy of every answer; the last one arrives with it.
    response = client.post(f"{url}/submit", data={"csrf_token": token,
                                                  "answers": json.dumps({str(bank[3].id): "3,5"})})
    assert response.status_code == 302
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.state == "submitted"
    items = {i.assignment_question.question_id: i for i in attempt.items}
    assert items[bank[3].id].answer == 3.5 and items[bank[0].id].answer == "c"
    assert float(attempt.mark) == 7.5  # "ha noi" without its tone marks is not "Hà Nội"
    result = client.get(url).get_data(as_text=True)
    assert 'id="quiz-done"' in result and "7,5/10" in result and "Đáp án:" in result
    # Saving after submitting: a 409 the script understands.
    assert client.put(f"{url}/answers", json={"answers": answers}, headers={"X-CSRFToken": token}).status_code == 409
    # The teacher sees the score on the assignment's page and the student's answers.
    teacher = signed_in(app, "gv.toan")
    page = teacher.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert 'data-student="hs.6a1.01"' in page and "7,5" in page
    assert teacher.get(url).status_code == 200


def test_answers_are_hidden_when_the_teacher_says_so(login_as, bank):
    assignment = make_assignment(questions=bank[:1], show_answers="never")
    db.session.commit()
    client = login_as("hs.6a1.01")
    attempt, token = _start(client, assignment)
    url = f"/assignments/{assignment.id}/attempts/{attempt.id}"
    client.post(f"{url}/submit", data={"csrf_token": token, "answers": json.dumps({str(bank[0].id): "a"})})
    page = client.get(url).get_data(as_text=True)
    assert 'id="answers-hidden"' in page and "Đáp án:" not in page and "0/10" in page


def test_another_students_attempt_is_404(login_as, bank, app):
    assignment = make_assignment(questions=bank)
    db.session.commit()
    attempt, _token = _start(login_as("hs.6a1.01"), assignment)
    other = app.test_client()
    login(other, "hs.6a1.02")
    url = f"/assignments/{assignment.id}/attempts/{attempt.id}"
    token = csrf_from(other, "/account/password")
    assert other.get(url).status_code == 404
    assert other.put(f"{url}/answers", json={"answers": {}}, headers={"X-CSRFToken": token}).status_code == 404
    assert other.post(f"{url}/submit", data={"csrf_token": token}).status_code == 404
    assert db.session.get(Attempt, attempt.id).state == "in_progress"
    assert db.session.scalar(db.select(db.func.count(AttemptQuestion.id)).where(
        AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.answer.is_not(None))) == 0


def test_a_material_assignment_shows_the_material_and_records_the_view(login_as, demo, app):
    material = make_material("approved", title="Đọc trước: phân số")
    db.session.commit()
    assignment = make_assignment("material", material=material)
    db.session.commit()
    client = login_as("hs.6a1.01")
    page = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert f'/materials/{material.id}/v/1/file' in page and 'id="material-view"' in page
    assert "js/material_view.js" in page
    token = csrf_from(client, f"/assignments/{assignment.id}")
    url = f"/assignments/{assignment.id}/view"
    assert client.post(url, json={"opened": True}).status_code == 400  # no CSRF token
    assert client.post(url, json={"opened": True}, headers={"X-CSRFToken": token}).status_code == 204
    assert client.post(url, json={"seconds": 42}, headers={"X-CSRFToken": token}).status_code == 204
    view = db.session.scalar(db.select(MaterialView))
    assert (view.views, view.seconds, view.material_id) == (1, 42, material.id)
    teacher = signed_in(app, "gv.toan")
    assert teacher.post(url, json={"opened": True},
                        headers={"X-CSRFToken": csrf_from(teacher, "/account/password")}).status_code == 403


def test_the_navigation_leads_students_and_teachers_to_their_homework(app, demo):
    for username in ("hs.6a1.01", "gv.toan"):
        page = signed_in(app, username).get("/").get_data(as_text=True)
        assert 'href="/assignments/"' in page and "Bài tập" in page
