"""Homework under races, from threads against the real database (file SQLite, and PostgreSQL when
TEST_DATABASE_URL is set): two starts at once give one attempt; two submits at once score once and
answer the same result; a save racing a submit is either in the score or refused, never lost
silently; the deadline job racing the student's submit submits once."""

import threading
from decimal import Decimal

import pytest

from lms.assignments import attempts
from lms.assignments.models import Assignment, Attempt, AttemptState
from lms.core.errors import DomainError
from lms.core.timeutil import as_utc
from lms.extensions import db
from tests.assignments_support import approved, quiz, user
from tests.conftest import api_token, bearer

ROUNDS = 4


@pytest.fixture
def world(app, demo, criteria):
    return demo


def race(app, actions):
    """Run each action(slot) in its own thread and app context (its own session, as a request),
    all released together; answer {slot: ("ok", value) | ("refused", status) | ("error", repr)}."""
    barrier, outcomes = threading.Barrier(len(actions)), {}

    def run(slot, action):
        with app.app_context():
            try:
                prepared = action(slot)
                barrier.wait(timeout=30)
                value = prepared()
                db.session.commit()
                outcomes[slot] = ("ok", value)
            except DomainError as error:
                db.session.rollback()
                outcomes[slot] = ("refused", error.status)
            except Exception as error:  # noqa: BLE001  (reported by the test, not lost in a thread)
                db.session.rollback()
                outcomes[slot] = ("error", repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(slot, action)) for slot, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return outcomes


def test_two_starts_at_once_give_the_same_attempt(app, world):
    assignment_id = quiz(approved(3)).id
    db.session.remove()
    for n in range(1, ROUNDS + 1):
        username = f"hs.6a1.{n:02d}"

        def start(_slot, username=username):
            assignment, student = db.session.get(Assignment, assignment_id), user(username)
            return lambda: (lambda pair: (pair[0].id, pair[1]))(attempts.start(assignment, student))

        outcomes = race(app, [start, start])
        assert {kind for kind, _value in outcomes.values()} == {"ok"}, outcomes
        ids = {value[0] for _kind, value in outcomes.values()}
        created = sorted(value[1] for _kind, value in outcomes.values())
        assert len(ids) == 1 and created == [False, True], outcomes
        rows = db.session.scalar(db.select(db.func.count(Attempt.id)).where(
            Attempt.student_id == user(username).id))
        assert rows == 1
        db.session.remove()


def test_two_starts_at_once_through_the_api_answer_201_and_200(app, world):
    assignment_id = quiz(approved(2)).id
    client = app.test_client()
    headers = bearer(api_token(client, "hs.6a1.05"))
    db.session.remove()
    barrier, answers = threading.Barrier(2), []

    def post():
        own = app.test_client()
        barrier.wait(timeout=30)
        response = own.post(f"/api/v1/assignments/{assignment_id}/attempts", headers=headers)
        answers.append((response.status_code, response.get_json().get("id")))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert sorted(status for status, _id in answers) == [200, 201], answers
    assert len({attempt_id for _status, attempt_id in answers}) == 1


def test_two_submits_at_once_score_once_and_answer_the_same(app, world):
    questions = approved(2)
    assignment = quiz(questions)
    ids = []
    for n in range(1, ROUNDS + 1):
        student = user(f"hs.6a1.{n:02d}")
        attempt, _created = attempts.start(assignment, student)
        attempts.save_answers(attempt, student, {str(questions[0].id): "c"})
        ids.append((attempt.id, student.username, attempt.lock_version))
    db.session.commit()
    db.session.remove()
    for attempt_id, username, version in ids:
        def submit(_slot, attempt_id=attempt_id, username=username):
            attempt, student = attempts.load(attempt_id), user(username)
            return lambda: (lambda a: (a.state, a.mark, as_utc(a.submitted_at)))(attempts.submit(attempt, student))

        outcomes = race(app, [submit, submit])
        assert {kind for kind, _value in outcomes.values()} == {"ok"}, outcomes
        results = {value for _kind, value in outcomes.values()}
        assert len(results) == 1, outcomes
        (state, mark, _at), = results
        assert state == AttemptState.SUBMITTED and mark == Decimal("5.0")
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.lock_version == version + 1  # one write moved it
        db.session.remove()


def test_a_save_racing_a_submit_is_scored_or_refused_never_lost(app, world):
    questions = approved(2)
    assignment = quiz(questions)
    first, second = (str(q.id) for q in questions)
    ids = []
    for n in range(1, ROUNDS + 1):
        student = user(f"hs.6a1.{n:02d}")
        attempt, _created = attempts.start(assignment, student)
        attempts.save_answers(attempt, student, {first: "c"})
        ids.append((attempt.id, student.username))
    db.session.commit()
    db.session.remove()
    for attempt_id, username in ids:
        def act(slot, attempt_id=attempt_id, username=username):
            attempt, student = attempts.load(attempt_id), user(username)
            if slot == 0:
                return lambda: attempts.save_answers(attempt, student, {second: "c"}) and "saved"
            return lambda: attempts.submit(attempt, student) and "submitted"

        outcomes = race(app, [act, act])
        assert outcomes[1] == ("ok", "submitted"), outcomes
        attempt = db.session.get(Attempt, attempt_id)
        if outcomes[0] == ("ok", "saved"):
            assert attempt.mark == Decimal("10.0"), "a save that was answered 200 must be in the score"
        else:
            assert outcomes[0] == ("refused", 409), outcomes
            assert attempt.mark == Decimal("5.0")
        db.session.remove()


def test_the_deadline_job_and_the_students_submit_at_once_submit_once(app, world):
    from datetime import timedelta

    from lms.core.timeutil import utcnow

    questions = approved(1)
    assignment = quiz(questions, time_limit_minutes=1)
    started = utcnow() - timedelta(minutes=2)
    ids = []
    for n in range(1, ROUNDS + 1):
        student = user(f"hs.6a1.{n:02d}")
        attempt, _created = attempts.start(assignment, student, now=started)
        attempts.save_answers(attempt, student, {str(questions[0].id): "c"}, now=started)
        ids.append((attempt.id, student.username, attempt.lock_version))
    db.session.commit()
    db.session.remove()
    for attempt_id, username, version in ids:
        def act(slot, attempt_id=attempt_id, username=username):
            if slot == 0:
                return lambda: attempts.auto_submit_overdue()
            attempt, student = attempts.load(attempt_id), user(username)
            return lambda: attempts.submit(attempt, student).state

        outcomes = race(app, [act, act])
        assert {kind for kind, _value in outcomes.values()} == {"ok"}, outcomes
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.state == AttemptState.SUBMITTED and attempt.auto_submitted
        assert attempt.mark == Decimal("10.0") and attempt.lock_version == version + 1
        db.session.remove()


def test_a_start_racing_an_edit_of_the_questions_is_one_or_the_other(app, world):
    """A teacher replaces the questions while a student starts, many times: never a server error;
    either the edit went first (the attempt holds the new questions) or the start did (the edit is
    refused with 409 assignment_started and the questions stay)."""
    from lms.assignments import services
    from lms.assignments.models import AssignmentQuestion, AttemptQuestion

    for n in range(1, ROUNDS + 1):
        first, second = approved(2), approved(2, level="thong_hieu")
        assignment_id = quiz(first).id
        new_ids = sorted(q.id for q in second)
        db.session.remove()
        username = f"hs.6a1.{n:02d}"

        def start(_slot, username=username, assignment_id=assignment_id):
            assignment, student = db.session.get(Assignment, assignment_id), user(username)
            return lambda: attempts.start(assignment, student)[0].id

        def edit(_slot, assignment_id=assignment_id, new_ids=new_ids):
            assignment, teacher = db.session.get(Assignment, assignment_id), user("gv.toan")
            return lambda: services.update_assignment(assignment, teacher, {"question_ids": new_ids}).id

        outcomes = race(app, [start, edit])
        assert all(kind != "error" for kind, _value in outcomes.values()), outcomes
        assert outcomes[0][0] == "ok", outcomes
        attempt_id = outcomes[0][1]
        held = set(db.session.scalars(
            db.select(AssignmentQuestion.question_id).join(AttemptQuestion,
                                                           AttemptQuestion.assignment_question_id == AssignmentQuestion.id)
            .where(AttemptQuestion.attempt_id == attempt_id)))
        if outcomes[1][0] == "ok":
            assert held == set(new_ids), outcomes
        else:
            assert outcomes[1] == ("refused", 409), outcomes
            assert held == {q for q in db.session.scalars(
                db.select(AssignmentQuestion.question_id).where(AssignmentQuestion.assignment_id == assignment_id))}
        db.session.remove()
