"""A student's to-do and an assignment's tracking are kept per process (assignments/work_cache.py)
and never stale: work handed in, started, marked or opened shows at once in both, through the API
and the pages; an answer saved empties nothing; an answer ends at its assignment's next moment
(the cut-off) and when another process announces a change (the generation files)."""

import re
from datetime import timedelta

import pytest

from lms.assignments import marking, services, submissions, work_cache
from lms.assignments.models import Assignment
from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.assignments_tracking_support import DAY, make_assignment, user
from tests.conftest import api_token, bearer, login
from tests.query_budget import budget
from tests.questions_support import make_question


@pytest.fixture
def quiz(app, demo):
    q1 = make_question("approved", stem="Câu một của bài giữ")
    q2 = make_question("approved", stem="Câu hai của bài giữ")
    assignment = make_assignment(questions=[(q1, 1), (q2, 1)], title="Bài giữ")
    db.session.commit()
    return assignment.id


def statuses(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return {row["student_id"]: row["status"] for row in response.get_json()["students"]}


def todo_status(response, assignment_id):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return next(item["status"] for item in response.get_json()["items"] if item["id"] == assignment_id)


def page_status(client, url, attribute, key):
    body = client.get(url).get_data(as_text=True)
    found = re.search(rf'<[^>]*{attribute}="{key}"[^>]*data-status="(\w+)"', body)
    assert found, body[:500]
    return found.group(1)


def test_a_submit_shows_at_once_in_tracking_and_the_todo(app, quiz, client):
    student, teacher = bearer(api_token(client, "hs.6a1.01")), bearer(api_token(client, "gv.toan"))
    student_id = user("hs.6a1.01").id
    tracking, todo = f"/api/v1/assignments/{quiz}/tracking", "/api/v1/assignments?per_page=50"
    pupil_page, teacher_page = app.test_client(), app.test_client()
    assert login(pupil_page, "hs.6a1.01").status_code == 302
    assert login(teacher_page, "gv.toan").status_code == 302

    assert statuses(client.get(tracking, headers=teacher))[student_id] == "not_started"
    assert todo_status(client.get(todo, headers=student), quiz) == "not_started"
    assert page_status(pupil_page, "/assignments/", "data-assignment", quiz) == "not_started"
    assert page_status(teacher_page, f"/assignments/{quiz}/tracking", "data-student", student_id) == "not_started"
    # Kept: asked again, the API answers cost the caller's token (and the assignment's check) only.
    assert len(budget(client, todo, student)) == 1
    assert len(budget(client, tracking, teacher)) <= 3

    started = client.post(f"/api/v1/assignments/{quiz}/attempts", headers=student)
    assert started.status_code == 201, started.get_json()
    attempt = started.get_json()
    assert statuses(client.get(tracking, headers=teacher))[student_id] == "in_progress"
    assert page_status(teacher_page, f"/assignments/{quiz}/tracking", "data-student", student_id) == "in_progress"
    assert todo_status(client.get(todo, headers=student), quiz) == "in_progress"

    # Saving answers changes nothing shown: the kept answers stay.
    question_ids = [q["question_id"] if "question_id" in q else q["id"] for q in attempt["questions"]]
    saved = client.put(f"/api/v1/attempts/{attempt['id']}/answers", headers=student,
                       json={"answers": {str(question_ids[0]): None}})
    assert saved.status_code == 200, saved.get_json()
    assert len(budget(client, todo, student)) == 1
    assert len(budget(client, tracking, teacher)) <= 3

    submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=student)
    assert submitted.status_code == 200, submitted.get_json()
    assert statuses(client.get(tracking, headers=teacher))[student_id] == "graded"
    assert todo_status(client.get(todo, headers=student), quiz) == "graded"
    assert page_status(pupil_page, "/assignments/", "data-assignment", quiz) == "graded"
    assert page_status(teacher_page, f"/assignments/{quiz}/tracking", "data-student", student_id) == "graded"
    # Another student's kept to-do was not emptied by this student's work.
    other = bearer(api_token(client, "hs.6a1.02"))
    client.get(todo, headers=other)
    client.post(f"/api/v1/assignments/{quiz}/attempts", headers=student)  # refused or the same: no change
    assert len(budget(client, todo, other)) == 1


def test_submissions_marks_and_views_show_at_once(app, demo, client):
    essay = make_assignment(kind="submission", title="Bài viết giữ")
    reading = make_assignment(kind="material", title="Đọc giữ")
    db.session.commit()
    essay_id, reading_id = essay.id, reading.id
    teacher = bearer(api_token(client, "gv.toan"))
    pupil = user("hs.6a1.03")

    def status(assignment_id):
        return statuses(client.get(f"/api/v1/assignments/{assignment_id}/tracking", headers=teacher))[pupil.id]

    assert (status(essay_id), status(reading_id)) == ("not_started", "not_started")
    submission = submissions.submit_work(db.session.get(Assignment, essay_id), pupil, "Bài làm của em.")
    db.session.commit()
    assert status(essay_id) == "submitted"
    marking.grade_submission(submission, user("gv.toan"), "8,5", "Tốt", submission.lock_version)
    db.session.commit()
    assert status(essay_id) == "graded"
    services.record_view(db.session.get(Assignment, reading_id), pupil)
    db.session.commit()
    assert status(reading_id) == "viewed"


def test_a_rolled_back_change_empties_nothing(app, quiz, client):
    teacher = bearer(api_token(client, "gv.toan"))
    tracking = f"/api/v1/assignments/{quiz}/tracking"
    pupil = user("hs.6a1.04")
    assert statuses(client.get(tracking, headers=teacher))[pupil.id] == "not_started"
    services.record_view(db.session.get(Assignment, quiz), pupil)
    db.session.flush()
    db.session.rollback()
    assert len(budget(client, tracking, teacher)) <= 3


def test_an_answer_ends_at_its_next_moment_and_with_another_process(tmp_path):
    kept = work_cache.TaggedRegion(str(tmp_path), seconds=300)
    other = work_cache.TaggedRegion(str(tmp_path), seconds=300)  # another gunicorn worker
    computed = []

    def compute(until=None):
        computed.append(1)
        return len(computed), until

    assert kept.get_or_set("k", ["a1"], compute) == 1
    assert kept.get_or_set("k", ["a1"], compute) == 1
    other.bump(["a1"])
    assert kept.get_or_set("k", ["a1"], compute) == 2
    other.bump(["s9"])  # another tag: kept
    assert kept.get_or_set("k", ["a1"], compute) == 2
    other.bump([work_cache.EVERYTHING])
    assert kept.get_or_set("k", ["a1"], compute) == 3
    later, past = utcnow() + DAY, utcnow() - timedelta(seconds=1)
    assert kept.get_or_set("t", ["a2"], lambda: compute(later)) == 4
    assert kept.get_or_set("t", ["a2"], lambda: compute(later)) == 4
    # An answer whose moment has come (a cut-off passed while it was computed) is not kept.
    assert kept.get_or_set("u", ["a2"], lambda: compute(past)) == 5
    assert kept.get_or_set("u", ["a2"], lambda: compute(past)) == 6
    now = utcnow()
    assert work_cache.next_moment([None, now - DAY, now + DAY, now + 2 * DAY], now) == now + DAY


def test_saving_answers_through_the_services_announces_nothing(app, quiz):
    from lms.assignments import attempts
    from lms.core import events
    from lms.questions import types

    pupil = user("hs.6a1.05")
    attempt, _created = attempts.start(db.session.get(Assignment, quiz), pupil)
    db.session.commit()
    attempt = attempts.load(attempt.id)
    item = attempt.items[0]
    question, version = item.assignment_question.question, item.assignment_question.version
    attempts.save_answers(attempt, pupil, {question.id: types.get(question.qtype).correct_answer(version.data)})
    db.session.flush()
    assert [payload for signal, payload in events.pending() if signal.name == "assignments.work-changed"
            and payload["tags"]] == []
    attempts.submit(attempt, pupil)
    db.session.flush()
    announced = [payload["tags"] for signal, payload in events.pending() if signal.name == "assignments.work-changed"]
    assert announced == [{work_cache.assignment_tag(quiz), work_cache.student_tag(pupil.id)}]
    db.session.commit()
