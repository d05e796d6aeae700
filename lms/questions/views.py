"""Pages of the question bank: my questions, the shared bank with its filters, a question's page,
authoring (one form for every type, with a live "as the student sees it" preview), import (upload →
preview → confirm), export of a selection, a set submitted together and its bulk review page.

Handlers load (404 unless the user may see the item), authorise (403), call a service, commit
once, then render or redirect. The workflow buttons and the decision form of one question post to
the review engine's item routes (/reviews/items/question/<id>/...), which come back here.
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.authz import require
from ..core.errors import DomainError, Forbidden, ValidationError
from ..core.pagination import paginate
from ..extensions import db
from ..files import serving as file_serving
from ..review import permissions as review_perms
from ..review import queries as review_queries
from ..review.forms import parse_decision_form
from ..review.registry import register_item_page
from ..schools import queries as school_queries
from ..schools.permissions import reviewed_subject_ids
from . import forms, images, permissions, queries, services, types
from .models import FORMAT_LABELS, LEVEL_LABELS, TYPE_LABELS, Question, QuestionImport

bp = Blueprint("questions", __name__, template_folder="templates", url_prefix="/questions")

for _name, _predicate in permissions.PREDICATES.items():
    bp.add_app_template_global(_predicate, _name)
bp.add_app_template_global(lambda qtype, data: types.get(qtype).public(data), "question_public")
bp.add_app_template_global(images.render, "question_text")
bp.add_app_template_global(images.list_html, "question_line")


def _context():
    return {"type_labels": TYPE_LABELS, "level_labels": LEVEL_LABELS, "format_labels": FORMAT_LABELS,
            "rows": forms.ROWS}


def _load(question_id):
    question = queries.get_shown(question_id)
    if question is None or not permissions.can_view(current_user, question):
        abort(404)
    return question


def _load_import(import_id):
    record = db.session.get(QuestionImport, import_id)
    if record is None or not permissions.can_view_import(current_user, record):
        abort(404)
    return record


# --- lists ------------------------------------------------------------------------------------

@bp.route("/")
@require(permissions.can_browse_bank)
def bank():
    filters = queries.BankFilters.from_args(request.args)
    found = paginate(queries.bank(filters), per_page=20)
    return render_template("questions/bank.html", questions=found.items, total=found.total, page=found.page,
                           per_page=found.per_page, filters=filters, subjects=school_queries.subjects(),
                           topics=school_queries.topics(filters.subject, filters.grade) if filters.subject else [],
                           **_context())


@bp.route("/mine")
@require(permissions.can_author)
def mine():
    filters = queries.BankFilters.from_args(request.args)
    found = paginate(queries.owned_by(current_user, filters), per_page=50)
    requests = review_queries.latest_requests([q for q in found.items if q.state in ("changes_requested", "rejected")])
    return render_template("questions/mine.html", questions=found.items, total=found.total, page=found.page,
                           per_page=found.per_page, filters=filters, requests=requests,
                           imports=queries.imports_of(current_user), **_context())


# --- one question -----------------------------------------------------------------------------

@bp.route("/<int:question_id>")
@login_required
def detail(question_id):
    question = _load(question_id)
    version = permissions.visible_version(current_user, question)
    wanted = request.args.get("v", type=int)
    if wanted is not None:
        version = question.version(wanted)
        if not permissions.can_view_version(current_user, question, version):
            abort(404)
    return _detail_page(question, version)


def _detail_page(question, version=None, decision=None):
    """The question's page; `decision` puts a refused decision form back as the reviewer typed it
    (the review engine calls this through its registry)."""
    if version is None:
        version = permissions.visible_version(current_user, question)
    all_versions = permissions.sees_all_versions(current_user, question)
    versions = question.versions if all_versions else [v for v in question.versions
                                                       if v.id == question.published_version_id]
    return render_template(
        "questions/detail.html", question=question, version=version, versions=versions,
        answers=permissions.sees_answers(current_user, question),
        public=types.get(question.qtype).public(version.data) if version else {},
        events=review_queries.history(question) if review_perms.can_see_history(current_user, question) else [],
        request_review=review_queries.latest_request(question) if all_versions else None,
        criteria=review_queries.criteria() if all_versions else [], decision=decision, **_context())


register_item_page(Question.ITEM_TYPE, _detail_page)


def _send_image(file_id):
    stored = images.stored_picture(file_id)
    if stored is None:
        abort(404)
    return file_serving.send_derived(stored.sha256, stored.mime)


@bp.route("/<int:question_id>/images/<int:file_id>")
@login_required
def question_image(question_id, file_id):
    """A picture of a question, only where a version the user may see shows it: in the stem or
    what students receive for anyone who sees the question, in the answers or explanation only for
    those who see the answers (questions/images.py; the API's route asks the same predicate)."""
    question = _load(question_id)
    if not permissions.may_see_image(current_user, question, file_id):
        abort(404)
    return _send_image(file_id)


# --- authoring --------------------------------------------------------------------------------

def _authoring(form, values, errors, question=None, status=200):
    return render_template("questions/edit.html", form=form, values=values, errors=errors, question=question,
                           **_context()), status


def _submitted_fields(qtype):
    data, rows = forms.data_from_form(qtype, request.form)
    fields = {name: request.form.get(name, "") for name in ("subject", "grade", "topic", "level", "stem",
                                                             "explanation", "tags", "outcome")}
    return {**fields, "qtype": qtype, "data": data}, rows


@bp.route("/new", methods=["GET", "POST"])
@require(permissions.can_author)
def new():
    form = forms.QuestionForm()
    if request.method == "GET":
        defaults = _upload_defaults()
        form = forms.QuestionForm(data={**defaults, "qtype": request.args.get("qtype") or "single_choice"})
        return _authoring(form, {}, {})[0]
    if not form.validate_on_submit():  # only the CSRF token: the rules are the service's
        return _authoring(form, request.form, {}, status=400)
    qtype = request.form.get("qtype", "")
    fields, rows = _submitted_fields(qtype)
    try:
        question = services.create_question(current_user, fields, _image())
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        flash(error.message, "danger")
        form.put_errors(error.details)
        return _authoring(form, request.form, forms.field_errors(qtype, error.details, rows), status=error.status)
    flash(_("Đã lưu câu hỏi (bản nháp). Gửi thẩm định khi sẵn sàng."), "success")
    return redirect(url_for("questions.detail", question_id=question.id))


def _image():
    """The picture sent with the question form: (bytes, file name), or None."""
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        return None
    return upload.stream.read(services.MAX_IMAGE_BYTES + 1), upload.filename


def _upload_defaults():
    teachings = school_queries.teachings_of(current_user)
    if not teachings:
        return {}
    first = min(teachings, key=lambda t: (t.classroom.grade, t.subject.position))
    return {"subject": first.subject.code, "grade": str(first.classroom.grade)}


@bp.route("/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit(question_id):
    question = _load(question_id)
    if not permissions.can_edit(current_user, question):
        if question.owner_id != current_user.id:
            raise Forbidden()
        services.check_can_edit(question, current_user)  # says why (409)
    if request.method == "GET":
        version = question.current_version
        form = forms.QuestionForm(data={
            "qtype": question.qtype, "subject": question.subject.code, "grade": str(question.grade),
            "topic": str(question.topic_id or ""), "level": question.level or "", "stem": version.stem,
            "explanation": version.explanation, "tags": ", ".join(question.tags or []), "outcome": question.outcome})
        return _authoring(form, forms.rows_from_data(question.qtype, version.data), {}, question)[0]
    form = forms.QuestionForm()
    if not form.validate_on_submit():
        return _authoring(form, request.form, {}, question, status=400)
    fields, rows = _submitted_fields(question.qtype)
    fields.pop("qtype")
    try:
        services.update_question(question, current_user, fields, request.form.get("note"), _image())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        question = _load(question_id)
        flash(error.message, "danger")
        form.put_errors(error.details)
        return _authoring(form, request.form, forms.field_errors(question.qtype, error.details, rows), question,
                          status=error.status)
    flash(_("Đã lưu phiên bản mới của câu hỏi."), "success")
    return redirect(url_for("questions.detail", question_id=question.id))


# --- import: upload → preview → confirm --------------------------------------------------------

@bp.route("/import", methods=["GET", "POST"])
@require(permissions.can_import)
def import_upload():
    form = forms.ImportForm()
    if request.method == "GET":
        defaults = _upload_defaults()
        replaced = db.session.get(QuestionImport, request.args.get("replace", type=int) or 0)
        if permissions.owns_import(current_user, replaced) and replaced.state == "preview":
            # "Tải tệp khác" from a preview: the same settings, and that preview goes once this one is read
            defaults = {"format": replaced.format, "subject": replaced.subject.code, "grade": str(replaced.grade),
                        "replace": str(replaced.id)}
        form = forms.ImportForm(data=defaults)
        return render_template("questions/import.html", form=form, **_context())
    if not form.validate_on_submit():
        return render_template("questions/import.html", form=form, **_context()), 400
    upload = request.files.get("file")
    data = upload.stream.read(services.MAX_IMPORT_BYTES + 1) if upload else None
    try:
        record = services.preview_import(current_user, request.form.get("format", ""), data,
                                         upload.filename if upload else "", request.form.get("subject"),
                                         request.form.get("grade"), replaces=request.form.get("replace"))
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        flash(error.message, "danger")
        form.put_errors(error.details)
        return render_template("questions/import.html", form=form, **_context()), error.status
    return redirect(url_for("questions.import_detail", import_id=record.id))


@bp.route("/imports/<int:import_id>")
@login_required
def import_detail(import_id):
    record = _load_import(import_id)
    if record.state == "preview":
        return _preview_page(record)
    return _set_page(record)


@bp.route("/imports/<int:import_id>/images/<int:file_id>")
@login_required
def import_image(import_id, file_id):
    """A picture an import stored (its preview shows it), for those who may see the import."""
    record = _load_import(import_id)
    if file_id not in record.image_ids:
        abort(404)
    return _send_image(file_id)


@bp.route("/imports/<int:import_id>/file")
@login_required
def import_file(import_id):
    """The uploaded file itself, as it was sent (an attachment, never shown inline)."""
    record = _load_import(import_id)
    if record.stored_file is None:
        abort(404)
    return file_serving.send_download(record.stored_file, record.filename or record.stored_file.original_name)


def _preview_page(record, choices=None, errors=None, status=200):
    return render_template("questions/preview.html", record=record, choices=choices or {}, errors=errors or {},
                           topics={t.id: t for t in school_queries.topics()}, **_context()), status


def _set_page(record):
    return render_template("questions/set.html", record=record, questions=services.import_questions(record),
                           **_context())


@bp.route("/imports/<int:import_id>/confirm", methods=["POST"])
@login_required
def import_confirm(import_id):
    record = _load_import(import_id)
    if not permissions.owns_import(current_user, record):
        raise Forbidden()
    choices = {key[len("choice_"):]: value for key, value in request.form.items() if key.startswith("choice_")}
    try:
        questions = services.confirm_import(current_user, record, choices)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        record = db.session.get(QuestionImport, import_id)
        flash(error.message, "danger")
        if record.state != "preview":
            return redirect(url_for("questions.import_detail", import_id=import_id))
        return _preview_page(record, choices, error.details, error.status)
    flash(_("Đã nhập %(n)s câu hỏi vào kho (bản nháp). Gửi cả bộ đi thẩm định khi sẵn sàng.", n=len(questions)),
          "success")
    return redirect(url_for("questions.import_detail", import_id=import_id))


@bp.route("/imports/<int:import_id>/cancel", methods=["POST"])
@login_required
def import_cancel(import_id):
    """Cancel a preview: it is deleted with the pictures and the file only it kept."""
    record = _load_import(import_id)
    if not permissions.owns_import(current_user, record):
        raise Forbidden()
    try:
        services.discard_preview(current_user, record)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("questions.import_detail", import_id=import_id))
    flash(_("Đã huỷ bản xem trước; tệp và hình của nó đã được xoá."), "success")
    return redirect(url_for("questions.import_upload"))


@bp.route("/imports/<int:import_id>/submit", methods=["POST"])
@login_required
def import_submit(import_id):
    record = _load_import(import_id)
    if not permissions.owns_import(current_user, record):
        raise Forbidden()
    try:
        count = services.submit_set(current_user, record, request.form.get("comment"))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("Đã gửi %(n)s câu hỏi đi thẩm định.", n=count), "success")
    return redirect(url_for("questions.import_detail", import_id=import_id))


@bp.route("/imports/<int:import_id>/review", methods=["GET", "POST"])
@login_required
def import_review(import_id):
    record = _load_import(import_id)
    if record.state != "confirmed" or not permissions.can_bulk_review(current_user, record):
        raise Forbidden()
    criteria = review_queries.criteria()
    if request.method == "GET":
        return _review_page(record, criteria, {}, {})
    _decision, _comment, scores, _reason = parse_decision_form(request.form, criteria)
    decisions = {}
    for question in services.import_questions(record):
        prefix = f"q{question.id}_"
        decisions[question.id] = {"decision": request.form.get(prefix + "decision", ""),
                                  "reason_code": request.form.get(prefix + "reason_code") or None,
                                  "comment": request.form.get(prefix + "comment", "")}
    try:
        count = services.bulk_decide(current_user, record, decisions, scores)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        record = db.session.get(QuestionImport, import_id)
        flash(error.message, "danger")
        return _review_page(record, criteria, request.form, error.details, error.status)
    flash(_("Đã ghi nhận kết quả thẩm định cho %(n)s câu hỏi.", n=count), "success")
    return redirect(url_for("questions.import_review", import_id=import_id))


def _review_page(record, criteria, values, errors, status=200):
    questions = services.import_questions(record)
    return render_template("questions/bulk_review.html", record=record, questions=questions, criteria=criteria,
                           values=values, errors=errors,
                           pending=[q for q in questions if permissions.in_pool_for(current_user, q)],
                           **_context()), status


@bp.route("/sets")
@require(review_perms.can_use_queue)
def sets():
    """The imported sets waiting in the reviewer's groups: each opens the bulk review page."""
    subject_ids = None if review_perms.can_see_all_queues(current_user) else reviewed_subject_ids(current_user)
    if subject_ids is None:
        subject_ids = [s.id for s in school_queries.subjects()]
    return render_template("questions/sets.html", records=queries.sets_waiting_for(current_user, subject_ids),
                           **_context())


# --- export -----------------------------------------------------------------------------------

@bp.route("/export")
@require(permissions.can_export)
def export():
    try:
        ids = services.parse_ids(",".join(request.args.getlist("ids")))
    except ValidationError as error:
        flash(error.message, "danger")
        return redirect(request.referrer if (request.referrer or "").startswith(request.host_url)
                        else url_for("questions.bank"))
    questions = []
    for question_id in ids:
        question = queries.get_shown(question_id)
        if question is None or not permissions.can_view(current_user, question):
            abort(404)
        questions.append(question)
    data, mimetype, filename = services.export(current_user, request.args.get("format", ""), questions)
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
