"""Quizzes through the services (assignments.services, assignments.attempts): making an assignment
(validation per field, pinning versions, the test matrix and its shortage), starting, saving,
submitting, scoring, deadlines and cut-offs."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest

from lms.assignments import attempts, services
from lms.assignments.models import Assignment, AssignmentQuestion
from lms.core.errors import DomainError, ValidationError
from lms.core.timeutil import as_utc, utcnow
from lms.extensions import db
from tests.assignments_support import (
    approved,
    classroom,
    fields,
    make_assignment,
    quiz,
    topics,
    user,
)
from tests.materials_support import make_material
from tests.questions_support import make_question


@pytest.fixture
def world(app, demo, criteria):
    return demo


def errors_of(call):
    with pytest.raises(ValidationError) as caught:
        call()
    db.session.rollback()
    return caught.value.details


# --- making an assignment ------------------------------------------------------------------------

def test_create_pins_versions_and_shares_ten_marks(world):
    questions = approved(4)
    assignment = quiz(questions)
    assert assignment.kind == "quiz" and assignment.school_id == user("gv.toan").school_id
    assert [c.name for c in assignment.classrooms] == ["6A1"]
    assert assignment.instructions == "<p>Làm trong <strong>15 phút</strong></p>"
    assert [q.question_id for q in assignment.questions] == [q.id for q in questions]
    assert all(q.question_version_id == q.question.published_version_id for q in assignment.questions)
    assert all(q.marks == Decimal("2.5") for q in assignment.questions)
    assert assignment.subject.code == "toan"


def test_every_bad_field_is_named(world):
    other_school = classroom("6A1", "THCS02").id
    not_taught = classroom("7A1").id
    details = errors_of(lambda: services.create_assignment(user("gv.toan"), {
        "title": "  ", "kind": "quiz", "class_ids": [other_school, not_taught], "due_at": "hôm qua",
        "max_attempts": 0, "time_limit_minutes": 0, "grading_method": "best", "show_answers": "always"}))
    assert set(details) >= {"title", "class_ids", "due_at", "max_attempts", "time_limit_minutes", "grading_method",
                            "show_answers", "question_ids"}
    assert str(other_school) in details["class_ids"] and str(not_taught) in details["class_ids"]


def test_times_must_be_in_order(world):
    now = utcnow()
    q = approved(1)
    details = errors_of(lambda: make_assignment(question_ids=[q[0].id], open_at=(now + timedelta(days=2)).isoformat(),
                                                due_at=(now + timedelta(days=1)).isoformat(),
                                                cutoff_at=now.isoformat()))
    assert set(details) == {"due_at", "cutoff_at"}


def test_a_time_without_offset_is_the_districts(world):
    q = approved(1)
    assignment = make_assignment(question_ids=[q[0].id], open_at="2026-12-01T07:00", due_at="2026-12-01T21:30")
    assert as_utc(assignment.due_at).isoformat() == "2026-12-01T14:30:00+00:00"


def test_instructions_are_sanitised_and_nfc(world):
    q = approved(1)
    decomposed = "Hoa\u0300n tha\u0300nh"
    assignment = make_assignment(question_ids=[q[0].id],
                                 instructions=f"<p onclick='x()'>{decomposed}</p><script>alert(1)</script>")
    assert assignment.instructions == "<p>Hoàn thành</p>"


def test_questions_approved_or_own_drafts_only(world):
    mine = make_question("draft", stem="Nháp của tôi")
    theirs = make_question("draft", owner="gv.toan2", stem="Nháp của người khác")
    details = errors_of(lambda: make_assignment(question_ids=[mine.id, theirs.id]))
    assert str(theirs.id) in details["question_ids"] and str(mine.id) not in details["question_ids"]
    mine = make_question("draft", stem="Nháp của tôi")
    assignment = make_assignment(question_ids=[{"id": mine.id, "marks": "2,5"}])
    (row,) = assignment.questions
    assert row.question_version_id == mine.current_version_id and row.marks == Decimal("2.5")


def test_material_assignment_pins_the_published_version(world):
    material = make_material("approved")
    assignment = make_assignment(kind="material", material_id=material.id)
    assert assignment.material_version_id == material.published_version_id
    assert assignment.subject.code == "toan"
    details = errors_of(lambda: make_assignment(kind="material"))
    assert "material_id" in details
    others_draft = make_material("draft", owner="gv.toan2", title="Nháp khác")
    assert "material_id" in errors_of(lambda: make_assignment(kind="material", material_id=others_draft.id))
    own_draft = make_material("draft", title="Nháp của tôi")
    assignment = make_assignment(kind="material", material_id=own_draft.id)
    assert assignment.material_version_id == own_draft.latest_version.id


def test_only_teachers_assign(world):
    with pytest.raises(DomainError) as caught:
        services.create_assignment(user("hs.6a1.01"), fields([classroom().id]))
    assert caught.value.status == 403


def test_edited_and_reapproved_question_keeps_the_old_version_in_the_quiz(world):
    from lms.questions import services as question_services
    from lms.review import services as review_services
    from tests.questions_support import approve

    (question,) = approved(1, stem="Phiên bản một")
    first_version = question.published_version_id
    assignment = quiz([question])
    question_services.update_question(question, user("gv.toan"), {"stem": "Phiên bản hai"}, "Sửa")
    review_services.submit(question, user("gv.toan"))
    review_services.claim(question, user("reviewer.toan"))
    approve(question)
    db.session.commit()
    assert question.published_version_id != first_version
    attempt, _created = attempts.start(assignment, user("hs.6a1.01"))
    db.session.commit()
    shown = attempts.attempt_json(attempts.load(attempt.id), user("hs.6a1.01"))
    assert shown["questions"][0]["stem"] == "Phiên bản một"


# --- the test matrix -----------------------------------------------------------------------------

def test_matrix_pins_each_cells_pool_and_every_attempt_fills_it_exactly(world):
    t1, t2 = topics(2)
    approved(4, t1, "nhan_biet")
    approved(3, t2, "thong_hieu")
    approved(2, t1, "van_dung")  # not in the matrix
    matrix = [{"topic": t1.id, "level": "nhan_biet", "count": 2, "marks": 4},
              {"topic": t2.id, "level": "thong_hieu", "count": 3}]
    assignment = make_assignment(matrix=matrix, max_attempts=5)
    db.session.commit()
    pools = {}
    for row in assignment.questions:
        pools.setdefault(row.cell, set()).add(row.question_id)
    assert [len(pools[0]), len(pools[1])] == [4, 3]
    assert {r.marks for r in assignment.questions if r.cell == 0} == {Decimal(2)}
    assert {r.marks for r in assignment.questions if r.cell == 1} == {Decimal("2.000")}  # 10 / 5 questions
    assert services.questions_per_attempt(assignment) == 5
    for n in range(1, 4):
        student = user(f"hs.6a1.{n:02d}")
        attempt, _created = attempts.start(assignment, student, rng=random.Random(n))
        drawn = [item.assignment_question for item in attempt.items]
        assert len({row.question_id for row in drawn}) == 5
        assert sum(1 for row in drawn if row.cell == 0) == 2 and sum(1 for row in drawn if row.cell == 1) == 3
        assert attempt.max_score == Decimal(10)
        db.session.commit()


def test_matrix_draws_least_used_first_across_the_class(world):
    (t1,) = topics(1)
    approved(6, t1, "nhan_biet")
    assignment = make_assignment(matrix=[{"topic": t1.id, "level": "nhan_biet", "count": 2}])
    db.session.commit()
    seen = []
    for n in range(1, 4):  # 3 students × 2 = the pool of 6 exactly once
        attempt, _created = attempts.start(assignment, user(f"hs.6a1.{n:02d}"))
        seen += [item.assignment_question.question_id for item in attempt.items]
        db.session.commit()
    assert len(seen) == len(set(seen)) == 6


def test_matrix_shortage_is_422_with_details_and_creates_nothing(world):
    t1, t2 = topics(2)
    approved(2, t1, "nhan_biet")
    make_question("draft", topic=t2.id, level="thong_hieu", stem="Nháp không tính")
    db.session.commit()
    before = db.session.scalar(db.select(db.func.count(Assignment.id)))
    matrix = [{"topic": t1.id, "level": "nhan_biet", "count": 2},
              {"topic": t2.id, "level": "thong_hieu", "count": 1},
              {"topic": t1.id, "level": "van_dung_cao", "count": 3}]
    details = errors_of(lambda: make_assignment(matrix=matrix))
    assert details["shortage"] == [{"topic": t2.id, "level": "thong_hieu", "wanted": 1, "available": 0},
                                   {"topic": t1.id, "level": "van_dung_cao", "wanted": 3, "available": 0}]
    assert "matrix" in details
    assert db.session.scalar(db.select(db.func.count(Assignment.id))) == before
    assert db.session.scalar(db.select(db.func.count(AssignmentQuestion.id))) == 0


def test_matrix_availability_before_publishing(world):
    t1, t2 = topics(2)
    approved(3, t1, "nhan_biet")
    db.session.commit()
    shown = services.matrix_availability([{"topic": t1.id, "level": "nhan_biet", "count": 2},
                                          {"topic": t2.id, "level": "nhan_biet", "count": 1}], "toan", 6)
    assert shown == [{"topic": t1.id, "level": "nhan_biet", "wanted": 2, "available": 3, "enough": True},
                     {"topic": t2.id, "level": "nhan_biet", "wanted": 1, "available": 0, "enough": False}]
    with pytest.raises(ValidationError) as caught:
        services.matrix_availability([{"topic": t1.id, "level": "kho", "count": 0}])
    assert {"matrix.0.level", "matrix.0.count"} <= set(caught.value.details)


def test_matrix_cells_are_checked_one_by_one(world):
    t1, _t2 = topics(2)
    khtn = topics(1, "khtn")[0]
    details = errors_of(lambda: make_assignment(matrix=[
        {"topic": t1.id, "level": "nhan_biet", "count": 1}, {"topic": t1.id, "level": "nhan_biet", "count": 1},
        {"topic": 99999999, "level": "nhan_biet", "count": 1}, "ô", {"topic": t1.id, "level": "van_dung",
                                                                    "count": 1, "marks": -1}]))
    assert {"matrix", "matrix.1", "matrix.2.topic", "matrix.3", "matrix.4.marks"} <= set(details)
    details = errors_of(lambda: make_assignment(subject="toan", matrix=[{"topic": khtn.id, "level": "nhan_biet",
                                                                         "count": 1}]))
    assert "matrix.0.topic" in details


# --- changing an assignment ----------------------------------------------------------------------

def test_update_before_anyone_started_then_refused(world):
    from lms.assignments import attempts

    first, second, third = approved(3)
    assignment = quiz([first, second])
    services.update_assignment(assignment, user("gv.toan"), {"title": "Đổi tên",
                                                             "question_ids": [third.id, first.id]})
    db.session.commit()
    assert assignment.title == "Đổi tên" and [q.question_id for q in assignment.questions] == [third.id, first.id]
    assert assignment.instructions == "<p>Làm trong <strong>15 phút</strong></p>"  # untouched fields kept
    with pytest.raises(DomainError) as caught:
        services.update_assignment(assignment, user("gv.toan2"), {"title": "Của người khác"})
    assert caught.value.status == 403
    db.session.rollback()
    attempts.start(assignment, user("hs.6a1.01"))
    db.session.commit()
    with pytest.raises(DomainError) as caught:  # the questions are fixed once a student began
        services.update_assignment(assignment, user("gv.toan"), {"title": "Muộn rồi", "question_ids": [first.id]})
    assert (caught.value.status, caught.value.code) == (409, "assignment_started")
    db.session.rollback()
    assert db.session.get(Assignment, assignment.id).title == "Đổi tên"
    services.update_assignment(assignment, user("gv.toan"), {"title": "Muộn rồi"})  # the settings still change
    db.session.commit()
    assert db.session.get(Assignment, assignment.id).title == "Muộn rồi"


def test_a_matrix_replaces_hand_picked_questions_on_update(world):
    (t1,) = topics(1)
    approved(2, t1, "thong_hieu")
    assignment = quiz()
    services.update_assignment(assignment, user("gv.toan"),
                               {"matrix": [{"topic": t1.id, "level": "thong_hieu", "count": 1}]})
    db.session.commit()
    assert assignment.uses_matrix and {q.cell for q in assignment.questions} == {0}
    assert services.questions_per_attempt(assignment) == 1
