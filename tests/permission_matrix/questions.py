"""The question bank's pages and API. gv.toan (the matrix's teacher, THCS01) owns every question
and import here; routes that act get their own, so no action changes what a later route reads.

`draft` is seen by its owner, the school's admin (bgh.thcs01) and the district admin (404 for the
others); `approved` by every signed-in role, its answers by staff only. The bank, the export and
the lists are for staff (403 for students and parents). An import preview is its owner's alone; a
confirmed set is also seen by the reviewers of its subject and the district admin (bulk review).
"""

from .foundation import ALL, only

STAFF = {"teacher", "school_admin", "reviewer", "district_admin"}
SEE_DRAFT = {"teacher", "school_admin", "district_admin"}


def build_question_ids():
    from lms.extensions import db
    from lms.questions import services
    from tests.questions_support import AIKEN, fields, make_question, png, user, walk, word_with_pictures

    def preview(text=AIKEN):
        return services.preview_import(user("gv.toan"), "aiken", text.encode(), "de.txt", "toan", "6")

    def confirmed():
        record = preview()
        services.confirm_import(user("gv.toan"), record, {})
        return record

    ids = {
        "draft": make_question("draft", stem="Bản nháp").id,
        "draft_edit": make_question("draft", stem="Sửa trên trang").id,
        "draft_patch": make_question("draft", stem="Sửa qua API").id,
        "draft_submit": make_question("draft", stem="Gửi qua API").id,
        "submitted_withdraw": make_question("submitted", stem="Rút qua API").id,
        "submitted_claim": make_question("submitted", stem="Nhận qua API").id,
        "in_review_release": make_question("in_review", stem="Trả qua API").id,
        "in_review_review": make_question("in_review", stem="Quyết định qua API").id,
        "approved": make_question("approved", stem="Đã duyệt").id,
        "preview": preview().id,
        "preview_confirm": preview().id,
        "preview_cancel": preview().id,
        "set": confirmed().id,
        "set_submit": confirmed().id,
    }
    pictured = services.create_question(user("gv.toan"), fields(stem="Có hình"), image=(png(), "hinh.png"))
    walk(pictured, "approved")
    ids["approved_image"] = pictured.id
    ids["approved_image_file"] = pictured.current_version.stem.rsplit("(file:", 1)[1].rstrip(")")
    with_pictures = services.preview_import(user("gv.toan"), "docx", word_with_pictures(), "hinh.docx", "toan", "6")
    ids["preview_image"], ids["preview_image_file"] = with_pictures.id, with_pictures.image_ids[0]
    record = db.session.get(services.QuestionImport, ids["set"])
    for question in services.import_questions(record):
        services.review_services.submit(question, user("gv.toan"))
    db.session.commit()
    return {"questions": ids}


def url(template):
    return lambda ids: template.format(**ids["questions"])


def draft_only(owner_status, seers_status, anonymous=302):
    spec = {"anonymous": anonymous}
    for role in ALL:
        spec[role] = owner_status if role == "teacher" else seers_status if role in SEE_DRAFT else 404
    return spec


def owner_only(owner_status, anonymous=302):
    return {"anonymous": anonymous, **{role: owner_status if role == "teacher" else 404 for role in ALL}}


def confirmed_set(owner_status, reviewers_status, anonymous=302):
    """A confirmed set: its owner, the reviewers of its subject and the district admin see it."""
    spec = {"anonymous": anonymous}
    for role in ALL:
        spec[role] = owner_status if role == "teacher" else \
            reviewers_status if role in ("reviewer", "district_admin") else 404
    return spec


ROUTES = {
    # pages
    "questions.bank": {"url": "/questions/", **only(STAFF)},
    "questions.mine": {"url": "/questions/mine", **only({"teacher"})},
    "questions.new": {"url": "/questions/new", **only({"teacher"})},
    "questions.detail": {"url": url("/questions/{draft}"), **draft_only(200, 200)},
    "questions.edit": {"url": url("/questions/{draft_edit}/edit"), **draft_only(200, 403)},
    "questions.import_upload": {"url": "/questions/import", **only({"teacher"})},
    "questions.import_detail": {"url": url("/questions/imports/{preview}"), **owner_only(200)},
    "questions.import_confirm": {"url": url("/questions/imports/{preview_confirm}/confirm"), "method": "POST",
                                 **owner_only(302)},
    "questions.import_cancel": {"url": url("/questions/imports/{preview_cancel}/cancel"), "method": "POST",
                                **owner_only(302)},
    "questions.import_submit": {"url": url("/questions/imports/{set_submit}/submit"), "method": "POST",
                                **confirmed_set(302, 403)},
    "questions.import_review": {"url": url("/questions/imports/{set}/review"), **confirmed_set(403, 200)},
    "questions.question_image": {"url": url("/questions/{approved_image}/images/{approved_image_file}"),
                                 **only(set(ALL))},  # an approved question's stem picture: everyone signed in
    "questions.import_image": {"url": url("/questions/imports/{preview_image}/images/{preview_image_file}"),
                               **owner_only(200)},
    "questions.import_file": {"url": url("/questions/imports/{preview}/file"), **owner_only(200)},
    "questions.sets": {"url": "/questions/sets", **only({"reviewer", "district_admin"})},
    "questions.export": {"url": url("/questions/export?format=aiken&ids={approved}"), **only(STAFF)},
    # API
    "api.create_question": {"url": "/api/v1/questions", "method": "POST",
                            **only({"teacher"}, ok=422, anonymous=401)},  # no body: 422
    "api.list_questions": {"url": "/api/v1/questions", **only(STAFF, anonymous=401)},
    "api.get_question": {"url": url("/api/v1/questions/{draft}"), **draft_only(200, 200, anonymous=401)},
    "api.question_image": {"url": url("/api/v1/questions/{approved_image}/images/{approved_image_file}"),
                           **only(set(ALL), anonymous=401)},  # as questions.question_image, by token
    "api.update_question": {"url": url("/api/v1/questions/{draft_patch}"), "method": "PATCH",
                            **draft_only(422, 403, anonymous=401)},  # no body: 422
    "api.import_questions": {"url": "/api/v1/questions/import", "method": "POST",
                             **only({"teacher"}, ok=422, anonymous=401)},  # no file: 422
    "api.export_questions": {"url": url("/api/v1/questions/export?format=aiken&ids={approved}"),
                             **only(STAFF, anonymous=401)},
    "api.questions_submit": {"url": url("/api/v1/questions/{draft_submit}/submit"), "method": "POST",
                             **draft_only(200, 403, anonymous=401)},
    "api.questions_withdraw": {"url": url("/api/v1/questions/{submitted_withdraw}/withdraw"), "method": "POST",
                               **{**draft_only(200, 403, anonymous=401), "reviewer": 403}},
    "api.questions_claim": {"url": url("/api/v1/questions/{submitted_claim}/claim"), "method": "POST",
                            **{**draft_only(403, 403, anonymous=401), "reviewer": 200, "district_admin": 200}},
    "api.questions_release": {"url": url("/api/v1/questions/{in_review_release}/release"), "method": "POST",
                              **{**draft_only(403, 403, anonymous=401), "reviewer": 200, "district_admin": 200}},
    "api.questions_review": {"url": url("/api/v1/questions/{in_review_review}/review"), "method": "POST",
                             **{**draft_only(422, 422, anonymous=401), "reviewer": 422}},
    "api.questions_history": {"url": url("/api/v1/questions/{draft}/history"),
                              **draft_only(200, 200, anonymous=401)},
}
