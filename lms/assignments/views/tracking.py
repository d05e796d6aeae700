"""Homework pages for following the work: the /assignments/ index (a student's to-do list; a
teacher's own assignments with how many students have done each; a school admin's school), the
tracking of one assignment (every student's state, filters, who has not done it, the material's
readers), the gradebook export, the item analysis of a quiz, and a class's matrix of students ×
assignments. Read-only: handlers load (404), authorise (403) and render.
"""

from flask import Response, abort, current_app, render_template, request
from flask_babel import get_locale, get_timezone
from flask_login import current_user, login_required
from jinja2 import TemplateNotFound

from ...accounts.permissions import is_student
from ...core.authz import require
from ...core.cache import render_block
from ...core.pagination import paginate
from ...core.timeutil import utcnow
from ...extensions import db
from ...schools.models import Classroom
from .. import analysis, gradebook, permissions, queries, work_cache
from . import bp, load_assignment

bp.add_app_template_global(lambda status: gradebook.STATUS_LABELS.get(status, status), "work_status_label")
bp.add_app_template_global(gradebook.KIND_LABELS, "assignment_kind_labels")
bp.add_app_template_global(analysis.question_summary_for, "question_item_analysis")
STATUS_BADGES = {"not_started": "secondary", "viewed": "info", "in_progress": "primary", "submitted": "success",
                 "late": "warning", "graded": "success", "missing": "danger"}
bp.add_app_template_global(STATUS_BADGES, "work_status_badges")


def _class_filter(assignment):
    raw = request.args.get("class", "")
    if raw.isdecimal() and len(raw) <= 9 and int(raw) in {c.id for c in assignment.classrooms}:
        return int(raw)
    return None


def _status_filter():
    status = request.args.get("status", "")
    return status if status in (*queries.STATUSES, "not_done") else None


def _reader_key():
    """What a kept fragment depends on besides its data: the query string, language and time zone."""
    return tuple(sorted(request.args.items(multi=True))), str(get_locale()), str(get_timezone())


def _pager():
    """The pager macro for a block rendered alone (render_block runs no top-level `{% from %}`)."""
    try:
        return current_app.jinja_env.get_template("_pager.html").module.pager
    except TemplateNotFound:
        return None


def _todo_content(student):
    """(the to-do's content block, when it stops holding): a student's own, kept (work_cache) until
    their work or their assignments change."""
    now = utcnow()
    found = paginate(queries.todo(student, now), per_page=50)
    items = queries.todo_items(student, found.items, now)
    return (render_block("assignments/todo.html", "content", items=items, found=found, pager=_pager()),
            queries.todo_until(student, items, now))


def _tracking_content(assignment, classroom_id, status):
    """(the tracking page's content block, when it stops holding): the same for everyone who may
    track the assignment, kept (work_cache) until work on it changes."""
    now = utcnow()
    tracked = queries.tracking(assignment, classroom_id, now)
    return (render_block("assignments/tracking.html", "content", assignment=assignment, tracked=tracked,
                         rows=tracked.filtered(status), classroom_id=classroom_id, status=status,
                         statuses=queries.STATUSES),
            queries.tracking_until(assignment, now))


@bp.route("/")
@require(permissions.can_list)
def index():
    if is_student(current_user):
        student = current_user._get_current_object()
        content = work_cache.region().get_or_set(("page-todo", student.id, *_reader_key()),
                                                 [work_cache.student_tag(student.id)], lambda: _todo_content(student))
        return render_template("assignments/todo_page.html", todo_content=content)
    if permissions.can_assign(current_user):
        select, mine = queries.teacher_assignments(current_user), True
    else:
        select, mine = queries.school_assignments(current_user.school_id), False
    found = paginate(select, per_page=50)
    quizzes = queries.quiz_ids_of(a.id for a in found.items)
    return render_template("assignments/index.html", assignments=found.items, found=found, mine=mine,
                           progress=queries.progress_of(found.items, quizzes), quiz_ids=quizzes)


@bp.route("/<int:assignment_id>/tracking")
@login_required
def tracking(assignment_id):
    assignment = load_assignment(assignment_id, permissions.can_track)
    classroom_id, status = _class_filter(assignment), _status_filter()
    content = work_cache.region().get_or_set(("page-tracking", assignment.id, classroom_id, status, *_reader_key()),
                                             [work_cache.assignment_tag(assignment.id)],
                                             lambda: _tracking_content(assignment, classroom_id, status))
    return render_template("assignments/tracking_page.html", assignment=assignment, tracking_content=content)


@bp.route("/<int:assignment_id>/gradebook")
@login_required
def gradebook_export(assignment_id):
    assignment = load_assignment(assignment_id, permissions.can_track)
    data, mimetype, filename = gradebook.export(
        queries.tracking(assignment, _class_filter(assignment), with_feedback=True), request.args.get("format"))
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/<int:assignment_id>/analysis")
@login_required
def item_analysis(assignment_id):
    assignment = load_assignment(assignment_id, permissions.can_track)
    return render_template("assignments/analysis.html", assignment=assignment,
                           report=analysis.assignment_report(assignment))


@bp.route("/classes/<int:classroom_id>")
@require(permissions.can_track_classes)
def class_matrix(classroom_id):
    classroom = db.session.get(Classroom, classroom_id)
    if classroom is None or not permissions.can_see_class(current_user, classroom):
        abort(404)
    teacher = current_user if permissions.can_assign(current_user) else None
    found = paginate(queries.class_assignments(classroom, teacher), per_page=20)
    return render_template("assignments/class_matrix.html", matrix=queries.class_matrix(classroom, found.items),
                           found=found)
