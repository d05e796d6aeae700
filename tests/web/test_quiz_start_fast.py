"""A start of the quiz burst (issue 11: a class starting at once) costs a few Core statements: the
assignment with "is this student assigned" under start's lock, the student's attempts, the pinned
rows, the inserts; its answer is built from what start drew and the pinned versions kept per
process. That answer must be the attempt as the general path (attempts.load + attempt_json) shows
it, for every question type, shuffled or not; a start again (the open attempt) too."""

import re

import pytest

from lms.assignments import attempts, work_cache
from lms.assignments.models import Attempt, AttemptQuestion
from lms.extensions import db
from lms.reports import jobs as report_jobs
from tests.assignments_support import GROUP, MULTI, NUMERICAL, TRUE_FALSE, approved, quiz, user
from tests.conftest import api_token, bearer
from tests.query_budget import count_queries
from tests.questions_support import make_question


@pytest.fixture
def headers(client, demo, criteria):
    return bearer(api_token(client, "hs.6a1.01"))


def every_type():
    return [
        approved(1, stem="Phân số lớn nhất?")[0],
        approved(1, stem="Đúng hay sai?", qtype="true_false", data=TRUE_FALSE)[0],
        approved(1, stem="Ba phẩy năm?", qtype="numerical", data=NUMERICAL)[0],
        approved(1, stem="Các ý đúng?", qtype="true_false_group", data=GROUP)[0],
        approved(1, stem="Số nguyên tố?", qtype="multiple_choice", data=MULTI)[0],
        make_question("approved", stem="Thủ đô của Việt Nam?", qtype="short_answer",
                      data={"answers": [{"text": "Hà Nội", "weight": 100}]}),
        make_question("approved", stem="Ghép đôi", qtype="matching",
                      data={"pairs": [{"id": "1", "left": "2", "right": "4"}, {"id": "2", "left": "3", "right": "9"},
                                      {"id": "3", "left": "4", "right": "16"}]}),
        make_question("approved", stem="Trình bày cách quy đồng.", qtype="essay", data={}),
    ]


def _work(counted):
    """The statements of the request's own work: without the token's user look-up (counted or
    not depending on how the connection's first read is sent; the token is not this test's)."""
    return [s for s in counted if not re.search(r'\bFROM "?user"?\b', s)]


def _without_clock(body):
    return {key: value for key, value in body.items() if key != "seconds_left"}


def _as_loaded(attempt_id):
    db.session.expire_all()
    return attempts.attempt_json(attempts.load(attempt_id), user("hs.6a1.01"))


@pytest.mark.parametrize("shuffle", [False, True])
def test_the_started_answer_is_the_attempt_as_loaded_for_every_type(client, headers, shuffle):
    questions = every_type()
    assignment = quiz(questions, shuffle_questions=shuffle, shuffle_options=shuffle, time_limit_minutes=30)
    started = client.post(f"/api/v1/assignments/{assignment.id}/attempts", headers=headers)
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    loaded = _as_loaded(body["id"])
    assert _without_clock(body) == _without_clock(loaded)
    assert abs(body["seconds_left"] - loaded["seconds_left"]) <= 1
    assert {q["qtype"] for q in body["questions"]} == {"single_choice", "true_false", "numerical", "true_false_group",
                                                      "multiple_choice", "short_answer", "matching", "essay"}
    if shuffle:  # the options as drawn, kept in the items (the loaded answer reads them from there)
        assert any(q["data"].get("options") for q in body["questions"])

    answer = {str(questions[0].id): "c", str(questions[1].id): False}
    saved = client.put(f"/api/v1/attempts/{body['id']}/answers", json={"answers": answer}, headers=headers)
    assert saved.status_code == 200
    again = client.post(f"/api/v1/assignments/{assignment.id}/attempts", headers=headers)
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    resumed = client.get(f"/api/v1/attempts/{body['id']}", headers=headers).get_json()
    loaded = _as_loaded(body["id"])
    assert loaded["answers"] == answer
    assert _without_clock(again.get_json()) == _without_clock(loaded) == _without_clock(resumed)


@pytest.fixture
def no_report_job(monkeypatch):
    """The statistics' refresh runs in the worker, not the request (tests run jobs inline)."""
    monkeypatch.setattr(report_jobs, "refresh_summary", lambda touched: None)


def test_a_start_reads_no_question_version_or_item_and_fits_its_budget(client, headers, no_report_job):
    warm, cold = quiz(approved(3, stem="Làm nóng"), title="Làm nóng").id, quiz(approved(20), title="Hai mươi câu").id
    assert client.post(f"/api/v1/assignments/{warm}/attempts", headers=headers).status_code == 201
    with count_queries() as start:
        response = client.post(f"/api/v1/assignments/{cold}/attempts", headers=headers)
    assert response.status_code == 201 and len(response.get_json()["questions"]) == 20
    # The assignment with "assigned" (locked); the student's attempts; the pinned rows; the 20
    # versions (first time in this process: kept); SAVEPOINT, the attempt, its items, RELEASE.
    # Nothing after the commit.
    assert len(_work(start)) <= 8, start.report()
    assert not any(re.search(r"\bFROM attempt_question\b", s) for s in start), start.report()
    versions = [s for s in start if re.search(r"\bFROM question_version\b", s)]
    assert len(versions) == 1, start.report()
    again_student = bearer(api_token(client, "hs.6a1.02"))
    with count_queries() as second:
        assert client.post(f"/api/v1/assignments/{cold}/attempts", headers=again_student).status_code == 201
    assert len(_work(second)) <= len(_work(start)) - 1, second.report()  # the versions are kept now
    assert not any(re.search(r"\b(FROM|JOIN) \"?question(_version)?\b", s) for s in second), second.report()
    assert db.session.scalar(db.select(db.func.count(Attempt.id)).where(Attempt.assignment_id == cold)) == 2


def test_a_start_again_returns_the_open_attempt_in_a_few_statements(client, headers, no_report_job):
    assignment = quiz(approved(5)).id
    first = client.post(f"/api/v1/assignments/{assignment}/attempts", headers=headers)
    with count_queries() as again:
        response = client.post(f"/api/v1/assignments/{assignment}/attempts", headers=headers)
    assert response.status_code == 200 and response.get_json()["id"] == first.get_json()["id"]
    assert len(_work(again)) <= 5, again.report()  # assignment, attempts, the open one, its row and items
    assert not any(re.search(r"\b(FROM|JOIN) \"?question(_version)?\b", s) for s in again), again.report()
    with count_queries() as resumed:  # a reload of the quiz page, another device
        response = client.get(f"/api/v1/attempts/{first.get_json()['id']}", headers=headers)
    assert response.status_code == 200 and response.get_json()["id"] == first.get_json()["id"]
    # The attempt's row, its items: no question, version or assignment entity.
    assert len(_work(resumed)) == 2 and not any(re.search(r"\b(FROM|JOIN) \"?(question|question_version|assignment)\b", s)
                                         for s in resumed), resumed.report()


def test_a_submit_is_five_statements_and_empties_only_that_students_work(client, headers, monkeypatch):
    bumped, touched = [], []
    monkeypatch.setattr(work_cache.TaggedRegion, "bump", lambda self, tags: bumped.append(set(tags)))
    monkeypatch.setattr(report_jobs, "refresh_summary", lambda found: touched.append(found))
    questions = approved(3)
    assignment = quiz(questions).id
    student = user("hs.6a1.01").id
    attempt = client.post(f"/api/v1/assignments/{assignment}/attempts", headers=headers).get_json()["id"]
    answers = {str(questions[0].id): "c", str(questions[1].id): "a"}
    assert client.put(f"/api/v1/attempts/{attempt}/answers", json={"answers": answers}, headers=headers).status_code == 200
    bumped.clear()
    touched.clear()
    with count_queries() as submit:
        response = client.post(f"/api/v1/attempts/{attempt}/submit", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["score"], body["max_score"], body["mark"], body["graded"]) == (3.333, 9.999, 3.3, True)
    # The attempt (with its assignment and "assigned"); the items (scored before the write); the
    # attempt's state and totals in one UPDATE; the fractions in one executemany.
    assert [s.split()[0].upper() for s in _work(submit)] == ["SELECT", "SELECT", "UPDATE", "UPDATE"], \
        submit.report()
    assert not any(re.search(r"\b(FROM|JOIN) \"?question(_version)?\b", s) for s in submit), submit.report()
    assert bumped == [{f"a{assignment}", f"s{student}"}]
    assert len(touched) == 1 and touched[0]["pairs"] == {(assignment, student)} and "*" not in touched[0]
    db.session.expire_all()
    held = db.session.get(Attempt, attempt)
    assert (held.state, float(held.score), float(held.mark), held.needs_grading) == ("submitted", 3.333, 3.3, False)
    assert sorted(float(item.fraction) for item in held.items) == [0.0, 0.0, 1.0]


def test_a_save_committed_between_the_submits_read_and_write_is_scored(app, demo, criteria, monkeypatch):
    """The submit scores the items it read before its UPDATE; a save committed in between raises
    lock_version, so that UPDATE writes nothing and the submit reads again: the late answer counts."""
    questions = approved(2)
    assignment = quiz(questions)
    pupil = user("hs.6a1.01")
    attempt, _created = attempts.start(assignment, pupil)
    attempts.save_answers(attempt, pupil, {str(questions[0].id): "a"})
    db.session.commit()
    real, reads = attempts._scored, []

    def a_save_lands_meanwhile(attempt_id):
        found = real(attempt_id)
        if not reads:  # another request's save, committed on its own connection
            with db.engine.begin() as other:
                other.execute(db.update(Attempt.__table__).where(Attempt.__table__.c.id == attempt_id)
                              .values(lock_version=Attempt.__table__.c.lock_version + 1))
                other.execute(db.update(AttemptQuestion.__table__)
                              .where(AttemptQuestion.__table__.c.attempt_id == attempt_id).values(answer="c"))
        reads.append(found)
        return found

    monkeypatch.setattr(attempts, "_scored", a_save_lands_meanwhile)
    attempts.submit(attempt, pupil)
    db.session.commit()
    assert len(reads) == 2
    db.session.expire_all()
    held = db.session.get(Attempt, attempt.id)
    assert (held.state, held.mark, held.needs_grading) == ("submitted", 10, False)
    assert [float(item.fraction) for item in held.items] == [1.0, 1.0]
