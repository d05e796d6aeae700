"""The quiz's busy path (issue 11's burst: a class saving every answer as it changes): an autosave
through /api/v1 is a handful of Core statements on the attempt's own rows (no attempt, item,
version or question entity loaded; a pinned version read once per application), a start inserts
its items in one statement whatever the quiz's length, and the guarantees hold on that path: a
resend changes nothing, a student no longer in the class is refused and nothing is saved."""

import re

import pytest
from sqlalchemy import text

from lms.assignments.models import Attempt, AttemptQuestion
from lms.extensions import db
from lms.schools.models import Enrollment
from tests.assignments_support import approved, classroom, quiz, user
from tests.conftest import TEST_DATABASE_URL, api_token, bearer
from tests.query_budget import count_queries


@pytest.fixture
def tokens(client, demo, criteria):
    return {name: bearer(api_token(client, name)) for name in ("hs.6a1.01", "hs.6a1.02")}


def _shape(statement):
    """("SELECT", the table of its outermost FROM, the last one) or ("UPDATE", table written)."""
    words = statement.split()
    verb = words[0].upper()
    if verb == "UPDATE":
        return verb, words[1].strip('"')
    return verb, re.findall(r"\bFROM\s+\"?(\w+)", statement, re.I)[-1]


def _start(client, assignment, headers):
    response = client.post(f"/api/v1/assignments/{assignment.id}/attempts", headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_an_autosave_is_four_statements_and_a_resend_writes_nothing(client, tokens):
    questions = approved(3)
    ids = [str(q.id) for q in questions]
    assignment = quiz(questions)
    headers = tokens["hs.6a1.01"]
    url = f"/api/v1/attempts/{_start(client, assignment, headers)}/answers"
    assert client.put(url, json={"answers": {ids[0]: "c"}}, headers=headers).status_code == 200  # reads the versions

    with count_queries() as save:
        response = client.put(url, json={"answers": {ids[1]: "a"}}, headers=headers)
    assert response.status_code == 200 and response.get_json()["answers"] == {ids[0]: "c", ids[1]: "a"}
    # The attempt's row (with "still in the class"); the guard UPDATE; its items; the changed
    # answer. No version or question is read again: they are kept per application, and the token's
    # user is kept per process since the previous request (accounts/token_cache.py).
    assert [_shape(s) for s in save] == [("SELECT", "attempt"), ("UPDATE", "attempt"),
                                         ("SELECT", "attempt_question"), ("UPDATE", "attempt_question")], save.report()

    saved_at = db.session.scalar(db.select(AttemptQuestion.answered_at).where(AttemptQuestion.answered_at.is_not(None))
                                 .order_by(AttemptQuestion.id.desc()))
    with count_queries() as resend:
        response = client.put(url, json={"answers": {ids[1]: "a"}}, headers=headers)
    assert response.status_code == 200 and response.get_json()["answers"] == {ids[0]: "c", ids[1]: "a"}
    assert len(resend) == 3, resend.report()  # the same answer again: nothing to write
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.max(AttemptQuestion.answered_at))) == saved_at

    cleared = client.put(url, json={"answers": {ids[0]: None}}, headers=headers)
    assert cleared.status_code == 200 and cleared.get_json()["answers"] == {ids[1]: "a"}
    shown = client.get(url.removesuffix("/answers"), headers=headers).get_json()
    assert shown["answers"] == {ids[1]: "a"}


def test_a_start_inserts_its_items_in_one_statement_whatever_the_length(client, tokens):
    counts = []
    for name, size in (("hs.6a1.01", 2), ("hs.6a1.02", 20)):
        assignment = quiz(approved(size, stem=f"Bài {size} câu"), title=f"Bài {size} câu")
        with count_queries() as start:
            _start(client, assignment, tokens[name])
        inserts = [s for s in start if s.lstrip().upper().startswith("INSERT INTO ATTEMPT_QUESTION")]
        assert len(inserts) == 1, start.report()
        counts.append(len(start))
    assert counts[0] == counts[1], counts
    held = db.session.scalars(db.select(AttemptQuestion.position).join(Attempt)
                              .where(Attempt.student_id == user("hs.6a1.02").id).order_by(AttemptQuestion.position))
    assert list(held) == list(range(20))


def test_a_student_taken_out_of_the_class_can_no_longer_save(client, tokens):
    questions = approved(1)
    assignment = quiz(questions)
    headers = tokens["hs.6a1.01"]
    attempt_id = _start(client, assignment, headers)
    db.session.execute(db.delete(Enrollment).where(Enrollment.student_id == user("hs.6a1.01").id,
                                                   Enrollment.classroom_id == classroom().id))
    db.session.commit()
    response = client.put(f"/api/v1/attempts/{attempt_id}/answers", json={"answers": {str(questions[0].id): "c"}},
                          headers=headers)
    assert response.status_code == 403
    assert db.session.scalar(db.select(AttemptQuestion.answer).where(AttemptQuestion.attempt_id == attempt_id)) is None


def test_a_submit_reads_no_version_the_saves_did_not_read(client, tokens):
    questions = approved(2)
    assignment = quiz(questions)
    headers = tokens["hs.6a1.01"]
    url = f"/api/v1/attempts/{_start(client, assignment, headers)}"
    assert client.put(f"{url}/answers", json={"answers": {str(questions[0].id): "c"}}, headers=headers).status_code == 200
    with count_queries() as submit:
        response = client.post(f"{url}/submit", headers=headers)
    assert response.status_code == 200 and response.get_json()["mark"] == 5.0
    assert not any(re.search(r"\b(FROM|JOIN) \"?question(_version)?\b", s) for s in submit), submit.report()


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's own setting")
def test_sqlite_syncs_every_commit_unless_told_otherwise(app):
    assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    db.session.remove()
    db.engine.dispose()
    app.config["SQLITE_SYNCHRONOUS"] = "NORMAL"
    assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1
