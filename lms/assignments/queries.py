"""Reads of homework (read-only): the student's to-do list, the teacher's list of assignments with
their progress, tracking of one assignment (every assigned student's state), the class matrix of
students × assignments, the gradebook rows and the responses that item analysis reads.

Every list costs a fixed number of statements whatever its length: the rows first, then one grouped
or keyed statement per kind of work (attempts, submissions, material views) for the whole page,
joined up in Python. A student's state on an assignment is decided in one place, `work_state`.

States (API.md): not_started, viewed (opened the material, nothing handed in), in_progress (a quiz
attempt is open), submitted (handed in on time, waiting for a mark), late (handed in after the due
time, waiting for a mark), graded (a mark is there: a quiz scored with nothing left to grade, or a
submission the teacher marked), missing (nothing handed in and the cut-off, or the due time when
there is none, has passed). A material assignment without a check quiz is done once the material
was opened: its students are `viewed`, or `missing`. A graded piece of work keeps its `late` flag.
"""

from collections import defaultdict
from dataclasses import dataclass

from ..accounts.models import Role, User
from ..core.timeutil import as_utc, utcnow
from ..extensions import db
from ..schools.models import Classroom, Enrollment
from . import grading, work_cache
from .models import (
    Assignment,
    AssignmentKind,
    AssignmentQuestion,
    Attempt,
    AttemptQuestion,
    AttemptState,
    MaterialView,
    Submission,
    assignment_classroom,
)

STATUSES = ("not_started", "viewed", "in_progress", "submitted", "late", "graded", "missing")
HANDED_IN = frozenset({"submitted", "late", "graded"})
AC = assignment_classroom.c


# --------------------------------------------------------------------------- one student's state

@dataclass
class Work:
    """One student's state on one assignment, with what tracking shows about it."""

    status: str = "not_started"
    done: bool = False
    late: bool = False
    mark: object = None  # Decimal on the 10-point scale, None until there is one
    attempts: int = 0  # submitted attempts
    attempt_open: bool = False
    needs_grading: bool = False
    started_at: object = None
    submitted_at: object = None
    duration_seconds: int | None = None  # the last submitted attempt's time, start to submit
    feedback: str = ""
    viewed_at: object = None  # first opened the material
    view_seconds: int = 0
    views: int = 0
    viewed_before_due: bool = False

    @property
    def not_done(self):
        return not self.done


def work_state(assignment, has_quiz, attempts=(), submission=None, view=None, now=None):
    """The Work of one student from their attempts (any order), submission and material view rows
    (None when there is none). Pure: the rows may be ORM objects or named rows with the columns."""
    now = now or utcnow()
    work = Work()
    due = as_utc(assignment.due_at)
    if view is not None:
        work.viewed_at = as_utc(view.first_at)
        work.view_seconds = view.seconds or 0
        work.views = view.views or 0
        work.viewed_before_due = work.viewed_at is not None and work.viewed_at <= due
    if assignment.kind == AssignmentKind.SUBMISSION:
        if submission is not None:
            work.attempts = submission.count or 1
            work.submitted_at = as_utc(submission.submitted_at)
            work.late = bool(submission.late)
            work.feedback = submission.feedback or ""
            if submission.mark is not None:
                work.mark = grading.round_mark(submission.mark)
                work.status = "graded"
            else:
                work.status = "late" if work.late else "submitted"
                work.needs_grading = True
    elif has_quiz:
        attempts = sorted(attempts, key=lambda a: a.number)
        handed_in = [a for a in attempts if a.state == AttemptState.SUBMITTED]
        work.attempt_open = any(a.state == AttemptState.IN_PROGRESS for a in attempts)
        if attempts:
            work.started_at = as_utc(attempts[0].started_at)
        if handed_in:
            last = handed_in[-1]
            work.attempts = len(handed_in)
            work.submitted_at = as_utc(last.submitted_at)
            if last.submitted_at and last.started_at:
                work.duration_seconds = int((as_utc(last.submitted_at) - as_utc(last.started_at)).total_seconds())
            work.late = bool(handed_in[0].late)  # the work first came in after the due time
            work.needs_grading = any(a.needs_grading for a in handed_in)
            work.mark = grading.combine(assignment.grading_method,
                                        [a.mark for a in handed_in if not a.needs_grading])
            if work.needs_grading:
                work.status = "late" if work.late else "submitted"
            else:
                work.status = "graded"
        elif work.attempt_open:
            work.status = "in_progress"
    elif view is not None:
        work.status, work.done = "viewed", True  # reading the material is the work
        work.late = not work.viewed_before_due
        return work
    if work.status in HANDED_IN:
        work.done = True
        return work
    if work.status == "not_started" and view is not None:
        work.status = "viewed"
    if work.status != "in_progress" and now > as_utc(assignment.cutoff):
        work.status = "missing"
    return work


# --------------------------------------------------------------------------- rows of work, keyed

ATTEMPT_COLUMNS = (Attempt.assignment_id, Attempt.student_id, Attempt.number, Attempt.state, Attempt.started_at,
                   Attempt.submitted_at, Attempt.late, Attempt.mark, Attempt.needs_grading)
SUBMISSION_COLUMNS = (Submission.assignment_id, Submission.student_id, Submission.submitted_at, Submission.late,
                      Submission.count, Submission.mark, Submission.feedback, Submission.graded_at)
VIEW_COLUMNS = (MaterialView.assignment_id, MaterialView.student_id, MaterialView.first_at, MaterialView.last_at,
                MaterialView.views, MaterialView.seconds)


@dataclass
class WorkRows:
    """Attempts, submissions and views of some assignments and students, by (assignment, student)."""

    attempts: dict
    submissions: dict
    views: dict
    feedback: dict

    def state(self, assignment, student_id, has_quiz, now=None):
        key = (assignment.id, student_id)
        work = work_state(assignment, has_quiz, self.attempts.get(key, ()), self.submissions.get(key),
                          self.views.get(key), now)
        if key in self.feedback and not work.feedback:
            work.feedback = self.feedback[key]
        return work


def work_rows(assignment_ids, students=None, with_feedback=False):
    """Three statements (four `with_feedback`, the teacher's notes on quiz items): the work of
    `students` (a list of ids, a select of ids, or None for everybody) on these assignments."""
    assignment_ids = list(assignment_ids)
    if not assignment_ids:
        return WorkRows({}, {}, {}, {})

    def keyed(model, columns):
        query = db.select(*columns).where(model.assignment_id.in_(assignment_ids))
        if students is not None:
            query = query.where(model.student_id.in_(students))
        return db.session.execute(query).all()

    attempts = defaultdict(list)
    for row in keyed(Attempt, ATTEMPT_COLUMNS):
        attempts[(row.assignment_id, row.student_id)].append(row)
    submissions = {(r.assignment_id, r.student_id): r for r in keyed(Submission, SUBMISSION_COLUMNS)}
    views = {(r.assignment_id, r.student_id): r for r in keyed(MaterialView, VIEW_COLUMNS)}
    feedback = {}
    if with_feedback:
        query = (db.select(Attempt.assignment_id, Attempt.student_id, AttemptQuestion.feedback)
                 .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
                 .where(Attempt.assignment_id.in_(assignment_ids), AttemptQuestion.feedback != "")
                 .order_by(Attempt.number, AttemptQuestion.position))
        if students is not None:
            query = query.where(Attempt.student_id.in_(students))
        notes = defaultdict(list)
        for row in db.session.execute(query):
            notes[(row.assignment_id, row.student_id)].append(row.feedback)
        feedback = {key: "\n".join(values) for key, values in notes.items()}
    return WorkRows(dict(attempts), submissions, views, feedback)


def quiz_ids_of(assignment_ids):
    """The ids, among these, of assignments that have questions (one statement)."""
    assignment_ids = list(assignment_ids)
    if not assignment_ids:
        return set()
    return set(db.session.scalars(db.select(AssignmentQuestion.assignment_id)
                                  .where(AssignmentQuestion.assignment_id.in_(assignment_ids)).distinct()))


# --------------------------------------------------------------------------- the student's to-do

def _assigned_to(student_id):
    return db.exists().where(AC.assignment_id == Assignment.id, Enrollment.classroom_id == AC.classroom_id,
                             Enrollment.student_id == student_id)


def todo(student, now=None):
    """A select of the student's assignments (classes they are enrolled in, already open): what is
    still to do first, the nearest due time first (so overdue work leads), then what is done, the
    latest first. Done means handed in (a submitted attempt, a submission) or, for a material
    without a check quiz, opened."""
    now = now or utcnow()
    has_quiz = db.exists().where(AssignmentQuestion.assignment_id == Assignment.id)
    handed_in_attempt = db.exists().where(Attempt.assignment_id == Assignment.id, Attempt.student_id == student.id,
                                          Attempt.state == AttemptState.SUBMITTED.value)
    submitted = db.exists().where(Submission.assignment_id == Assignment.id, Submission.student_id == student.id)
    viewed = db.exists().where(MaterialView.assignment_id == Assignment.id, MaterialView.student_id == student.id)
    is_submission = Assignment.kind == AssignmentKind.SUBMISSION.value
    done = db.or_(db.and_(is_submission, submitted), db.and_(~is_submission, has_quiz, handed_in_attempt),
                  db.and_(~is_submission, ~has_quiz, viewed))
    return (db.select(Assignment).where(_assigned_to(student.id), Assignment.open_at <= now)
            .options(db.joinedload(Assignment.teacher), db.joinedload(Assignment.subject))
            .order_by(db.case((done, 1), else_=0), db.case((~done, Assignment.due_at)).asc(),
                      db.case((done, Assignment.due_at)).desc(), Assignment.id))


@dataclass
class TodoItem:
    assignment: Assignment
    work: Work
    has_quiz: bool
    overdue: bool
    released: bool  # marks and feedback shown to the student

    @property
    def mark(self):
        return self.work.mark if self.released else None

    @property
    def feedback(self):
        return self.work.feedback if self.released else ""


def todo_items(student, assignments, now=None):
    """The page's assignments as TodoItems (four statements whatever their number)."""
    now = now or utcnow()
    ids = [a.id for a in assignments]
    quizzes = quiz_ids_of(ids)
    rows = work_rows(ids, [student.id], with_feedback=True)
    items = []
    for assignment in assignments:
        work = rows.state(assignment, student.id, assignment.id in quizzes, now)
        released = assignment.grades_released_at is not None and as_utc(assignment.grades_released_at) <= now
        overdue = not work.done and now > as_utc(assignment.due_at)
        items.append(TodoItem(assignment, work, assignment.id in quizzes, overdue, released))
    return items


def todo_until(student, items, now):
    """When a to-do answer computed at `now` stops holding without any commit: the next of its
    items' due times (overdue), cut-offs (missing) and mark releases, and the next opening of an
    assignment of the student's classes (one statement)."""
    opening = db.session.scalar(db.select(db.func.min(Assignment.open_at))
                                .where(_assigned_to(student.id), Assignment.open_at > now))
    moments = [opening]
    for item in items:
        a = item.assignment
        moments += [a.due_at, a.cutoff, a.grades_released_at]
    return work_cache.next_moment(moments, now)


def tracking_until(assignment, now):
    """When a tracking answer computed at `now` stops holding without any commit: the cut-off
    (who has not handed in becomes missing)."""
    return work_cache.next_moment([assignment.due_at, assignment.cutoff, assignment.grades_released_at], now)


# --------------------------------------------------------------------------- the teacher's list

def teacher_assignments(user):
    """A select of the teacher's own assignments, the latest due first."""
    return _listed(db.select(Assignment).where(Assignment.teacher_id == user.id))


def school_assignments(school_id):
    """A select of a school's assignments (its admin's read-only view), the latest due first."""
    return _listed(db.select(Assignment).where(Assignment.school_id == school_id))


def _listed(query):
    return query.options(db.selectinload(Assignment.classrooms), db.joinedload(Assignment.subject),
                         db.joinedload(Assignment.teacher)).order_by(Assignment.due_at.desc(), Assignment.id.desc())


def _enrolled_in_assignment(model):
    """The row's student is enrolled in one of its assignment's classes (work of a student who
    has left the class is not counted)."""
    return db.exists().where(AC.assignment_id == model.assignment_id, Enrollment.classroom_id == AC.classroom_id,
                             Enrollment.student_id == model.student_id)


@dataclass
class Progress:
    total: int = 0
    done: int = 0
    to_grade: int = 0

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else 0


def progress_of(assignments, quizzes=None):
    """{assignment id: Progress(done, total, to_grade)} for a page of assignments: five grouped
    statements whatever the page's length (four when `quizzes`, from quiz_ids_of, is given)."""
    ids = [a.id for a in assignments]
    if not ids:
        return {}
    totals = dict(db.session.execute(
        db.select(AC.assignment_id, db.func.count(db.distinct(Enrollment.student_id)))
        .join(Enrollment, Enrollment.classroom_id == AC.classroom_id)
        .join(User, User.id == Enrollment.student_id)
        .where(AC.assignment_id.in_(ids), User.role == Role.STUDENT.value, User.active.is_(True))
        .group_by(AC.assignment_id)).all())
    quizzes = quiz_ids_of(ids) if quizzes is None else quizzes
    attempts = {row[0]: row[1:] for row in db.session.execute(
        db.select(Attempt.assignment_id, db.func.count(db.distinct(Attempt.student_id)),
                  db.func.count(db.distinct(db.case((Attempt.needs_grading, Attempt.student_id)))))
        .where(Attempt.assignment_id.in_(ids), Attempt.state == AttemptState.SUBMITTED.value,
               _enrolled_in_assignment(Attempt))
        .group_by(Attempt.assignment_id))}
    submissions = {row[0]: row[1:] for row in db.session.execute(
        db.select(Submission.assignment_id, db.func.count(Submission.id),
                  db.func.count(db.case((Submission.mark.is_(None), Submission.id))))
        .where(Submission.assignment_id.in_(ids), _enrolled_in_assignment(Submission))
        .group_by(Submission.assignment_id))}
    views = dict(db.session.execute(
        db.select(MaterialView.assignment_id, db.func.count(MaterialView.id))
        .where(MaterialView.assignment_id.in_(ids), _enrolled_in_assignment(MaterialView))
        .group_by(MaterialView.assignment_id)).all())
    answer = {}
    for a in assignments:
        progress = Progress(total=totals.get(a.id, 0))
        if a.kind == AssignmentKind.SUBMISSION:
            progress.done, progress.to_grade = submissions.get(a.id, (0, 0))
        elif a.id in quizzes:
            progress.done, progress.to_grade = attempts.get(a.id, (0, 0))
        else:
            progress.done = views.get(a.id, 0)
        answer[a.id] = progress
    return answer


# --------------------------------------------------------------------------- tracking

@dataclass
class Row:
    """One student in the tracking of an assignment."""

    student: User
    classroom: Classroom
    work: Work

    @property
    def status(self):
        return self.work.status


@dataclass
class Summary:
    students: int
    counts: dict  # status → number of students
    done: int
    average_mark: object  # Decimal, rounded half-up, or None
    on_time: int
    on_time_rate: float | None  # share of the handed-in work that came in on time
    viewed_before_due: int

    def as_json(self):
        return {"students": self.students, "counts": self.counts, "done": self.done,
                "not_done": self.students - self.done,
                "average_mark": float(self.average_mark) if self.average_mark is not None else None,
                "on_time": self.on_time, "on_time_rate": self.on_time_rate,
                "viewed_before_due": self.viewed_before_due}


@dataclass
class Tracking:
    assignment: Assignment
    has_quiz: bool
    rows: list  # every assigned student (of the class asked for), Vietnamese name order per class
    summary: Summary

    def filtered(self, status=None):
        """Rows with this status; "not_done" for everyone who has not done it."""
        if not status:
            return self.rows
        if status == "not_done":
            return [r for r in self.rows if not r.work.done]
        return [r for r in self.rows if r.work.status == status]

    @property
    def not_done(self):
        return self.filtered("not_done")


def assigned_students(assignment, classroom_id=None):
    """(User, Classroom) of every active student in the assignment's classes (or one of them), in
    class order then Vietnamese name order (User.name_sort): one statement."""
    query = (db.select(User, Classroom).join(Enrollment, Enrollment.student_id == User.id)
             .join(Classroom, Classroom.id == Enrollment.classroom_id)
             .join(assignment_classroom, AC.classroom_id == Classroom.id)
             .where(AC.assignment_id == assignment.id, User.role == Role.STUDENT.value, User.active.is_(True)))
    if classroom_id is not None:
        query = query.where(Classroom.id == classroom_id)
    return db.session.execute(query.order_by(Classroom.grade, Classroom.name, User.name_sort, User.id)).all()


def summarise(rows):
    counts = {status: 0 for status in STATUSES}
    marks, done, on_time, before_due = [], 0, 0, 0
    for row in rows:
        work = row.work
        counts[work.status] += 1
        if work.mark is not None:
            marks.append(work.mark)
        if work.done:
            done += 1
            on_time += not work.late
        before_due += work.viewed_before_due
    average = grading.round_mark(sum(marks) / len(marks)) if marks else None
    return Summary(len(rows), counts, done, average, on_time, round(on_time / done, 4) if done else None,
                   before_due)


def tracking(assignment, classroom_id=None, now=None, with_feedback=False):
    """Every assigned student's state (five statements whatever the class size, six
    `with_feedback`): who did what, when, with which mark, and for a material who opened it before
    the due time and for how long."""
    now = now or utcnow()
    students = assigned_students(assignment, classroom_id)
    has_quiz = bool(quiz_ids_of([assignment.id]))
    rows_of_work = work_rows([assignment.id], with_feedback=with_feedback)
    rows = [Row(student, classroom, rows_of_work.state(assignment, student.id, has_quiz, now))
            for student, classroom in students]
    return Tracking(assignment, has_quiz, rows, summarise(rows))


# --------------------------------------------------------------------------- the class matrix

@dataclass
class Matrix:
    classroom: Classroom
    students: list
    assignments: list
    cells: dict  # (student id, assignment id) → Work


def class_assignments(classroom, teacher=None):
    """A select of the assignments given to a class (only `teacher`'s own when given), the latest
    due first."""
    query = (db.select(Assignment).join(assignment_classroom, AC.assignment_id == Assignment.id)
             .where(AC.classroom_id == classroom.id))
    if teacher is not None:
        query = query.where(Assignment.teacher_id == teacher.id)
    return query.order_by(Assignment.due_at.desc(), Assignment.id.desc())


def class_matrix(classroom, assignments, now=None):
    """Students of the class × these assignments (a page of `class_assignments`): five statements."""
    now = now or utcnow()
    students = db.session.scalars(
        db.select(User).join(Enrollment, Enrollment.student_id == User.id)
        .where(Enrollment.classroom_id == classroom.id, User.role == Role.STUDENT.value, User.active.is_(True))
        .order_by(User.name_sort, User.id)).all()
    ids = [a.id for a in assignments]
    quizzes = quiz_ids_of(ids)
    in_class = db.select(Enrollment.student_id).where(Enrollment.classroom_id == classroom.id)
    rows = work_rows(ids, in_class)
    cells = {(s.id, a.id): rows.state(a, s.id, a.id in quizzes, now) for s in students for a in assignments}
    return Matrix(classroom, students, list(assignments), cells)


# --------------------------------------------------------------------------- item analysis input

def quiz_questions(assignment):
    """The assignment's questions with their pinned version and question (for labels and option
    texts): one statement."""
    return db.session.scalars(
        db.select(AssignmentQuestion).where(AssignmentQuestion.assignment_id == assignment.id)
        .options(db.joinedload(AssignmentQuestion.version), db.joinedload(AssignmentQuestion.question))
        .order_by(AssignmentQuestion.cell, AssignmentQuestion.position, AssignmentQuestion.id)).all()


def assignments_using(question_id):
    """Ids of the assignments whose quiz holds this question (one statement)."""
    return db.session.scalars(db.select(AssignmentQuestion.assignment_id)
                              .where(AssignmentQuestion.question_id == question_id).distinct()).all()
