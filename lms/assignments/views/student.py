"""Homework pages: the student side, and the one address of an assignment.

GET /assignments/<id> is the student's page (instructions, the material to read or watch, the
quiz's start/resume button, the submission and questions parts) for a student of one of its
classes, and the teacher's page for its teacher (and the school's admin); anyone else gets 404.

The quiz page saves every answer as it changes through JSON routes of its own under
/assignments/… (the API takes bearer tokens only); they call the same services as the API and
are CSRF-protected (the token travels in the X-CSRFToken header). Their refusals are JSON too.
"""

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...core.errors import DomainError, ValidationError
from ...core.timeutil import as_utc, utcnow
from ...extensions import db
from ...files import serving as file_serving
from .. import attempts as attempt_services
from .. import permissions, services
from ..models import AssignmentKind, AttemptState
from . import bp, load_assignment, teacher

bp.add_app_template_global(permissions.can_assign, "can_assign_homework")


def _load_attempt(assignment_id, attempt_id):
    """An attempt at the assignment, for its student and the assignment's teacher (404 for anyone
    else). An attempt past its deadline is submitted first, and that is committed at once (a
    refusal later in the request rolls back)."""
    assignment = load_assignment(assignment_id)
    attempt = attempt_services.load(attempt_id)
    if attempt is None or attempt.assignment_id != assignment.id \
            or not permissions.can_view_attempt(current_user, attempt):
        abort(404)
    if attempt_services.settle(attempt):
        db.session.commit()
    return assignment, attempt


def _json_refusal(error):
    """A refusal of a JSON route as the API shapes it (the error handler would render a page)."""
    db.session.rollback()
    return jsonify({"error": {"code": error.code, "message": error.message, "details": error.details}}), \
        error.status


def _material_shown(assignment):
    """(version, preview kind) of the assignment's material as the student may see it through the
    materials routes: the pinned version while it is the published one, else the published one."""
    material = assignment.material
    if material is None or not material.is_published():
        return None, None
    version = material.published_version
    if assignment.material_version_id == material.published_version_id:
        version = assignment.material_version
    return version, file_serving.preview_kind(version.stored_file)


# --- the assignment's page --------------------------------------------------------------------

@bp.route("/<int:assignment_id>")
@login_required
def detail(assignment_id):
    assignment = load_assignment(assignment_id)
    if not permissions.can_do(current_user, assignment):
        return teacher.teacher_page(assignment)
    my_attempts = attempt_services.attempts_of(assignment, current_user)
    open_attempt = next((a for a in my_attempts if a.state == AttemptState.IN_PROGRESS), None)
    if open_attempt is not None and attempt_services.settle(open_attempt):
        db.session.commit()  # its deadline passed: it is submitted with the answers saved until then
        open_attempt = None
    version, preview = _material_shown(assignment) if assignment.kind == AssignmentKind.MATERIAL else (None, None)
    now = utcnow()
    return render_template(
        "assignments/student_detail.html", assignment=assignment, attempts=my_attempts, open_attempt=open_attempt,
        can_start=(open_attempt is None and len(my_attempts) < assignment.max_attempts
                   and as_utc(assignment.open_at) <= now < as_utc(assignment.cutoff)),
        not_open_yet=now < as_utc(assignment.open_at), closed=now >= as_utc(assignment.cutoff),
        overdue=now > as_utc(assignment.due_at), version=version, preview=preview)


@bp.route("/<int:assignment_id>/view", methods=["POST"])
@login_required
def record_view(assignment_id):
    """The material page reports that it was opened and for how long it was visible."""
    assignment = load_assignment(assignment_id)
    if not permissions.can_do(current_user, assignment):
        abort(403)
    payload = request.get_json(silent=True)
    payload = payload if isinstance(payload, dict) else {}
    # The first report of a page is an opening; the next ones carry the seconds it was visible.
    seconds = None if payload.get("opened") else payload.get("seconds", 0)
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
        seconds = int(max(0, min(seconds, services.MAX_VIEW_SECONDS)))
    try:
        services.record_view(assignment, current_user, seconds=seconds)
        db.session.commit()
    except DomainError as error:
        return _json_refusal(error)
    return "", 204


# --- quiz attempts ----------------------------------------------------------------------------

@bp.route("/<int:assignment_id>/start", methods=["POST"])
@login_required
def start(assignment_id):
    """Start the quiz, or come back to the attempt already open (a second tap is no refusal)."""
    assignment = load_assignment(assignment_id)
    if not permissions.can_do(current_user, assignment):
        abort(403)
    try:
        attempt, _created = attempt_services.start(assignment, current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("assignments.detail", assignment_id=assignment_id))
    return redirect(url_for("assignments.attempt", assignment_id=assignment_id, attempt_id=attempt.id))


@bp.route("/<int:assignment_id>/attempts/<int:attempt_id>")
@login_required
def attempt(assignment_id, attempt_id):
    """The quiz page while the attempt is open (its own student), else the result: the score and
    the correct answers as the assignment allows (attempts.shows_score / shows_answers)."""
    assignment, attempt = _load_attempt(assignment_id, attempt_id)
    data = attempt_services.attempt_json(attempt, current_user)
    if attempt.state == AttemptState.IN_PROGRESS and permissions.can_answer(current_user, attempt):
        return render_template("assignments/quiz.html", assignment=assignment, attempt=attempt, data=data)
    return render_template("assignments/result.html", assignment=assignment, attempt=attempt, data=data,
                           own=attempt.student_id == current_user.id)


@bp.route("/<int:assignment_id>/attempts/<int:attempt_id>/answers", methods=["PUT"])
@login_required
def save_answers(assignment_id, attempt_id):
    """Autosave: {answers: {question id: answer}}, idempotent, as PUT /api/v1/attempts/{id}/answers."""
    _assignment, attempt = _load_attempt(assignment_id, attempt_id)
    if not permissions.can_answer(current_user, attempt):
        abort(404)
    payload = request.get_json(silent=True)
    try:
        if not isinstance(payload, dict) or not isinstance(payload.get("answers"), dict):
            raise ValidationError(_("Gửi các câu trả lời dạng {answers: {mã câu: câu trả lời}}."),
                                  {"answers": _("Cần một đối tượng.")})
        attempt_services.save_answers(attempt, current_user, payload["answers"])
        db.session.commit()
    except DomainError as error:
        return _json_refusal(error)
    return jsonify({"saved": sorted(str(key) for key in payload["answers"]), "state": attempt.state})


@bp.route("/<int:assignment_id>/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit(assignment_id, attempt_id):
    """Submit: the answers the page sends with the form are saved first (one last copy of what
    the browser holds), then the attempt is submitted and scored, in one transaction."""
    import json

    _assignment, attempt = _load_attempt(assignment_id, attempt_id)
    if not permissions.can_answer(current_user, attempt):
        abort(404)
    here = url_for("assignments.attempt", assignment_id=assignment_id, attempt_id=attempt_id)
    try:
        answers = json.loads(request.form.get("answers") or "{}")
    except ValueError:
        answers = {}
    if attempt.state != AttemptState.IN_PROGRESS:
        return redirect(here)  # submitted already (a double tap, the deadline): the result
    if isinstance(answers, dict) and answers:
        try:
            attempt_services.save_answers(attempt, current_user, answers)
        except ValidationError:
            pass  # an answer that does not fit its question: the ones saved before still count
    try:
        attempt_services.submit(attempt, current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(here)
    flash(_("Đã nộp bài."), "success")
    return redirect(here)
