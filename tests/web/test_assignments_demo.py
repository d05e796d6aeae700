"""`flask lms seed-demo` gives 6A1 of THCS01 a material to read before class and a quiz, with the
class's work in every state tracking shows (issue 11: "a newcomer sees tracking with data")."""

from lms.accounts.models import User
from lms.assignments import queries
from lms.assignments.models import Assignment, Attempt
from lms.extensions import db


def test_seed_demo_gives_6a1_homework_in_every_state(runner):
    result = runner.invoke(args=["lms", "seed-demo"])
    assert result.exit_code == 0, result.output
    teacher = db.session.scalar(db.select(User).where(User.username == "gv.toan"))
    made = db.session.scalars(db.select(Assignment).where(Assignment.teacher_id == teacher.id)
                              .order_by(Assignment.id)).all()
    assert [a.kind for a in made] == ["material", "quiz"]
    assert [c.name for c in made[0].classrooms] == ["6A1"] and made[0].classrooms[0].school.code == "THCS01"
    material, quiz = (queries.tracking(a) for a in made)

    assert material.summary.viewed_before_due == 12
    assert material.summary.counts["viewed"] == 14 and material.summary.counts["missing"] == 16
    readers = [r for r in material.rows if r.work.viewed_before_due]
    assert all(r.work.view_seconds > 0 for r in readers)

    counts = quiz.summary.counts
    assert counts["graded"] == 20 and counts["submitted"] == 1 and counts["in_progress"] == 2
    assert counts["not_started"] == 6 and counts["late"] == 1  # four came in late; one waits for its mark
    assert sum(1 for r in quiz.rows if r.work.late and r.work.done) == 4
    assert sum(1 for r in quiz.rows if r.work.needs_grading) == 2
    assert quiz.summary.average_mark is not None

    # Idempotent: a second run adds nothing.
    before = db.session.scalar(db.select(db.func.count(Attempt.id)))
    assert runner.invoke(args=["lms", "seed-demo"]).exit_code == 0
    assert db.session.scalar(db.select(db.func.count(Attempt.id))) == before
    assert db.session.scalar(db.select(db.func.count(Assignment.id))) == 2
