"""Every list of homework tracking costs a fixed number of SQL statements, whatever its length
(DESIGN.md: "lists cost a fixed number of queries"): the same count with 1 row and with 50, and
under a small fixed budget. Each row carries work (attempts with answers, submissions, material
views), so a statement per row would show."""

import re

import pytest

from lms.accounts.models import Role, User
from lms.extensions import db
from lms.schools.models import Classroom, Enrollment, School, Subject, Teaching
from tests.assignments_tracking_support import (
    DAY,
    HOUR,
    NOW,
    classroom,
    make_assignment,
    make_attempt,
    make_submission,
    make_view,
    user,
)
from tests.conftest import api_token, bearer, login
from tests.query_budget import same_for_more_rows
from tests.questions_support import make_question

MORE = 49


@pytest.fixture
def world(app, demo, criteria):
    return demo


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def shown(pattern, at_least):
    def check(body):
        found = len(re.findall(pattern, body))
        assert found >= at_least, f"{found} rows of {pattern!r} shown, {at_least} expected"
    return check


def listed(at_least, key="items"):
    def check(body):
        import json

        items = json.loads(body)[key]
        assert len(items) >= at_least, f"{len(items)} rows listed, {at_least} expected"
    return check


def new_class(name="6A9"):
    """An empty class of THCS01 (the budget's own, so its size is the test's)."""
    school = db.session.scalar(db.select(School).where(School.code == "THCS01"))
    room = Classroom(school_id=school.id, school_year_id=classroom().school_year_id, grade=6, name=name)
    db.session.add(room)
    db.session.flush()
    toan = db.session.scalar(db.select(Subject).where(Subject.code == "toan"))
    db.session.add(Teaching(teacher_id=user("gv.toan").id, classroom_id=room.id, subject_id=toan.id))
    db.session.flush()
    return room


def new_students(room, count, start=0):
    made = []
    for n in range(start, start + count):
        student = User(username=f"hs.{room.name.lower()}.b{n:03d}", full_name=f"Nguyễn Văn Học Sinh {n}",
                       role=Role.STUDENT.value, school_id=room.school_id, password_hash="!")
        db.session.add(student)
        db.session.flush()
        db.session.add(Enrollment(student_id=student.id, classroom_id=room.id))
        made.append(student)
    db.session.flush()
    return made


def quiz_for(room):
    q1 = make_question("approved", stem="Câu một của bài đo")
    q2 = make_question("approved", stem="Câu hai của bài đo")
    assignment = make_assignment(questions=[(q1, 1), (q2, 1)], title="Bài đo", classes=())
    assignment.classrooms = [room]
    db.session.flush()
    return assignment


def work_on(assignment, students):
    """Each student: a submitted first attempt with answers, a second one open, a material view."""
    a1, a2 = assignment.questions
    for n, student in enumerate(students):
        make_attempt(assignment, student, [(a1, "c", 1), (a2, "a", 0)], number=1)
        make_attempt(assignment, student, [(a1, "c", None)], number=2, state="in_progress")
        make_view(assignment, student, seconds=60 + n)
    db.session.commit()


# --- tracking, its API, its gradebook, its item analysis -----------------------------------------

@pytest.fixture
def measured(world):
    room = new_class()
    assignment = quiz_for(room)
    work_on(assignment, new_students(room, 1))
    return assignment, room


def more_students(measured):
    assignment, room = measured
    return lambda: work_on(assignment, new_students(room, MORE, start=1))


def test_tracking_page(measured, app):
    assignment, _room = measured
    same_for_more_rows(signed_in(app, "gv.toan"), f"/assignments/{assignment.id}/tracking", more_students(measured),
                       limit=12, check=shown(r'<tr data-student="', 50))


def test_tracking_page_for_the_school_admin(measured, app):
    assignment, _room = measured
    same_for_more_rows(signed_in(app, "bgh.thcs01"), f"/assignments/{assignment.id}/tracking",
                       more_students(measured), limit=12, check=shown(r'<tr data-student="', 50))


def test_tracking_api(measured, app):
    assignment, _room = measured
    client = app.test_client()
    same_for_more_rows(client, f"/api/v1/assignments/{assignment.id}/tracking", more_students(measured), limit=10,
                       headers=bearer(api_token(client, "gv.toan")), check=listed(50, "students"))


def test_gradebook(measured, app):
    assignment, _room = measured
    same_for_more_rows(signed_in(app, "gv.toan"), f"/assignments/{assignment.id}/gradebook?format=csv",
                       more_students(measured), limit=12, check=lambda body: body.count("\n") >= 51 or
                       pytest.fail("50 students expected in the gradebook"))


def test_item_analysis(measured, app):
    assignment, _room = measured
    client = app.test_client()
    same_for_more_rows(client, f"/api/v1/assignments/{assignment.id}/item-analysis", more_students(measured),
                       limit=8, headers=bearer(api_token(client, "gv.toan")))
    same_for_more_rows(signed_in(app, "gv.toan"), f"/assignments/{assignment.id}/analysis", lambda: None,
                       limit=10, check=shown(r'data-question="', 2))


# --- the to-do, the teacher's list, the class matrix ---------------------------------------------

def assignments(count, kinds=("quiz", "submission", "material"), start=0, classes=("6A1",), teacher="gv.toan"):
    """`count` assignments of each kind in turn, each with work by hs.6a1.01 (a quiz: a submitted
    attempt; a submission: a graded one; a material: a view), committed."""
    from tests.assignments_tracking_support import students

    student = students()[0]
    question = make_question("approved", stem=f"Câu hỏi của lượt {start}")
    for n in range(start, start + count):
        kind = kinds[n % len(kinds)]
        questions = [(question, 1)] if kind == "quiz" else []
        assignment = make_assignment(kind=kind, title=f"Bài {n}", questions=questions, classes=classes,
                                     teacher=teacher, due_at=NOW + (n % 7 - 3) * DAY + HOUR)
        if kind == "quiz":
            make_attempt(assignment, student, [(assignment.questions[0], "c", 1)])
        elif kind == "submission":
            make_submission(assignment, student, mark=8, feedback="Tốt")
            assignment.grades_released_at = assignment.due_at
        else:
            make_view(assignment, student)
    db.session.commit()


def test_todo_page(world, app):
    assignments(1)
    same_for_more_rows(signed_in(app, "hs.6a1.01"), "/assignments/", lambda: assignments(MORE, start=1), limit=11,
                       check=shown(r'<li class="list-group-item[^"]*" data-assignment="', 50))


def test_todo_api(world, app):
    assignments(1)
    client = app.test_client()
    same_for_more_rows(client, "/api/v1/assignments?per_page=50", lambda: assignments(MORE, start=1), limit=9,
                       headers=bearer(api_token(client, "hs.6a1.01")), check=listed(50))


def test_teachers_list_page(world, app):
    assignments(1, classes=("6A1", "6A2"))
    same_for_more_rows(signed_in(app, "gv.toan"), "/assignments/",
                       lambda: assignments(MORE, start=1, classes=("6A1", "6A2")), limit=11,
                       check=shown(r'<tr data-assignment="', 50))


def test_teachers_list_api(world, app):
    assignments(1)
    client = app.test_client()
    same_for_more_rows(client, "/api/v1/assignments?per_page=50", lambda: assignments(MORE, start=1), limit=9,
                       headers=bearer(api_token(client, "gv.toan")), check=listed(50))


def test_school_list_page(world, app):
    assignments(1)
    same_for_more_rows(signed_in(app, "bgh.thcs01"), "/assignments/",
                       lambda: assignments(MORE, start=1, teacher="gv.van"), limit=11,
                       check=shown(r'<tr data-assignment="', 50))


def test_class_matrix_more_students(world, app):
    room = new_class()
    assignment = quiz_for(room)
    work_on(assignment, new_students(room, 1))
    same_for_more_rows(signed_in(app, "gv.toan"), f"/assignments/classes/{room.id}",
                       lambda: work_on(assignment, new_students(room, MORE, start=1)), limit=11,
                       check=shown(r'<tr data-student="', 50))


def test_class_matrix_more_assignments(world, app):
    assignments(1)
    same_for_more_rows(signed_in(app, "gv.toan"), f"/assignments/classes/{classroom().id}",
                       lambda: assignments(19, start=1), limit=11, rows_before=1,
                       check=shown(r'<th data-assignment="', 20))
