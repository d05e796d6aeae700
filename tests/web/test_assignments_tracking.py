"""Tracking of homework (issue 11): every student's state, the student's to-do, the teacher's list,
the class matrix, the gradebook files, item analysis of a quiz, and who may see them.

Rows are written straight from the models (tests/assignments_tracking_support.py) so that every
state can be set at a chosen time."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from lms.accounts import services as account_services
from lms.accounts.models import Role
from lms.assignments import queries
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.schools.models import School
from tests.assignments_tracking_support import (
    DAY,
    HOUR,
    MINUTE,
    classroom,
    make_assignment,
    make_attempt,
    make_submission,
    make_view,
    students,
)
from tests.conftest import api_token, bearer, login
from tests.questions_support import make_question

ESSAY = {"qtype": "essay", "data": {}, "stem": "Trình bày cách so sánh hai phân số khác mẫu."}


@pytest.fixture
def world(app, demo, criteria):
    return demo


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def quiz(now=None, **fields):
    """A quiz of gv.toan in 6A1: a single-choice question (2 marks, answer "c") and an essay
    (1 mark), due an hour ago, accepted until tomorrow."""
    now = now or utcnow()
    choice = make_question("approved", stem="Phân số nào lớn nhất?")
    essay = make_question("approved", **ESSAY)
    fields.setdefault("due_at", now - HOUR)
    fields.setdefault("cutoff_at", now + DAY)
    assignment = make_assignment(questions=[(choice, 2), (essay, 1)], title="Kiểm tra phân số", now=now, **fields)
    return assignment, assignment.questions[0], assignment.questions[1]


def by_username(tracked):
    return {row.student.username: row for row in tracked.rows}


# --- the seven states ----------------------------------------------------------------------------

def test_each_of_the_seven_states(world):
    now = utcnow()
    assignment, choice, essay = quiz(now)
    s = students()
    before_due = now - 2 * HOUR
    make_attempt(assignment, s[0], [(choice, "c", 1), (essay, "Quy đồng", 1)], started_at=before_due)  # graded
    make_attempt(assignment, s[1], [(choice, "c", 1), (essay, "Quy đồng", None)], started_at=before_due)  # submitted
    make_attempt(assignment, s[2], [(choice, "a", 0), (essay, "...", None)], started_at=now - 30 * MINUTE)  # late
    make_attempt(assignment, s[3], [(choice, "c", None)], state="in_progress")  # in_progress
    make_view(assignment, s[4], first_at=now - 3 * HOUR)  # viewed
    db.session.commit()

    rows = by_username(queries.tracking(assignment, now=now))
    assert len(rows) == 30
    assert rows["hs.6a1.01"].status == "graded" and rows["hs.6a1.01"].work.mark == Decimal("10.0")
    assert rows["hs.6a1.01"].work.late is False and rows["hs.6a1.01"].work.duration_seconds == 12 * 60
    assert rows["hs.6a1.02"].status == "submitted" and rows["hs.6a1.02"].work.needs_grading
    assert rows["hs.6a1.03"].status == "late" and rows["hs.6a1.03"].work.late
    assert rows["hs.6a1.04"].status == "in_progress" and rows["hs.6a1.04"].work.attempt_open
    assert rows["hs.6a1.05"].status == "viewed" and rows["hs.6a1.05"].work.viewed_before_due
    assert rows["hs.6a1.06"].status == "not_started"

    # After the cut-off, whoever handed nothing in is missing; the open attempt is still open
    # (the deadline task submits it).
    later = by_username(queries.tracking(assignment, now=now + 2 * DAY))
    assert later["hs.6a1.06"].status == "missing" and later["hs.6a1.05"].status == "missing"
    assert later["hs.6a1.04"].status == "in_progress" and later["hs.6a1.01"].status == "graded"
    # Without a cut-off, the due time is the limit.
    assignment.cutoff_at = None
    db.session.commit()
    assert by_username(queries.tracking(assignment, now=now))["hs.6a1.06"].status == "missing"

    summary = queries.tracking(assignment, now=now - 2 * HOUR).summary
    assert summary.students == 30 and summary.done == 3
    assert summary.counts["graded"] == 1 and summary.counts["late"] == 1 and summary.counts["submitted"] == 1
    assert summary.average_mark == Decimal("10.0")
    assert summary.on_time == 2 and summary.on_time_rate == pytest.approx(2 / 3, abs=1e-4)


def test_the_mark_follows_the_grading_method_and_a_graded_late_attempt_stays_late(world):
    now = utcnow()
    assignment, choice, essay = quiz(now, max_attempts=3, grading_method="highest")
    student = students()[0]
    make_attempt(assignment, student, [(choice, "c", 1), (essay, "x", 0)], number=1, started_at=now - 30 * MINUTE)
    make_attempt(assignment, student, [(choice, "a", 0), (essay, "y", 1)], number=2, started_at=now - 10 * MINUTE)
    db.session.commit()
    row = by_username(queries.tracking(assignment, now=now))["hs.6a1.01"]
    # marks 2/3 → 6.7 and 1/3 → 3.3: highest 6.7
    assert row.status == "graded" and row.work.late and row.work.mark == Decimal("6.7") and row.work.attempts == 2
    assignment.grading_method = "last"
    assert by_username(queries.tracking(assignment, now=now))["hs.6a1.01"].work.mark == Decimal("3.3")


def test_a_material_assignment_tracks_who_read_it_before_class_and_for_how_long(world):
    now = utcnow()
    assignment = make_assignment(kind="material", title="Đọc trước bài Phân số", due_at=now - HOUR, now=now)
    s = students()
    make_view(assignment, s[0], first_at=now - 5 * HOUR, seconds=420, views=2)
    make_view(assignment, s[1], first_at=now - 10 * MINUTE, seconds=60)
    db.session.commit()
    tracked = queries.tracking(assignment, now=now)
    rows = by_username(tracked)
    assert rows["hs.6a1.01"].status == "viewed" and rows["hs.6a1.01"].work.viewed_before_due
    assert rows["hs.6a1.01"].work.view_seconds == 420 and rows["hs.6a1.01"].work.views == 2
    assert rows["hs.6a1.02"].status == "viewed" and not rows["hs.6a1.02"].work.viewed_before_due
    assert rows["hs.6a1.03"].status == "missing"
    assert tracked.summary.viewed_before_due == 1 and tracked.summary.done == 2 and tracked.summary.on_time == 1
    assert len(tracked.not_done) == 28 and rows["hs.6a1.01"] not in tracked.not_done


def test_a_submission_assignment_is_submitted_late_or_graded(world):
    now = utcnow()
    assignment = make_assignment(kind="submission", title="Vẽ sơ đồ", due_at=now - HOUR, cutoff_at=now + DAY, now=now)
    s = students()
    make_submission(assignment, s[0], submitted_at=now - 2 * HOUR)
    make_submission(assignment, s[1], submitted_at=now - 30 * MINUTE)
    make_submission(assignment, s[2], submitted_at=now - 2 * HOUR, mark=Decimal("8.5"), feedback="Trình bày rõ.")
    db.session.commit()
    rows = by_username(queries.tracking(assignment, now=now))
    assert (rows["hs.6a1.01"].status, rows["hs.6a1.02"].status, rows["hs.6a1.03"].status) == \
        ("submitted", "late", "graded")
    assert rows["hs.6a1.03"].work.mark == Decimal("8.5") and rows["hs.6a1.03"].work.feedback == "Trình bày rõ."
    assert rows["hs.6a1.04"].status == "not_started"


def test_students_come_in_class_order_then_vietnamese_name_order_and_filters_apply(world):
    now = utcnow()
    assignment = make_assignment(kind="submission", classes=("6A1", "6A2"), now=now)
    make_submission(assignment, students("6A2")[0])
    db.session.commit()
    tracked = queries.tracking(assignment, now=now)
    names = [(r.classroom.name, r.student.name_sort) for r in tracked.rows]
    assert len(names) == 60 and names == sorted(names)
    assert [r.classroom.name for r in tracked.rows[:30]] == ["6A1"] * 30
    only_6a2 = queries.tracking(assignment, classroom("6A2").id, now=now)
    assert {r.classroom.name for r in only_6a2.rows} == {"6A2"} and only_6a2.summary.students == 30
    assert [r.student.username for r in tracked.filtered("submitted")] == ["hs.6a2.01"]
    assert len(tracked.filtered("not_done")) == 59


# --- the student's to-do -------------------------------------------------------------------------

def test_the_to_do_puts_what_is_left_first_nearest_due_first_then_what_is_done(world):
    now = utcnow()
    student = students()[0]
    make_assignment(kind="submission", title="Sắp đến hạn", due_at=now + DAY, now=now)
    make_assignment(kind="submission", title="Còn lâu", due_at=now + 5 * DAY, now=now)
    make_assignment(kind="submission", title="Quá hạn", due_at=now - DAY, cutoff_at=now + DAY, now=now)
    done_recent = make_assignment(kind="submission", title="Đã nộp gần đây", due_at=now - HOUR, now=now)
    done_old = make_assignment(kind="material", title="Đã đọc", due_at=now - 3 * DAY, now=now)
    make_assignment(kind="submission", title="Chưa mở", open_at=now + DAY, due_at=now + 2 * DAY, now=now)
    make_assignment(kind="submission", title="Lớp khác", classes=("6A2",), now=now)
    make_submission(done_recent, student, submitted_at=now - 2 * HOUR, mark=Decimal("9"), feedback="Tốt lắm.")
    make_view(done_old, student, first_at=now - 4 * DAY)
    db.session.commit()

    items = queries.todo_items(student, db.session.scalars(queries.todo(student, now)).all(), now)
    assert [i.assignment.title for i in items] == ["Quá hạn", "Sắp đến hạn", "Còn lâu", "Đã nộp gần đây", "Đã đọc"]
    assert [i.overdue for i in items] == [True, False, False, False, False]
    assert [i.work.status for i in items] == ["not_started", "not_started", "not_started", "graded", "viewed"]
    assert items[3].mark is None and items[3].feedback == ""  # not released yet
    done_recent.grades_released_at = now - MINUTE
    db.session.commit()
    released = queries.todo_items(student, [done_recent], now)[0]
    assert released.mark == Decimal("9.0") and released.feedback == "Tốt lắm."


def test_the_to_do_page_and_api(world, app):
    now = utcnow()
    overdue = make_assignment(kind="submission", title="Bài quá hạn", due_at=now - DAY, cutoff_at=now + DAY, now=now)
    make_assignment(kind="material", title="Đọc trước", due_at=now + DAY, now=now)
    make_assignment(kind="submission", title="Bài của lớp 6A2", classes=("6A2",), now=now)
    db.session.commit()
    page = signed_in(app, "hs.6a1.01").get("/assignments/").get_data(as_text=True)
    assert page.index("Bài quá hạn") < page.index("Đọc trước") and "Bài của lớp 6A2" not in page
    assert f'data-assignment="{overdue.id}" data-status="not_started" data-overdue="1"' in page
    client = app.test_client()
    body = client.get("/api/v1/assignments", headers=bearer(api_token(client, "hs.6a1.01"))).get_json()
    assert body["total"] == 2 and [i["title"] for i in body["items"]] == ["Bài quá hạn", "Đọc trước"]
    assert body["items"][0]["status"] == "not_started" and body["items"][0]["overdue"] is True
    assert body["items"][0]["mark"] is None and body["items"][0]["due_at"].endswith("+07:00")


# --- the teacher's list and the class matrix -----------------------------------------------------

def test_the_teachers_list_counts_who_has_done_each(world, app):
    now = utcnow()
    mine = make_assignment(kind="submission", title="Bài của cô Thư", classes=("6A1", "6A2"), now=now)
    make_assignment(kind="submission", title="Bài của cô Yến", teacher="gv.van", now=now)
    make_submission(mine, students()[0])
    make_submission(mine, students("6A2")[3], mark=Decimal(7))
    db.session.commit()
    progress = queries.progress_of([mine])[mine.id]
    assert (progress.done, progress.total, progress.to_grade) == (2, 60, 1)
    page = signed_in(app, "gv.toan").get("/assignments/").get_data(as_text=True)
    assert "Bài của cô Thư" in page and "Bài của cô Yến" not in page and "2/60" in page
    assert 'id="new-assignment"' in page
    client = app.test_client()
    body = client.get("/api/v1/assignments", headers=bearer(api_token(client, "gv.toan"))).get_json()
    assert [i["title"] for i in body["items"]] == ["Bài của cô Thư"]
    assert body["items"][0]["progress"] == {"done": 2, "total": 60, "to_grade": 1}
    # The school's admin sees the school's assignments, read-only.
    admin_page = signed_in(app, "bgh.thcs01").get("/assignments/").get_data(as_text=True)
    assert "Bài của cô Thư" in admin_page and "Bài của cô Yến" in admin_page and 'id="new-assignment"' not in admin_page


def test_the_class_matrix_shows_each_students_state_per_assignment(world, app):
    now = utcnow()
    first = make_assignment(kind="submission", title="Bài một", due_at=now - DAY, now=now)
    second = make_assignment(kind="material", title="Bài hai", due_at=now + DAY, now=now)
    make_assignment(kind="submission", title="Bài của cô Yến", teacher="gv.van", now=now)
    s = students()
    make_submission(first, s[0], submitted_at=now - 2 * DAY, mark=Decimal("7.5"))
    make_view(second, s[1])
    db.session.commit()
    matrix = queries.class_matrix(classroom(), [first, second], now)
    assert matrix.cells[(s[0].id, first.id)].mark == Decimal("7.5")
    assert matrix.cells[(s[1].id, first.id)].status == "missing"
    assert matrix.cells[(s[1].id, second.id)].status == "viewed"
    page = signed_in(app, "gv.toan").get(f"/assignments/classes/{classroom().id}").get_data(as_text=True)
    assert "Bài một" in page and "Bài hai" in page and "Bài của cô Yến" not in page and "7.5" in page
    admin = signed_in(app, "bgh.thcs01").get(f"/assignments/classes/{classroom().id}").get_data(as_text=True)
    assert "Bài của cô Yến" in admin
    assert signed_in(app, "gv.toan").get(f"/assignments/classes/{classroom('7A1').id}").status_code == 404
    assert signed_in(app, "hs.6a1.01").get(f"/assignments/classes/{classroom().id}").status_code == 403


# --- the tracking page, the API and the gradebook ------------------------------------------------

def test_the_tracking_page_filters_and_lists_who_has_not_done_it(world, app):
    now = utcnow()
    assignment, choice, essay = quiz(now)
    s = students()
    make_attempt(assignment, s[0], [(choice, "c", 1), (essay, "x", 0.5)], started_at=now - 3 * HOUR)
    db.session.commit()
    client = signed_in(app, "gv.toan")
    page = client.get(f"/assignments/{assignment.id}/tracking").get_data(as_text=True)
    assert page.count('data-student="') == 30 and 'data-status="graded"' in page and "8.3" in page
    assert 'id="not-done"' in page and "(29 em)" in page
    graded = client.get(f"/assignments/{assignment.id}/tracking?status=graded").get_data(as_text=True)
    assert graded.count('data-student="') == 1
    not_done = client.get(f"/assignments/{assignment.id}/tracking?status=not_done").get_data(as_text=True)
    assert not_done.count('data-student="') == 29


def test_the_tracking_api(world, app):
    now = utcnow()
    assignment, choice, essay = quiz(now)
    s = students()
    make_attempt(assignment, s[0], [(choice, "c", 1), (essay, "x", 1)], started_at=now - 3 * HOUR)
    make_attempt(assignment, s[1], [(choice, "c", 1), (essay, "x", None)], started_at=now - 30 * MINUTE)
    db.session.commit()
    client = app.test_client()
    headers = bearer(api_token(client, "gv.toan"))
    body = client.get(f"/api/v1/assignments/{assignment.id}/tracking", headers=headers).get_json()
    first = next(r for r in body["students"] if r["student_id"] == s[0].id)
    assert len(body["students"]) == 30
    assert {k: first[k] for k in ("full_name", "class", "status", "score")} == \
        {"full_name": s[0].full_name, "class": "6A1", "status": "graded", "score": 10.0}
    assert first["submitted_at"].endswith("+07:00")
    assert body["summary"]["counts"]["late"] == 1 and body["summary"]["done"] == 2
    late = client.get(f"/api/v1/assignments/{assignment.id}/tracking?status=late", headers=headers).get_json()
    assert [r["student_id"] for r in late["students"]] == [s[1].id]
    wrong = client.get(f"/api/v1/assignments/{assignment.id}/tracking?class_id={classroom('6A2').id}",
                       headers=headers)
    assert wrong.status_code == 422 and "class_id" in wrong.get_json()["error"]["details"]


@pytest.fixture
def graded_quiz(world):
    """A quiz with three students' work; the first student's name is written like a formula."""
    now = utcnow()
    assignment, choice, essay = quiz(now)
    s = students()
    s[0].student_code, s[1].student_code = "0791234567", "0791234568"
    s[0].full_name = "=HYPERLINK(\"http://x\")"
    make_attempt(assignment, s[0], [(choice, "c", 1), (essay, "x", 0.5)], started_at=now - 3 * HOUR)
    make_attempt(assignment, s[1], [(choice, "a", 0), (essay, "x", 1)], started_at=now - 30 * MINUTE)
    db.session.commit()
    return assignment


def test_the_gradebook_as_xlsx(graded_quiz, app):
    response = signed_in(app, "gv.toan").get(f"/assignments/{graded_quiz.id}/gradebook?format=xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == ("STT", "Mã định danh Bộ GD&ĐT", "Họ và tên", "Lớp", "Trạng thái", "Điểm", "Nộp lúc")
    assert len(rows) == 31
    by_code = {r[1]: r for r in rows[1:]}
    first, second = by_code["0791234567"], by_code["0791234568"]
    assert first[2] == "'=HYPERLINK(\"http://x\")"  # neutralised: never a formula
    assert (first[3], first[4], first[5], first[7]) == ("6A1", "Đã chấm", 8.3, None)
    assert (second[4], second[5], second[7]) == ("Đã chấm", 3.3, "Có")
    assert rows[3][4] == "Chưa làm" and rows[3][5] is None


def test_the_gradebook_as_csv_from_the_api(graded_quiz, app):
    client = app.test_client()
    response = client.get(f"/api/v1/assignments/{graded_quiz.id}/gradebook?format=csv",
                          headers=bearer(api_token(client, "gv.toan")))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with its BOM
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][2] == "Họ và tên" and len(rows) == 31
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code["0791234567"][5] == "8.3" and by_code["0791234567"][2].startswith("'=")
    bad = client.get(f"/api/v1/assignments/{graded_quiz.id}/gradebook?format=pdf",
                     headers=bearer(api_token(client, "gv.toan")))
    assert bad.status_code == 422


# --- item analysis -------------------------------------------------------------------------------

def test_item_analysis_counts_first_attempts_only(world, app):
    """Four students' first attempts on two single-choice questions of 1 mark:
    Q1 right for 01, 02; Q2 right for 01, 03. A second attempt of 04 (both right) is not counted.
    Q1: x = [1, 1, 0, 0], rest y = [1, 0, 1, 0]: Σ(x−x̄)(y−ȳ) = .25 − .25 − .25 + .25 = 0 → index 0."""
    now = utcnow()
    q1 = make_question("approved", stem="Câu một")
    q2 = make_question("approved", stem="Câu hai")
    assignment = make_assignment(questions=[(q1, 1), (q2, 1)], max_attempts=2, now=now, due_at=now + DAY)
    a1, a2 = assignment.questions
    s = students()
    for student, (first, second) in zip(s[:4], [("c", "c"), ("c", "a"), ("a", "c"), ("a", "a")], strict=True):
        make_attempt(assignment, student, [(a1, first, float(first == "c")), (a2, second, float(second == "c"))])
    make_attempt(assignment, s[3], [(a1, "c", 1), (a2, "c", 1)], number=2)
    db.session.commit()
    client = app.test_client()
    body = client.get(f"/api/v1/assignments/{assignment.id}/item-analysis",
                      headers=bearer(api_token(client, "gv.toan"))).get_json()
    assert body["attempts"] == 4
    first = body["questions"][0]
    assert first["question_id"] == q1.id and first["attempts"] == 4 and first["facility"] == 0.5
    assert first["discrimination"] == 0 and first["options"] == {"c": 2, "a": 2}
    page = signed_in(app, "gv.toan").get(f"/assignments/{assignment.id}/analysis").get_data(as_text=True)
    assert f'data-question="{q1.id}"' in page and "50.0%" in page
    # The bank's page of the question shows its figures to staff.
    bank = signed_in(app, "gv.toan").get(f"/questions/{q1.id}").get_data(as_text=True)
    assert 'id="item-analysis"' in bank and "50.0%" in bank
    student_view = signed_in(app, "hs.6a1.01").get(f"/questions/{q1.id}").get_data(as_text=True)
    assert 'id="item-analysis"' not in student_view
    summary = client.get(f"/api/v1/questions/{q1.id}/item-analysis",
                         headers=bearer(api_token(client, "gv.toan"))).get_json()
    assert summary["assignments"] == 1 and summary["attempts"] == 4 and summary["facility"] == 0.5


# --- who may see what ----------------------------------------------------------------------------

def test_who_may_see_tracking(world, app):
    assignment = make_assignment(kind="submission", title="Bài của 6A1")
    db.session.commit()
    thcs02 = db.session.scalar(db.select(School).where(School.code == "THCS02"))
    account_services.create_user("bgh.thcs02", "Hiệu trưởng Hai", Role.SCHOOL_ADMIN, "hoclieu-demo", school=thcs02)
    db.session.commit()
    url = f"/assignments/{assignment.id}/tracking"
    expected = {"gv.toan": 200, "bgh.thcs01": 200, "hs.6a1.01": 403, "hs.6a2.01": 404, "gv.van": 404,
                "gv.toan2": 404, "bgh.thcs02": 404, "reviewer.toan": 404, "admin": 404}
    seen = {u: signed_in(app, u).get(url).status_code for u in expected}
    assert seen == expected
    client = app.test_client()
    api = {u: client.get(f"/api/v1/assignments/{assignment.id}/tracking",
                         headers=bearer(api_token(client, u))).status_code for u in expected}
    assert api == expected
    for u in ("hs.6a2.01", "gv.toan2"):
        assert signed_in(app, u).get(f"/assignments/{assignment.id}/gradebook").status_code == 404
        assert signed_in(app, u).get(f"/assignments/{assignment.id}/analysis").status_code == 404
    assert signed_in(app, "reviewer.toan").get("/assignments/").status_code == 403
