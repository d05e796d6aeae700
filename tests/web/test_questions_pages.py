"""Pages of the question bank: authoring keeps what was typed and shows errors at the fields, the
bank's filters, a question's page (answers for staff only, 404 for drafts of others), the bulk
review page, and fixed statement counts for the lists."""

import pytest

from lms.extensions import db
from lms.questions.models import Question
from tests.conftest import csrf_from
from tests.query_budget import count_queries
from tests.questions_support import AIKEN, make_question, user


def test_authoring_a_single_choice_question(client, demo, login_as):
    login_as("gv.toan")
    token = csrf_from(client, "/questions/new")
    form = {"csrf_token": token, "qtype": "single_choice", "subject": "toan", "grade": "6", "level": "thong_hieu",
            "stem": "Tính \\(\\frac{1}{2} + \\frac{1}{3}\\)", "opt_text_0": "\\(\\frac{5}{6}\\)",
            "opt_text_1": "\\(\\frac{2}{5}\\)", "opt_text_3": "1", "tags": "phân số, cộng"}
    refused = client.post("/questions/new", data=form)  # no correct option picked
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="correct-error"' in page and "Chọn đáp án đúng trong các phương án." in page
    assert 'value="\\(\\frac{2}{5}\\)"' in page and "phân số, cộng" in page  # what was typed stays
    assert db.session.scalar(db.select(db.func.count(Question.id))) == 0
    done = client.post("/questions/new", data={**form, "correct": "0"})
    assert done.status_code == 302
    question = db.session.scalar(db.select(Question))
    assert question.current_version.data == {"options": [{"id": "a", "text": "\\(\\frac{5}{6}\\)"},
                                                         {"id": "b", "text": "\\(\\frac{2}{5}\\)"},
                                                         {"id": "c", "text": "1"}], "correct": "a"}
    assert question.tags == ["phân số", "cộng"] and question.level == "thong_hieu"
    detail = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "vendor/katex/katex.min.js" in detail and 'id="answer-key"' in detail


def test_an_error_on_an_option_row_is_shown_at_that_row(client, demo, login_as):
    login_as("gv.toan")
    form = {"csrf_token": csrf_from(client, "/questions/new"), "qtype": "multiple_choice", "subject": "toan",
            "grade": "6", "stem": "Chọn các số chẵn", "opt_text_0": "2", "opt_weight_0": "50", "opt_text_2": "4",
            "opt_weight_2": "abc"}
    page = client.post("/questions/new", data=form).get_data(as_text=True)
    assert 'id="opt_weight_2-error"' in page


def test_students_get_404_on_drafts_and_never_see_answers(client, demo, criteria, login_as):
    draft = make_question("draft")
    approved = make_question("approved", stem="Câu đã duyệt")
    db.session.commit()
    login_as("hs.6a1.01")
    assert client.get(f"/questions/{draft.id}").status_code == 404
    page = client.get(f"/questions/{approved.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Câu đã duyệt" in text and 'id="answer-key"' not in text and "So sánh sau khi quy đồng" not in text
    assert client.get("/questions/").status_code == 403


def test_other_teachers_drafts_are_404(client, demo, login_as):
    draft = make_question("draft")
    db.session.commit()
    login_as("gv.toan2")
    assert client.get(f"/questions/{draft.id}").status_code == 404
    assert client.get(f"/questions/{draft.id}/edit").status_code == 404


def test_the_bank_filters(client, demo, criteria, login_as):
    make_question("approved", stem="Câu nhận biết", level="nhan_biet", tags=["ôn tập"])
    make_question("approved", stem="Câu vận dụng", level="van_dung")
    make_question("draft", stem="Câu nháp")
    db.session.commit()
    login_as("gv.toan2")
    page = client.get("/questions/?subject=toan").get_data(as_text=True)
    assert "Câu nhận biết" in page and "Câu vận dụng" in page and "Câu nháp" not in page
    page = client.get("/questions/?level=van_dung").get_data(as_text=True)
    assert "Câu vận dụng" in page and "Câu nhận biết" not in page
    page = client.get("/questions/?tags=ôn tập").get_data(as_text=True)
    assert "Câu nhận biết" in page and "Câu vận dụng" not in page


@pytest.mark.parametrize("url,teacher", [("/questions/?subject=toan", "gv.toan2"), ("/questions/mine", "gv.toan")])
def test_lists_cost_a_fixed_number_of_statements(client, demo, criteria, login_as, url, teacher):
    make_question("approved", stem="Câu 0")
    db.session.commit()
    login_as(teacher)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    for n in range(1, 25):
        make_question("approved", stem=f"Câu {n}", tags=[f"t{n}"])
    db.session.commit()
    with count_queries() as many:
        page = client.get(url)
    assert page.status_code == 200 and "Câu 24" in page.get_data(as_text=True)
    assert len(many) == len(one), many.report()


def test_bulk_review_approves_and_returns_on_one_page(client, demo, criteria, login_as):
    from lms.questions import services

    record = services.preview_import(user("gv.toan"), "aiken", AIKEN.encode(), "de.txt", "toan", "6")
    first, second = services.confirm_import(user("gv.toan"), record, {})
    services.submit_set(user("gv.toan"), record)
    db.session.commit()
    login_as("reviewer.toan")
    url = f"/questions/imports/{record.id}/review"
    page = client.get(url).get_data(as_text=True)
    assert f'data-question="{first.id}"' in page and f'data-question="{second.id}"' in page
    token = csrf_from(client, url)
    form = {"csrf_token": token, f"q{first.id}_decision": "approve", f"q{second.id}_decision": "request_changes"}
    refused = client.post(url, data=form)  # no scores, no reason: nothing decided
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Thiếu điểm cho tiêu chí" in text and "Cần ghi rõ điều tác giả phải sửa" in text
    assert {q.state for q in db.session.scalars(db.select(Question))} == {"submitted"}
    form.update({f"score_{c.code}": "3" for c in criteria})
    form.update({f"q{second.id}_reason_code": "content_accuracy", f"q{second.id}_comment": "Đáp án chưa đúng."})
    assert client.post(url, data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Question, first.id).state == "approved"
    assert db.session.get(Question, second.id).state == "changes_requested"


def test_demo_questions_are_seeded_through_the_workflow_and_idempotent(app, demo):
    from lms.questions.demo import QUESTIONS, seed_demo_questions

    count = seed_demo_questions()
    db.session.commit()
    assert count == len(QUESTIONS) + 3 and seed_demo_questions() == count
    states = [q.state for q in db.session.scalars(db.select(Question))]
    assert states.count("approved") == len([q for q in QUESTIONS if q[-1] == "approved"])
    assert states.count("submitted") == 3 and states.count("draft") == 1
    qtypes = {q.qtype for q in db.session.scalars(db.select(Question))}
    assert len(qtypes) >= 7 and {q.subject.code for q in db.session.scalars(db.select(Question))} == {"toan", "khtn"}
