"""The lists of handed-in work cost a fixed number of SQL statements whatever their length: the
grading queue (page and API: submissions with their files, essays with their student and
question), the questions about the work (page and API, for the teacher and for a student), the
submissions endpoint. Each is counted with one row, then with many more."""

import re

import pytest

from lms.assignments import inquiries, submissions
from lms.extensions import db
from lms.files.services import upload_from_bytes
from tests.assignments_work_support import (
    make_assignment,
    make_quiz_with_essays,
    make_submitted_attempt,
    png_bytes,
    user,
)
from tests.conftest import api_token, bearer, login
from tests.query_budget import budget, cold_tokens, count_queries

MORE = range(2, 21)  # hs.6a1.02 … hs.6a1.20 join hs.6a1.01


@pytest.fixture
def app_config(app_config):
    # Homework does not search; the search index's writer (another feature's) stays out of the way.
    return {**app_config, "SEARCH_ENABLED": False}


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def hand_in(assignment, number):
    student = user(f"hs.6a1.{number:02d}")
    submissions.submit_work(assignment, student, f"Bài làm số {number}",
                            [upload_from_bytes(png_bytes(color=(number, 0, 0)), f"bai-{number}.png")])


def fixed_cost(lists, add_rows, limit):
    """Count one GET of each (client, url, headers), add rows, count again: equal, and at most
    `limit` each."""
    first = [len(budget(client, url, headers)) for client, url, headers in lists]
    add_rows()
    for (client, url, headers), before in zip(lists, first, strict=True):
        cold_tokens()
        with count_queries() as after:
            response = client.get(url, headers=headers or {})
        assert response.status_code == 200
        assert before == len(after), f"{url}: {before} statements with one row, {len(after)} with more\n" \
                                     f"{after.report()}"
        assert len(after) <= limit, f"{url}: {len(after)} statements (budget {limit})\n{after.report()}"
    return first


def test_grading_queue_page_and_api(app, demo):
    work = make_assignment()
    quiz = make_quiz_with_essays(essays=2)
    hand_in(work, 1)
    make_submitted_attempt(quiz, "hs.6a1.01")
    db.session.commit()

    def more_work():
        for n in MORE:
            hand_in(work, n)
            make_submitted_attempt(quiz, f"hs.6a1.{n:02d}")
        db.session.commit()

    teacher = signed_in(app, "gv.toan")
    token = bearer(api_token(app.test_client(), "gv.toan"))
    api = app.test_client()
    fixed_cost([(teacher, f"/assignments/{work.id}/grading", None),
                (teacher, f"/assignments/{quiz.id}/grading", None),
                (api, f"/api/v1/assignments/{work.id}/grading", token),
                (api, f"/api/v1/assignments/{quiz.id}/grading", token),
                (api, f"/api/v1/assignments/{work.id}/submissions", token)], more_work, 14)
    body = teacher.get(f"/assignments/{quiz.id}/grading").get_data(as_text=True)
    assert len(re.findall(r"/grading/essays/\d+", body)) == 40
    body = teacher.get(f"/assignments/{work.id}/grading").get_data(as_text=True)
    assert len(re.findall(r"/grading/submissions/\d+", body)) == 20


def test_questions_about_the_work(app, demo):
    work = make_assignment()
    inquiries.ask(work, user("hs.6a1.01"), "Câu hỏi riêng", public=False)
    db.session.commit()

    def more_questions():
        for n in MORE:
            inquiry = inquiries.ask(work, user(f"hs.6a1.{n:02d}"), f"Câu hỏi số {n}", public=True)
            if n % 2:
                inquiries.answer(inquiry, user("gv.toan"), f"Trả lời số {n}")
        db.session.commit()

    teacher = signed_in(app, "gv.toan")
    student = signed_in(app, "hs.6a1.01")
    api = app.test_client()
    fixed_cost([(teacher, f"/assignments/{work.id}/inquiries", None),
                (student, f"/assignments/{work.id}/inquiries", None),
                (api, f"/api/v1/assignments/{work.id}/inquiries", bearer(api_token(api, "hs.6a1.03")))],
               more_questions, 14)
    assert len(re.findall(r"Câu hỏi số \d+", student.get(f"/assignments/{work.id}/inquiries").get_data(
        as_text=True))) == 19
