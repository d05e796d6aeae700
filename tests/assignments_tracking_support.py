"""Builders for the tracking tests (no tests here): assignments, attempts, submissions and
material views written straight from the models, so that every state can be set up at a chosen
time (the services stamp the present)."""

from datetime import timedelta
from decimal import Decimal

from lms.accounts.models import User
from lms.assignments import grading
from lms.assignments.models import (
    Assignment,
    AssignmentQuestion,
    Attempt,
    AttemptQuestion,
    MaterialView,
    Submission,
)
from lms.core.timeutil import as_utc, utcnow
from lms.extensions import db
from lms.schools.models import Classroom, School

NOW = utcnow()
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def user(username):
    return db.session.scalar(db.select(User).where(User.username == username))


def classroom(name="6A1", school="THCS01"):
    return db.session.scalar(db.select(Classroom).join(School).where(School.code == school, Classroom.name == name))


def students(name="6A1", school="THCS01"):
    prefix = {"THCS01": "hs", "THCS02": "hs2"}[school] + "." + name.lower()
    return [user(f"{prefix}.{n:02d}") for n in range(1, 31)]


def make_assignment(teacher="gv.toan", kind="quiz", classes=("6A1",), questions=(), title="Bài tập", now=None,
                    open_at=None, due_at=None, cutoff_at=None, **fields):
    """An assignment of `teacher` to `classes` (of the teacher's school); `questions` are
    (Question, marks) pinned at their published (or current) version. Flushed."""
    now = now or utcnow()
    teacher = user(teacher)
    school = db.session.get(School, teacher.school_id)
    assignment = Assignment(teacher_id=teacher.id, school_id=school.id, kind=kind, title=title,
                            open_at=open_at or now - 2 * DAY, due_at=due_at or now + DAY, cutoff_at=cutoff_at,
                            **fields)
    assignment.classrooms = [classroom(c, school.code) for c in classes]
    db.session.add(assignment)
    db.session.flush()
    for position, (question, marks) in enumerate(questions):
        version = question.published_version or question.current_version
        db.session.add(AssignmentQuestion(assignment_id=assignment.id, question_id=question.id,
                                          question_version_id=version.id, position=position, marks=marks))
    db.session.flush()
    return assignment


def make_attempt(assignment, student, items=(), state="submitted", number=1, started_at=None,
                 submitted_at=None, late=None):
    """An attempt with `items` [(AssignmentQuestion, answer, fraction or None)]; score and mark
    computed as the services do; needs_grading when an item has no fraction. Flushed."""
    started_at = started_at or utcnow() - HOUR
    attempt = Attempt(assignment_id=assignment.id, student_id=student.id, number=number, state=state,
                      started_at=started_at)
    if state == "submitted":
        attempt.submitted_at = submitted_at or started_at + timedelta(minutes=12)
        attempt.late = (attempt.submitted_at > as_utc(assignment.due_at)) if late is None else late
    db.session.add(attempt)
    db.session.flush()
    score, max_score, pending = Decimal(0), Decimal(0), False
    for position, (aq, answer, fraction) in enumerate(items):
        db.session.add(AttemptQuestion(attempt_id=attempt.id, assignment_question_id=aq.id, position=position,
                                       marks=aq.marks, answer=answer,
                                       fraction=None if fraction is None else Decimal(str(fraction))))
        max_score += Decimal(aq.marks)
        if fraction is None:
            pending = True
        else:
            score += Decimal(aq.marks) * Decimal(str(fraction))
    if state == "submitted":
        attempt.score, attempt.max_score = score, max_score
        attempt.needs_grading = pending
        attempt.mark = None if pending else grading.mark_on_scale(score, max_score)
    db.session.flush()
    return attempt


def make_submission(assignment, student, submitted_at=None, mark=None, feedback="", late=None):
    submitted_at = submitted_at or utcnow() - HOUR
    row = Submission(assignment_id=assignment.id, student_id=student.id, text="<p>Bài làm</p>",
                     submitted_at=submitted_at, late=(submitted_at > as_utc(assignment.due_at)) if late is None else late,
                     mark=mark, feedback=feedback, graded_at=utcnow() if mark is not None else None)
    db.session.add(row)
    db.session.flush()
    return row


def make_view(assignment, student, first_at=None, seconds=300, views=1):
    first_at = first_at or utcnow() - HOUR
    row = MaterialView(assignment_id=assignment.id, student_id=student.id, material_id=assignment.material_id,
                       first_at=first_at, last_at=first_at + timedelta(seconds=seconds), views=views,
                       seconds=seconds)
    db.session.add(row)
    db.session.flush()
    return row
