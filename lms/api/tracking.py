"""/api/v1 reads of homework: the caller's list of assignments (a student's to-do with their state;
a teacher's own with progress; a school admin's school), the tracking of one assignment, its
gradebook file and its item analysis, and a question's item analysis accumulated over the
assignments that used it. The same queries as the pages (lms.assignments.queries)."""


from flask import Response, g, request

from ..accounts.permissions import is_student
from ..assignments import analysis, gradebook, permissions, queries, work_cache
from ..assignments.models import Assignment
from ..core.authz import authorize
from ..core.errors import NotFound, ValidationError, _
from ..core.pagination import paginate
from ..core.timeutil import iso, utcnow
from ..extensions import db
from ..questions import permissions as question_permissions
from ..questions.models import Question
from .auth import api_route
from .etag import json_answer, json_bytes
from .openapi import MAX_ID, PAGING, enum, integer

ERRORS = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}
TRACKING_QUERY = {"class_id": integer(1, MAX_ID), "status": enum([*queries.STATUSES, "not_done"])}
GRADEBOOK_QUERY = {"format": enum(gradebook.FORMATS), "class_id": integer(1, MAX_ID)}


def load_tracked(assignment_id, user):
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not permissions.can_view(user, assignment):
        raise NotFound()
    authorize(permissions.can_track(user, assignment), _("Chỉ giáo viên giao bài và ban giám hiệu xem được."))
    return assignment


def _mark(value):
    return float(value) if value is not None else None


def work_json(work):
    return {"status": work.status, "done": work.done, "late": work.late, "mark": _mark(work.mark),
            "attempts": work.attempts, "attempt_open": work.attempt_open, "needs_grading": work.needs_grading,
            "started_at": iso(work.started_at), "submitted_at": iso(work.submitted_at),
            "duration_seconds": work.duration_seconds}


def assignment_json(assignment):
    return {"id": assignment.id, "title": assignment.title, "kind": assignment.kind,
            "subject": assignment.subject.code if assignment.subject else None,
            "teacher": {"id": assignment.teacher_id, "full_name": assignment.teacher.full_name},
            "open_at": iso(assignment.open_at), "due_at": iso(assignment.due_at),
            "cutoff_at": iso(assignment.cutoff_at), "grades_released": assignment.grades_released_at is not None}


def todo_json(item):
    answer = assignment_json(item.assignment)
    answer.update(work_json(item.work))
    answer.update({"has_quiz": item.has_quiz, "overdue": item.overdue, "mark": _mark(item.mark),
                   "feedback": item.feedback, "score": _mark(item.mark)})
    return answer


def _list_answer(select, convert):
    page = paginate(select)
    return {"items": convert(page.items), "total": page.total, "page": page.page, "per_page": page.per_page}


def _encoded(answer, until):
    """(body, ETag) of a JSON answer to keep, and until when."""
    body = json_bytes(answer)
    return (body, body.etag), until


def _kept(kept):
    body, _etag = kept
    return json_answer(body)  # with body's ETag, worked out once


def _args_key():
    return tuple(sorted(request.args.items(multi=True)))


def _todo_answer(user):
    """(the to-do page's answer, when it stops holding): kept per student (work_cache) until their
    work or their assignments change."""
    now = utcnow()
    page = paginate(queries.todo(user, now))
    items = queries.todo_items(user, page.items, now)
    return _encoded({"items": [todo_json(i) for i in items], "total": page.total, "page": page.page,
                     "per_page": page.per_page}, queries.todo_until(user, items, now))


@api_route("/assignments", tag="assignments", query=PAGING,
           responses={200: "{items, total, page, per_page}", 401: "unauthenticated", 403: "forbidden",
                      422: "invalid_fields"})
def list_assignments():
    """A student's to-do (what is left first, the nearest due time first; each with its `status`,
    and mark and feedback once released); a teacher's own assignments with `progress` {done, total,
    to_grade}; a school admin's school."""
    user = g.api_user
    authorize(permissions.can_list(user), _("Danh sách bài tập dành cho học sinh, giáo viên và ban giám hiệu."))
    if is_student(user):
        return _kept(work_cache.region().get_or_set(("api-todo", user.id, _args_key()),
                                                    [work_cache.student_tag(user.id)], lambda: _todo_answer(user)))
    select = (queries.teacher_assignments(user) if permissions.can_assign(user)
              else queries.school_assignments(user.school_id))

    def convert(rows):
        quizzes = queries.quiz_ids_of(a.id for a in rows)
        progress = queries.progress_of(rows, quizzes)
        answer = []
        for a in rows:
            p = progress[a.id]
            answer.append({**assignment_json(a), "has_quiz": a.id in quizzes,
                           "class_ids": [c.id for c in a.classrooms], "classes": [c.name for c in a.classrooms],
                           "progress": {"done": p.done, "total": p.total, "to_grade": p.to_grade}})
        return answer

    return _list_answer(select, convert)


def _class_id(assignment):
    raw = request.args.get("class_id")
    if raw in (None, ""):
        return None
    if not raw.isdecimal() or len(raw) > 9 or int(raw) not in {c.id for c in assignment.classrooms}:
        message = _("Lớp này không được giao bài tập này.")
        raise ValidationError(message, {"class_id": message})
    return int(raw)


@api_route("/assignments/<int:assignment_id>/tracking", tag="assignments", query=TRACKING_QUERY,
           responses={200: "{assignment, students: [...], summary: {...}}", **ERRORS, 422: "invalid_fields"})
def assignment_tracking(assignment_id):
    """Every assigned student (class order, then Vietnamese name order) with `status`
    (not_started, viewed, in_progress, submitted, late, graded, missing), mark, times, attempts and,
    for a material, when they first opened it and for how long; ?class_id= and ?status= (or
    status=not_done) filter the students, the summary covers the class asked for."""
    user = g.api_user
    assignment = load_tracked(assignment_id, user)
    classroom_id = _class_id(assignment)
    status = request.args.get("status") or None
    if status is not None and status not in TRACKING_QUERY["status"]["enum"]:
        message = _("Trạng thái không hợp lệ.")
        raise ValidationError(message, {"status": message})
    return _kept(work_cache.region().get_or_set(("api-tracking", assignment.id, classroom_id, status),
                                                [work_cache.assignment_tag(assignment.id)],
                                                lambda: _tracking_answer(assignment, classroom_id, status)))


def _tracking_answer(assignment, classroom_id, status):
    """(the tracking answer, when it stops holding): kept per assignment (work_cache) until work on
    it changes."""
    now = utcnow()
    tracked = queries.tracking(assignment, classroom_id, now)
    students = []
    for row in tracked.filtered(status):
        work = row.work
        students.append({"student_id": row.student.id, "full_name": row.student.full_name,
                         "student_code": row.student.student_code, "class": row.classroom.name,
                         "class_id": row.classroom.id, **work_json(work), "score": _mark(work.mark),
                         "material": {"first_opened_at": iso(work.viewed_at), "views": work.views,
                                      "seconds": work.view_seconds, "before_due": work.viewed_before_due}})
    return _encoded({"assignment": {**assignment_json(assignment), "has_quiz": tracked.has_quiz,
                                    "class_ids": [c.id for c in assignment.classrooms]},
                     "students": students, "summary": tracked.summary.as_json()},
                    queries.tracking_until(assignment, now))


@api_route("/assignments/<int:assignment_id>/gradebook", tag="assignments", query=GRADEBOOK_QUERY,
           responses={200: "the file (XLSX or CSV)", **ERRORS, 422: "invalid_fields"})
def assignment_gradebook(assignment_id):
    """The gradebook as ?format=xlsx (default) or csv: one row per student with the ministry's
    student identifier, Vietnamese headers."""
    user = g.api_user
    assignment = load_tracked(assignment_id, user)
    tracked = queries.tracking(assignment, _class_id(assignment), with_feedback=True)
    data, mimetype, filename = gradebook.export(tracked, request.args.get("format"))
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@api_route("/assignments/<int:assignment_id>/item-analysis", tag="assignments",
           responses={200: "{assignment_id, attempts, questions: [{question_id, attempts, facility, ...}]}",
                      **ERRORS})
def assignment_item_analysis(assignment_id):
    """Per question, over first attempts (Moodle's definitions): attempts, facility (0..1), sd (a
    share of the marks), discrimination (index, −100..100), discriminative_efficiency, and for choice
    questions how often each option was picked."""
    user = g.api_user
    assignment = load_tracked(assignment_id, user)
    return analysis.assignment_report(assignment).as_json()


@api_route("/questions/<int:question_id>/item-analysis", tag="questions",
           responses={200: "{question_id, assignments, attempts, facility, ...} or null figures", **ERRORS})
def question_item_analysis(question_id):
    """A question's figures accumulated over the assignments that used it (the mean of each
    assignment's figure, as Moodle's question bank shows them); staff who may see its answers."""
    user = g.api_user
    question = db.session.get(Question, question_id)
    if question is None or not question_permissions.can_view(user, question):
        raise NotFound()
    authorize(question_permissions.sees_answers(user, question))
    return analysis.question_summary_json(question)
