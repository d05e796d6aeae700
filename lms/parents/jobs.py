"""The parents' notices (issue 14.3), in-app Notification rows (review.services.notify):

- when a teacher releases an assignment's marks (assignments.signals.grades_released, after the
  commit), each linked parent of each student who handed in work is told, with a link to the
  child's page;
- every quarter of an hour (Huey's periodic task; the worker runs it), each linked parent of a
  student who let an assignment's cut-off (its due time when there is none) pass with nothing
  handed in is told once. The notice itself is the record that it was sent: a `child_missed`
  Notification with the assignment's and the student's ids in its params. Only cut-offs of the
  last LOOKBACK days are looked at, so a run reads a bounded set of rows in a fixed number of
  statements whatever their count.
"""

import datetime as dt

from flask import url_for

from ..accounts.models import User
from ..assignments.models import (
    Assignment,
    AssignmentKind,
    AssignmentQuestion,
    Attempt,
    AttemptState,
    MaterialView,
    Submission,
    assignment_classroom,
)
from ..assignments.signals import grades_released
from ..core.jobs import periodic_job
from ..core.timeutil import utcnow
from ..extensions import db
from ..review.models import Notification
from ..review.services import notify
from ..schools.models import Enrollment, Guardian

LOOKBACK = dt.timedelta(days=14)


def _child_link(student_id):
    try:
        return url_for("parents.child", student_id=student_id)
    except RuntimeError:  # no request or app URL context (a worker): the path is known
        return f"/parents/children/{student_id}"


@grades_released.connect
def _tell_parents_of_release(_sender, assignment_id, **_):
    tell_parents_of_release(assignment_id)
    db.session.commit()


def tell_parents_of_release(assignment_id):
    """Notify each linked parent of each student who handed in work on the assignment (one
    statement for the pairs). Returns how many notices were made."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        return 0
    handed_in = (db.select(Submission.student_id.label("student_id"))
                 .where(Submission.assignment_id == assignment_id)
                 .union(db.select(Attempt.student_id).where(Attempt.assignment_id == assignment_id,
                                                            Attempt.state == AttemptState.SUBMITTED.value))
                 .subquery())
    rows = db.session.execute(
        db.select(Guardian.parent_id, User.id, User.full_name)
        .join(handed_in, handed_in.c.student_id == Guardian.student_id)
        .join(User, User.id == Guardian.student_id)
        .order_by(Guardian.parent_id, User.id)).all()
    teacher = assignment.teacher.full_name
    for parent_id, student_id, student_name in rows:
        notify(parent_id, "child_grades_released", _child_link(student_id), teacher=teacher,
               title=assignment.title, student=student_name, assignment_id=assignment_id, student_id=student_id)
    db.session.flush()
    return len(rows)


def missed_pairs(now=None):
    """[(parent_id, assignment_id, title, student_id, student_name)]: every linked parent of every
    student with nothing handed in on an assignment whose cut-off passed in the last LOOKBACK
    days (a quiz attempt still open is left to the deadline job, which submits it). One statement."""
    now = now or utcnow()
    cutoff = db.func.coalesce(Assignment.cutoff_at, Assignment.due_at)
    student = Enrollment.student_id
    has_quiz = db.exists().where(AssignmentQuestion.assignment_id == Assignment.id)
    attempted = db.exists().where(Attempt.assignment_id == Assignment.id, Attempt.student_id == student,
                                  Attempt.state.in_((AttemptState.SUBMITTED.value, AttemptState.IN_PROGRESS.value)))
    submitted = db.exists().where(Submission.assignment_id == Assignment.id, Submission.student_id == student)
    viewed = db.exists().where(MaterialView.assignment_id == Assignment.id, MaterialView.student_id == student)
    is_submission = Assignment.kind == AssignmentKind.SUBMISSION.value
    done = db.or_(db.and_(is_submission, submitted), db.and_(~is_submission, has_quiz, attempted),
                  db.and_(~is_submission, ~has_quiz, viewed))
    ac = assignment_classroom
    return db.session.execute(
        db.select(Guardian.parent_id, Assignment.id, Assignment.title, User.id, User.full_name)
        .join(ac, ac.c.assignment_id == Assignment.id)
        .join(Enrollment, Enrollment.classroom_id == ac.c.classroom_id)
        .join(Guardian, Guardian.student_id == Enrollment.student_id)
        .join(User, User.id == Enrollment.student_id)
        .where(cutoff < now, cutoff >= now - LOOKBACK, Assignment.open_at <= now, User.active.is_(True), ~done)
        .distinct()
        .order_by(Assignment.id, User.id, Guardian.parent_id)).all()


def notify_missed(now=None):
    """Tell each parent once about each missed assignment of their child (see the module's notes):
    two statements to read, then the new notices. Returns how many were made."""
    now = now or utcnow()
    pairs = missed_pairs(now)
    if not pairs:
        return 0
    parents = {row[0] for row in pairs}
    sent = set()
    # The window is one LOOKBACK wider than the cut-offs read: a notice is never older than that.
    for user_id, params in db.session.execute(
            db.select(Notification.user_id, Notification.params)
            .where(Notification.message_key == "child_missed", Notification.user_id.in_(parents),
                   Notification.created_at >= now - 2 * LOOKBACK)):
        params = params or {}
        sent.add((user_id, params.get("assignment_id"), params.get("student_id")))
    made = 0
    for parent_id, assignment_id, title, student_id, student_name in pairs:
        if (parent_id, assignment_id, student_id) in sent:
            continue
        sent.add((parent_id, assignment_id, student_id))
        notify(parent_id, "child_missed", _child_link(student_id), student=student_name, title=title,
               assignment_id=assignment_id, student_id=student_id)
        made += 1
    db.session.flush()
    return made


@periodic_job(minute="*/15")
def notify_missed_assignments():
    """The periodic run of notify_missed."""
    made = notify_missed()
    db.session.commit()
    return made
