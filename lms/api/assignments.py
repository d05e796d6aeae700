"""/api/v1 for homework: making an assignment, reading it, quiz attempts (start, read, autosave,
submit) and the preparation check (a student opened the material). Same services as the pages
(assignments.services, assignments.attempts).

Who: an assignment is seen by its teacher, its school's admin and the students of its classes
(404 for everyone else); only an assigned student starts, answers and submits (403 for the others
who may see it). An attempt is seen by its student and the assignment's teacher (404 otherwise).
An attempt past its deadline is submitted (and committed) before anything else is done with it.
"""

from flask import g, request

from ..assignments import attempts, permissions, services
from ..assignments.models import (
    Assignment,
    AssignmentKind,
    AssignmentQuestion,
    AttemptState,
    GradingMethod,
    ShowAnswers,
    assignment_classroom,
)
from ..core.authz import authorize
from ..core.errors import Forbidden, NotFound, ValidationError, _
from ..core.timeutil import iso
from ..extensions import db
from ..questions import types
from .auth import api_route
from .openapi import MAX_ID, enum, integer

ERRORS = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}
IDS = {"type": "array", "items": integer(1, MAX_ID)}
CELL = {"type": "object", "properties": {"topic": integer(1, MAX_ID), "level": enum(types.LEVELS),
                                         "count": integer(1, services.MAX_CELL_COUNT), "marks": {"type": "number"}}}
CREATE_FIELDS = {
    "title!": "string", "instructions": "string", "kind!": enum(AssignmentKind), "class_ids!": IDS,
    "due_at!": {"type": "string", "format": "date-time"}, "open_at": {"type": "string", "format": "date-time"},
    "cutoff_at": {"type": "string", "format": "date-time"}, "subject": "string",
    "material_id": integer(1, MAX_ID), "question_ids": IDS, "matrix": {"type": "array", "items": CELL},
    "max_attempts": integer(1, services.MAX_ATTEMPTS), "time_limit_minutes": integer(1, services.MAX_TIME_LIMIT),
    "grading_method": enum(GradingMethod), "show_answers": enum(ShowAnswers), "shuffle": "boolean",
    "shuffle_questions": "boolean", "shuffle_options": "boolean",
}


def _json_body(required=True):
    data = request.get_json(silent=True)
    if data is None and not required:
        return {}
    if not isinstance(data, dict):
        raise ValidationError(_("Cần một đối tượng JSON."), {"body": "object"})
    return data


def load_assignment(assignment_id, user):
    """The assignment, or NotFound (404) when the user may not know it exists."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not permissions.can_view(user, assignment):
        raise NotFound()
    return assignment


def load_attempt(attempt_id, user):
    """The attempt (settled: submitted first if past its deadline), or NotFound (404) for anyone
    but its student and the assignment's teacher."""
    attempt = attempts.load(attempt_id)
    if attempt is None or not permissions.can_view_attempt(user, attempt):
        raise NotFound()
    if attempts.settle(attempt):
        db.session.commit()
        attempt = attempts.load(attempt_id)
    return attempt


def _questions_per_attempt(assignment):
    picked = db.session.scalar(db.select(db.func.count(AssignmentQuestion.id)).where(
        AssignmentQuestion.assignment_id == assignment.id, AssignmentQuestion.cell.is_(None)))
    return picked + sum(int(cell["count"]) for cell in (assignment.matrix or []))


def assignment_json(assignment, user):
    """API.md's assignment; its teacher also gets the pinned questions, an assigned student their
    attempts and overall mark."""
    class_ids = db.session.scalars(db.select(assignment_classroom.c.classroom_id).where(
        assignment_classroom.c.assignment_id == assignment.id).order_by(assignment_classroom.c.classroom_id)).all()
    body = {
        "id": assignment.id, "title": assignment.title, "instructions": assignment.instructions,
        "kind": assignment.kind, "teacher_id": assignment.teacher_id, "school_id": assignment.school_id,
        "subject": assignment.subject.code if assignment.subject else None, "class_ids": list(class_ids),
        "open_at": iso(assignment.open_at), "due_at": iso(assignment.due_at), "cutoff_at": iso(assignment.cutoff_at),
        "material_id": assignment.material_id,
        "material_version": assignment.material_version.number if assignment.material_version else None,
        "max_attempts": assignment.max_attempts, "grading_method": assignment.grading_method,
        "time_limit_minutes": assignment.time_limit_minutes, "shuffle_questions": assignment.shuffle_questions,
        "shuffle_options": assignment.shuffle_options, "show_answers": assignment.show_answers,
        "uses_matrix": assignment.uses_matrix, "matrix": assignment.matrix,
        "question_count": _questions_per_attempt(assignment),
        "grades_released_at": iso(assignment.grades_released_at),
        "created_at": iso(assignment.created_at), "updated_at": iso(assignment.updated_at),
        "lock_version": assignment.lock_version,
    }
    if permissions.can_manage(user, assignment):
        pinned = db.session.scalars(db.select(AssignmentQuestion).where(
            AssignmentQuestion.assignment_id == assignment.id).options(db.joinedload(AssignmentQuestion.version))
            .order_by(AssignmentQuestion.cell, AssignmentQuestion.position, AssignmentQuestion.id)).all()
        body["questions"] = [{"question_id": q.question_id, "version": q.version.number,
                              "version_id": q.question_version_id, "marks": float(q.marks), "cell": q.cell,
                              "position": q.position} for q in pinned]
    if permissions.can_do(user, assignment):
        mine = attempts.attempts_of(assignment, user)
        body["attempts"] = [{"id": a.id, "number": a.number, "state": a.state, "deadline": iso(a.deadline_at),
                             "submitted_at": iso(a.submitted_at), "late": a.late,
                             **({"score": float(a.score) if a.score is not None else None,
                                 "mark": float(a.mark) if a.mark is not None else None}
                                if a.state == AttemptState.SUBMITTED else {})} for a in mine]
        body["attempts_left"] = max(0, assignment.max_attempts - len(mine))
        mark = attempts.overall_mark(assignment, user)
        body["mark"] = float(mark) if mark is not None else None
    return body


@api_route("/assignments", methods=["POST"], tag="assignments", body=CREATE_FIELDS,
           responses={201: "assignment", **ERRORS, 422: "invalid_fields (a short matrix: details.shortage)"})
def create_assignment():
    """Give an assignment to classes the teacher teaches (JSON: title, instructions, kind, class_ids,
    due_at, open_at?, cutoff_at?, material_id?, question_ids? or matrix?, max_attempts?,
    time_limit_minutes?, grading_method?, show_answers?, shuffle?). A matrix the bank cannot fill is
    a 422 with `details.shortage: [{topic, level, wanted, available}]`, and nothing is made."""
    user = g.api_user
    authorize(permissions.can_assign(user), _("Chỉ giáo viên giao bài."))
    assignment = services.create_assignment(user, _json_body())
    db.session.commit()
    return assignment_json(db.session.get(Assignment, assignment.id), user), 201


@api_route("/assignments/<int:assignment_id>", tag="assignments", responses={200: "assignment", **ERRORS})
def get_assignment(assignment_id):
    """One assignment: its teacher, the school's admin and the students of its classes."""
    user = g.api_user
    return assignment_json(load_assignment(assignment_id, user), user)


@api_route("/assignments/<int:assignment_id>", methods=["PATCH"], tag="assignments",
           body={**{name.rstrip("!"): kind for name, kind in CREATE_FIELDS.items()}, "lock_version": "integer"},
           responses={200: "assignment", **ERRORS,
                      409: "stale_assignment (details.lock_version: the current one) | assignment_started "
                           "(details name the fields that are fixed once a student began)",
                      422: "invalid_fields"})
def update_assignment(assignment_id):
    """Change an assignment: the POST fields, any subset; `lock_version` (from the assignment's
    JSON) makes the change act on that reading only. Once a student began, only the settings
    change (title, instructions, times, attempts, time limit, grading, shuffling, answers shown).
    Its teacher only: 403 for the others who may see it, 404 for everyone else."""
    user = g.api_user
    assignment = load_assignment(assignment_id, user)
    authorize(permissions.can_manage(user, assignment), _("Chỉ giáo viên giao bài được sửa bài này."))
    services.update_assignment(assignment, user, _json_body())
    db.session.commit()
    return assignment_json(db.session.get(Assignment, assignment.id), user)


@api_route("/assignments/<int:assignment_id>/attempts", methods=["POST"], tag="assignments",
           responses={201: "{id, questions: [...no answers...], deadline, ...} (a new attempt)",
                      200: "the attempt already open", **ERRORS,
                      409: "not_open | closed | no_attempts_left | no_quiz"})
def start_attempt(assignment_id):
    """Start the quiz, or get back the attempt already open (idempotent: a start that got no
    answer can be sent again)."""
    user = g.api_user
    # The assignment under start's key-share lock with "is this student assigned" in one statement,
    # the student's attempts in one more; the answer is built from what start drew (the pinned
    # versions are kept per process), so a start reads no question, version or item.
    assignment, assigned = attempts.assignment_to_start(assignment_id, user)
    if assignment is None or not permissions.can_view(user, assignment, assigned):
        raise NotFound()
    if not permissions.can_do(user, assignment, assigned):  # the message only when refusing (it looks the language up)
        raise Forbidden(_("Chỉ học sinh được giao bài mới làm bài."))
    rows = attempts.mine(assignment.id, user.id)
    if attempts.settle_open(assignment, user, rows):
        db.session.commit()  # submitted at its deadline, whatever this request comes to
        assignment, assigned = attempts.assignment_to_start(assignment_id, user)
        rows = attempts.mine(assignment.id, user.id)
    attempt, created = attempts.start(assignment, user, locked=True, assigned=assigned, rows=rows)
    if created:
        body = attempts.started_json(attempt)
        db.session.commit()
        return body, 201
    attempt_id, user_id = attempt.id, user.id  # read before the commit expires them
    db.session.commit()
    return attempts.open_json(attempt_id, user_id) or attempts.attempt_json(attempts.load(attempt_id), user), 200


@api_route("/attempts/<int:attempt_id>", tag="assignments",
           responses={200: "{id, assignment_id, state, deadline, questions, answers, score?}", **ERRORS})
def get_attempt(attempt_id):
    """An attempt with every saved answer (to resume on another device): its student and the
    assignment's teacher. Scores once submitted; correct answers as the assignment allows."""
    user = g.api_user
    # Its own student resuming an open attempt (a reload, another device): two Core statements,
    # the questions from the pinned versions kept per process; anything else the general path.
    return attempts.open_json(attempt_id, user.id) or attempts.attempt_json(load_attempt(attempt_id, user), user)


@api_route("/attempts/<int:attempt_id>/answers", methods=["PUT"], tag="assignments",
           body={"answers!": "object"},
           responses={200: "{id, state, deadline, seconds_left, answers}", **ERRORS,
                      409: "attempt_submitted | attempt_closed", 422: "invalid_fields (answers.<question_id>)"})
def save_answers(attempt_id):
    """Autosave: {answers: {question_id: answer}} (idempotent; null clears one). Refused once the
    attempt is submitted or past its deadline (what was saved until then counts)."""
    user = g.api_user
    # The hot path reads the attempt's own row only (attempts.head); anyone but its student (404 or
    # 403) and an attempt past its deadline (settled and committed first) go through load_attempt.
    row = attempts.head(attempt_id)
    if row is None or row.student_id != user.id or attempts.is_overdue(row):
        load_attempt(attempt_id, user)
        row = attempts.head(attempt_id)
    # Its own student, still assigned to the work (read with the row). The message only when
    # refusing: looking up the user's language costs as much as the rest of the save.
    if not permissions.can_answer(user, row, row.assigned):
        raise Forbidden(_("Chỉ học sinh làm bài mới lưu câu trả lời."))
    data = _json_body()
    body = attempts.save_answers_to(row, user, data.get("answers"))
    db.session.commit()
    return body


@api_route("/attempts/<int:attempt_id>/submit", methods=["POST"], tag="assignments",
           responses={200: "{score, max_score, mark, graded, late, ...}", **ERRORS, 409: "attempt_busy"})
def submit_attempt(attempt_id):
    """Submit and score. Sending it again (no answer came back, a double tap) answers the same
    result; it is never scored twice."""
    user = g.api_user
    # load_attempt's steps, with "still assigned" read in the same statement and no items (submit
    # reads them after its write).
    attempt, assigned = attempts.load_answering(attempt_id)
    if attempt is None or not permissions.can_view_attempt(user, attempt):
        raise NotFound()
    if attempts.settle(attempt):
        db.session.commit()
        attempt, assigned = attempts.load_answering(attempt_id)
    if not permissions.can_answer(user, attempt, assigned):
        raise Forbidden(_("Chỉ học sinh làm bài mới nộp bài."))
    attempts.submit(attempt, user)
    body = attempts.result_json(attempt, user)
    db.session.commit()
    return body


@api_route("/assignments/<int:assignment_id>/views", methods=["POST"], tag="assignments",
           body={"seconds": integer(0, services.MAX_VIEW_SECONDS)},
           responses={204: "recorded", **ERRORS, 422: "invalid_fields"})
def record_view(assignment_id):
    """A student opened the assignment's material (no body: one more opening), or reports reading
    time of the current opening ({seconds}); the teacher's tracking shows who prepared."""
    user = g.api_user
    assignment = load_assignment(assignment_id, user)
    authorize(permissions.can_do(user, assignment), _("Chỉ học sinh được giao bài mới ghi nhận việc xem."))
    data = _json_body(required=False)
    services.record_view(assignment, user, data.get("seconds"))
    db.session.commit()
    return "", 204

