"""Questions about the work (issue 11.5): private ones seen by their student and the teacher only,
public ones by the whole class; the teacher is notified of a question, the student of the answer."""

import pytest

from lms.assignments.models import Inquiry
from lms.extensions import db
from lms.review.models import Notification
from tests.assignments_work_support import make_assignment, user
from tests.conftest import api_token, bearer, csrf_from


@pytest.fixture
def app_config(app_config):
    # Homework does not search; the search index's writer (another feature's) stays out of the way.
    return {**app_config, "SEARCH_ENABLED": False}


def _ask(client, assignment, username, body, public):
    return client.post(f"/api/v1/assignments/{assignment.id}/inquiries", headers=bearer(api_token(client, username)),
                       json={"body": body, "public": public})


def _seen(client, assignment, username):
    response = client.get(f"/api/v1/assignments/{assignment.id}/inquiries",
                          headers=bearer(api_token(client, username)))
    return response.status_code, [i["body"] for i in (response.get_json() or {}).get("items", [])]


def test_private_and_public_visibility_and_notices(app, demo, client):
    assignment = make_assignment(kind="quiz")
    db.session.commit()
    private = _ask(client, assignment, "hs.6a1.01", "Em bị ốm, có được nộp muộn không ạ?", False)
    public = _ask(client, assignment, "hs.6a1.02", "Câu 3 có cần vẽ hình không ạ?", True)
    assert private.status_code == 201 and public.status_code == 201
    assert private.get_json()["public"] is False

    assert _seen(client, assignment, "hs.6a1.01") == (200, ["Câu 3 có cần vẽ hình không ạ?",
                                                             "Em bị ốm, có được nộp muộn không ạ?"])
    assert _seen(client, assignment, "hs.6a1.03") == (200, ["Câu 3 có cần vẽ hình không ạ?"])
    assert _seen(client, assignment, "gv.toan")[1] == ["Câu 3 có cần vẽ hình không ạ?",
                                                      "Em bị ốm, có được nộp muộn không ạ?"]
    assert _seen(client, assignment, "hs.6a2.01")[0] == 404
    assert _seen(client, assignment, "gv.toan2")[0] == 404

    asked = db.session.scalars(db.select(Notification).where(Notification.message_key == "inquiry_asked")).all()
    assert [n.user_id for n in asked] == [user("gv.toan").id] * 2
    assert any("Em bị ốm" in n.message and assignment.title in n.message for n in asked)

    teacher = api_token(client, "gv.toan")
    answered = client.post(f"/api/v1/inquiries/{private.get_json()['id']}/answer", headers=bearer(teacher),
                           json={"answer": "Được, em nộp trước thứ Sáu nhé."})
    assert answered.status_code == 200 and answered.get_json()["answer"] == "Được, em nộp trước thứ Sáu nhé."
    again = client.post(f"/api/v1/inquiries/{private.get_json()['id']}/answer", headers=bearer(teacher),
                        json={"answer": "Trả lời lần hai"})
    assert again.status_code == 409
    told = db.session.scalars(db.select(Notification.user_id).where(
        Notification.message_key == "inquiry_answered")).all()
    assert told == [user("hs.6a1.01").id]
    # Another student of the class can neither read nor answer the private question.
    other = api_token(client, "hs.6a1.03")
    assert client.post(f"/api/v1/inquiries/{public.get_json()['id']}/answer", headers=bearer(other),
                       json={"answer": "Không cần"}).status_code == 403
    assert client.post(f"/api/v1/inquiries/{private.get_json()['id']}/answer", headers=bearer(other),
                       json={"answer": "x"}).status_code == 404


def test_asking_needs_text_and_an_assigned_student(app, demo, client):
    assignment = make_assignment()
    db.session.commit()
    empty = _ask(client, assignment, "hs.6a1.01", "   ", False)
    assert empty.status_code == 422 and "body" in empty.get_json()["error"]["details"]
    assert _ask(client, assignment, "gv.toan", "Giáo viên hỏi?", False).status_code == 403
    assert _ask(client, assignment, "hs2.6a1.01", "Trường khác hỏi?", False).status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(Inquiry)) == 0


def test_pages_ask_and_answer(app, demo, client):
    assignment = make_assignment()
    db.session.commit()
    from tests.conftest import login

    student = app.test_client()
    login(student, "hs.6a1.01")
    url = f"/assignments/{assignment.id}/inquiries"
    token = csrf_from(student, url)
    refused = student.post(url, data={"csrf_token": token, "body": ""})
    assert refused.status_code in (400, 422)
    done = student.post(url, data={"csrf_token": token, "body": "Riêng em hỏi cô ạ"})
    assert done.status_code == 302
    student.post(url, data={"csrf_token": token, "body": "Cả lớp cùng hỏi", "public": "y"})

    classmate = app.test_client()
    login(classmate, "hs.6a1.05")
    html = classmate.get(url).get_data(as_text=True)
    assert "Cả lớp cùng hỏi" in html and "Riêng em hỏi cô ạ" not in html

    teacher = app.test_client()
    login(teacher, "gv.toan")
    html = teacher.get(url).get_data(as_text=True)
    assert "Cả lớp cùng hỏi" in html and "Riêng em hỏi cô ạ" in html
    private = db.session.scalar(db.select(Inquiry).where(Inquiry.public.is_(False)))
    token = csrf_from(teacher, url)
    answered = teacher.post(f"/assignments/inquiries/{private.id}/answer",
                            data={f"q{private.id}-csrf_token": token, f"q{private.id}-answer": "Cô trả lời em"})
    assert answered.status_code == 302
    assert "Cô trả lời em" in student.get(url).get_data(as_text=True)
    assert "Cô trả lời em" not in classmate.get(url).get_data(as_text=True)
    outsider = app.test_client()
    login(outsider, "hs.6a2.01")
    assert outsider.get(url).status_code == 404
