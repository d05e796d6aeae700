"""Import (preview → confirm, web and API): all or nothing, duplicates flagged, answers a file did
not tell picked or skipped, confirmed once; export → import round trip through the services."""

import copy
import io

import pytest

from lms.extensions import db
from lms.questions import services
from lms.questions.models import Question, QuestionImport
from tests.conftest import api_token, bearer, csrf_from
from tests.questions_support import AIKEN, make_question, user

BAD_AIKEN = AIKEN + "\nCâu không có đáp án\nA. Một\nB. Hai\n"


def _count():
    return db.session.scalar(db.select(db.func.count(Question.id)))


def test_preview_then_confirm_writes_every_question_once(demo):
    record = services.preview_import(user("gv.toan"), "aiken", AIKEN.encode(), "de.txt", "toan", "6")
    db.session.commit()
    assert [q["line"] for q in record.questions_preview] == [1, 7] and not record.errors
    assert _count() == 0  # a preview writes nothing to the bank
    questions = services.confirm_import(user("gv.toan"), record, {})
    db.session.commit()
    assert [q.current_version.stem for q in questions] == ["Thủ đô của Việt Nam là thành phố nào?",
                                                           "Số nào là số nguyên tố?"]
    assert all(q.state == "draft" and q.import_id == record.id for q in questions)
    assert db.session.get(QuestionImport, record.id).question_ids == [q.id for q in questions]
    with pytest.raises(services.Conflict):
        services.confirm_import(user("gv.toan"), db.session.get(QuestionImport, record.id), {})
    db.session.rollback()
    assert _count() == 2


def test_a_file_with_an_error_writes_nothing(demo):
    record = services.preview_import(user("gv.toan"), "aiken", BAD_AIKEN.encode(), "de.txt", "toan", "6")
    db.session.commit()
    assert record.errors == [{"line": 14, "message": "Câu hỏi bắt đầu ở dòng 14 chưa có dòng ANSWER:."}]
    with pytest.raises(services.ValidationError):
        services.confirm_import(user("gv.toan"), record, {})
    db.session.rollback()
    assert _count() == 0 and db.session.get(QuestionImport, record.id).state == "preview"


def test_duplicates_are_flagged_in_the_preview_but_not_other_teachers_drafts(demo, criteria):
    make_question("approved", stem="THỦ ĐÔ của Việt  Nam là thành phố nào?")  # case and spaces differ
    other = make_question("draft", owner="gv.toan2", stem="Số nào là số nguyên tố?")
    db.session.commit()
    record = services.preview_import(user("gv.toan"), "aiken", AIKEN.encode(), "de.txt", "toan", "6")
    first, second = record.questions_preview
    assert first["duplicate"]["question_id"] is not None and second["duplicate"] is None
    assert other.id not in [q["duplicate"]["question_id"] for q in record.questions_preview if q["duplicate"]]
    twice = services.preview_import(user("gv.toan"), "aiken", (AIKEN + "\n" + AIKEN).encode(), "x.txt", "toan", "6")
    assert twice.questions_preview[3]["duplicate"] == {"question_id": None, "line": 7}


def test_tone_mark_placement_is_the_same_text():
    assert services.text_key("Hoà bình là gì?") == services.text_key("hòa  bình là gì?")
    assert services.text_key("Bà là ai?") != services.text_key("Ba là ai?")


def test_unresolved_answers_are_picked_or_skipped_before_anything_is_written(demo):
    record = services.preview_import(user("gv.toan"), "aiken", AIKEN.encode(), "de.docx", "toan", "6")
    questions = copy.deepcopy(record.result["questions"])
    for item in questions:  # as the Word importer leaves a question whose answer it could not tell
        item["unresolved"] = {"reason": "hai dấu khác nhau", "choices": ["A", "B", "C"], "context": "…"}
        item["data"] = {**item["data"], "correct": ""}
    record.result = {**record.result, "questions": questions}
    db.session.commit()
    with pytest.raises(services.ValidationError) as refused:
        services.confirm_import(user("gv.toan"), record, {"0": "B"})
    assert set(refused.value.details) == {"choice.1"}
    db.session.rollback()
    assert _count() == 0
    record = db.session.get(QuestionImport, record.id)
    made = services.confirm_import(user("gv.toan"), record, {"0": "B", "1": "skip"})
    db.session.commit()
    assert len(made) == 1 and made[0].current_version.data["correct"] == "b"


def test_export_then_import_gives_the_same_questions(demo, criteria):
    made = [make_question("approved", stem=f"Câu {n}: \\(x + {n} = 5\\). Tìm x.") for n in range(3)]
    db.session.commit()
    data, mimetype, filename = services.export(user("gv.toan2"), "aiken", made)
    assert filename.endswith(".txt") and mimetype.startswith("text/plain")
    record = services.preview_import(user("gv.toan2"), "aiken", data, filename, "toan", "6")
    back = services.confirm_import(user("gv.toan2"), record, {})
    assert [(q.current_version.stem, q.current_version.data) for q in back] == \
        [(q.published_version.stem, q.published_version.data) for q in made]
    # Students never export: answers are not theirs to fetch.
    with pytest.raises(services.NotFound):
        services.export(user("hs.6a1.01"), "aiken", made)


@pytest.mark.parametrize("fmt", ["gift", "moodle_xml"])
def test_round_trip_of_every_type_in_gift_and_moodle_xml(demo, criteria, fmt):
    made = [
        make_question("approved", stem="Tính \\(\\frac{1}{2} + \\frac{1}{4}\\)"),
        make_question("approved", qtype="true_false", stem="7 là số nguyên tố.", data={"correct": True}),
        make_question("approved", qtype="short_answer", stem="Thủ đô của Việt Nam?",
                      data={"answers": [{"text": "Hà Nội", "weight": 100}]}),
        make_question("approved", qtype="numerical", stem="1,5 + 2 = ?",
                      data={"answers": [{"value": 3.5, "tolerance": 0.01, "weight": 100}]}),
    ]
    db.session.commit()
    data, _mimetype, filename = services.export(user("gv.toan2"), fmt, made)
    record = services.preview_import(user("gv.toan2"), fmt, data, filename, "toan", "6")
    assert not record.errors, record.errors
    back = services.confirm_import(user("gv.toan2"), record, {})
    assert [(q.qtype, q.current_version.stem, q.current_version.data) for q in back] == \
        [(q.qtype, q.published_version.stem, q.published_version.data) for q in made]


def test_the_api_and_the_page_give_the_same_messages(client, demo):
    token = bearer(api_token(client, "gv.toan"))
    answer = client.post("/api/v1/questions/import", headers=token, data={
        "file": (io.BytesIO(BAD_AIKEN.encode()), "de.txt"), "format": "aiken", "subject": "toan", "grade": "6"})
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["created"] == 0 and body["errors"] == [{"line": 14, "message": "Câu hỏi bắt đầu ở dòng 14 chưa có dòng ANSWER:."}]
    assert _count() == 0
    from tests.conftest import login
    login(client, "gv.toan")
    page = client.post("/questions/import", data={
        "csrf_token": csrf_from(client, "/questions/import"), "format": "aiken", "subject": "toan", "grade": "6",
        "file": (io.BytesIO(BAD_AIKEN.encode()), "de.txt")}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Câu hỏi bắt đầu ở dòng 14 chưa có dòng ANSWER:." in text and 'id="confirm-import"' not in text
    assert _count() == 0


def test_api_import_dry_run_then_for_real(client, demo):
    token = bearer(api_token(client, "gv.toan"))

    def post(**extra):
        return client.post("/api/v1/questions/import", headers=token, data={
            "file": (io.BytesIO(AIKEN.encode()), "de.txt"), "format": "aiken", "subject": "toan", "grade": "6",
            **extra})

    dry = post(dry_run="true")
    assert dry.status_code == 200 and dry.get_json()["created"] == 0
    assert [q["line"] for q in dry.get_json()["questions"]] == [1, 7]
    assert _count() == 0 and db.session.scalar(db.select(db.func.count(QuestionImport.id))) == 0
    real = post()
    assert real.status_code == 201 and real.get_json()["created"] == 2
    assert sorted(real.get_json()["questions"]) == sorted(db.session.scalars(db.select(Question.id)))


def test_the_web_flow_upload_preview_confirm_submit(client, demo, login_as):
    login_as("gv.toan")
    response = client.post("/questions/import", data={
        "csrf_token": csrf_from(client, "/questions/import"), "format": "aiken", "subject": "toan", "grade": "6",
        "file": (io.BytesIO(AIKEN.encode()), "de.txt")})
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "Thủ đô của Việt Nam là thành phố nào?" in page and 'id="confirm-import"' in page
    assert _count() == 0
    token = csrf_from(client, preview_url)
    assert client.post(preview_url + "/confirm", data={"csrf_token": token}).status_code == 302
    assert _count() == 2
    again = client.post(preview_url + "/confirm", data={"csrf_token": token}, follow_redirects=True)
    assert "đã được nhập rồi" in again.get_data(as_text=True) and _count() == 2
    assert client.post(preview_url + "/submit", data={"csrf_token": token}).status_code == 302
    assert set(db.session.scalars(db.select(Question.state))) == {"submitted"}
