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
from lms.reports.models import (
    DecisionSummary,
    GivenSummary,
    MonthSummary,
    ReachSummary,
    TopicSummary,
    WorkSummary,
)
from lms.review.models import WorkflowEvent
from lms.schools.models import Classroom, Enrollment
from tests.reports_support import _event, at, build_world


def _normal(rows):
    out = set()
    for row in rows:
        out.add(tuple(float(v) if isinstance(v, Decimal) else
                      (v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v) for v in row))
    return out


def stored():
    W, R, M, D = WorkSummary, ReachSummary, MonthSummary, DecisionSummary
    work = db.session.execute(db.select(*(getattr(W, c) for c in summary._WORK_COLUMNS))).all()
    reach = db.session.execute(db.select(*(getattr(R, c) for c in summary._REACH_COLUMNS))).all()
    months = db.session.execute(db.select(*(getattr(M, c) for c in summary._MONTH_COLUMNS))).all()
    decisions = db.session.execute(db.select(*(getattr(D, c) for c in summary._DECISION_COLUMNS))).all()
    given = db.session.execute(db.select(*(getattr(GivenSummary, c) for c in summary._GIVEN_COLUMNS))).all()
    topics = db.session.execute(db.select(*(getattr(TopicSummary, c) for c in summary._TOPIC_COLUMNS))).all()
    return _normal(work), _normal(reach), _normal(months), _normal(decisions), _normal(given), _normal(topics)


def direct():
    return _normal(db.session.execute(summary._work_select()).all()), \
        _normal(db.session.execute(summary._reach_select()).all()), \
        _normal(db.session.execute(summary._month_select()).all()), \
        _normal(db.session.execute(summary._decision_select()).all()), \
        _normal(db.session.execute(summary._given_select()).all()), \
        _normal(db.session.execute(summary._topic_select()).all())


def hours_of(item):
    D = DecisionSummary
    rows = db.session.execute(db.select(D.action, D.hours).where(D.item_type == item.ITEM_TYPE, D.item_id == item.id))
    return sorted((action, round(hours, 6) if hours is not None else None) for action, hours in rows)


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
    db.session.execute(db.delete(DecisionSummary))
    db.session.execute(db.delete(GivenSummary))
    db.session.execute(db.delete(TopicSummary))
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
    db.session.execute(db.delete(DecisionSummary))  # an upgrade that adds only the decisions' and
    db.session.execute(db.delete(GivenSummary))  # the given assignments' tables
    db.session.execute(db.delete(TopicSummary))
    db.session.commit()
    assert ensure_report_summary() is None
    check()
    assert db.session.scalar(db.select(db.func.count()).select_from(DecisionSummary)) == 4
    assert db.session.scalar(db.select(db.func.count()).select_from(GivenSummary)) == 5
    assert db.session.scalar(db.select(db.func.count()).select_from(TopicSummary)) > 0
    db.session.execute(db.delete(TopicSummary))  # and one that adds only the topics' table
    db.session.commit()
    assert ensure_report_summary() is None
    check()


def given_counts(world, **filters):
    f = queries.Filters(world.year, filters.get("subject"), filters.get("grade"))
    return (queries.assignment_school_totals(f).get(world.schools["ra"].id, queries.AssignmentRow(0, 0, "", 0, 0))
            .assignments, queries.monthly_trends(f)["assignments"])


def test_given_rows_follow_classes_changed_and_deleted(app):
    """An assignment given to two grades counts once for all grades and once in each; a class
    moved to another grade, given one more assignment, or deleted changes what was given."""
    world = build_world()
    a1, a2 = world.assignments["a1"], world.assignments["a2"]  # a1: 6A; a2: 6A and 7A
    check()
    assert given_counts(world) == (3, {"2024-09": 1, "2024-10": 2})
    assert given_counts(world, grade=7) == (2, {"2024-10": 2})  # a2 and a3
    room = world.classes["7A"]
    room.grade = 8
    db.session.commit()
    check()
    assert given_counts(world, grade=7) == (0, {})
    assert given_counts(world, grade=8) == (2, {"2024-10": 2})
    db.session.execute(assignment_classroom.insert().values(assignment_id=a1.id, classroom_id=room.id))
    db.session.commit()
    check()
    assert given_counts(world, grade=8) == (3, {"2024-09": 1, "2024-10": 2})
    assert given_counts(world) == (3, {"2024-09": 1, "2024-10": 2})
    db.session.execute(db.delete(Enrollment).where(Enrollment.classroom_id == room.id))
    db.session.delete(room)
    db.session.commit()
    check()
    assert given_counts(world, grade=8) == (0, {})
    assert given_counts(world) == (2, {"2024-09": 1, "2024-10": 1})  # a3 was given to 7A only
    lead = db.session.execute(db.select(GivenSummary.grade, GivenSummary.lead).where(
        GivenSummary.assignment_id == a2.id)).all()
    assert [tuple(r) for r in lead] == [(6, True)]
    old = world.classes["old"]  # last year's class, deleted by a statement: a0 was given to it only
    db.session.execute(db.delete(Enrollment).where(Enrollment.classroom_id == old.id))
    db.session.execute(db.delete(Classroom).where(Classroom.id == old.id))
    db.session.commit()
    check()
    assert not db.session.scalar(db.select(GivenSummary.assignment_id).where(
        GivenSummary.assignment_id == world.assignments["a0"].id))


def test_decision_hours_follow_the_review_services(demo):
    """Each decision taken through the review services gets its hours from the latest submission
    before it, after the commit."""
    from lms.review import services as review_services
    from tests.questions_support import approve, make_question, user

    question = make_question("changes_requested")
    db.session.commit()
    check()
    review_services.submit(question, user("gv.toan"))
    db.session.commit()
    review_services.claim(question, user("reviewer.toan"))
    approve(question)
    db.session.commit()
    check()
    assert [action for action, _hours in hours_of(question)] == ["approve", "request_changes"]
    assert all(hours is not None and 0 <= hours < 1 for _action, hours in hours_of(question))


def test_decision_hours_follow_events_added_changed_and_removed(app):
    """A submission recorded late (before a decision already kept) changes that decision's hours;
    an INSERT statement, an UPDATE the listener cannot tell (everything computed again) and a
    deleted event are followed too."""
    world = build_world()
    m1, t1 = world.items["m1"], world.users["t1"]
    check()
    assert hours_of(m1) == [("approve", 48.0), ("request_changes", 24.0)]
    _event(m1, "submit", "changes_requested", "submitted", t1, at(2024, 9, 4, 8))  # a day before approval
    db.session.commit()
    check()
    assert hours_of(m1) == [("approve", 24.0), ("request_changes", 24.0)]
    db.session.execute(db.insert(WorkflowEvent).values(item_type="material", item_id=m1.id, from_state="in_review",
                                                       to_state="changes_requested", action="request_changes",
                                                       actor_id=t1.id, at=at(2024, 9, 4, 20)))
    db.session.commit()
    check()
    assert ("request_changes", 12.0) in hours_of(m1)
    late = db.session.scalar(db.select(WorkflowEvent).where(WorkflowEvent.at == at(2024, 9, 4, 8)))
    db.session.execute(db.update(WorkflowEvent).where(WorkflowEvent.at == late.at).values(at=at(2024, 9, 4, 18)))
    db.session.commit()
    check()
    assert hours_of(m1) == [("approve", 14.0), ("request_changes", 2.0), ("request_changes", 24.0)]
    db.session.delete(db.session.get(WorkflowEvent, late.id))
    db.session.commit()
    check()
    assert hours_of(m1) == [("approve", 48.0), ("request_changes", 24.0), ("request_changes", 36.0)]


def test_decision_rows_follow_their_items_school_subject_and_grade(app):
    """The decisions carry their item's subject and grade: changed on the item (an attribute, an
    UPDATE statement), changed on the rows; the statistics per subject follow."""
    from lms.materials.models import Material
    from lms.schools.models import Subject

    world = build_world()
    m1, q1 = world.items["m1"], world.items["q1"]
    van = db.session.scalar(db.select(Subject).where(Subject.code == "ngu_van"))
    f = queries.Filters(world.year, van)
    assert queries.review_stats(f)[None].decisions == 0
    m1.grade = 7
    db.session.commit()
    check()
    assert {k[2] for k in queries.review_stats(queries.Filters(world.year)) if k} == {6, 7}
    db.session.execute(db.update(Material).where(Material.id == m1.id).values(subject_id=van.id))
    db.session.commit()
    check()
    assert queries.review_stats(f)[None].decisions == 2  # m1's request for changes and approval
    q1.school_id = world.schools["rb"].id
    db.session.commit()
    check()
    assert queries.review_stats(queries.Filters(world.year, None, None, world.schools["rb"].id))[None].decisions == 1


def topics_of(world, school):
    return {r.topic_id for r in queries.covered_topics(queries.Filters(world.year))
            if r.school_id == (world.schools[school].id if school else None)}


def test_topic_rows_follow_question_lists_and_topic_changes(app):
    """The topics the assignments given in the year use follow a question's topic changed, a
    material's topic changed by an UPDATE statement, and a question taken off or put back on a quiz."""
    from lms.assignments.models import AssignmentQuestion
    from lms.materials.models import Material

    world = build_world()
    T1, T2, T3, T4 = (t.id for t in world.topics)
    q1, m1, a1 = world.items["q1"], world.items["m1"], world.assignments["a1"]
    check()
    assert topics_of(world, "ra") == {T1, T3}  # m1 approved (and a3's material), q1 on a1
    q1.topic_id = T4
    db.session.commit()
    check()
    assert topics_of(world, "ra") == {T1, T4}
    db.session.execute(db.update(Material).where(Material.id == m1.id).values(topic_id=T2))
    db.session.commit()
    check()
    assert topics_of(world, "ra") == {T2, T4}
    link = db.session.scalar(db.select(AssignmentQuestion).where(AssignmentQuestion.assignment_id == a1.id))
    version = link.question_version_id
    db.session.delete(link)
    db.session.commit()
    check()
    assert topics_of(world, "ra") == {T2}
    db.session.add(AssignmentQuestion(assignment_id=a1.id, question_id=q1.id, question_version_id=version,
                                      position=1, marks=1))
    db.session.commit()
    check()
    assert topics_of(world, "ra") == {T2, T4}
    assert T3 not in {t for _a, _y, t, _s in db.session.execute(db.select(
        *(getattr(TopicSummary, c) for c in summary._TOPIC_COLUMNS)))}
