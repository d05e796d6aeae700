"""The statistics' summary rows (lms/reports/summary.py) are kept equal to the direct computation
from the work after each commit that changes it: work handed in and graded through the services,
an attempt submitted by a conditional UPDATE, a student leaving a class, a due date moved, an
assignment given to one more class, an assignment deleted."""

import datetime as dt
from decimal import Decimal

from click.testing import CliRunner

from lms.assignments import marking, submissions
from lms.assignments.models import Attempt, Submission, assignment_classroom
from lms.extensions import db
from lms.reports import queries, summary
from lms.reports.models import MonthSummary, ReachSummary, WorkSummary
from lms.schools.models import Enrollment
from tests.reports_support import at, build_world


def _normal(rows):
    out = set()
    for row in rows:
        out.add(tuple(float(v) if isinstance(v, Decimal) else
                      (v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v) for v in row))
    return out


def stored():
    W, R, M = WorkSummary, ReachSummary, MonthSummary
    work = db.session.execute(db.select(*(getattr(W, c) for c in summary._WORK_COLUMNS))).all()
    reach = db.session.execute(db.select(*(getattr(R, c) for c in summary._REACH_COLUMNS))).all()
    months = db.session.execute(db.select(*(getattr(M, c) for c in summary._MONTH_COLUMNS))).all()
    return _normal(work), _normal(reach), _normal(months)


def direct():
    return _normal(db.session.execute(summary._work_select()).all()), \
        _normal(db.session.execute(summary._reach_select()).all()), \
        _normal(db.session.execute(summary._month_select()).all())


def check():
    db.session.expire_all()
    kept = stored()
    assert kept == direct()
    return kept[:2]


def attempts_by_month(world):
    return queries.monthly_trends(queries.Filters(world.year))["attempts"]


def row(world, assignment, room):
    stats = {(r.classroom_id, r.subject_id): r for r in queries.assignment_stats(queries.Filters(world.year))}
    a = world.assignments[assignment]
    return stats[(world.classes[room].id, a.subject_id)]


def test_summary_follows_submits_grades_and_class_changes(app):
    world = build_world()
    work, reach = check()
    assert len(work) == 5 and reach  # a1 (6A), a2 (6A, 7A), a3 (7A), a0 (last year's class)
    a1, a2, a3 = (world.assignments[k] for k in ("a1", "a2", "a3"))
    s, t1 = world.users, world.users["t1"]

    submissions.submit_work(a2, s["s2"], "Bài làm của em", now=at(2024, 10, 28))  # the service, on time
    db.session.commit()
    check()
    assert (row(world, "a2", "6A").done, row(world, "a2", "6A").reached) == (3, 3)

    late = db.session.scalar(db.select(Submission).where(Submission.student_id == s["s4"].id))
    marking.grade_submission(late, t1, "7", "", late.lock_version)  # a conditional UPDATE by id
    db.session.commit()
    check()
    assert row(world, "a2", "6A").marked == 2

    assert attempts_by_month(world) == {"2024-10": 3}
    open_attempt = db.session.scalar(db.select(Attempt).where(Attempt.student_id == s["s3"].id))
    db.session.execute(db.update(Attempt).where(Attempt.id == open_attempt.id).values(
        state="submitted", submitted_at=at(2024, 10, 1), mark=Decimal("6.0")))
    db.session.commit()
    check()
    assert row(world, "a1", "6A").done == 3
    assert attempts_by_month(world) == {"2024-10": 4}  # the month summary follows a submit

    db.session.delete(db.session.scalar(db.select(Enrollment).where(Enrollment.student_id == s["s4"].id)))
    a3.due_at = at(2024, 11, 1)  # a3 now due: its view counts as done
    db.session.commit()
    check()
    assert row(world, "a3", "7A").done == 1

    db.session.execute(assignment_classroom.insert().values(assignment_id=a1.id,
                                                            classroom_id=world.classes["7A"].id))
    db.session.commit()
    work, _reach = check()
    assert len(work) == 6

    db.session.delete(a2)
    db.session.commit()
    work, _reach = check()
    assert len(work) == 4


def test_rebuild_command_computes_the_rows_again(app):
    build_world()
    db.session.execute(db.delete(WorkSummary))
    db.session.execute(db.delete(ReachSummary))
    db.session.execute(db.delete(MonthSummary))
    db.session.commit()
    assert stored() != direct()
    result = CliRunner().invoke(app.cli, ["lms", "rebuild-report-summary"], catch_exceptions=False)
    assert "5 assignment × class rows" in result.output
    check()


def test_init_computes_the_summary_of_work_given_before_it_existed(app):
    """`flask lms init` after the upgrade that adds the summary tables: the work already given is
    summed once (and an up-to-date summary is left alone)."""
    from lms.cli import ensure_report_summary

    build_world()
    assert ensure_report_summary() is None  # kept by the events already
    db.session.execute(db.delete(WorkSummary))
    db.session.execute(db.delete(ReachSummary))
    db.session.execute(db.delete(MonthSummary))
    db.session.commit()
    assert ensure_report_summary() == 5
    check()
