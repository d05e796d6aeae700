"""Grading by hand: essays in submitted quiz attempts and written/file submissions, the grading
queue, and the release of marks to students.

- A teacher gives a mark on the 10-point scale with one decimal, typed as "7,25" or "7.25" and
  rounded half-up as Thông tư 22/2021 prescribes (grading.parse_mark: 7,25 → 7,3), and feedback.
- An essay in a quiz is marked on the same 10-point scale: its fraction of the question's marks
  is mark / 10. The attempt's score is then the sum of its questions' marks earned, and its mark
  (grading.mark_on_scale) is set once no essay of the attempt waits any more; until then the
  mark stays empty and `needs_grading` true.
- Each grading is one conditional UPDATE on the row's lock_version (the attempt's for an essay):
  two teachers or two tabs grading the same work from the same page get one success and one 409.
- Marks are seen by students once the teacher releases them (Assignment.grades_released_at);
  releasing tells every student who handed in work. A mark given after the release is visible at
  once and its student is told.
"""

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import update

from ..core.errors import Conflict, Forbidden, ValidationError, _
from ..core.events import announce
from ..core.text import nfc
from ..core.timeutil import utcnow
from ..extensions import db
from ..questions import types
from ..questions.models import Question
from ..review.services import notify
from . import grading, permissions
from .models import Assignment, AssignmentQuestion, Attempt, AttemptQuestion, AttemptState, Submission
from .signals import grades_released

MAX_FEEDBACK = 5_000
HAND_GRADED = tuple(code for code in types.TYPES if not types.get(code).auto_graded)


def assignment_link(assignment):
    return f"/assignments/{assignment.id}"


def _check_manager(teacher, assignment):
    if not permissions.can_manage(teacher, assignment):
        raise Forbidden(_("Chỉ giáo viên giao bài mới chấm bài này."))


def parse(mark_text, feedback):
    """(Decimal mark, feedback) from what the teacher typed, or a ValidationError per field."""
    errors = {}
    try:
        mark = grading.parse_mark(mark_text)
    except ValueError as error:
        errors["mark"] = _(str(error))
        mark = None
    feedback = nfc(str(feedback or "")).strip()
    if len(feedback) > MAX_FEEDBACK:
        errors["feedback"] = _("Nhận xét dài tối đa %(n)s kí tự.", n=MAX_FEEDBACK)
    if errors:
        raise ValidationError(next(iter(errors.values())), errors)
    return mark, feedback


def _lock(lock_version):
    try:
        return int(str(lock_version).strip())
    except (TypeError, ValueError):
        message = _("Thiếu phiên bản của bài đang chấm; hãy tải lại trang.")
        raise ValidationError(message, {"lock_version": message}) from None


def _stale():
    return Conflict("stale", _("Bài này vừa được chấm hoặc nộp lại ở nơi khác (một giáo viên hay một thẻ "
                               "khác). Hãy tải lại trang để xem điểm hiện tại trước khi chấm."))


def _tell_if_released(assignment, student_id, teacher):
    if assignment.grades_released_at is not None:
        notify(student_id, "work_graded", assignment_link(assignment), teacher=teacher.full_name,
               title=assignment.title)


def grade_submission(submission, teacher, mark_text, feedback, lock_version):
    """Mark a written/file submission (conditional on its lock_version, 409 otherwise)."""
    assignment = submission.assignment
    _check_manager(teacher, assignment)
    mark, feedback = parse(mark_text, feedback)
    expected = _lock(lock_version)
    now = utcnow()
    done = db.session.execute(
        update(Submission).where(Submission.id == submission.id, Submission.lock_version == expected)
        .values(mark=mark, feedback=feedback, graded_at=now, graded_by_id=teacher.id,
                lock_version=Submission.lock_version + 1)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise _stale()
    db.session.refresh(submission)
    _tell_if_released(assignment, submission.student_id, teacher)
    return submission


def essay_mark(item):
    """An essay's mark on the 10-point scale (None until graded)."""
    return None if item.fraction is None else grading.round_mark(Decimal(str(item.fraction)) * grading.SCALE)


def is_hand_graded(item):
    return item.assignment_question.question.qtype in HAND_GRADED


def grade_essay(item, teacher, mark_text, feedback, lock_version):
    """Mark one essay of a submitted attempt and recompute the attempt's score and mark
    (conditional on the attempt's lock_version, 409 otherwise)."""
    attempt = item.attempt
    assignment = attempt.assignment
    _check_manager(teacher, assignment)
    if attempt.state != AttemptState.SUBMITTED:
        raise Conflict("attempt_open", _("Học sinh chưa nộp lượt làm bài này; chỉ chấm sau khi nộp."))
    if not is_hand_graded(item):
        raise Conflict("auto_graded", _("Câu hỏi này được chấm tự động, không chấm tay."))
    mark, feedback = parse(mark_text, feedback)
    expected = _lock(lock_version)
    fraction = (mark / grading.SCALE).quantize(Decimal("0.00001"))
    score, max_score, waiting = Decimal(0), Decimal(0), False
    for other in attempt.items:
        marks = Decimal(str(other.marks))
        max_score += marks
        other_fraction = fraction if other.id == item.id else other.fraction
        if other_fraction is None:
            waiting = waiting or is_hand_graded(other)
            continue
        score += Decimal(str(other_fraction)) * marks
    if attempt.max_score:
        max_score = Decimal(str(attempt.max_score))
    # As attempts.rescore computes it on submit: Σ fraction × marks, the mark once nothing waits.
    attempt_mark = None if waiting else grading.mark_on_scale(score, max_score)
    done = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.lock_version == expected,
                              Attempt.state == AttemptState.SUBMITTED.value)
        .values(score=score.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP), mark=attempt_mark, needs_grading=waiting,
                lock_version=Attempt.lock_version + 1)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise _stale()
    item.fraction = fraction
    item.feedback = feedback
    item.graded_by_id = teacher.id
    db.session.flush()
    db.session.refresh(attempt)
    _tell_if_released(assignment, attempt.student_id, teacher)
    return item


def release_grades(assignment, teacher, now=None):
    """Show the marks to the students (once; 409 when already released) and tell each student
    who handed in work (a submission or a submitted attempt). Returns how many were told."""
    _check_manager(teacher, assignment)
    now = now or utcnow()
    done = db.session.execute(
        update(Assignment).where(Assignment.id == assignment.id, Assignment.grades_released_at.is_(None))
        .values(grades_released_at=now).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict("already_released", _("Điểm của bài này đã được công bố rồi."))
    db.session.refresh(assignment)
    students = db.session.scalars(
        db.select(Submission.student_id).where(Submission.assignment_id == assignment.id)
        .union(db.select(Attempt.student_id).where(Attempt.assignment_id == assignment.id,
                                                    Attempt.state == AttemptState.SUBMITTED.value))).all()
    for student_id in sorted(set(students)):
        notify(student_id, "grades_released", assignment_link(assignment), teacher=teacher.full_name,
               title=assignment.title)
    db.session.flush()
    announce(grades_released, assignment_id=assignment.id)
    return len(set(students))


# --- the grading queue -----------------------------------------------------------------------

def queue(assignment):
    """What the teacher marks by hand for one assignment: (submissions, essays), see below."""
    return queued_submissions(assignment), queued_essays(assignment)


def queued_submissions(assignment):
    """The submissions with their student and files (a fixed number of queries), ungraded first,
    then by hand-in time."""
    from sqlalchemy.orm import joinedload, selectinload

    from .models import SubmissionFile

    return db.session.scalars(
        db.select(Submission).where(Submission.assignment_id == assignment.id)
        .options(joinedload(Submission.student), selectinload(Submission.files).joinedload(SubmissionFile.file))
        .order_by(Submission.graded_at.is_not(None), Submission.submitted_at, Submission.id)).unique().all()


def queued_essays(assignment):
    """The hand-graded questions of submitted attempts with student and question (one query),
    ungraded first, then by hand-in time."""
    from sqlalchemy.orm import contains_eager

    aq = contains_eager(AttemptQuestion.assignment_question)
    return db.session.scalars(
        db.select(AttemptQuestion)
        .join(AttemptQuestion.attempt).join(AttemptQuestion.assignment_question).join(AssignmentQuestion.question)
        .where(Attempt.assignment_id == assignment.id, Attempt.state == AttemptState.SUBMITTED.value,
               Question.qtype.in_(HAND_GRADED))
        .options(contains_eager(AttemptQuestion.attempt).joinedload(Attempt.student),
                 aq.contains_eager(AssignmentQuestion.question), aq.joinedload(AssignmentQuestion.version))
        .order_by(AttemptQuestion.fraction.is_not(None), Attempt.submitted_at, AttemptQuestion.position,
                  AttemptQuestion.id)).unique().all()
