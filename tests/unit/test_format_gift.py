"""The GIFT importer and exporter against Moodle's own fixtures and test assertions
(read from ../shared/interop/moodle, never copied here).

giftformat_test_inline_cases.json lists, for each of Moodle's GIFT tests, the values it asserts.
Compared here, mapped to our shapes: name, qtype, questiontext (stem), generalfeedback
(explanation), answer texts, fractions (weights in percent), tolerances, subquestions and
subanswers (pairs), correctanswer, tags and idnumber. Not applicable (Moodle-only fields our
question data has no place for): the *format codes (we strip the markers and keep the text),
penalty, defaultmark, length, answernumbering, shuffleanswers, responseformat, responsefieldlines,
attachments, graderinfo, and per-answer feedback (feedback, feedbacktrue/false), which we do not
keep (a note says so). Two Moodle answers have no counterpart and are dropped with a note: the
zero-weight numerical catch-all `*`, and the matching distractor with an empty left side.
"""

import json
from pathlib import Path

import pytest

from lms.questions.formats import gift

MOODLE = Path(__file__).resolve().parents[3] / "shared" / "interop" / "moodle"
CASES = json.loads((MOODLE / "giftformat_test_inline_cases.json").read_text(encoding="utf-8"))["cases"]
QTYPES = {"essay": {"essay"}, "match": {"matching"}, "numerical": {"numerical"}, "shortanswer": {"short_answer"},
          "truefalse": {"true_false"}, "multichoice": {"single_choice", "multiple_choice"}}


def _case_id(case):
    return case["test"].split(" ")[0] + ("/" + case["test"].split("/ ")[1] if "/ " in case["test"] else "")


def _one(text):
    result = gift.parse(text.encode("utf-8"))
    assert result.errors == []
    assert len(result.questions) == 1
    return result.questions[0]


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "import"], ids=_case_id)
def test_moodle_import_case(case):
    expected = case["expected"]
    question = _one(case["gift"])
    assert question.qtype in QTYPES[expected["qtype"]]
    assert question.name == expected["name"]
    if "questiontext" in expected:
        assert question.stem == expected["questiontext"]
    if "generalfeedback" in expected:
        assert question.explanation == expected["generalfeedback"]
    if "tags" in expected:
        assert question.tags == expected["tags"]
    if "idnumber" in expected:
        assert question.idnumber == expected["idnumber"]
    data = question.data
    qtype = expected["qtype"]
    if qtype == "multichoice":
        texts = [answer for answer, _format in expected["answer"]]
        assert [o["text"] for o in data["options"]] == texts
        if expected["single"]:
            assert question.qtype == "single_choice"
            assert [1 if o["id"] == data["correct"] else 0 for o in data["options"]] == expected["fraction"]
        else:
            assert question.qtype == "multiple_choice"
            assert [o["weight"] / 100 for o in data["options"]] == expected["fraction"]
    elif qtype == "shortanswer":
        assert [a["text"] for a in data["answers"]] == expected["answer"]
        assert [a["weight"] / 100 for a in data["answers"]] == expected["fraction"]
    elif qtype == "numerical":
        kept = [(a, f, t) for a, f, t in zip(expected["answer"], expected["fraction"],
                                                          expected["tolerance"], strict=True) if a != "*"]
        assert [(a["value"], a["weight"] / 100, a["tolerance"]) for a in data["answers"]] == [
            (float(a), f, float(t)) for a, f, t in kept]
        assert len(question.notes) >= 1  # the catch-all was dropped, and said so
    elif qtype == "match":
        kept = [(left, right) for (left, _format), right in zip(expected["subquestions"],
                                                                                expected["subanswers"], strict=True)
                if left]
        assert [(p["left"], p["right"]) for p in data["pairs"]] == kept
        assert any("Chat" in note for note in question.notes)
    elif qtype == "truefalse":
        assert data["correct"] is bool(expected["correctanswer"])


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "extract_idnumber_and_tags_from_comment"],
                         ids=_case_id)
def test_moodle_idnumber_and_tags_case(case):
    assert gift.idnumber_and_tags(case["comment"]) == (case["expected"]["idnumber"], case["expected"]["tags"])


def _comparable(questions):
    return [(q.qtype, q.name, q.stem, q.data, q.explanation, q.tags, q.idnumber, q.level) for q in questions]


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] == "export"], ids=_case_id)
def test_moodle_export_case(case):
    """What we write for the question Moodle exported reads back as what Moodle's own output reads
    as; where Moodle's output holds nothing we cannot keep (no per-answer feedback), it is equal."""
    moodle_text = case["expected_gift"].replace("{id}", "7")
    moodle = gift.parse(moodle_text.encode("utf-8"))
    assert moodle.errors == [] and len(moodle.questions) == 1
    question = moodle.questions[0]
    exported = gift.export_question({"id": 666 if "{id}" not in case["expected_gift"] else 7,
                                     "qtype": question.qtype, "stem": question.stem, "data": question.data,
                                     "explanation": question.explanation, "name": question.name,
                                     "tags": question.tags, "idnumber": question.idnumber})
    again = gift.parse(exported.encode("utf-8"))
    assert again.errors == []
    assert _comparable(again.questions) == _comparable(moodle.questions)
    if case["test"].startswith(("test_export_essay", "test_export_backslash")):
        assert exported == moodle_text


def test_questions_fixture_nine_questions():
    result = gift.parse((MOODLE / "questions.gift.txt").read_bytes())
    assert result.errors == []
    assert [q.qtype for q in result.questions] == [
        "essay", "matching", "single_choice", "multiple_choice", "numerical", "short_answer",
        "true_false", "true_false", "true_false"]
    essay, match, single, multi, numerical, short, tf1, tf2, tf3 = result.questions
    assert essay.name == "Q8" and essay.stem == "How are you?" and essay.line == 2
    assert [p["right"] for p in match.data["pairs"]] == ["Forum", "Choice", "Database", "Wiki"]
    assert match.stem == "Match the <b>activity</b> to the description."
    assert single.data["correct"] == "a" and [o["text"] for o in single.data["options"]] == ["yellow", "red", "blue"]
    assert [o["weight"] for o in multi.data["options"]] == [50, -100, 50, -100]
    # Text after the closing brace: a missing-word question; the blank stands where the braces were.
    assert numerical.stem == 'What is a number from 1 to 5? _____";'
    assert numerical.data["answers"] == [{"value": 3.0, "tolerance": 2.0, "weight": 100.0}]
    assert short.data["answers"][2] == {"text": "*", "weight": 0.0}
    assert tf1.stem == "42 is the Absolute Answer to everything._____\";"
    assert tf1.data == {"correct": False}
    assert tf1.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert tf2.data == tf3.data == {"correct": True} and tf2.name == "2-08 TSL"


def test_category_fixture_four_questions():
    result = gift.parse((MOODLE / "questions_in_category.gift.txt").read_bytes())
    assert result.errors == []
    assert [q.qtype for q in result.questions] == ["matching", "single_choice", "short_answer", "true_false"]
    assert {q.category for q in result.questions} == {"Default for New Features"}
    greeting = result.questions[1]
    assert greeting.stem == ('<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this '
                             'greeting:</a><br /><br />What language is being spoken?')
    assert greeting.data["options"][greeting.data["correct"] == "b" and 1]["text"] == "French"
    assert result.questions[2].data["answers"] == [{"text": "Moodler", "weight": 100.0}]


def test_escapes_and_markers():
    question = _one(r"::a\:b::[markdown]Tính 2 \+ 3 \= ? \{x\} \~ \# và\ndòng mới{=5 ~4 ~\=6}")
    assert question.name == "a:b"
    assert question.stem == "Tính 2 \\+ 3 = ? {x} ~ # và\ndòng mới"
    assert [o["text"] for o in question.data["options"]] == ["5", "4", "=6"]


def test_numerical_forms():
    question = _one("Một số từ 1 đến 5{#1..5}")
    assert question.data["answers"] == [{"value": 3.0, "tolerance": 2.0, "weight": 100.0}]
    question = _one("Căn bậc hai của 10?{#3,16:0,01}")
    assert question.data["answers"] == [{"value": 3.16, "tolerance": 0.01, "weight": 100.0}]
    question = _one("Năm Bác Hồ đọc Tuyên ngôn độc lập?{#\n=1945:0\n=%50%1944:1\n}")
    assert question.data["answers"] == [{"value": 1945.0, "tolerance": 0.0, "weight": 100.0},
                                        {"value": 1944.0, "tolerance": 1.0, "weight": 50.0}]
    assert _one("Ba phẩy năm{#3,5}").data["answers"][0]["value"] == 3.5


def test_non_numeric_numerical_answer_is_an_error_with_its_line():
    text = "Câu một{#2}\n\n// chú thích\nCâu hai {#\n=abc\n}\n"
    result = gift.parse(text.encode("utf-8"))
    assert [q.stem for q in result.questions] == ["Câu một"]
    assert [p.line for p in result.errors] == [5]
    assert "abc" in result.errors[0].message and "5" in result.errors[0].message


def test_description_skipped_with_a_warning_and_essay_and_missing_word():
    result = gift.parse("Chỉ là lời dẫn.\n\nCon mèo có {~hai =bốn ~sáu} chân.\n\nViết cảm nghĩ.{}\n".encode())
    assert result.errors == []
    assert [p.line for p in result.warnings] == [1]
    missing, essay = result.questions
    assert missing.stem == "Con mèo có _____ chân." and missing.line == 3 and missing.qtype == "single_choice"
    assert essay.qtype == "essay" and essay.line == 5


def test_level_tags_and_bad_input_messages(app):
    result = gift.parse("// [tag:VD] [tag:phân số]\nHai phần ba?{=2/3 ~3/2}\n\nThiếu ngoặc {=a ~b\n\n"
                        "Hai đáp án đúng{=a =b ~c}\n\nKhông đủ phương án{~a}\n\nTổng sai{~%20%a ~%30%b}\n".encode())
    assert result.questions[0].level == "van_dung" and result.questions[0].tags == ["phân số"]
    assert [p.line for p in result.errors] == [4, 6, 8, 10]
    assert "50" in result.errors[3].message  # the type's own message: the right answers add up to 50%
    with app.test_request_context("/api/v1/questions/import", headers={"Accept-Language": "en"}):
        english = gift.parse("Thiếu ngoặc {=a ~b\n".encode())
    assert english.errors[0].message == "Line 1: missing or extra braces { } around the answers."


def test_export_round_trip_every_type():
    questions = [
        {"qtype": "single_choice", "stem": "Thủ đô: Hà Nội? [x] 50% {a}", "name": "Câu 1",
         "data": {"options": [{"id": "a", "text": "Đúng = 1"}, {"id": "b", "text": "%sai"}], "correct": "a"},
         "explanation": "Vì # và ~", "level": "nhan_biet", "tags": ["địa lí"], "category": "Lớp 6/Địa"},
        {"qtype": "multiple_choice", "stem": "Số nguyên tố?", "name": "Câu 2",
         "data": {"options": [{"id": "a", "text": "2", "weight": 50.0}, {"id": "b", "text": "3", "weight": 50.0},
                              {"id": "c", "text": "4", "weight": -100.0}]},
         "explanation": "", "level": None, "tags": [], "category": "Lớp 6/Toán"},
        {"qtype": "true_false", "stem": "[html] Trái Đất quay", "name": "Câu 3", "data": {"correct": True},
         "explanation": "", "level": "thong_hieu", "tags": [], "category": "Lớp 6/Toán"},
        {"qtype": "short_answer", "stem": "Con gì kêu meo?", "name": "Câu 4",
         "data": {"answers": [{"text": "mèo", "weight": 100.0}, {"text": "mè*", "weight": 50.0}],
                  "case_sensitive": False}, "explanation": "", "level": None, "tags": [], "category": ""},
        {"qtype": "numerical", "stem": "Pi?", "name": "Câu 5",
         "data": {"answers": [{"value": 3.14, "tolerance": 0.01, "weight": 100.0},
                              {"value": -3.0, "tolerance": 0.5, "weight": 10.0}]},
         "explanation": "π", "level": None, "tags": [], "category": ""},
        {"qtype": "matching", "stem": "Ghép", "name": "Câu 6",
         "data": {"pairs": [{"id": "1", "left": "Hà Nội", "right": "Thủ đô"},
                            {"id": "2", "left": "Huế", "right": "Cố đô: xưa"}]},
         "explanation": "", "level": None, "tags": [], "category": ""},
        {"qtype": "essay", "stem": "Viết\nhai dòng", "name": "Câu 7", "data": {}, "explanation": "Chấm tay",
         "level": "van_dung_cao", "tags": ["a]b"], "category": ""},
    ]
    result = gift.parse(gift.export(questions))
    assert result.errors == []
    assert [(q.qtype, q.stem, q.data, q.explanation, q.level, q.name, q.tags, q.category)
            for q in result.questions] == [
        (q["qtype"], q["stem"], q["data"], q["explanation"], q["level"], q["name"], q["tags"], q["category"])
        for q in questions]
