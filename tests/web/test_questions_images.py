"""Pictures in questions (issue 10): a Word file's pictures are stored through lms/files and shown
in the preview and the bank, a picture that is not an image is an error naming its paragraph,
a picture uploaded with the question form is stored the same way; images are served with the
store's safe headers and never lead a student to an answer. Also: the imported file is kept and
downloadable, and a set submitted together notifies each reviewer once."""

import io
import re

from PIL import Image

from lms.extensions import db
from lms.files.models import StoredFile
from lms.files.store import file_store
from lms.questions import services
from lms.questions.models import Question, QuestionImport
from lms.review.models import Notification
from tests.conftest import csrf_from
from tests.questions_support import AIKEN, approve, png, user, word_with_pictures

IMG = re.compile(r'<img class="question-image" src="([^"]+)"')


def switch(client, login_as, username):
    """Sign out whoever is signed in, then sign in as `username`."""
    client.post("/logout", data={"csrf_token": csrf_from(client, "/account/password")})
    login_as(username)


def _preview(data, owner="gv.toan"):
    record = services.preview_import(user(owner), "docx", data, "hinh.docx", "toan", "6")
    db.session.commit()
    return record


def test_word_pictures_are_stored_shown_in_the_preview_and_kept_in_the_bank(client, demo, login_as):
    record = _preview(word_with_pictures())
    assert record.errors == []
    first = record.questions_preview[0]
    stem_ids = [int(i) for i in re.findall(r"\(file:(\d+)\)", first["stem"])]
    option_ids = [int(i) for i in re.findall(r"\(file:(\d+)\)", first["data"]["options"][1]["text"])]
    assert len(stem_ids) == 1 and len(option_ids) == 1 and sorted(record.image_ids) == sorted(stem_ids + option_ids)
    stored = db.session.get(StoredFile, stem_ids[0])
    assert stored.mime == "image/png" and stored.kind_code == "png"
    assert first["stem"].startswith("Hình nào là hình tam giác?")
    login_as("gv.toan")
    page = client.get(f"/questions/imports/{record.id}").get_data(as_text=True)
    sources = IMG.findall(page)
    assert f"/questions/imports/{record.id}/images/{stem_ids[0]}" in sources
    image = client.get(f"/questions/imports/{record.id}/images/{stem_ids[0]}")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff" and image.headers["Content-Security-Policy"] == "sandbox"
    assert Image.open(io.BytesIO(image.data)).size == (6, 4)
    other = StoredFile.query.filter(StoredFile.id.notin_(record.image_ids)).first()
    if other is not None:
        assert client.get(f"/questions/imports/{record.id}/images/{other.id}").status_code == 404
    ids = [q.id for q in services.confirm_import(user("gv.toan"), db.session.get(QuestionImport, record.id), {})]
    db.session.commit()
    questions = [db.session.get(Question, i) for i in ids]
    assert f"(file:{stem_ids[0]})" in questions[0].current_version.stem
    detail = client.get(f"/questions/{questions[0].id}").get_data(as_text=True)
    assert f"/questions/{questions[0].id}/images/{stem_ids[0]}" in IMG.findall(detail)
    assert client.get(f"/questions/{questions[0].id}/images/{option_ids[0]}").status_code == 200
    assert client.get(f"/questions/{questions[1].id}/images/{stem_ids[0]}").status_code == 404  # not its picture
    switch(client, login_as, "gv.toan2")
    assert client.get(f"/questions/imports/{record.id}/images/{stem_ids[0]}").status_code == 404
    assert client.get(f"/questions/{questions[0].id}/images/{stem_ids[0]}").status_code == 404  # a draft


def test_a_picture_that_is_not_an_image_is_an_error_naming_its_paragraph(demo):
    record = _preview(word_with_pictures(broken=True))
    assert [e["line"] for e in record.errors] == [4]
    assert "Đoạn 4:" in record.errors[0]["message"] and "tài liệu PDF" in record.errors[0]["message"]
    with __import__("pytest").raises(services.ValidationError):
        services.confirm_import(user("gv.toan"), record, {})
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0


def _form(client, **overrides):
    form = {"csrf_token": csrf_from(client, "/questions/new"), "qtype": "single_choice", "subject": "toan",
            "grade": "6", "stem": "Đây là hình gì?", "opt_text_0": "Tam giác", "opt_text_1": "Hình tròn",
            "correct": "0", "explanation": "Vì nó có ba cạnh."}
    form.update(overrides)
    return form


def test_a_picture_uploaded_with_the_question_form_is_stored_and_shown(client, demo, criteria, login_as):
    login_as("gv.toan")
    refused = client.post("/questions/new", data=_form(client, image=(io.BytesIO(b"%PDF-1.4 x"), "hinh.png")),
                          content_type="multipart/form-data")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="image-error"' in page and "không phải ảnh" in page and "Đây là hình gì?" in page
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0
    done = client.post("/questions/new", data=_form(client, image=(io.BytesIO(png(comment=b"<script>")), "a.png")),
                       content_type="multipart/form-data")
    assert done.status_code == 302
    question = db.session.scalar(db.select(Question))
    (file_id,) = [int(i) for i in re.findall(r"\(file:(\d+)\)", question.current_version.stem)]
    assert question.current_version.stem == f"Đây là hình gì?\n![](file:{file_id})"
    stored = db.session.get(StoredFile, file_id)
    with file_store().open(stored.sha256) as handle:
        assert b"<script>" not in handle.read()  # what is kept is the re-encoded copy
    detail = client.get(f"/questions/{question.id}").get_data(as_text=True)
    assert f"/questions/{question.id}/images/{file_id}" in IMG.findall(detail)


def _edit(client, question, **fields):
    edit = f"/questions/{question.id}/edit"
    form = {"csrf_token": csrf_from(client, edit), "subject": "toan", "grade": "6", "opt_text_0": "Tam giác",
            "opt_text_1": "Không", "correct": "0", "explanation": "Vì nó có ba cạnh."}
    form.update(fields)
    response = client.post(edit, data=form, content_type="multipart/form-data")
    db.session.expire_all()
    return response, db.session.get(Question, question.id)


def test_students_get_pictures_of_the_stem_and_options_never_of_the_explanation(client, demo, criteria, login_as):
    other = services.store_image((png((1, 2, 3)), "cua-nguoi-khac.png"))
    db.session.commit()
    login_as("gv.toan")
    # A typed marker naming a picture the question was not given is refused at its field.
    refused = client.post("/questions/new", data=_form(client, stem=f"Lấy hình ![](file:{other.id})"))
    assert refused.status_code == 422 and f"file:{other.id}" in refused.get_data(as_text=True)
    client.post("/questions/new", data=_form(client, image=(io.BytesIO(png((1, 2, 4))), "de.png")),
                content_type="multipart/form-data")
    question = db.session.scalar(db.select(Question))
    # Two more pictures through the form's image field (each lands at the end of the stem) ...
    for picture in (png((4, 5, 6)), png((7, 8, 9))):
        response, question = _edit(client, question, stem=question.current_version.stem,
                                   image=(io.BytesIO(picture), "hinh.png"))
        assert response.status_code == 302
    stem_id, option_id, answer_id = [int(i) for i in re.findall(r"\(file:(\d+)\)", question.current_version.stem)]
    # ... then moved by the teacher: the second into option A, the third into the explanation.
    response, question = _edit(client, question, stem=f"Đây là hình gì?\n![](file:{stem_id})",
                               opt_text_0=f"![A](file:{option_id})", explanation=f"Xem ![](file:{answer_id})")
    assert response.status_code == 302 and f"file:{answer_id}" in question.current_version.explanation
    response, _question = _edit(client, question, stem=f"Đây là hình gì?\n![](file:{stem_id})",
                                explanation=f"![](file:{other.id})")
    assert response.status_code == 422  # still not its picture
    services.review_services.submit(question, user("gv.toan"))
    services.review_services.claim(question, user("reviewer.toan"))
    approve(question)
    db.session.commit()
    switch(client, login_as, "hs.6a1.01")
    base = f"/questions/{question.id}/images/"
    assert client.get(base + str(stem_id)).status_code == 200
    assert client.get(base + str(option_id)).status_code == 200
    assert client.get(base + str(answer_id)).status_code == 404  # the explanation is an answer
    assert client.get(base + str(other.id)).status_code == 404
    page = client.get(f"/questions/{question.id}").get_data(as_text=True)
    assert base + str(option_id) in page and base + str(answer_id) not in page
    switch(client, login_as, "gv.toan2")
    assert client.get(base + str(answer_id)).status_code == 200  # staff see the explanation


def test_the_imported_file_is_kept_and_downloadable(client, demo, login_as):
    data = word_with_pictures()
    record = _preview(data)
    assert record.stored_file is not None and record.stored_file.kind_code == "docx"
    aiken = services.preview_import(user("gv.toan"), "aiken", AIKEN.encode(), "de.txt", "toan", "6")
    db.session.commit()
    assert aiken.stored_file.mime.startswith("text/plain") and aiken.stored_file.kind_code == "text"
    login_as("gv.toan")
    assert f'href="/questions/imports/{record.id}/file"' in client.get(f"/questions/imports/{record.id}").get_data(
        as_text=True)
    download = client.get(f"/questions/imports/{record.id}/file")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Disposition"].startswith("attachment") and "hinh.docx" in \
        download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/questions/imports/{aiken.id}/file").data == AIKEN.encode()
    switch(client, login_as, "reviewer.toan")  # a preview is its owner's alone
    assert client.get(f"/questions/imports/{record.id}/file").status_code == 404


def test_a_set_submitted_together_notifies_each_reviewer_once(demo):
    record = services.preview_import(user("gv.toan"), "aiken", AIKEN.encode(), "de.txt", "toan", "6")
    questions = services.confirm_import(user("gv.toan"), record, {})
    db.session.commit()
    reviewer = user("reviewer.toan")
    before = db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.user_id == reviewer.id))
    assert services.submit_set(user("gv.toan"), record) == len(questions) == 2
    db.session.commit()
    notes = db.session.scalars(db.select(Notification).where(Notification.user_id == reviewer.id)
                               .order_by(Notification.id)).all()[before:]
    assert [n.message_key for n in notes] == ["set_submitted"]
    assert notes[0].link == f"/questions/imports/{record.id}/review" and "bộ 2 câu hỏi “de.txt”" in notes[0].message
    assert all(q.state == "submitted" for q in questions)


def test_the_api_serves_a_questions_pictures_by_the_pages_rule(client, demo, criteria):
    from tests.conftest import api_token, bearer
    from tests.questions_support import fields, walk

    teacher = user("gv.toan")
    question = services.create_question(teacher, fields(stem="Hình nào?"), image=(png((1, 1, 1)), "de.png"))
    services.update_question(question, teacher, {"stem": question.current_version.stem}, "hình 2",
                             image=(png((2, 2, 2)), "giai.png"))
    stem_id, answer_id = [int(i) for i in re.findall(r"\(file:(\d+)\)", question.current_version.stem)]
    services.update_question(question, teacher, {"stem": f"Hình nào?\n![](file:{stem_id})",
                                                 "explanation": f"Xem ![](file:{answer_id})"}, "lời giải có hình")
    walk(question, "approved")
    draft = services.create_question(teacher, fields(stem="Nháp"), image=(png((3, 3, 3)), "nhap.png"))
    db.session.commit()
    (draft_id,) = [int(i) for i in re.findall(r"\(file:(\d+)\)", draft.current_version.stem)]
    base = f"/api/v1/questions/{question.id}/images/"

    student = bearer(api_token(client, "hs.6a1.01"))
    shown = client.get(f"/api/v1/questions/{question.id}", headers=student).get_json()
    assert shown["images"] == {str(stem_id): base + str(stem_id)}  # not the explanation's picture
    image = client.get(base + str(stem_id), headers=student)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff" and image.headers["Content-Security-Policy"] == "sandbox"
    assert client.get(base + str(answer_id), headers=student).status_code == 404  # an answer's picture
    assert client.get(base + str(draft_id), headers=student).status_code == 404  # another question's
    assert client.get(base + str(stem_id)).status_code == 401

    colleague = bearer(api_token(client, "gv.toan2"))  # another school's teacher: staff, sees answers
    shown = client.get(f"/api/v1/questions/{question.id}", headers=colleague).get_json()
    assert set(shown["images"]) == {str(stem_id), str(answer_id)}
    assert client.get(base + str(answer_id), headers=colleague).status_code == 200
    assert client.get(f"/api/v1/questions/{draft.id}/images/{draft_id}", headers=colleague).status_code == 404
    owner = bearer(api_token(client, "gv.toan"))
    mine = client.get(f"/api/v1/questions/{draft.id}", headers=owner).get_json()
    assert mine["images"] == {str(draft_id): f"/api/v1/questions/{draft.id}/images/{draft_id}"}
    assert client.get(mine["images"][str(draft_id)], headers=owner).status_code == 200
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "get" in spec["paths"]["/api/v1/questions/{question_id}/images/{file_id}"]
