"""/api/v1: handing in work, grading by hand, releasing marks, and questions about the work, over
the same services as the pages (assignments.submissions, .marking, .inquiries).

Uploads are multipart/form-data streamed into the file store (files.uploads); 413 and 415 come
back in the JSON error shape and leave no row and no stored bytes behind. Marks are strings or
numbers on the 10-point scale ("7,25" → 7.3, half-up, Thông tư 22) and come back as numbers with
one decimal; a student sees marks and feedback only once the teacher has released them.
"""

from flask import g, request, url_for

from ..assignments import inquiries, marking, permissions, submissions
from ..assignments.models import Assignment, AttemptQuestion, Inquiry, Submission, SubmissionFile
from ..core.errors import Forbidden, NotFound, ValidationError, _
from ..core.timeutil import iso
from ..extensions import db
from ..files import services as files
from ..files import serving as file_serving
from .auth import api_route

ERRORS = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}
UPLOAD_ERRORS = {413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid_fields"}
GRADE_FIELDS = {"mark!": "string", "feedback": "string", "lock_version!": "integer"}


def _assignment(assignment_id, user):
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not permissions.can_view(user, assignment):
        raise NotFound()
    return assignment


def _managed(assignment_id, user):
    assignment = _assignment(assignment_id, user)
    if not permissions.can_manage(user, assignment):
        raise Forbidden(_("Chỉ giáo viên giao bài mới chấm bài này."))
    return assignment


def _json_body():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(_("Cần một đối tượng JSON."), {"body": "object"})
    return data


def _mark(value):
    return None if value is None else float(value)


def submission_json(submission, user):
    """A submission as `user` sees it: the mark and feedback for its student only once released."""
    shows_mark = permissions.sees_marks(user, submission.assignment)
    return {
        "id": submission.id,
        "assignment_id": submission.assignment_id,
        "student_id": submission.student_id,
        "student_name": submission.student.full_name,
        "text": submission.text,
        "submitted_at": iso(submission.submitted_at),
        "late": submission.late,
        "count": submission.count,
        "files": [{"position": f.position, "name": f.name, "size": f.file.size, "mime": f.file.mime,
                   "url": url_for("api.submission_file", submission_id=submission.id, position=f.position),
                   "image_url": url_for("api.submission_file", submission_id=submission.id, position=f.position,
                                        shown=1) if f.preview_sha256 else None}
                  for f in submission.files],
        "graded": submission.graded_at is not None if shows_mark else None,
        "mark": _mark(submission.mark) if shows_mark else None,
        "feedback": submission.feedback if shows_mark else None,
        "graded_at": iso(submission.graded_at) if shows_mark else None,
        "lock_version": submission.lock_version,
    }


@api_route("/assignments/<int:assignment_id>/submissions", methods=["POST"], tag="assignments",
           multipart={"text": "string", "file": "binary"},
           responses={201: "submission", **ERRORS, 409: "not_open | past_cutoff | resubmission_closed | "
                      "already_graded | not_a_submission", **UPLOAD_ERRORS})
def create_submission(assignment_id):
    """Hand in work (multipart: `text` and/or `file`); again before the due time to replace it.
    After the due time a first submission is accepted and marked late until the cut-off; a
    resubmission after the due time, and anything after the cut-off, is refused (409)."""
    user = g.api_user
    assignment = _assignment(assignment_id, user)
    if not permissions.can_do(user, assignment):
        raise Forbidden(_("Chỉ học sinh được giao bài mới nộp bài."))
    submission = files.receive_and_apply(
        request, lambda r: submissions.submit_work(assignment, user, r.form.get("text"), [files.upload_of(r)]))
    return submission_json(db.session.get(Submission, submission.id), user), 201


@api_route("/assignments/<int:assignment_id>/submissions", tag="assignments",
           responses={200: "{items: [submission]}", **ERRORS})
def list_submissions(assignment_id):
    """The submissions of an assignment: all of them for its teacher and the school's admin, the
    student's own (zero or one) for a student."""
    user = g.api_user
    assignment = _assignment(assignment_id, user)
    if permissions.can_track(user, assignment):
        rows = marking.queued_submissions(assignment)
    else:
        own = submissions.submission_of(assignment, user)
        rows = [own] if own is not None else []
    return {"items": [submission_json(s, user) for s in rows]}


@api_route("/submissions/<int:submission_id>/files/<int:position>", tag="assignments",
           query={"shown": "integer"}, responses={200: "the file (attachment)", **ERRORS})
def submission_file(submission_id, position):
    """A handed-in file as uploaded (an attachment); `?shown=1` gives a photo as it is shown:
    re-encoded upright, without its metadata (404 until processed)."""
    user = g.api_user
    submission = db.session.get(Submission, submission_id)
    if submission is None or not permissions.can_see_submission(user, submission):
        raise NotFound()
    row = db.session.scalar(db.select(SubmissionFile).where(SubmissionFile.submission_id == submission.id,
                                                           SubmissionFile.position == position))
    if row is None:
        raise NotFound()
    if request.args.get("shown"):
        if not row.preview_sha256:
            raise NotFound(_("Ảnh chưa được xử lí xong; hãy thử lại sau."))
        return file_serving.send_derived(row.preview_sha256, row.preview_mime)
    return file_serving.send_download(row.file, row.name or row.file.original_name)


def essay_json(item):
    attempt = item.attempt
    return {
        "id": item.id,
        "attempt_id": attempt.id,
        "student_id": attempt.student_id,
        "student_name": attempt.student.full_name,
        "question_id": item.assignment_question.question_id,
        "position": item.position,
        "stem": item.assignment_question.version.stem,
        "answer": item.answer,
        "graded": item.fraction is not None,
        "mark": _mark(marking.essay_mark(item)),
        "feedback": item.feedback,
        "attempt_mark": _mark(attempt.mark),
        "lock_version": attempt.lock_version,
    }


@api_route("/assignments/<int:assignment_id>/grading", tag="assignments",
           responses={200: "{submissions: [submission], essays: [essay], waiting}", **ERRORS})
def grading_queue(assignment_id):
    """What the teacher marks by hand: submissions and the essays of submitted attempts, ungraded
    first. Each carries the `lock_version` to send back with its mark."""
    user = g.api_user
    assignment = _managed(assignment_id, user)
    rows, essays = marking.queue(assignment)
    return {"submissions": [submission_json(s, user) for s in rows], "essays": [essay_json(e) for e in essays],
            "waiting": sum(s.graded_at is None for s in rows) + sum(e.fraction is None for e in essays),
            "grades_released_at": iso(assignment.grades_released_at)}


def _grade_args():
    data = _json_body()
    return data.get("mark"), data.get("feedback", ""), data.get("lock_version")


@api_route("/submissions/<int:submission_id>/grade", methods=["PUT"], tag="assignments", body=GRADE_FIELDS,
           responses={200: "submission", **ERRORS, 409: "stale (graded or resubmitted meanwhile)",
                      422: "invalid_fields"})
def grade_submission(submission_id):
    """Mark a submission: `{mark: "7,25", feedback, lock_version}` (the lock_version read with it;
    409 when someone graded it or the student resubmitted meanwhile)."""
    user = g.api_user
    submission = db.session.get(Submission, submission_id)
    if submission is None or not permissions.can_view(user, submission.assignment):
        raise NotFound()
    _managed(submission.assignment_id, user)
    marking.grade_submission(submission, user, *_grade_args())
    db.session.commit()
    return submission_json(db.session.get(Submission, submission_id), user)


@api_route("/essays/<int:item_id>/grade", methods=["PUT"], tag="assignments", body=GRADE_FIELDS,
           responses={200: "essay (with the attempt's new mark)", **ERRORS, 409: "stale | attempt_open",
                      422: "invalid_fields"})
def grade_essay(item_id):
    """Mark one essay of a submitted attempt on the 10-point scale: `{mark, feedback, lock_version}`
    (the attempt's lock_version). The attempt's score and mark are recomputed."""
    user = g.api_user
    item = db.session.get(AttemptQuestion, item_id)
    if item is None or not permissions.can_view(user, item.attempt.assignment) or not marking.is_hand_graded(item):
        raise NotFound()
    _managed(item.attempt.assignment_id, user)
    marking.grade_essay(item, user, *_grade_args())
    db.session.commit()
    return essay_json(db.session.get(AttemptQuestion, item_id))


@api_route("/assignments/<int:assignment_id>/release-grades", methods=["POST"], tag="assignments",
           responses={200: "{grades_released_at, notified}", **ERRORS, 409: "already_released"})
def release_grades(assignment_id):
    """Show the marks to the students; each student who handed in work is notified in-app."""
    user = g.api_user
    assignment = _managed(assignment_id, user)
    told = marking.release_grades(assignment, user)
    db.session.commit()
    return {"grades_released_at": iso(assignment.grades_released_at), "notified": told}


def inquiry_json(inquiry):
    return {
        "id": inquiry.id,
        "assignment_id": inquiry.assignment_id,
        "student_id": inquiry.student_id,
        "student_name": inquiry.student.full_name,
        "body": inquiry.body,
        "public": inquiry.public,
        "created_at": iso(inquiry.created_at),
        "answer": inquiry.answer,
        "answered_at": iso(inquiry.answered_at),
        "answered_by_id": inquiry.answered_by_id,
    }


@api_route("/assignments/<int:assignment_id>/inquiries", tag="assignments",
           responses={200: "{items: [inquiry]}", **ERRORS})
def list_inquiries(assignment_id):
    """The questions about the work the caller may read: every one for the teacher (and the
    school's admin), the public ones and their own for a student."""
    user = g.api_user
    assignment = _assignment(assignment_id, user)
    return {"items": [inquiry_json(i) for i in inquiries.visible(assignment, user)]}


@api_route("/assignments/<int:assignment_id>/inquiries", methods=["POST"], tag="assignments",
           body={"body!": "string", "public": "boolean"}, responses={201: "inquiry", **ERRORS, 422: "invalid_fields"})
def create_inquiry(assignment_id):
    """A student asks the teacher about the work: `{body, public}` (public: the class sees it)."""
    user = g.api_user
    assignment = _assignment(assignment_id, user)
    if not permissions.can_do(user, assignment):
        raise Forbidden(_("Chỉ học sinh được giao bài mới đặt câu hỏi."))
    data = _json_body()
    public = data.get("public", False)
    if not isinstance(public, bool):
        raise ValidationError(_("public phải là true hoặc false."), {"public": _("Phải là true hoặc false.")})
    inquiry = inquiries.ask(assignment, user, data.get("body"), public)
    db.session.commit()
    return inquiry_json(inquiry), 201


@api_route("/inquiries/<int:inquiry_id>/answer", methods=["POST"], tag="assignments",
           body={"answer!": "string"}, responses={200: "inquiry", **ERRORS, 409: "already_answered",
                                                  422: "invalid_fields"})
def answer_inquiry(inquiry_id):
    """The teacher answers a question (once); the student who asked is notified."""
    user = g.api_user
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None or not permissions.can_see_inquiry(user, inquiry):
        raise NotFound()
    _managed(inquiry.assignment_id, user)
    inquiries.answer(inquiry, user, _json_body().get("answer"))
    db.session.commit()
    return inquiry_json(db.session.get(Inquiry, inquiry_id))
