"""/api/v1/questions: the question bank over the same services as the pages.

Answers (correct options, weights, accepted answers, explanations) are in an answer only for
staff who may see the question (questions.permissions.sees_answers); a student who fetches an
approved question gets what a student's browser may receive (types.public).
"""

from flask import Response, g, request, url_for

from ..core.authz import authorize
from ..core.errors import NotFound, ValidationError, _
from ..core.pagination import api_list
from ..core.timeutil import iso
from ..extensions import db
from ..files import serving as file_serving
from ..questions import cleanup, images, permissions, queries, services, types
from ..questions.formats import FORMATS
from ..schools.reference import SUBJECTS
from .auth import api_route
from .openapi import MAX_ID, PAGING, enum, integer
from .review import register_workflow_api

ERRORS = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}
SUBJECT = enum(code for code, _name_vi, _name_en in SUBJECTS)
GRADE = integer(6, 8)
FIELDS = {
    "subject": SUBJECT, "grade": GRADE, "topic": integer(1, MAX_ID), "level": enum(types.LEVELS),
    "qtype": enum(types.TYPES), "stem": "string", "data": "object", "explanation": "string",
    "tags": {"type": "array", "items": {"type": "string"}}, "outcome": "string", "note": "string",
}
CREATE_FIELDS = {**{k: v for k, v in FIELDS.items() if k not in ("subject", "grade", "qtype", "stem", "data")},
                 "subject!": SUBJECT, "grade!": GRADE, "qtype!": enum(types.TYPES), "stem!": "string",
                 "data!": "object"}
LIST_QUERY = {
    "subject": SUBJECT, "grade": GRADE, "topic": integer(1, MAX_ID), "level": enum(types.LEVELS),
    "qtype": enum(types.TYPES), "tags": "string", "q": "string", "mine": enum(["1", "true"]), **PAGING,
}
IMPORT_FIELDS = {"file!": "binary", "format!": enum(FORMATS), "subject!": SUBJECT, "grade!": GRADE,
                 "dry_run": enum(["true", "false", "1", "0"])}
EXPORT_QUERY = {"format!": enum(services.EXPORT_FORMATS), "ids!": "string"}


def load_question(question_id, user):
    """The question, or NotFound (404) when the user may not know it exists."""
    question = queries.get_shown(question_id)
    if question is None or not permissions.can_view(user, question):
        raise NotFound()
    return question


def version_json(version, with_answers):
    answer = {"number": version.number, "status": version.status, "note": version.note,
              "created_by_id": version.created_by_id, "created_at": iso(version.created_at),
              "stem": version.stem}
    if with_answers:
        answer.update({"data": version.data, "explanation": version.explanation})
    return answer


def question_json(question, user):
    """API.md's question as `user` may see it: staff get the answers, others the student's view."""
    shown = permissions.visible_version(user, question)
    with_answers = permissions.sees_answers(user, question)
    all_versions = permissions.sees_all_versions(user, question)
    qtype = types.get(question.qtype)
    data = None
    if shown is not None:
        data = shown.data if with_answers else qtype.public(shown.data)
    answer = {
        "id": question.id,
        "subject": question.subject.code,
        "grade": question.grade,
        "topic": question.topic_id,
        "level": question.level,
        "qtype": question.qtype,
        "tags": list(question.tags or []),
        "outcome": question.outcome,
        "state": question.state,
        "lock_version": question.lock_version,
        "owner_id": question.owner_id,
        "school_id": question.school_id,
        "version": shown.number if shown else None,
        "published_version": question.published_version.number if question.is_published() else None,
        "stem": shown.stem if shown else None,
        "data": data,
        "created_at": iso(question.created_at),
        "updated_at": iso(question.updated_at),
        "url": url_for("questions.detail", question_id=question.id),
    }
    if with_answers:
        answer["explanation"] = shown.explanation if shown else ""
    if all_versions:
        answer["versions"] = [version_json(v, with_answers) for v in question.versions]
    # Each picture marker ![alt](file:ID) in what this answer holds, with the URL to fetch it by
    # token (GET /questions/{id}/images/{file_id}, which answers for these and no others).
    answer["images"] = images.urls(
        lambda file_id: url_for("api.question_image", question_id=question.id, file_id=file_id),
        answer["stem"], answer["data"], answer.get("explanation"), *(
            (v["stem"], v.get("data"), v.get("explanation")) for v in answer.get("versions", ())))
    return answer


def _json_body():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(_("Cần một đối tượng JSON."), {"body": "object"})
    return data


@api_route("/questions", methods=["POST"], tag="questions", body=CREATE_FIELDS,
           responses={201: "question", **ERRORS, 422: "invalid_fields"})
def create_question():
    """Write a question (JSON: subject, grade, topic, level, qtype, stem, data, explanation, tags)."""
    user = g.api_user
    authorize(permissions.can_author(user), _("Chỉ giáo viên soạn câu hỏi."))
    question = services.create_question(user, _json_body())
    db.session.commit()
    return question_json(queries.get_shown(question.id), user), 201


@api_route("/questions", tag="questions", query=LIST_QUERY,
           responses={200: "{items, total, page, per_page}", 401: "unauthenticated", 403: "forbidden",
                      422: "invalid_fields"})
def list_questions():
    """The bank of approved questions (?subject=&grade=&topic=&level=&qtype=&tags=a,b&q=), for
    staff; ?mine=1 lists the caller's own questions in every state instead."""
    user = g.api_user
    filters = queries.BankFilters.from_args(request.args, strict=True)
    if request.args.get("mine") in ("1", "true"):
        authorize(permissions.can_author(user))
        return api_list(queries.owned_by(user, filters).options(queries.ALL_VERSIONS),
                        lambda q: question_json(q, user))
    authorize(permissions.can_browse_bank(user), _("Ngân hàng câu hỏi dành cho giáo viên và cán bộ quản lí."))
    return api_list(queries.bank(filters), lambda q: question_json(q, user))


@api_route("/questions/<int:question_id>", tag="questions",
           responses={200: "question", 304: "not modified (If-None-Match)", **ERRORS})
def get_question(question_id):
    """One question as the caller may see it (answers only for staff who may see them)."""
    user = g.api_user
    return question_json(load_question(question_id, user), user)


@api_route("/questions/<int:question_id>/images/<int:file_id>", tag="questions",
           responses={200: "the picture (image/png, jpeg, gif or webp: the stored re-encoded copy)", **ERRORS})
def question_image(question_id, file_id):
    """A picture a question's text refers to (`![alt](file:ID)`; the question's `images` map gives
    its URL), by the same rule as the page's /questions/{id}/images/{file_id}: a picture of the
    stem or of what students receive for anyone who may see the question, of the answers or the
    explanation only for staff who see the answers; any other is 404. Served as the file store
    serves pictures: nosniff, Content-Security-Policy: sandbox, no active content."""
    user = g.api_user
    question = load_question(question_id, user)
    stored = images.stored_picture(file_id) if permissions.may_see_image(user, question, file_id) else None
    if stored is None:
        raise NotFound()
    return file_serving.send_derived(stored.sha256, stored.mime)


@api_route("/questions/<int:question_id>", methods=["PATCH"], tag="questions", body=FIELDS,
           responses={200: "question", **ERRORS, 409: "invalid_transition", 422: "invalid_fields"})
def update_question(question_id):
    """Change fields (JSON); a changed stem, data or explanation is a new version. The owner, while
    the question is not under review."""
    user = g.api_user
    question = load_question(question_id, user)
    services.check_can_edit(question, user)
    data = _json_body()
    services.update_question(question, user, data, data.get("note"))
    db.session.commit()
    return question_json(queries.get_shown(question_id), user)


def _import_answer(created, questions, problems, status):
    body = {"created": created, "questions": questions, "errors": problems}
    if status >= 400:
        body["error"] = {"code": "invalid_file", "message": _("Tệp có lỗi nên chưa câu hỏi nào được nhập."),
                         "details": {"errors": problems}}
    return body, status


def _file_bytes():
    upload = request.files.get("file")
    if upload is None:
        return None, ""
    data = upload.stream.read(services.MAX_IMPORT_BYTES + 1)
    return data, upload.filename or ""


def _forget_files(sha256s):
    """Roll the import back and take the files its preview stored with it (questions/cleanup.py)."""
    db.session.rollback()
    cleanup.release_digests(sha256s)
    db.session.commit()
    cleanup.remove_bytes(sha256s)


@api_route("/questions/import", methods=["POST"], tag="questions", multipart=IMPORT_FIELDS,
           responses={201: "{created, questions: [ids], errors: []}",
                      200: "dry_run: {created: 0, questions: [as understood], errors: []}",
                      **ERRORS, 422: "{created: 0, questions: [], errors: [{line, message}]} (nothing written)"})
def import_questions():
    """Import a question file (multipart: file, format, subject, grade, optional dry_run=true). A
    file with any error, or a Word answer that could not be told, writes nothing (422)."""
    user = g.api_user
    authorize(permissions.can_import(user), _("Chỉ giáo viên nhập câu hỏi."))
    data, filename = _file_bytes()
    form = request.form
    dry_run = (form.get("dry_run") or "").lower() in ("1", "true", "yes")
    try:
        record, questions = services.import_file(user, form.get("format") or "", data, filename,
                                                 form.get("subject"), form.get("grade"), dry_run=dry_run)
    except services.ImportRefused as refused:
        _forget_files(cleanup.digests(refused.record))  # the pictures and file the refused preview stored
        return _import_answer(0, [], refused.problems, 422)
    except ValidationError as error:
        db.session.rollback()
        problems = [{"line": None, "field": k, "message": str(v)} for k, v in error.details.items()]
        body, status = _import_answer(0, [], problems, 422)
        body["error"]["message"], body["error"]["details"] = error.message, error.details
        return body, status
    if dry_run:
        shown = [{k: q[k] for k in ("line", "qtype", "stem", "data", "explanation", "level", "tags", "topic",
                                    "notes", "duplicate")} for q in record.questions_preview]
        _forget_files(cleanup.digests(record))  # a dry run keeps nothing, not the preview nor its files
        return _import_answer(0, shown, [], 200)
    db.session.commit()
    return _import_answer(len(questions), list(record.question_ids), [], 201)


@api_route("/questions/export", tag="questions", query=EXPORT_QUERY,
           responses={200: "the file", **ERRORS, 422: "invalid_fields"})
def export_questions():
    """The questions ?ids=1,2,3 in ?format=gift|moodle_xml|aiken (Aiken: single-choice only)."""
    user = g.api_user
    authorize(permissions.can_export(user))
    ids = services.parse_ids(request.args.get("ids"))
    questions = [load_question(i, user) for i in ids]
    data, mimetype, filename = services.export(user, request.args.get("format") or "", questions)
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


register_workflow_api("questions", load_question, question_json)
