"""/api/v1/questions: create, get, list (mine and the bank with filters), patch, the workflow routes,
who sees answers, and fixed statement counts for the lists."""

import pytest

from lms.extensions import db
from lms.questions.models import Question
from lms.schools.models import Subject, Topic
from tests.conftest import api_token, bearer
from tests.query_budget import cold_tokens, count_queries
from tests.questions_support import SINGLE, fields, make_question


@pytest.fixture
def tokens(client, demo, criteria):
    return {name: bearer(api_token(client, name)) for name in
            ("gv.toan", "gv.toan2", "gv.khtn", "reviewer.toan", "hs.6a1.01", "admin", "bgh.thcs01")}


def _topic(code="toan", grade=6):
    subject = db.session.scalar(db.select(Subject).where(Subject.code == code))
    return db.session.scalar(db.select(Topic).where(Topic.subject_id == subject.id, Topic.grade == grade)
                             .order_by(Topic.position))


def test_create_and_get_with_answers_for_the_owner(client, tokens):
    topic = _topic()
    body = {**fields(), "topic": topic.id}
    response = client.post("/api/v1/questions", json=body, headers=tokens["gv.toan"])
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["state"] == "draft" and created["version"] == 1 and created["topic"] == topic.id
    assert created["data"]["correct"] == "c" and created["explanation"]
    again = client.get(f"/api/v1/questions/{created['id']}", headers=tokens["gv.toan"]).get_json()
    assert again["data"] == created["data"] and again["versions"][0]["stem"] == "Phân số nào lớn nhất?"


def test_create_refuses_a_topic_of_another_subject_and_names_each_field(client, tokens):
    body = {**fields(), "topic": _topic("khtn").id, "level": "kho", "data": {"options": [{"text": "x"}]}}
    response = client.post("/api/v1/questions", json=body, headers=tokens["gv.toan"])
    assert response.status_code == 422
    details = response.get_json()["error"]["details"]
    assert details["topic"] == "Chủ đề/bài học không thuộc môn và khối lớp đã chọn."
    assert "level" in details and "options" in details


def test_only_teachers_create(client, tokens):
    for name in ("hs.6a1.01", "reviewer.toan", "admin"):
        assert client.post("/api/v1/questions", json=fields(), headers=tokens[name]).status_code == 403


def test_other_teachers_drafts_are_404_and_students_never_get_answers(app, client, tokens):
    draft = make_question("draft")
    approved = make_question("approved", stem="Số nào chia hết cho 3?")
    db.session.commit()
    for name in ("gv.toan2", "gv.khtn", "hs.6a1.01"):
        assert client.get(f"/api/v1/questions/{draft.id}", headers=tokens[name]).status_code == 404
    student = client.get(f"/api/v1/questions/{approved.id}", headers=tokens["hs.6a1.01"])
    assert student.status_code == 200
    shown = student.get_json()
    assert shown["data"] == {"options": [{"id": o["id"], "text": o["text"]} for o in SINGLE["options"]]}
    assert "correct" not in student.get_data(as_text=True) and "explanation" not in shown
    assert "versions" not in shown
    teacher = client.get(f"/api/v1/questions/{approved.id}", headers=tokens["gv.toan2"]).get_json()
    assert teacher["data"]["correct"] == "c"
    # The bank is for staff: a student cannot list it.
    assert client.get("/api/v1/questions", headers=tokens["hs.6a1.01"]).status_code == 403


def test_list_mine_and_bank_with_filters(client, tokens):
    make_question("approved", stem="Câu một", level="nhan_biet", tags=["phân số", "ôn tập"])
    make_question("approved", stem="Câu hai", level="van_dung", qtype="true_false", data={"correct": True})
    make_question("draft", stem="Câu nháp")
    make_question("approved", owner="gv.khtn", reviewer="reviewer.khtn", subject="khtn", stem="Câu KHTN")
    db.session.commit()
    mine = client.get("/api/v1/questions?mine=1", headers=tokens["gv.toan"]).get_json()
    assert {q["stem"] for q in mine["items"]} == {"Câu một", "Câu hai", "Câu nháp"}
    bank = client.get("/api/v1/questions?subject=toan", headers=tokens["gv.toan2"]).get_json()
    assert {q["stem"] for q in bank["items"]} == {"Câu một", "Câu hai"}
    assert [q["stem"] for q in client.get("/api/v1/questions?level=van_dung", headers=tokens["gv.toan2"])
            .get_json()["items"]] == ["Câu hai"]
    assert [q["stem"] for q in client.get("/api/v1/questions?qtype=single_choice&subject=toan",
                                          headers=tokens["gv.toan2"]).get_json()["items"]] == ["Câu một"]
    assert [q["stem"] for q in client.get("/api/v1/questions?tags=ôn tập", headers=tokens["gv.toan2"])
            .get_json()["items"]] == ["Câu một"]
    bad = client.get("/api/v1/questions?level=kho&qtype=x", headers=tokens["gv.toan2"])
    assert bad.status_code == 422 and {"level", "qtype"} <= set(bad.get_json()["error"]["details"])


def test_patch_makes_a_new_version_and_the_approved_one_stays_published(client, tokens):
    question = make_question("approved")
    db.session.commit()
    response = client.patch(f"/api/v1/questions/{question.id}", headers=tokens["gv.toan"],
                            json={"stem": "Phân số nào lớn nhất trong ba phân số?", "note": "Rõ hơn"})
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["version"] == 2 and answer["published_version"] == 1 and answer["state"] == "approved"
    reader = client.get(f"/api/v1/questions/{question.id}", headers=tokens["gv.toan2"]).get_json()
    assert reader["stem"] == "Phân số nào lớn nhất?" and reader["version"] == 1
    assert client.patch(f"/api/v1/questions/{question.id}", headers=tokens["gv.toan"],
                        json={"qtype": "essay"}).status_code == 422
    assert client.patch(f"/api/v1/questions/{question.id}", headers=tokens["gv.toan2"],
                        json={"stem": "x"}).status_code == 403


def test_workflow_through_the_api(client, tokens, criteria):
    created = client.post("/api/v1/questions", json=fields(), headers=tokens["gv.toan"]).get_json()
    qid = created["id"]
    assert client.post(f"/api/v1/questions/{qid}/submit", headers=tokens["gv.toan"]).get_json()["state"] == "submitted"
    queue = client.get("/api/v1/reviews/queue?kind=question", headers=tokens["reviewer.toan"]).get_json()
    assert [item["id"] for item in queue["items"]] == [qid] and queue["items"][0]["title"] == "Phân số nào lớn nhất?"
    assert client.post(f"/api/v1/questions/{qid}/claim", headers=tokens["reviewer.toan"]).get_json()["state"] == "in_review"
    decided = client.post(f"/api/v1/questions/{qid}/review", headers=tokens["reviewer.toan"],
                          json={"decision": "approve", "scores": {c.code: 3 for c in criteria}})
    assert decided.status_code == 200 and decided.get_json()["state"] == "approved"
    assert decided.get_json()["published_version"] == 1
    history = client.get(f"/api/v1/questions/{qid}/history", headers=tokens["gv.toan"]).get_json()
    assert [e["to"] for e in history] == ["submitted", "in_review", "approved"]
    assert client.get(f"/api/v1/questions/{qid}/history", headers=tokens["hs.6a1.01"]).status_code == 403
    assert db.session.get(Question, qid).published_version.status == "published"


@pytest.mark.parametrize("url,teacher", [("/api/v1/questions?subject=toan", "gv.toan2"),
                                         ("/api/v1/questions?mine=1", "gv.toan")])
def test_lists_cost_a_fixed_number_of_statements(client, tokens, url, teacher):
    make_question("approved", stem="Câu 0")
    db.session.commit()
    cold_tokens()
    with count_queries() as one:
        assert client.get(url, headers=tokens[teacher]).status_code == 200
    for n in range(1, 25):
        make_question("approved", stem=f"Câu {n}", level="thong_hieu" if n % 2 else "van_dung")
    db.session.commit()
    cold_tokens()
    with count_queries() as many:
        answer = client.get(url, headers=tokens[teacher])
    assert answer.status_code == 200 and len(answer.get_json()["items"]) == 20
    assert len(many) == len(one), many.report()
    assert len(many) <= 8, many.report()
