"""Homework pages: handing in written/file work, the students' questions about the work, the
grading queue and marking, the release of marks.

The student's assignment page (views/student.py) includes the partials
`assignments/_submission.html` and `assignments/_inquiries.html`; they get their data from the
Jinja globals `submission_panel(assignment)` and `inquiry_panel(assignment)` defined here, so the
including page needs nothing but `assignment`. Each form also has a page of its own here, which is
where a refused form comes back with what was typed and each error at its field.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, validate_csrf
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FileField, HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError as CSRFValidationError

from ...core.errors import DomainError, _
from ...core.forms import refuse
from ...extensions import csrf, db
from ...files import filetypes
from ...files import services as files
from ...files import serving as file_serving
from .. import inquiries, marking, permissions, submissions
from ..models import Assignment, AssignmentKind, AttemptQuestion, Inquiry, Submission, SubmissionFile
from . import bp, load_assignment


class SubmissionForm(FlaskForm):
    text = TextAreaField(_l("Bài làm"), description=_l("Gõ bài làm ở đây, hoặc chụp ảnh bài làm trên giấy "
                                                       "và đính kèm bên dưới (hoặc cả hai)."))
    # The extensions the pipeline accepts (HTML5 packages aside). Naming image/jpeg also has iPhones
    # send their HEIC photos as JPEG, which the pipeline accepts.
    file = FileField(_l("Tệp đính kèm"), description=_l("Ảnh (JPEG, PNG, WebP), PDF, Word... Ảnh chụp bằng "
                                                         "điện thoại được xoay đúng chiều khi hiển thị."),
                     render_kw={"accept": ",".join(["image/jpeg", "image/png", *(
                         f".{ext}" for ext, kind in filetypes.ACCEPTED.items() if kind != "html5zip")])})


class AskForm(FlaskForm):
    body = TextAreaField(_l("Câu hỏi của em"), render_kw={"required": True, "rows": 3})
    public = BooleanField(_l("Cho cả lớp cùng xem câu hỏi và câu trả lời"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Trả lời"), render_kw={"required": True, "rows": 3})


class GradeForm(FlaskForm):
    mark = StringField(_l("Điểm (thang 10)"), description=_l("Một chữ số thập phân, ví dụ 7,5; điểm như 7,25 "
                                                              "được làm tròn lên 7,3 theo Thông tư 22."),
                       render_kw={"required": True, "inputmode": "decimal", "autocomplete": "off"})
    feedback = TextAreaField(_l("Nhận xét"), render_kw={"rows": 4})
    lock_version = HiddenField()


# --- loading ----------------------------------------------------------------------------------

def _submission(submission_id):
    submission = db.session.get(Submission, submission_id)
    if submission is None or not permissions.can_see_submission(current_user, submission):
        abort(404)
    return submission


def _file(submission_id, position):
    submission = _submission(submission_id)
    row = db.session.scalar(db.select(SubmissionFile).where(SubmissionFile.submission_id == submission.id,
                                                           SubmissionFile.position == position))
    if row is None:
        abort(404)
    return row


def _check_csrf(form):
    try:
        validate_csrf(form.get("csrf_token") or request.headers.get("X-CSRFToken"))
    except CSRFValidationError as error:
        raise CSRFError(str(error)) from None


def _csrf_without_file(received):
    if received.blob is None:  # with a file, before_file checked it before a byte was stored
        _check_csrf(received.form)


@bp.app_template_global()
def assignment_home(assignment):
    """The assignment's own page (GET /assignments/<id>, views/student.py), where the partials show."""
    return url_for("assignments.inquiry_list", assignment_id=assignment.id).rsplit("/", 1)[0]


# --- the partials' data -----------------------------------------------------------------------

@bp.app_template_global()
def submission_panel(assignment):
    """What `_submission.html` shows the current user for `assignment` (None when nothing)."""
    if not current_user.is_authenticated:
        return None
    manages = permissions.can_manage(current_user, assignment)
    if assignment.kind != AssignmentKind.SUBMISSION and not (manages and assignment.has_quiz):
        return None  # the teacher of a quiz still gets the way to its essays
    mine = permissions.can_do(current_user, assignment)
    submission = submissions.submission_of(assignment, current_user) if mine else None
    return {
        "assignment": assignment,
        "submission": submission,
        "can_submit": mine and submissions.accepts(assignment, submission),
        "closed_reason": submissions.closed_reason(assignment, submission) if mine else None,
        "sees_mark": permissions.sees_marks(current_user, assignment),
        "form": SubmissionForm(formdata=None),
        "manages": manages,
    }


@bp.app_template_global()
def inquiry_panel(assignment):
    """What `_inquiries.html` shows the current user for `assignment`."""
    if not current_user.is_authenticated:
        return None
    shown = inquiries.visible(assignment, current_user)
    manages = permissions.can_manage(current_user, assignment)
    return {
        "assignment": assignment,
        "inquiries": shown,
        "can_ask": permissions.can_do(current_user, assignment),
        "manages": manages,
        "ask_form": AskForm(formdata=None),
        # One answer form per open question, prefixed so that their fields have ids of their own.
        "answer_forms": {q.id: _answer_form(q.id, formdata=None) for q in shown if manages and not q.answered_at},
    }


def _answer_form(inquiry_id, **kwargs):
    return AnswerForm(prefix=f"q{inquiry_id}", **kwargs)


# --- handing in work --------------------------------------------------------------------------

@bp.route("/<int:assignment_id>/submission", methods=["GET", "POST"])
@csrf.exempt  # checked by hand: before the file is stored (before_file), or once the form is read
@login_required
def submission(assignment_id):
    assignment = load_assignment(assignment_id)
    if request.method == "GET":
        return render_template("assignments/submission.html", assignment=assignment,
                               panel=submission_panel(assignment))
    if not permissions.can_do(current_user, assignment):
        abort(403)

    def hand_in(received):
        return submissions.submit_work(assignment, current_user, received.form.get("text"),
                                       [files.upload_of(received)])

    try:
        done = files.receive_and_apply(request, hand_in, before_file=_check_csrf, prepare=_csrf_without_file)
    except DomainError as error:
        assignment = db.session.get(Assignment, assignment_id)
        received = getattr(error, "received", None)
        panel = submission_panel(assignment)
        panel["form"] = SubmissionForm(formdata=MultiDict(received.form) if received else None)
        refuse(panel["form"], error)
        return render_template("assignments/submission.html", assignment=assignment, panel=panel), error.status
    message = _("Đã nộp bài.") if done.count == 1 else _("Đã nộp lại bài (lần %(n)s).", n=done.count)
    if done.late:
        message += " " + _("Bài được ghi là nộp muộn.")
    flash(message, "success")
    return redirect(url_for("assignments.submission", assignment_id=assignment_id))


@bp.route("/submissions/<int:submission_id>/files/<int:position>")
@login_required
def submission_file(submission_id, position):
    """A handed-in file as an attachment, under the name it was handed in with."""
    row = _file(submission_id, position)
    return file_serving.send_download(row.file, row.name or row.file.original_name)


@bp.route("/submissions/<int:submission_id>/files/<int:position>/image")
@login_required
def submission_image(submission_id, position):
    """A photo as shown: the copy re-encoded upright and without its metadata."""
    row = _file(submission_id, position)
    if not row.preview_sha256:
        abort(404)
    return file_serving.send_derived(row.preview_sha256, row.preview_mime)


@bp.route("/submissions/<int:submission_id>/files/<int:position>/thumbnail")
@login_required
def submission_thumbnail(submission_id, position):
    row = _file(submission_id, position)
    if not row.thumbnail_sha256:
        abort(404)
    return file_serving.send_derived(row.thumbnail_sha256, row.thumbnail_mime)


@bp.app_template_global()
def is_image_file(row):
    return filetypes.media_category(row.file.kind_code) == "image"


# --- questions about the work -----------------------------------------------------------------

@bp.route("/<int:assignment_id>/inquiries", methods=["GET", "POST"])
@login_required
def inquiry_list(assignment_id):
    assignment = load_assignment(assignment_id)
    panel = inquiry_panel(assignment)
    if request.method == "POST":
        if not permissions.can_do(current_user, assignment):
            abort(403)
        form = AskForm()
        if form.validate_on_submit():
            try:
                inquiries.ask(assignment, current_user, form.body.data, form.public.data)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                refuse(form, error)
                panel = inquiry_panel(db.session.get(Assignment, assignment_id))
                panel["ask_form"] = form
                return render_template("assignments/inquiries.html", assignment=panel["assignment"],
                                       panel=panel), error.status
            flash(_("Đã gửi câu hỏi cho giáo viên."), "success")
            return redirect(url_for("assignments.inquiry_list", assignment_id=assignment_id))
        panel["ask_form"] = form
        return render_template("assignments/inquiries.html", assignment=assignment, panel=panel), 400
    return render_template("assignments/inquiries.html", assignment=assignment, panel=panel)


@bp.route("/inquiries/<int:inquiry_id>/answer", methods=["POST"])
@login_required
def inquiry_answer(inquiry_id):
    inquiry = db.session.get(Inquiry, inquiry_id)
    if inquiry is None or not permissions.can_see_inquiry(current_user, inquiry):
        abort(404)
    assignment = inquiry.assignment
    if not permissions.can_manage(current_user, assignment):
        abort(403)
    form = _answer_form(inquiry_id)
    target = url_for("assignments.inquiry_list", assignment_id=assignment.id)
    if not form.validate_on_submit():
        flash(_("Biểu mẫu không hợp lệ; hãy tải lại trang."), "danger")
        return redirect(target)
    try:
        inquiries.answer(inquiry, current_user, form.answer.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        refuse(form, error)
        panel = inquiry_panel(db.session.get(Assignment, assignment.id))
        panel["answer_forms"][inquiry_id] = form
        return render_template("assignments/inquiries.html", assignment=panel["assignment"],
                               panel=panel), error.status
    flash(_("Đã trả lời; học sinh sẽ nhận được thông báo."), "success")
    return redirect(target)


# --- grading ----------------------------------------------------------------------------------

@bp.route("/<int:assignment_id>/grading")
@login_required
def grading_queue(assignment_id):
    assignment = load_assignment(assignment_id, permissions.can_manage)
    queued_submissions, essays = marking.queue(assignment)
    waiting = sum(1 for s in queued_submissions if s.graded_at is None) + \
        sum(1 for e in essays if e.fraction is None)
    return render_template("assignments/grading_queue.html", assignment=assignment,
                           submissions=queued_submissions, essays=essays, waiting=waiting)


def _grade_page(template, assignment, form, status=200, **context):
    return render_template(template, assignment=assignment, form=form, **context), status


@bp.route("/<int:assignment_id>/grading/submissions/<int:submission_id>", methods=["GET", "POST"])
@login_required
def grade_submission(assignment_id, submission_id):
    assignment = load_assignment(assignment_id, permissions.can_manage)
    work = db.session.get(Submission, submission_id)
    if work is None or work.assignment_id != assignment.id:
        abort(404)
    if request.method == "GET":
        form = GradeForm(data={"mark": _mark_text(work.mark), "feedback": work.feedback,
                               "lock_version": work.lock_version})
        return _grade_page("assignments/grade_submission.html", assignment, form, work=work)
    form = GradeForm()
    if not form.validate_on_submit():
        return _grade_page("assignments/grade_submission.html", assignment, form, 400, work=work)
    try:
        marking.grade_submission(work, current_user, form.mark.data, form.feedback.data, form.lock_version.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        refuse(form, error)
        work = db.session.get(Submission, submission_id)
        return _grade_page("assignments/grade_submission.html", db.session.get(Assignment, assignment_id),
                           form, error.status, work=work)
    flash(_("Đã lưu điểm %(mark)s cho %(name)s.", mark=_mark_text(work.mark), name=work.student.full_name),
          "success")
    return redirect(url_for("assignments.grading_queue", assignment_id=assignment_id))


@bp.route("/<int:assignment_id>/grading/essays/<int:item_id>", methods=["GET", "POST"])
@login_required
def grade_essay(assignment_id, item_id):
    assignment = load_assignment(assignment_id, permissions.can_manage)
    item = db.session.get(AttemptQuestion, item_id)
    if item is None or item.attempt.assignment_id != assignment.id or not marking.is_hand_graded(item):
        abort(404)
    if request.method == "GET":
        form = GradeForm(data={"mark": _mark_text(marking.essay_mark(item)), "feedback": item.feedback,
                               "lock_version": item.attempt.lock_version})
        return _grade_page("assignments/grade_essay.html", assignment, form, item=item)
    form = GradeForm()
    if not form.validate_on_submit():
        return _grade_page("assignments/grade_essay.html", assignment, form, 400, item=item)
    try:
        marking.grade_essay(item, current_user, form.mark.data, form.feedback.data, form.lock_version.data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        refuse(form, error)
        return _grade_page("assignments/grade_essay.html", db.session.get(Assignment, assignment_id), form,
                           error.status, item=db.session.get(AttemptQuestion, item_id))
    flash(_("Đã lưu điểm câu tự luận của %(name)s.", name=item.attempt.student.full_name), "success")
    return redirect(url_for("assignments.grading_queue", assignment_id=assignment_id))


@bp.route("/<int:assignment_id>/release", methods=["POST"])
@login_required
def release_grades(assignment_id):
    assignment = load_assignment(assignment_id, permissions.can_manage)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        told = marking.release_grades(assignment, current_user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("assignments.grading_queue", assignment_id=assignment_id))
    flash(_("Đã công bố điểm; %(n)s học sinh nhận được thông báo.", n=told), "success")
    return redirect(url_for("assignments.grading_queue", assignment_id=assignment_id))


@bp.app_template_filter("mark")
def _mark_text(value):
    """A mark as Vietnamese write it: 7,3 (empty when there is none)."""
    if value is None:
        return ""
    from ..grading import round_mark

    return str(round_mark(value)).replace(".", ",")


@bp.app_template_filter("lines")
def _lines(text):
    """Plain text typed by a person, escaped, its line breaks kept (no inline styles: the CSP)."""
    from markupsafe import Markup, escape

    return Markup("<br>").join(escape(line) for line in str(text or "").split("\n"))
