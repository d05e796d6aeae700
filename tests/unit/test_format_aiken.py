"""The Aiken importer against Moodle's own fixtures (read from ../shared/interop/moodle)."""

from pathlib import Path

import pytest

from lms.questions.formats import aiken

MOODLE = Path(__file__).resolve().parents[3] / "shared" / "interop" / "moodle"


@pytest.fixture
def english(app):
    """A request in English: the messages are then Moodle's own wording."""
    with app.test_request_context("/api/v1/questions/import", headers={"Accept-Language": "en"}):
        yield


def test_moodle_fixture_two_questions(english):
    result = aiken.parse((MOODLE / "questions.aiken.txt").read_bytes())
    assert result.errors == []
    first, second = result.questions
    assert first.stem == "The Moodle project was started by:"
    assert [o["text"] for o in first.data["options"]] == ["Petr Skoda", "Martin Dougiamas", "Eloy Lafuente",
                                                          "Tim Hunt"]
    assert first.data["correct"] == "b"
    # HTML characters are kept as text (the page escapes them when it shows the question).
    assert second.stem == 'Moodle\'s abilities include handling user input that includes <html class="cool"> & images:'
    assert second.data["correct"] == "a" and first.line == 1 and second.line == 8


def test_moodle_error_fixture_messages_and_lines(english):
    result = aiken.parse((MOODLE / "aiken_errors.txt").read_bytes())
    assert [p.message for p in result.errors] == [
        "Question must have at least 2 answers on line 3",
        "Question not started on line 5",
        "Question not started on line 7",
        "Question not completed before next question start on line 18",
    ]
    assert [p.line for p in result.errors] == [3, 5, 7, 18]
    good = {q.stem: q for q in result.questions}
    assert set(good) == {"A good question", "A second good question"}
    correct = {q.stem: next(o["text"] for o in q.data["options"] if o["id"] == q.data["correct"])
               for q in result.questions}
    assert correct == {"A good question": "Correct", "A second good question": "Correct (No space)"}


def test_vietnamese_messages_by_default(app):
    with app.test_request_context("/"):
        result = aiken.parse("Câu hỏi\nA. Một\nANSWER: A\n".encode())
    assert result.errors[0].message == "Câu hỏi phải có ít nhất 2 phương án, ở dòng 3."


def test_encodings(app):
    text = "Thủ đô của Việt Nam là\nA. Hà Nội\nB. Huế\nANSWER: A\n"
    with app.test_request_context("/"):
        for data in (text.encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("utf-16"),
                     text.replace("\n", "\r\n").encode("utf-8")):
            result = aiken.parse(data)
            assert result.errors == [] and result.questions[0].data["correct"] == "a"
            assert result.questions[0].stem == "Thủ đô của Việt Nam là"
        # Windows-1258 (letters with horns and breves are single bytes there; no tone marks needed).
        legacy = aiken.parse("Đơn vi đo\nA. Mét\nB. Gam\nANSWER: A\n".encode("cp1258"))
    assert legacy.questions == [] and "Windows-1258" in legacy.errors[0].message


def test_export_round_trip(app):
    with app.test_request_context("/"):
        parsed = aiken.parse((MOODLE / "questions.aiken.txt").read_bytes()).questions
        again = aiken.parse(aiken.export([{"qtype": q.qtype, "stem": q.stem, "data": q.data} for q in parsed]))
    assert [(q.stem, q.data) for q in again.questions] == [(q.stem, q.data) for q in parsed]
