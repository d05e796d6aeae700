"""Grading by hand (issue 11.6): marks on the 10-point scale rounded half-up as TT22 prescribes,
essays recomputing their attempt's mark, one of two concurrent gradings refused (409), marks
released to students with a notice each; the grading queue's pages and who may use them."""

import threading
from decimal import Decimal

import pytest

from lms.assignments import marking
from lms.assignments.models import Assignment, Attempt, AttemptQuestion, Submission
from lms.core.errors import Conflict
from lms.extensions import db
from lms.review.models import Notification
from tests.assignments_work_support import (
    make_assignment,
    make_quiz_with_essays,
    make_submitted_attempt,
    user,
)
from tests.conftest import TEST_DATABASE_URL, api_token, bearer, csrf_from


@pytest.fixture
def app_config(app_config):
    # Homework does not search; the search index's writer (another feature's) stays out of the way.
    return {**app_config, "SEARCH_ENABLED": False}


def _hand_in(client, assignment, username="hs.6a1.01", text="Bài làm"):
    response = client.post(f"/api/v1/assignments/{assignment.id}/submissions", data={"text": text},
                           content_type="multipart/form-data", headers=bearer(api_token(client, username)))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _grade(client, token, submission_id, mark, lock_version, feedback="Tốt"):
    return client.put(f"/api/v1/submissions/{submission_id}/grade", headers=bearer(token),
                      json={"mark": mark, "feedback": feedback, "lock_version": lock_version})


@pytest.mark.parametrize(("typed", "kept"), [("7,25", "7.3"), ("7.24", "7.2"), ("8,05", "8.1"), ("10", "10.0"),
                                             (" 0 ", "0.0"), ("6,95", "7.0")])
def test_marks_are_rounded_half_up(app, demo, client, typed, kept):
    assignment = make_assignment()
    db.session.commit()
    work = _hand_in(client, assignment)
    response = _grade(client, api_token(client, "gv.toan"), work["id"], typed, work["lock_version"])
    assert response.status_code == 200, response.get_json()
    assert db.session.get(Submission, work["id"]).mark == Decimal(kept)
    assert response.get_json()["mark"] == float(kept)


@pytest.mark.parametrize("typed", ["", "mười", "10,5", "-1", "nan", "1e400"])
def test_bad_marks_are_422_at_the_field(app, demo, client, typed):
    assignment = make_assignment()
    db.session.commit()
    work = _hand_in(client, assignment)
    response = _grade(client, api_token(client, "gv.toan"), work["id"], typed, work["lock_version"])
    assert response.status_code == 422
    assert "mark" in response.get_json()["error"]["details"]
    assert db.session.get(Submission, work["id"]).graded_at is None


def test_stale_lock_version_is_409_and_resubmission_after_grading_refused(app, demo, client):
    assignment = make_assignment()
    db.session.commit()
    work = _hand_in(client, assignment)
    teacher = api_token(client, "gv.toan")
    assert _grade(client, teacher, work["id"], "8", work["lock_version"]).status_code == 200
    again = _grade(client, teacher, work["id"], "9", work["lock_version"])  # the other tab's page
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "stale"
    assert db.session.get(Submission, work["id"]).mark == Decimal("8.0")
    refused = client.post(f"/api/v1/assignments/{assignment.id}/submissions", data={"text": "Sửa lại"},
                          content_type="multipart/form-data", headers=bearer(api_token(client, "hs.6a1.01")))
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "already_graded"


def test_marks_hidden_until_released_then_notices(app, demo, client):
    assignment = make_assignment()
    db.session.commit()
    first = _hand_in(client, assignment, "hs.6a1.01")
    _hand_in(client, assignment, "hs.6a1.02")
    teacher = api_token(client, "gv.toan")
    assert _grade(client, teacher, first["id"], "7,25", first["lock_version"], "Cần trình bày rõ hơn.").status_code == 200
    student = api_token(client, "hs.6a1.01")
    own = client.get(f"/api/v1/assignments/{assignment.id}/submissions", headers=bearer(student)).get_json()
    assert own["items"][0]["mark"] is None and own["items"][0]["feedback"] is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification).where(
        Notification.message_key == "grades_released")) == 0

    released = client.post(f"/api/v1/assignments/{assignment.id}/release-grades", headers=bearer(teacher))
    assert released.status_code == 200 and released.get_json()["notified"] == 2
    own = client.get(f"/api/v1/assignments/{assignment.id}/submissions", headers=bearer(student)).get_json()
    assert own["items"][0]["mark"] == 7.3 and own["items"][0]["feedback"] == "Cần trình bày rõ hơn."
    told = db.session.scalars(db.select(Notification.user_id).where(
        Notification.message_key == "grades_released")).all()
    assert sorted(told) == sorted([user("hs.6a1.01").id, user("hs.6a1.02").id])
    notice = db.session.scalar(db.select(Notification).where(Notification.user_id == user("hs.6a1.01").id,
                                                             Notification.message_key == "grades_released"))
    assert assignment.title in notice.message and notice.link == f"/assignments/{assignment.id}"
    again = client.post(f"/api/v1/assignments/{assignment.id}/release-grades", headers=bearer(teacher))
    assert again.status_code == 409
    # A mark given after the release is seen at once, and its student is told.
    second = client.get(f"/api/v1/assignments/{assignment.id}/submissions", headers=bearer(teacher)).get_json()
    other = next(s for s in second["items"] if s["student_id"] == user("hs.6a1.02").id)
    assert _grade(client, teacher, other["id"], "6", other["lock_version"]).status_code == 200
    told = db.session.scalars(db.select(Notification.user_id).where(Notification.message_key == "work_graded")).all()
    assert told == [user("hs.6a1.02").id]
    mine = client.get(f"/api/v1/assignments/{assignment.id}/submissions",
                      headers=bearer(api_token(client, "hs.6a1.02"))).get_json()
    assert mine["items"][0]["mark"] == 6.0


def test_essay_grading_updates_the_attempt_mark(app, demo, client):
    quiz = make_quiz_with_essays(essays=2)  # 1 mark of choice + 2 × 2 marks of essays = 5
    attempt = make_submitted_attempt(quiz)
    db.session.commit()
    teacher = api_token(client, "gv.toan")
    queue = client.get(f"/api/v1/assignments/{quiz.id}/grading", headers=bearer(teacher)).get_json()
    essays = queue["essays"]
    assert len(essays) == 2 and queue["waiting"] == 2 and all(not e["graded"] for e in essays)
    first = client.put(f"/api/v1/essays/{essays[0]['id']}/grade", headers=bearer(teacher),
                       json={"mark": "5", "feedback": "Thiếu ví dụ.", "lock_version": essays[0]["lock_version"]})
    assert first.status_code == 200, first.get_json()
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert attempt.needs_grading and attempt.mark is None and attempt.score == Decimal("2.000")  # 1 + 0.5 × 2
    second = client.put(f"/api/v1/essays/{essays[1]['id']}/grade", headers=bearer(teacher),
                        json={"mark": "7,25", "lock_version": first.get_json()["lock_version"]})
    assert second.status_code == 200, second.get_json()
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    # 1 + 1 + 0.73 × 2 = 3.46 of 5 → 6.92 → 6.9
    assert not attempt.needs_grading
    assert attempt.score == Decimal("3.460") and attempt.mark == Decimal("6.9")
    assert second.get_json()["attempt_mark"] == 6.9 and second.get_json()["mark"] == 7.3
    # The first essay's page, reopened, now has an old lock_version: 409.
    stale = client.put(f"/api/v1/essays/{essays[0]['id']}/grade", headers=bearer(teacher),
                       json={"mark": "9", "lock_version": essays[0]["lock_version"]})
    assert stale.status_code == 409


def test_essay_of_an_open_attempt_cannot_be_graded(app, demo):
    quiz = make_quiz_with_essays()
    attempt = make_submitted_attempt(quiz)
    attempt.state = "in_progress"
    db.session.commit()
    item = next(i for i in attempt.items if i.fraction is None)
    with pytest.raises(Conflict):
        marking.grade_essay(item, user("gv.toan"), "5", "", attempt.lock_version)


def test_grading_permissions(app, demo, client):
    assignment = make_assignment()
    db.session.commit()
    work = _hand_in(client, assignment)
    for username, status in (("gv.toan2", 404), ("hs.6a2.01", 404), ("hs.6a1.01", 403), ("gv.van", 404),
                             ("bgh.thcs01", 403)):
        response = _grade(client, api_token(client, username), work["id"], "9", work["lock_version"])
        assert response.status_code == status, (username, response.get_json())
        queue = client.get(f"/api/v1/assignments/{assignment.id}/grading", headers=bearer(api_token(client, username)))
        assert queue.status_code == status, username
    assert db.session.get(Submission, work["id"]).graded_at is None


@pytest.mark.parametrize("kind", ["submission", "essay"])
def test_two_gradings_at_once_one_wins(app, demo, kind):
    """Two teachers' requests (threads, each with its own session and connection) send a mark
    for the same work read at the same lock_version: one is saved, the other gets 409."""
    if kind == "submission":
        assignment = make_assignment()
        db.session.add(Submission(assignment_id=assignment.id, student_id=user("hs.6a1.01").id, text="<p>x</p>"))
        db.session.commit()
        target_id = db.session.scalar(db.select(Submission.id))
        lock = 1
    else:
        quiz = make_quiz_with_essays()
        attempt = make_submitted_attempt(quiz)
        db.session.commit()
        target_id = next(i.id for i in attempt.items if i.fraction is None)
        lock = attempt.lock_version
    teacher_id = user("gv.toan").id
    db.session.rollback()  # no read transaction of this thread holds the database while they write
    barrier = threading.Barrier(2)
    outcomes = []

    def grade(mark):
        with app.app_context():
            from lms.accounts.models import User

            teacher = db.session.get(User, teacher_id)
            target = db.session.get(Submission if kind == "submission" else AttemptQuestion, target_id)
            if kind == "essay":
                target.attempt.items  # noqa: B018  (read before the barrier, as a page would have)
            db.session.rollback()  # what the page read is read; the request that grades starts here
            barrier.wait(timeout=30)
            try:
                if kind == "submission":
                    marking.grade_submission(db.session.get(Submission, target_id), teacher, mark, "", lock)
                else:
                    marking.grade_essay(db.session.get(AttemptQuestion, target_id), teacher, mark, "", lock)
                db.session.commit()
                outcomes.append(("ok", mark))
            except Conflict:
                db.session.rollback()
                outcomes.append(("conflict", mark))
            except Exception as error:  # SQLite: "database is locked" is not what we test here
                db.session.rollback()
                outcomes.append(("error", repr(error)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=grade, args=(m,)) for m in ("6", "9")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    kinds = sorted(o[0] for o in outcomes)
    assert kinds == ["conflict", "ok"], outcomes
    winner = next(o[1] for o in outcomes if o[0] == "ok")
    db.session.expire_all()
    if kind == "submission":
        assert db.session.get(Submission, target_id).mark == Decimal(winner)
    else:
        assert marking.essay_mark(db.session.get(AttemptQuestion, target_id)) == Decimal(winner)


# --- the pages ---------------------------------------------------------------------------------

def test_grading_queue_page_grade_and_release(app, demo, client, login_as):
    assignment = make_assignment()
    quiz = make_quiz_with_essays()
    make_submitted_attempt(quiz, "hs.6a1.03")
    db.session.commit()
    work = _hand_in(client, assignment, "hs.6a1.01", "Bài của em Một")
    teacher = login_as("gv.toan")
    queue = teacher.get(f"/assignments/{assignment.id}/grading")
    html = queue.get_data(as_text=True)
    assert queue.status_code == 200 and "1 bài chờ chấm" in html and "Chưa chấm" in html
    page = f"/assignments/{assignment.id}/grading/submissions/{work['id']}"
    assert "Bài của em Một" in teacher.get(page).get_data(as_text=True)
    token = csrf_from(teacher, page)
    bad = teacher.post(page, data={"csrf_token": token, "mark": "11", "feedback": "Nhận xét giữ lại",
                                   "lock_version": work["lock_version"]})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "Điểm phải từ 0 đến 10." in html and "Nhận xét giữ lại" in html and 'value="11"' in html
    done = teacher.post(page, data={"csrf_token": token, "mark": "8,05", "feedback": "Tốt",
                                    "lock_version": work["lock_version"]})
    assert done.status_code == 302
    assert db.session.get(Submission, work["id"]).mark == Decimal("8.1")
    stale = teacher.post(page, data={"csrf_token": token, "mark": "5", "lock_version": work["lock_version"]})
    assert stale.status_code == 409 and "vừa được chấm" in stale.get_data(as_text=True)

    essay_queue = teacher.get(f"/assignments/{quiz.id}/grading").get_data(as_text=True)
    assert "Câu tự luận" in essay_queue
    item = db.session.scalar(db.select(AttemptQuestion).where(AttemptQuestion.fraction.is_(None)))
    essay_page = f"/assignments/{quiz.id}/grading/essays/{item.id}"
    assert "Quy đồng mẫu số" in teacher.get(essay_page).get_data(as_text=True)
    done = teacher.post(essay_page, data={"csrf_token": token, "mark": "10", "lock_version": item.attempt.lock_version})
    assert done.status_code == 302

    released = teacher.post(f"/assignments/{assignment.id}/release", data={"csrf_token": token})
    assert released.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).grades_released_at is not None
    assert "Đã công bố điểm lúc" in teacher.get(f"/assignments/{assignment.id}/grading").get_data(as_text=True)


def test_student_sees_mark_on_the_page_once_released(app, demo, client, login_as):
    assignment = make_assignment()
    db.session.commit()
    work = _hand_in(client, assignment)
    teacher = api_token(client, "gv.toan")
    _grade(client, teacher, work["id"], "9,5", work["lock_version"], "Rất tốt, em trình bày gọn.")
    student = login_as("hs.6a1.01")
    html = student.get(f"/assignments/{assignment.id}/submission").get_data(as_text=True)
    assert "9,5" not in html and "Rất tốt" not in html and "điểm sẽ hiện" in html
    client.post(f"/api/v1/assignments/{assignment.id}/release-grades", headers=bearer(teacher))
    html = student.get(f"/assignments/{assignment.id}/submission").get_data(as_text=True)
    assert "Điểm: 9,5" in html and "Rất tốt, em trình bày gọn." in html


def test_grading_pages_refuse_others(app, demo, login_as, client):
    assignment = make_assignment()
    db.session.commit()
    work = _hand_in(client, assignment)
    for username, status in (("hs.6a1.01", 403), ("gv.toan2", 404), ("hs.6a2.01", 404)):
        from lms.extensions import db as _db  # noqa: F401

        c = app.test_client()
        from tests.conftest import login

        login(c, username)
        assert c.get(f"/assignments/{assignment.id}/grading").status_code == status, username
        assert c.get(f"/assignments/{assignment.id}/grading/submissions/{work['id']}").status_code == status


_ = TEST_DATABASE_URL
