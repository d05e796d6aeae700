"""Quiz attempts through the services: start (idempotent, refused before the open time, after the
cut-off, with no attempts left), the server-kept deadline, autosave, submit and scoring by each
type's rules, late work, submission at the deadline (lazily and by the periodic job), the overall
mark by grading method, and what a student may see."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest

from lms.assignments import attempts, jobs
from lms.assignments.models import Attempt, AttemptState
from lms.core.errors import DomainError, ValidationError
from lms.core.jobs import huey
from lms.core.timeutil import as_utc, utcnow
from lms.extensions import db
from tests.assignments_support import (
    GROUP,
    MULTI,
    NUMERICAL,
    TRUE_FALSE,
    approved,
    make_assignment,
    quiz,
    user,
)
from tests.questions_support import make_question


@pytest.fixture
def world(app, demo, criteria):
    return demo


def student(n=1):
    return user(f"hs.6a1.{n:02d}")


def refusal(call):
    with pytest.raises(DomainError) as caught:
        call()
    db.session.rollback()
    return caught.value


def in_minutes(minutes):
    return (utcnow() + timedelta(minutes=minutes)).isoformat()


def mixed_questions():
    """One question of each auto-scored shape plus an essay, with known right answers."""
    return [
        approved(1, stem="Phân số lớn nhất?")[0],                                           # single: "c"
        approved(1, stem="Đúng hay sai?", qtype="true_false", data=TRUE_FALSE)[0],          # True
        approved(1, stem="Ba phẩy năm?", qtype="numerical", data=NUMERICAL)[0],             # 3,5
        approved(1, stem="Các ý đúng?", qtype="true_false_group", data=GROUP)[0],           # a, c true
        approved(1, stem="Số nguyên tố?", qtype="multiple_choice", data=MULTI)[0],          # a, b
    ]


# --- start ----------------------------------------------------------------------------------------

def test_start_is_idempotent_and_the_deadline_is_start_plus_limit(world):
    assignment = quiz(time_limit_minutes=15)
    first, created = attempts.start(assignment, student())
    db.session.commit()
    again, created_again = attempts.start(assignment, student())
    assert created and not created_again and again.id == first.id
    limit = as_utc(first.deadline_at) - as_utc(first.started_at)
    assert limit == timedelta(minutes=15)
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == 1


def test_the_deadline_never_passes_the_cutoff(world):
    assignment = quiz(time_limit_minutes=60, due_at=in_minutes(5), cutoff_at=in_minutes(10))
    attempt, _created = attempts.start(assignment, student())
    assert as_utc(attempt.deadline_at) == as_utc(assignment.cutoff_at)
    without_cutoff = quiz(time_limit_minutes=60, due_at=in_minutes(5), title="Không hạn chót")
    attempt, _created = attempts.start(without_cutoff, student())
    assert as_utc(attempt.deadline_at) == as_utc(without_cutoff.due_at)  # the due time is the cut-off then


def test_start_refused_before_open_after_cutoff_and_when_attempts_are_used_up(world):
    later = quiz(open_at=in_minutes(60), due_at=in_minutes(120))
    error = refusal(lambda: attempts.start(later, student()))
    assert (error.status, error.code) == (409, "not_open") and "từ" in error.message
    closed = quiz(open_at=in_minutes(-120), due_at=in_minutes(-60), cutoff_at=in_minutes(-1), title="Đã đóng")
    error = refusal(lambda: attempts.start(closed, student()))
    assert (error.status, error.code) == (409, "closed")
    once = quiz(title="Một lượt")
    attempt, _created = attempts.start(once, student())
    attempts.submit(attempt, student())
    db.session.commit()
    error = refusal(lambda: attempts.start(once, student()))
    assert (error.status, error.code) == (409, "no_attempts_left")


def test_a_student_of_another_class_cannot_start(world):
    assignment = quiz()
    assert refusal(lambda: attempts.start(assignment, user("hs.6a2.01"))).status == 404
    assert refusal(lambda: attempts.start(assignment, user("gv.toan"))).status == 404


def test_shuffled_options_are_stored_and_shown_in_that_order(world):
    assignment = quiz(shuffle=True)
    orders = set()
    for n in range(1, 6):
        attempt, _created = attempts.start(assignment, student(n), rng=random.Random(n))
        shown = attempts.attempt_json(attempt, student(n))
        for item, question in zip(attempt.items, shown["questions"], strict=True):
            assert item.option_order is not None and sorted(item.option_order) == ["a", "b", "c"]
            assert [o["id"] for o in question["data"]["options"]] == item.option_order
            assert "correct" not in question["data"]
        orders.add(tuple(tuple(i.option_order) for i in attempt.items))
        db.session.commit()
    assert len(orders) > 1


# --- answers and scoring --------------------------------------------------------------------------

def test_scoring_follows_each_type_and_the_mark_is_rounded_half_up(world):
    questions = mixed_questions()
    assignment = quiz(questions)
    attempt, _created = attempts.start(assignment, student())
    single, tf, num, group, multi = (str(q.id) for q in questions)
    attempts.save_answers(attempt, student(), {single: "c", tf: False, num: "3,5",
                                               group: {"a": True, "b": False, "c": False, "d": False},
                                               multi: ["a"]})
    db.session.commit()
    attempts.submit(attempt, student())
    db.session.commit()
    fractions = {item.assignment_question.question_id: item.fraction for item in attempt.items}
    assert [fractions[q.id] for q in questions] == [Decimal(1), Decimal(0), Decimal(1), Decimal("0.5"),
                                                    Decimal("0.5")]
    # 2 marks each: 2 + 0 + 2 + 1 + 1 = 6 of 10.
    assert attempt.score == Decimal(6) and attempt.max_score == Decimal(10) and attempt.mark == Decimal("6.0")
    assert attempt.state == AttemptState.SUBMITTED and not attempt.late and not attempt.needs_grading


def test_marks_that_end_in_a_half_tenth_round_up(world):
    questions = approved(4)  # 2.5 marks each
    assignment = quiz(questions)
    attempt, _created = attempts.start(assignment, student())
    attempts.save_answers(attempt, student(), {str(questions[0].id): "c", str(questions[1].id): "c",
                                               str(questions[2].id): "a"})
    attempts.submit(attempt, student())
    assert attempt.mark == Decimal("5.0")
    # 29 of 40 → 7.25 → 7.3 (Python's round would give 7.2)
    attempt.items[0].marks = Decimal(29)
    for item, marks in zip(attempt.items[1:], (Decimal(1), Decimal(5), Decimal(5)), strict=True):
        item.marks = marks
    attempt.items[1].fraction = Decimal(0)
    attempts.rescore(attempt)
    assert attempt.score == Decimal(29) and attempt.mark == Decimal("7.3")


def test_an_answered_essay_waits_for_the_teacher(world):
    essay = make_question("approved", stem="Trình bày cách quy đồng.", qtype="essay", data={})
    (single,) = approved(1)
    assignment = quiz([single, essay])
    attempt, _created = attempts.start(assignment, student())
    attempts.save_answers(attempt, student(), {str(single.id): "c", str(essay.id): "Quy đồng mẫu số..."})
    attempts.submit(attempt, student())
    db.session.commit()
    assert attempt.needs_grading and attempt.mark is None and attempt.score == Decimal(5)
    essay_item = next(i for i in attempt.items if i.assignment_question.question_id == essay.id)
    assert essay_item.fraction is None
    essay_item.fraction = Decimal("0.5")  # what the teacher's grading does, then rescore
    attempts.rescore(attempt)
    assert not attempt.needs_grading and attempt.mark == Decimal("7.5")


def test_autosave_is_idempotent_and_checks_each_answer(world):
    questions = approved(2)
    assignment = quiz(questions)
    attempt, _created = attempts.start(assignment, student())
    first, second = (str(q.id) for q in questions)
    attempts.save_answers(attempt, student(), {first: "a"})
    db.session.commit()
    saved_at = attempt.items[0].answered_at
    attempts.save_answers(attempt, student(), {first: "a"})  # the same answer resent: nothing changes
    db.session.commit()
    assert attempt.items[0].answer == "a" and attempt.items[0].answered_at == saved_at
    with pytest.raises(ValidationError) as caught:
        attempts.save_answers(attempt, student(), {first: "z", second: "b", "999999": "a"})
    db.session.rollback()
    assert set(caught.value.details) == {f"answers.{first}", "answers.999999"}
    attempt = attempts.load(attempt.id)
    assert [i.answer for i in attempt.items] == ["a", None]  # nothing of the refused request was kept
    attempts.save_answers(attempt, student(), {first: None, second: "b"})
    assert [i.answer for i in attempt.items] == [None, "b"]
    assert refusal(lambda: attempts.save_answers(attempt, student(2), {first: "a"})).status == 404


def test_no_answers_after_submitting(world):
    questions = approved(1)
    assignment = quiz(questions)
    attempt, _created = attempts.start(assignment, student())
    attempts.submit(attempt, student())
    db.session.commit()
    error = refusal(lambda: attempts.save_answers(attempt, student(), {str(questions[0].id): "c"}))
    assert (error.status, error.code) == (409, "attempt_submitted")


def test_submitting_twice_gives_the_same_result_and_scores_once(world):
    questions = approved(2)
    assignment = quiz(questions)
    attempt, _created = attempts.start(assignment, student())
    attempts.save_answers(attempt, student(), {str(questions[0].id): "c"})
    attempts.submit(attempt, student())
    db.session.commit()
    submitted_at, version = attempt.submitted_at, attempt.lock_version
    again = attempts.submit(attempts.load(attempt.id), student())
    assert again.state == AttemptState.SUBMITTED and again.mark == Decimal("5.0")
    assert again.submitted_at == submitted_at and again.lock_version == version


# --- deadlines and cut-offs -----------------------------------------------------------------------

def test_late_when_submitted_after_the_due_time_and_refused_after_the_cutoff(world):
    questions = approved(1)
    assignment = quiz(questions, due_at=in_minutes(10), cutoff_at=in_minutes(60))
    attempt, _created = attempts.start(assignment, student())
    attempts.save_answers(attempt, student(), {str(questions[0].id): "c"})
    attempts.submit(attempt, student(), now=utcnow() + timedelta(minutes=30))
    assert attempt.late and not attempt.auto_submitted and attempt.mark == Decimal("10.0")
    error = refusal(lambda: attempts.start(assignment, student(), now=utcnow() + timedelta(minutes=61)))
    assert error.code in ("closed", "no_attempts_left")
    other = quiz(questions, due_at=in_minutes(10), cutoff_at=in_minutes(60), title="Khác")
    error = refusal(lambda: attempts.start(other, student(2), now=utcnow() + timedelta(minutes=61)))
    assert (error.status, error.code) == (409, "closed")


def test_answers_saved_until_the_deadline_count_and_later_ones_are_refused(world):
    questions = approved(2)
    assignment = quiz(questions, time_limit_minutes=10)
    attempt, _created = attempts.start(assignment, student())
    first, second = (str(q.id) for q in questions)
    attempts.save_answers(attempt, student(), {first: "c"}, now=utcnow() + timedelta(minutes=9))
    db.session.commit()
    error = refusal(lambda: attempts.save_answers(attempt, student(), {second: "c"},
                                                  now=utcnow() + timedelta(minutes=11)))
    assert (error.status, error.code) == (409, "attempt_closed")
    # The refusal rolled its own settling back; reading it later (lazily) submits it at its deadline.
    attempt = attempts.load(attempt.id)
    assert attempts.settle(attempt, utcnow() + timedelta(minutes=11))
    db.session.commit()
    assert attempt.state == AttemptState.SUBMITTED and attempt.auto_submitted
    assert as_utc(attempt.submitted_at) == as_utc(attempt.deadline_at)
    assert attempt.mark == Decimal("5.0")  # the first answer counted, the late one did not


def test_starting_again_after_the_deadline_submits_the_old_attempt_first(world):
    assignment = quiz(time_limit_minutes=5, max_attempts=2)
    first, _created = attempts.start(assignment, student())
    db.session.commit()
    second, created = attempts.start(assignment, student(), now=utcnow() + timedelta(minutes=6))
    db.session.commit()
    first = attempts.load(first.id)
    assert created and second.id != first.id and second.number == 2
    assert first.state == AttemptState.SUBMITTED and first.auto_submitted


def test_the_periodic_job_submits_every_attempt_past_its_deadline(world):
    assignment = quiz(time_limit_minutes=1)
    overdue, _created = attempts.start(assignment, student(1), now=utcnow() - timedelta(minutes=5))
    running, _created = attempts.start(assignment, student(2))
    db.session.commit()
    overdue_id, running_id = overdue.id, running.id
    db.session.remove()
    # The worker's scheduler finds it due at any minute.
    for minute in (utcnow(), utcnow() + timedelta(minutes=17)):
        assert "submit_overdue_attempts" in {task.name for task in huey.read_periodic(minute.replace(tzinfo=None))}
    assert jobs.submit_overdue_attempts.call_local() == 1
    overdue, running = db.session.get(Attempt, overdue_id), db.session.get(Attempt, running_id)
    assert overdue.state == AttemptState.SUBMITTED and overdue.auto_submitted and overdue.mark == Decimal("0.0")
    assert running.state == AttemptState.IN_PROGRESS
    assert attempts.auto_submit_overdue(utcnow() + timedelta(minutes=2)) == 1  # and the other one later
    db.session.commit()


# --- marks and what students see ------------------------------------------------------------------

@pytest.mark.parametrize(("method", "expected"), [("highest", "10.0"), ("last", "5.0"), ("first", "0.0"),
                                                  ("average", "5.0")])
def test_overall_mark_by_grading_method(world, method, expected):
    questions = approved(2)
    assignment = quiz(questions, max_attempts=3, grading_method=method)
    a, b = (str(q.id) for q in questions)
    for answers in ({}, {a: "c", b: "c"}, {a: "c"}):
        attempt, _created = attempts.start(assignment, student())
        attempts.save_answers(attempt, student(), answers)
        attempts.submit(attempt, student())
        db.session.commit()
    assert attempts.overall_mark(assignment, student()) == Decimal(expected)


@pytest.mark.parametrize("rule", ["never", "after_submit", "after_due"])
def test_correct_answers_shown_as_the_assignment_says(world, rule):
    questions = approved(1)
    assignment = quiz(questions, show_answers=rule)
    attempt, _created = attempts.start(assignment, student())
    during = attempts.attempt_json(attempt, student())
    assert "correct_answer" not in during["questions"][0] and "score" not in during
    attempts.submit(attempt, student())
    db.session.commit()
    after = attempts.attempt_json(attempt, student())
    assert after["score"] == 0.0 and after["graded"] is True
    assert ("correct_answer" in after["questions"][0]) == (rule == "after_submit")
    after_due = attempts.attempt_json(attempt, student(), now=utcnow() + timedelta(days=2))
    assert ("correct_answer" in after_due["questions"][0]) == (rule != "never")
    teacher = attempts.attempt_json(attempt, user("gv.toan"))
    assert teacher["questions"][0]["correct_answer"] == "c"


def test_a_material_with_a_check_quiz_and_a_submission_without_one(world):
    from tests.materials_support import make_material

    material = make_material("approved")
    questions = approved(1)
    reading = make_assignment(kind="material", material_id=material.id, question_ids=[questions[0].id])
    handin = make_assignment(kind="submission", title="Nộp bài")
    db.session.commit()
    attempt, created = attempts.start(reading, student())
    assert created and len(attempt.items) == 1
    error = refusal(lambda: attempts.start(handin, student()))
    assert (error.status, error.code) == (409, "no_quiz")


def test_answers_of_the_wrong_shape_are_422_not_500(world):
    matching = make_question("approved", stem="Ghép đôi", qtype="matching",
                             data={"pairs": [{"id": "1", "left": "2", "right": "4"},
                                             {"id": "2", "left": "3", "right": "9"}]})
    assignment = quiz([matching])
    attempt, _created = attempts.start(assignment, student())
    db.session.commit()
    key = str(matching.id)
    for raw in ({"1": ["2"]}, {"1": {"x": 1}}, [["1", "2"]], 3.5, {"9": "1"}):
        with pytest.raises(ValidationError) as caught:
            attempts.save_answers(attempt, student(), {key: raw})
        assert f"answers.{key}" in caught.value.details
        db.session.rollback()
    attempts.save_answers(attempt, student(), {key: {"1": "1", "2": "2"}})
    attempts.submit(attempt, student())
    assert attempt.mark == Decimal("10.0")
