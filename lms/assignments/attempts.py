"""Quiz attempts: start, save answers, submit, submit at the deadline, score, and the attempt as
the API and the quiz page show it.

Rules (issue 11, API.md):
- Starting is idempotent: a student with an open attempt gets it back (also when two starts race:
  the partial unique index uq_attempt_open lets one insert win, the other re-reads it). A new
  attempt is refused (409) before the open time, after the cut-off and when the attempts are used up.
- The deadline is kept on the server: start + time limit, never past the cut-off
  (Assignment.cutoff: the cut-off time, or the due time without one).
- Saving answers is idempotent (the same answers again change nothing) and refused (409) once the
  attempt is submitted or its deadline has passed; what was saved up to the deadline counts.
- Submitting is one conditional UPDATE on state and lock_version. A second submit of the same
  attempt (a double tap, a resend after a dropped answer, the deadline job at the same moment)
  does not score again: it answers with the result of the submit that won, so the student who
  re-sends gets the same answer (200), never a refusal.
- An attempt past its deadline is submitted with the answers saved until then: by the periodic
  job (jobs.submit_overdue_attempts) and lazily by `settle` whenever it is read or written. A view
  that refuses after settling must commit the settling first (`settle` then commit, then act):
  a DomainError rolls the request's transaction back.
- Scoring is each question type's (questions.types); an answered essay waits for the teacher
  (needs_grading, mark null until `rescore` after grading); marks go through grading.mark_on_scale
  (TT22 half-up). An attempt is late when submitted after the due time.

Functions take the actor explicitly, flush and never commit.
"""

import functools
import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ..core.errors import Conflict, NotFound, ValidationError, _
from ..core.timeutil import as_utc, iso, utcnow
from ..extensions import db
from ..questions import types
from ..questions.models import Question, QuestionVersion
from . import grading, matrix, permissions
from .models import AssignmentQuestion, Attempt, AttemptQuestion, AttemptState, ShowAnswers

FRACTION_STEP = Decimal("0.00001")  # AttemptQuestion.fraction is Numeric(6, 5)
SCORE_STEP = Decimal("0.001")
SHUFFLED_OPTIONS = {"single_choice": "options", "multiple_choice": "options", "matching": "right"}
SUBMIT_TRIES = 3

__all__ = ["open_attempt", "start", "save_answers", "submit", "settle", "auto_submit_overdue", "rescore",
           "attempt_json", "saved_json", "started_json", "open_json", "mine", "settle_open",
           "assignment_to_start", "result_json", "head", "save_answers_to", "load_answering", "overall_mark", "attempts_of", "shows_score", "shows_answers", "is_overdue",
           "load"]


def _when(moment):
    """A moment as the district reads it: 14:05 03/12/2026."""
    from zoneinfo import ZoneInfo

    return as_utc(moment).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%H:%M %d/%m/%Y")


def _items_loaded():
    return (db.selectinload(Attempt.items).joinedload(AttemptQuestion.assignment_question)
            .joinedload(AssignmentQuestion.version),
            db.selectinload(Attempt.items).joinedload(AttemptQuestion.assignment_question)
            .joinedload(AssignmentQuestion.question))


def open_attempt(assignment, student):
    """The student's attempt in progress at this assignment, or None."""
    return db.session.scalar(db.select(Attempt).where(
        Attempt.assignment_id == assignment.id, Attempt.student_id == student.id,
        Attempt.state == AttemptState.IN_PROGRESS.value).execution_options(populate_existing=True))


def attempts_of(assignment, student):
    """The student's attempts at this assignment, first first."""
    return db.session.scalars(db.select(Attempt).where(
        Attempt.assignment_id == assignment.id, Attempt.student_id == student.id).order_by(Attempt.number)).all()


def is_overdue(attempt, now=None):
    """In progress and past its deadline."""
    deadline = as_utc(attempt.deadline_at)
    return (attempt.state == AttemptState.IN_PROGRESS and deadline is not None
            and (now or utcnow()) > deadline)


# --- start ----------------------------------------------------------------------------------------

def _usage(assignment):
    """How many attempts of this assignment drew each pinned question: {assignment_question_id: n}."""
    rows = db.session.execute(
        db.select(AttemptQuestion.assignment_question_id, db.func.count())
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(Attempt.assignment_id == assignment.id)
        .group_by(AttemptQuestion.assignment_question_id)).all()
    return dict(rows)


def _pinned_rows(assignment):
    """The assignment's pinned questions (id, cell, marks, version id), in their order: Core rows,
    one statement (a start reads nothing else of them; a version's type and data come from
    _pinned, read once per process)."""
    return db.session.execute(
        db.select(_PINNED.id, _PINNED.cell, _PINNED.marks, _PINNED.question_version_id)
        .where(_PINNED.assignment_id == assignment.id).order_by(_PINNED.position, _PINNED.id)).all()


def _draw(assignment, pinned, rng):
    """The items of a new attempt ({assignment_question_id, position, option_order, marks}): the
    hand-picked questions in their order, then each matrix cell's draw; shuffled when the
    assignment says so, options too."""
    chosen = [row for row in pinned if row.cell is None]
    if assignment.matrix:
        by_id = {row.id: row for row in pinned}
        pools = {}
        for row in pinned:
            if row.cell is not None:
                pools.setdefault(row.cell, []).append(row.id)
        try:
            drawn = matrix.draw(pools, assignment.matrix, _usage(assignment), rng)
        except matrix.Shortage:  # cannot happen with pools pinned at creation; said plainly if it does
            raise Conflict("matrix_shortage", _("Ngân hàng câu hỏi của bài này không đủ để rút đề.")) from None
        chosen += [by_id[key] for cell in drawn for key in cell]
    if assignment.shuffle_questions:
        rng.shuffle(chosen)
    versions = _pinned({row.question_version_id for row in chosen}) if assignment.shuffle_options else {}
    items = []
    for position, row in enumerate(chosen):
        option_order = None
        if assignment.shuffle_options:
            qtype, data = versions[row.question_version_id]
            key = SHUFFLED_OPTIONS.get(qtype.code)
            if key:
                option_order = [entry["id"] for entry in qtype.public(data).get(key, [])]
                rng.shuffle(option_order)
        items.append({"assignment_question_id": row.id, "position": position, "option_order": option_order,
                      "marks": row.marks})
    return items


_MINE_COLUMNS = ("id", "state", "deadline_at", "number")


def mine(assignment_id, student_id):
    """The student's attempts at this assignment (id, state, deadline_at, number), first first:
    one Core statement, no entity (the start's "is one open?" and "how many used?")."""
    return db.session.execute(_mine_statement(), {"assignment_id": assignment_id, "student_id": student_id}).all()


@functools.cache
def _mine_statement():
    return (db.select(*(_ATTEMPT[name] for name in _MINE_COLUMNS))
            .where(_ATTEMPT.assignment_id == db.bindparam("assignment_id"),
                   _ATTEMPT.student_id == db.bindparam("student_id")).order_by(_ATTEMPT.number))


def _open_of(rows):
    return next((row for row in rows if row.state == AttemptState.IN_PROGRESS), None)


def settle_open(assignment, student, rows, now=None):
    """Submit the student's open attempt at this assignment if it is past its deadline (`rows`:
    `mine`); True when it did (the caller commits, then reads `mine` again)."""
    current = _open_of(rows)
    if current is None or not is_overdue(current, now):
        return False
    return settle(db.session.get(Attempt, current.id), now)


def assignment_to_start(assignment_id, student):
    """(the assignment, whether `student` is assigned to it) in one statement, the row under the
    key-share lock start takes (PostgreSQL): a teacher's edit (services.update_assignment, FOR
    UPDATE) committed before, or waits until the start has committed. (None, False) when there
    is no such assignment. Pass the result to start(locked=True, assigned=...)."""
    from .models import Assignment

    found = db.session.execute(
        db.select(Assignment, permissions.assigned_clause(student.id, Assignment.id).label("assigned"))
        .where(Assignment.id == assignment_id)
        .with_for_update(key_share=True, read=True, of=Assignment.__table__)
        .execution_options(populate_existing=True)).first()
    return (found[0], bool(found[1])) if found is not None else (None, False)


def start(assignment, student, now=None, rng=None, locked=False, assigned=None, rows=None):
    """Start (or resume) the student's attempt: returns (attempt, created).

    The open attempt comes back when there is one (created False), also when another request
    started it at the same moment (the partial unique index uq_attempt_open: one insert wins, the
    other re-reads). An open attempt past its deadline is submitted first (settle), then a new one
    may start. Refused with 409: no questions, before open_at, after the cut-off, attempts used
    up. The deadline is start + time limit, never past the cut-off. `rng` fixes the draw in tests.

    A caller that read the assignment with assignment_to_start passes `locked=True` and its
    `assigned`, and may pass `rows` (`mine`, read after that lock): nothing is read again."""
    if not permissions.can_do(student, assignment, assigned):
        raise NotFound()
    now = now or utcnow()
    if not locked:
        # Read the assignment again under a key-share lock (PostgreSQL; SQLite has one writer): a
        # teacher's edit (services.update_assignment locks the row FOR UPDATE) either committed
        # before, and the questions, cut-off and time limit read below are the new ones, or waits
        # until this start has committed, and then finds a student has begun.
        db.session.refresh(assignment, with_for_update={"key_share": True, "read": True})
    if rows is None:
        rows = mine(assignment.id, student.id)
    current = _open_of(rows)
    if current is not None:
        attempt = db.session.get(Attempt, current.id)
        if not settle(attempt, now):
            return attempt, False
    pinned = _pinned_rows(assignment)
    if not pinned:
        raise Conflict("no_quiz", _("Bài tập này không có câu hỏi để làm."))
    if now < as_utc(assignment.open_at):
        raise Conflict("not_open", _("Bài chưa mở. Bạn có thể làm từ %(when)s.", when=_when(assignment.open_at)))
    cutoff = as_utc(assignment.cutoff)
    if now > cutoff:
        raise Conflict("closed", _("Đã quá hạn chót (%(when)s) nên không thể làm bài nữa.", when=_when(cutoff)))
    if len(rows) >= assignment.max_attempts:
        # Counted after another request of the student committed its start (after our first look):
        # that open attempt is the answer, not a refusal.
        existing = open_attempt(assignment, student)
        if existing is not None and not is_overdue(existing, now):
            return existing, False
        raise Conflict("no_attempts_left", _("Bạn đã dùng hết %(n)s lượt làm bài này.", n=assignment.max_attempts))
    deadline = cutoff
    if assignment.time_limit_minutes:
        deadline = min(cutoff, now + timedelta(minutes=assignment.time_limit_minutes))
    items = _draw(assignment, pinned, rng or random.Random())
    attempt = Attempt(assignment_id=assignment.id, student_id=student.id, number=len(rows) + 1,
                      state=AttemptState.IN_PROGRESS.value, started_at=now, deadline_at=deadline,
                      max_score=sum((item["marks"] for item in items), Decimal(0)), lock_version=1,
                      submitted_at=None, auto_submitted=False, late=False)
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
            # The items in one statement (the ORM would insert them one by one to learn their ids).
            db.session.execute(db.insert(AttemptQuestion.__table__),
                               [{**item, "attempt_id": attempt.id} for item in items])
    except IntegrityError:
        # Another request of the same student started it first (a double tap, a resend).
        existing = open_attempt(assignment, student)
        if existing is None:
            raise Conflict("attempt_busy", _("Bài làm vừa được bắt đầu ở nơi khác. Hãy tải lại trang.")) from None
        return existing, False
    by_id = {row.id: row for row in pinned}
    # What started_json shows, kept on the new attempt (not a column): the items as drawn.
    attempt._drawn = [(item["position"], item["option_order"], item["marks"], None,
                      by_id[item["assignment_question_id"]].question_version_id) for item in items]
    return attempt, True


# --- answers --------------------------------------------------------------------------------------

def _fresh_items(attempt, versions=True):
    """The attempt's items as the database holds them now (answers another request committed
    since they were loaded included), with their pinned rows and (`versions`) the pinned
    versions and questions: one statement. Submitting reads the versions from _pinned instead."""
    loaded = db.joinedload(AttemptQuestion.assignment_question)
    options = (loaded.joinedload(AssignmentQuestion.version), db.joinedload(AttemptQuestion.assignment_question)
               .joinedload(AssignmentQuestion.question)) if versions else (loaded,)
    items = db.session.scalars(
        db.select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id).options(*options)
        .order_by(AttemptQuestion.position).execution_options(populate_existing=True)).unique().all()
    set_committed_value(attempt, "items", items)
    return items


def _check_owner(attempt, student):
    if student is None or attempt.student_id != student.id:
        raise NotFound()


def _closed(attempt):
    if attempt.auto_submitted:
        return Conflict("attempt_closed", _("Đã hết giờ làm bài; bài đã được nộp với các câu trả lời đã lưu."),
                        {"state": attempt.state})
    return Conflict("attempt_submitted", _("Bài đã nộp nên không sửa được câu trả lời nữa."),
                    {"state": attempt.state})


# The autosave is the busiest request of a quiz (a class answering at once sends one per answer), so
# its path is a handful of Core statements, built once: the attempt's own row (head), the guard
# UPDATE, the items of the attempt (ids, pinned version ids, answers), one UPDATE for the changed
# answers. No ORM entity is loaded; a pinned version's type and data are read once per process.

PINNED_CACHE_SIZE = 5000


# Core tables, not the mapped classes: an ORM statement is compiled again on every execution.
_ATTEMPT, _ITEM, _PINNED = Attempt.__table__.c, AttemptQuestion.__table__.c, AssignmentQuestion.__table__.c


@functools.cache
def _head_statement():
    return (db.select(_ATTEMPT.id, _ATTEMPT.assignment_id, _ATTEMPT.student_id, _ATTEMPT.state,
                      _ATTEMPT.deadline_at, _ATTEMPT.auto_submitted,
                      permissions.assigned_clause(_ATTEMPT.student_id, _ATTEMPT.assignment_id).label("assigned"))
            .where(_ATTEMPT.id == db.bindparam("attempt_id")))


def head(attempt_id):
    """The attempt's own columns (id, assignment_id, student_id, state, deadline_at,
    auto_submitted) and `assigned` (its student is still in one of the assignment's classes):
    one row, one statement; None when there is no such attempt."""
    return db.session.execute(_head_statement(), {"attempt_id": attempt_id}).first()


@functools.cache
def _guard_statement():
    # Only while open and before its deadline: a submit (or the deadline job) that got there
    # first leaves nothing to write (409), and one that comes later waits for this transaction
    # (the row is locked until it ends) and then scores these answers.
    return (db.update(Attempt.__table__).where(
        _ATTEMPT.id == db.bindparam("attempt_id"), _ATTEMPT.state == AttemptState.IN_PROGRESS.value,
        db.or_(_ATTEMPT.deadline_at.is_(None), _ATTEMPT.deadline_at >= db.bindparam("now", type_=_ATTEMPT.deadline_at.type)))
            .values(lock_version=_ATTEMPT.lock_version + 1))


@functools.cache
def _items_statement():
    return (db.select(_ITEM.id, _ITEM.answer, _PINNED.question_id, _PINNED.question_version_id)
            .join_from(AttemptQuestion.__table__, AssignmentQuestion.__table__, _PINNED.id == _ITEM.assignment_question_id)
            .where(_ITEM.attempt_id == db.bindparam("attempt_id")))


@functools.cache
def _answer_statement():
    return (db.update(AttemptQuestion.__table__).where(_ITEM.id == db.bindparam("item_id"))
            .values(answer=db.bindparam("new_answer", type_=_ITEM.answer.type),
                    answered_at=db.bindparam("now", type_=_ITEM.answered_at.type)))


def _pinned(version_ids):
    """{version id: (question type, data)} for these pinned versions. A version never changes
    (an edit makes a new one) and neither does a question's type, so each is read once per
    application (per gunicorn worker) and kept; bounded, emptied when full. The same read keeps
    what a student is shown of it beside (_shown)."""
    cache = current_app.extensions.setdefault("lms.pinned_versions", {})
    missing = {v for v in version_ids if v not in cache}
    if missing:
        shown = current_app.extensions.setdefault("lms.pinned_shown", {})
        if len(cache) + len(missing) > PINNED_CACHE_SIZE:
            cache.clear()
            shown.clear()
        rows = db.session.execute(
            db.select(QuestionVersion.id, Question.qtype, QuestionVersion.data, QuestionVersion.question_id,
                      QuestionVersion.stem)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(QuestionVersion.id.in_(missing))).all()
        for version_id, qtype, data, question_id, stem in rows:
            cache[version_id] = (types.get(qtype), data)
            shown[version_id] = (question_id, qtype, stem)
    return cache


def _shown(version_ids):
    """{version id: (question id, type code, stem)}: read and kept with _pinned."""
    _pinned(version_ids)
    return current_app.extensions.setdefault("lms.pinned_shown", {})


def _refuse_written(attempt_id):
    """The 409 for a guard UPDATE that wrote nothing: submitted meanwhile, or past its deadline."""
    state = head(attempt_id)
    if state is not None and state.state != AttemptState.IN_PROGRESS:
        return _closed(state)
    return Conflict("attempt_closed", _("Đã hết giờ làm bài."), {"state": AttemptState.IN_PROGRESS.value})


def _check_shape(answers):
    if not isinstance(answers, dict):
        raise ValidationError(_("Cần {answers: {mã câu hỏi: câu trả lời}}."), {"answers": "object"})


def _write_answers(attempt_id, answers, now):
    """Guard, check, write (the attempt known open, its student the actor, `answers` a dict):
    returns {question id: answer} of every answer saved now. 409 when the guard writes nothing,
    422 (nothing saved) when an answer does not fit its question."""
    if db.session.execute(_guard_statement(), {"attempt_id": attempt_id, "now": now}).rowcount != 1:
        raise _refuse_written(attempt_id)
    # Read after the guard: compare with what is saved now (the attempt's row is ours until the
    # end of the transaction), not with what was read before it.
    rows = db.session.execute(_items_statement(), {"attempt_id": attempt_id}).all()
    by_question = {str(row.question_id): row for row in rows}
    pinned = _pinned({row.question_version_id for row in rows})  # all of them: submit needs them too
    errors, changes, saved = {}, [], {key: row.answer for key, row in by_question.items()}
    for key, raw in answers.items():
        row = by_question.get(str(key))
        name = f"answers.{str(key)[:20]}"
        if row is None:
            errors[name] = _("Câu hỏi này không có trong bài làm.")
            continue
        value = None
        if raw is not None:
            qtype, data = pinned[row.question_version_id]
            try:
                value = qtype.answer(data, raw)
            except types.AnswerError as error:
                errors[name] = str(error)
                continue
            except (TypeError, ValueError):  # a shape the type's check did not expect ([] where an id goes)
                errors[name] = _("Câu trả lời không đúng dạng của câu hỏi.")
                continue
        if row.answer != value:
            changes.append({"item_id": row.id, "new_answer": value, "now": now})
            saved[str(row.question_id)] = value
    if errors:
        raise ValidationError(_("Có câu trả lời chưa hợp lệ."), errors)
    if changes:
        db.session.execute(_answer_statement(), changes)
    return {key: value for key, value in saved.items() if value is not None}


def save_answers(attempt, student, answers, now=None):
    """Save answers {question_id: answer} (autosave; idempotent; null clears an answer). Each
    answer is checked by its type (`answer()`): a bad one is a 422 naming `answers.<question_id>`
    and nothing of the request is saved. Refused (409) once submitted or past the deadline.
    Returns the attempt (its items, when loaded, read again)."""
    _check_owner(attempt, student)
    now = now or utcnow()
    settle(attempt, now)
    if attempt.state != AttemptState.IN_PROGRESS:
        raise _closed(attempt)
    _check_shape(answers)
    _write_answers(attempt.id, answers, now)
    set_committed_value(attempt, "lock_version", attempt.lock_version + 1)
    if "items" in attempt.__dict__:
        _fresh_items(attempt)
    return attempt


def save_answers_to(row, student, answers, now=None):
    """save_answers for the attempt's `head` row (the API's autosave): the same rules and
    refusals, without loading the attempt; the caller settles an attempt past its deadline
    first (load it, settle, commit). Returns saved_json's shape."""
    _check_owner(row, student)
    now = now or utcnow()
    if row.state != AttemptState.IN_PROGRESS:
        raise _closed(row)
    if is_overdue(row, now):
        raise Conflict("attempt_closed", _("Đã hết giờ làm bài."), {"state": row.state})
    _check_shape(answers)
    saved = _write_answers(row.id, answers, now)
    return _saved_body(row.id, row.state, row.deadline_at, saved, now)


# --- submit ---------------------------------------------------------------------------------------

def _fraction(qtype, data, answer):
    """An item's fraction by its type: unanswered 0; an answered essay None (the teacher grades it)."""
    if answer is None:
        return Decimal(0).quantize(FRACTION_STEP)
    try:
        fraction = qtype.score(data, answer)
    except (KeyError, TypeError, ValueError, AttributeError):  # an answer the type no longer reads
        fraction = 0.0
    return None if fraction is None else \
        Decimal(str(max(0.0, min(1.0, fraction)))).quantize(FRACTION_STEP, rounding=ROUND_HALF_UP)


def _totals(items):
    """(score, maximum, needs_grading, mark) of (marks, fraction) pairs: rescore's arithmetic."""
    score, maximum, pending = Decimal(0), Decimal(0), False
    for marks, fraction in items:
        marks = Decimal(marks)
        maximum += marks
        if fraction is None:
            pending = True
        else:
            score += Decimal(fraction) * marks
    score = score.quantize(SCORE_STEP, rounding=ROUND_HALF_UP)
    return score, maximum, pending, None if pending else grading.mark_on_scale(score, maximum)


def rescore(attempt):
    """The attempt's score, maximum and mark from its items' fractions (after submitting, and after
    the teacher grades an essay): score = Σ fraction × marks; an item with no fraction yet (an
    essay) keeps needs_grading on and the mark empty; the mark is on the 10-point scale, rounded
    half-up (grading.mark_on_scale, TT22)."""
    attempt.score, attempt.max_score, attempt.needs_grading, attempt.mark = _totals(
        (item.marks, item.fraction) for item in attempt.items)
    return attempt


# Submitting writes Core statements (the ORM's flush of 20 items and the attempt cost more than the
# rest of the request): the attempt's state and totals in one UPDATE, the items' fractions in one
# executemany. Each names its attempt by a value, not a bound parameter, and the attempt is in the
# session: the work cache and the report summaries (their do_orm_execute listeners) tell which
# student's work changed from that, as they did from the flush.

@functools.cache
def _scored_items_statement():
    return (db.select(_ITEM.id, _ITEM.answer, _ITEM.marks, _PINNED.question_version_id)
            .join_from(AttemptQuestion.__table__, AssignmentQuestion.__table__, _PINNED.id == _ITEM.assignment_question_id)
            .where(_ITEM.attempt_id == db.bindparam("attempt_id")))


def _scored(attempt_id):
    """The attempt's items as saved now with each one's fraction (_fraction), and the totals:
    ([(item id, fraction)], {score, max_score, needs_grading, mark})."""
    rows = db.session.execute(_scored_items_statement(), {"attempt_id": attempt_id}).all()
    pinned = _pinned({row.question_version_id for row in rows})
    fractions = [(row.id, row.marks, _fraction(*pinned[row.question_version_id], row.answer)) for row in rows]
    score, maximum, pending, mark = _totals((marks, fraction) for _id, marks, fraction in fractions)
    return ([(item_id, fraction) for item_id, _marks, fraction in fractions],
            {"score": score, "max_score": maximum, "needs_grading": pending, "mark": mark})


def _write_fractions(attempt, fractions):
    if fractions:
        db.session.execute(
            db.update(AttemptQuestion.__table__)
            .where(_ITEM.attempt_id == attempt.id, _ITEM.id == db.bindparam("item_id"))
            .values(fraction=db.bindparam("new_fraction", type_=_ITEM.fraction.type)),
            [{"item_id": item_id, "new_fraction": fraction} for item_id, fraction in fractions])
    if "items" in attempt.__dict__:  # loaded before: read again, with their fractions
        _fresh_items(attempt, versions=False)


def submit(attempt, student, now=None, auto=False):
    """Submit the attempt and score it; returns the attempt.

    One conditional UPDATE (state in_progress and the lock_version read) moves it; a save that
    committed in between changes lock_version, and the submit reads again and retries (a few
    times). If the attempt is already submitted — a double tap, a resend, the deadline job a moment
    earlier — nothing is scored again and the submitted attempt is returned: the same result.
    Past the deadline it counts as submitted at the deadline (auto_submitted). Late when after the
    due time. `auto` is the deadline job (no student)."""
    if not auto:
        _check_owner(attempt, student)
    now = now or utcnow()
    for _try in range(SUBMIT_TRIES):
        if attempt.state != AttemptState.IN_PROGRESS:
            return attempt
        # Scored from the items read before the write: the UPDATE below writes only if no save
        # changed lock_version since the attempt was read (a save's guard UPDATE raises it), so
        # the score is of exactly the answers the submitted attempt holds; otherwise read again.
        # The write, and so SQLite's one writer, is held from that UPDATE to the commit only.
        fractions, totals = _scored(attempt.id)
        deadline = as_utc(attempt.deadline_at)
        overdue = deadline is not None and now > deadline
        submitted_at = deadline if overdue else now
        values = {"state": AttemptState.SUBMITTED.value, "lock_version": attempt.lock_version + 1,
                  "submitted_at": submitted_at, "auto_submitted": overdue or auto,
                  "late": submitted_at > as_utc(attempt.assignment.due_at), **totals}
        written = db.session.execute(
            db.update(Attempt.__table__).where(_ATTEMPT.id == attempt.id,
                                               _ATTEMPT.state == AttemptState.IN_PROGRESS.value,
                                               _ATTEMPT.lock_version == attempt.lock_version)
            .values(**values)).rowcount
        if written == 1:
            for name, value in values.items():
                set_committed_value(attempt, name, value)
            break
        db.session.refresh(attempt)
    else:
        raise Conflict("attempt_busy", _("Bài làm đang được lưu ở nơi khác. Hãy thử nộp lại."))
    _write_fractions(attempt, fractions)
    return attempt


def settle(attempt, now=None):
    """Submit the attempt if it is past its deadline (the lazy half of "submitted at its
    deadline"); True when it did. Call before reading or writing an attempt, and commit before
    refusing anything (a refusal rolls the request back)."""
    if is_overdue(attempt, now):
        submit(attempt, None, now, auto=True)
        return True
    return False


def auto_submit_overdue(now=None):
    """Submit every attempt in progress whose deadline has passed (cut-offs included), with the
    answers saved until then; returns how many. The periodic job runs it every minute."""
    now = now or utcnow()
    ids = db.session.scalars(db.select(Attempt.id).where(
        Attempt.state == AttemptState.IN_PROGRESS.value, Attempt.deadline_at < now).order_by(Attempt.id)).all()
    done = 0
    for attempt_id in ids:
        attempt = db.session.get(Attempt, attempt_id)
        if attempt is not None and settle(attempt, now):
            done += 1
    return done


# --- reading --------------------------------------------------------------------------------------

def overall_mark(assignment, student):
    """The student's mark for the assignment: grading.combine over the marks of the submitted
    attempts, in order, by the assignment's grading method (attempts still to grade left out)."""
    marks = db.session.scalars(db.select(Attempt.mark).where(
        Attempt.assignment_id == assignment.id, Attempt.student_id == student.id,
        Attempt.state == AttemptState.SUBMITTED.value).order_by(Attempt.number)).all()
    return grading.combine(assignment.grading_method, marks)


def shows_score(viewer, attempt):
    """The score and each question's result: the teacher; the student once submitted."""
    if permissions.can_manage(viewer, attempt.assignment):
        return True
    return viewer is not None and viewer.id == attempt.student_id and attempt.state == AttemptState.SUBMITTED


def shows_answers(viewer, attempt, now=None):
    """Correct answers and explanations: the teacher always; the student once submitted, as the
    assignment's show_answers allows (never / after submitting / after the due time)."""
    if permissions.can_manage(viewer, attempt.assignment):
        return True
    if not shows_score(viewer, attempt):
        return False
    rule = attempt.assignment.show_answers
    if rule == ShowAnswers.AFTER_SUBMIT:
        return True
    if rule == ShowAnswers.AFTER_DUE:
        return (now or utcnow()) > as_utc(attempt.assignment.due_at)
    return False


def _public(qtype, data, option_order):
    shown = qtype.public(data)
    key = SHUFFLED_OPTIONS.get(qtype.code)
    if option_order and key and key in shown:
        by_id = {entry["id"]: entry for entry in shown[key]}
        if set(option_order) == set(by_id):
            shown[key] = [by_id[i] for i in option_order]
    return shown


def _number(value):
    return None if value is None else float(value)


def attempt_json(attempt, viewer, now=None):
    """The attempt as API.md shapes it for `viewer`: {id, assignment_id, student_id, number, state,
    started_at, deadline, seconds_left, submitted_at, late, auto_submitted, questions, answers,
    max_score} and, when allowed (shows_score), score, mark, graded and each question's
    fraction/score/feedback; with shows_answers each question's correct_answer and explanation.
    Questions are in the student's order, through types.public (no answers), options in the
    order the student was shown. `answers` maps question ids to the saved answers."""
    now = now or utcnow()
    with_score = shows_score(viewer, attempt)
    with_answers = shows_answers(viewer, attempt, now)
    questions, answers = [], {}
    for item in attempt.items:
        row = item.assignment_question
        question, version = row.question, row.version
        qtype = types.get(question.qtype)
        entry = {"id": question.id, "position": item.position, "qtype": question.qtype, "stem": version.stem,
                 "data": _public(qtype, version.data, item.option_order), "marks": _number(item.marks)}
        if with_score:
            entry.update({"fraction": _number(item.fraction),
                          "score": None if item.fraction is None else float(
                              (Decimal(item.fraction) * Decimal(item.marks)).quantize(SCORE_STEP)),
                          "feedback": item.feedback})
        if with_answers:
            entry.update({"correct_answer": qtype.correct_answer(version.data), "explanation": version.explanation})
        questions.append(entry)
        if item.answer is not None:
            answers[str(question.id)] = item.answer
    deadline = as_utc(attempt.deadline_at)
    body = {
        "id": attempt.id, "assignment_id": attempt.assignment_id, "student_id": attempt.student_id,
        "number": attempt.number, "state": attempt.state, "started_at": iso(attempt.started_at),
        "deadline": iso(deadline),
        "seconds_left": max(0, int((deadline - now).total_seconds()))
        if deadline is not None and attempt.state == AttemptState.IN_PROGRESS else None,
        "submitted_at": iso(attempt.submitted_at), "late": attempt.late, "auto_submitted": attempt.auto_submitted,
        "max_score": _number(attempt.max_score), "questions": questions, "answers": answers,
    }
    if with_score:
        body.update({"score": _number(attempt.score), "mark": _number(attempt.mark),
                     "graded": attempt.state == AttemptState.SUBMITTED and not attempt.needs_grading})
    return body


def _open_body(attempt, items, now):
    """attempt_json for its own student while the attempt is in progress (no score, no correct
    answer), from rows: `attempt` has the Attempt columns attempt_json reads, `items` are
    (position, option_order, marks, answer, question version id) in order. The questions come
    from the pinned versions kept per process (_pinned, _shown): no question or version is read."""
    version_ids = {item[4] for item in items}
    pinned, shown = _pinned(version_ids), _shown(version_ids)
    questions, answers = [], {}
    for position, option_order, marks, answer, version_id in items:
        qtype, data = pinned[version_id]
        question_id, code, stem = shown[version_id]
        questions.append({"id": question_id, "position": position, "qtype": code, "stem": stem,
                          "data": _public(qtype, data, option_order), "marks": _number(marks)})
        if answer is not None:
            answers[str(question_id)] = answer
    deadline = as_utc(attempt.deadline_at)
    return {
        "id": attempt.id, "assignment_id": attempt.assignment_id, "student_id": attempt.student_id,
        "number": attempt.number, "state": attempt.state, "started_at": iso(attempt.started_at),
        "deadline": iso(deadline),
        "seconds_left": max(0, int((deadline - now).total_seconds())) if deadline is not None else None,
        "submitted_at": iso(attempt.submitted_at), "late": attempt.late, "auto_submitted": attempt.auto_submitted,
        "max_score": _number(attempt.max_score), "questions": questions, "answers": answers,
    }


def started_json(attempt, now=None):
    """attempt_json of an attempt start() has just made, for its student, from what start knew
    (call before the commit expires it): nothing is read."""
    return _open_body(attempt, attempt._drawn, now or utcnow())


@functools.cache
def _open_statement():
    return (db.select(_ATTEMPT.id, _ATTEMPT.assignment_id, _ATTEMPT.student_id, _ATTEMPT.number, _ATTEMPT.state,
                      _ATTEMPT.started_at, _ATTEMPT.deadline_at, _ATTEMPT.submitted_at, _ATTEMPT.late,
                      _ATTEMPT.auto_submitted, _ATTEMPT.max_score)
            .where(_ATTEMPT.id == db.bindparam("attempt_id")))


@functools.cache
def _open_items_statement():
    return (db.select(_ITEM.position, _ITEM.option_order, _ITEM.marks, _ITEM.answer, _PINNED.question_version_id)
            .join_from(AttemptQuestion.__table__, AssignmentQuestion.__table__, _PINNED.id == _ITEM.assignment_question_id)
            .where(_ITEM.attempt_id == db.bindparam("attempt_id")).order_by(_ITEM.position))


def open_json(attempt_id, student_id, now=None):
    """attempt_json for the attempt's own student while it is open and before its deadline, in
    two Core statements (its row, its items); None when it is not that (another viewer, submitted,
    past its deadline, no such attempt): the caller then takes the general path (load, settle,
    attempt_json)."""
    now = now or utcnow()
    row = db.session.execute(_open_statement(), {"attempt_id": attempt_id}).first()
    if (row is None or student_id is None or row.student_id != student_id
            or row.state != AttemptState.IN_PROGRESS or is_overdue(row, now)):
        return None
    items = db.session.execute(_open_items_statement(), {"attempt_id": attempt_id}).all()
    return _open_body(row, items, now)


def _saved_body(attempt_id, state, deadline_at, answers, now):
    deadline = as_utc(deadline_at)
    return {"id": attempt_id, "state": state, "deadline": iso(deadline),
            "seconds_left": max(0, int((deadline - now).total_seconds()))
            if deadline is not None and state == AttemptState.IN_PROGRESS else None,
            "answers": answers}


def saved_json(attempt, now=None):
    """What an autosave answers: {id, state, deadline, seconds_left, answers} (no questions)."""
    return _saved_body(attempt.id, attempt.state, attempt.deadline_at,
                       {str(item.assignment_question.question_id): item.answer
                        for item in attempt.items if item.answer is not None}, now or utcnow())


def result_json(attempt, viewer):
    """What a submit answers: {id, state, score, max_score, mark, graded, late, auto_submitted,
    submitted_at} (score and mark null unless shows_score). Built from the attempt as submit
    left it, before the commit (which would expire it and make this read it again)."""
    with_score = shows_score(viewer, attempt)
    return {"id": attempt.id, "state": attempt.state, "score": _number(attempt.score) if with_score else None,
            "max_score": _number(attempt.max_score), "mark": _number(attempt.mark) if with_score else None,
            "graded": with_score and attempt.state == AttemptState.SUBMITTED and not attempt.needs_grading,
            "late": attempt.late, "auto_submitted": attempt.auto_submitted, "submitted_at": iso(attempt.submitted_at)}


def load_answering(attempt_id):
    """(attempt with its assignment, whether its student is still assigned to the work) in one
    statement, or (None, False): what a submit needs before it reads the items itself."""
    found = db.session.execute(
        db.select(Attempt, permissions.assigned_clause(Attempt.student_id, Attempt.assignment_id).label("assigned"))
        .where(Attempt.id == attempt_id).options(db.joinedload(Attempt.assignment))).first()
    return (found[0], bool(found[1])) if found is not None else (None, False)


def load(attempt_id):
    """One attempt with its assignment, items, pinned versions and questions (three statements)."""
    return db.session.scalar(db.select(Attempt).where(Attempt.id == attempt_id)
                             .options(db.joinedload(Attempt.assignment), *_items_loaded()))
