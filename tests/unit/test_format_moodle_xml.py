"""The Moodle XML importer and exporter against Moodle's own fixtures (../shared/interop/moodle)."""

from pathlib import Path

import pytest

from lms.core.documents import DocumentError, UnsafeXmlError
from lms.questions.formats import moodle_xml

MOODLE = Path(__file__).resolve().parents[3] / "shared" / "interop" / "moodle"


def _quiz(body):
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n{body}</quiz>\n'.encode()


def test_nested_categories_fixture(app):
    with app.app_context():
        result = moodle_xml.parse((MOODLE / "nested_categories_with_questions.xml").read_bytes())
    assert result.errors == [] and result.warnings == []
    assert [(q.category, q.name, q.qtype) for q in result.questions] == [
        ("Iota", "Iota Question", "true_false"),
        ("Iota/Kappa", "Kappa Essay Question", "essay"),
        ("Iota/Kappa", "Kappa Question", "true_false"),
        ("Iota/Kappa/Lambda", "Lambda Question", "true_false"),
        ("Iota/Mu", "Mu Question", "true_false"),
    ]
    assert all(q.data == {"correct": True} for q in result.questions if q.qtype == "true_false")
    assert result.questions[0].stem == "<p>Testing Iota Question</p>" and result.questions[0].line == 15


def test_invalid_grades_fixture_fails_as_in_moodle(app):
    with app.app_context():
        result = moodle_xml.parse((MOODLE / "error_invalid_grades.xml").read_bytes())
    assert not result.ok and result.questions == []
    assert [p.line for p in result.errors] == [4]
    assert "33" in result.errors[0].message and "33.33333" not in result.errors[0].message.split("(")[0]


def test_allowed_fractions():
    assert moodle_xml.allowed_fraction(0.3333333) and moodle_xml.allowed_fraction(-0.5)
    assert moodle_xml.allowed_fraction(1) and not moodle_xml.allowed_fraction(0.33)
    assert not moodle_xml.allowed_fraction(0.34)


def test_every_type_and_description_and_unknown(app):
    body = """
  <question type="multichoice"><name><text>MC</text></name>
    <questiontext format="html"><text>Thủ đô?</text></questiontext>
    <generalfeedback format="html"><text>Hà Nội là thủ đô.</text></generalfeedback>
    <single>true</single>
    <answer fraction="100"><text>Hà Nội</text></answer><answer fraction="0"><text>Huế</text></answer>
    <tags><tag><text>NB</text></tag><tag><text>địa lí</text></tag></tags>
  </question>
  <question type="description"><name><text>D</text></name><questiontext><text>Đọc kĩ</text></questiontext></question>
  <question type="multianswer"><name><text>Cloze</text></name><questiontext><text>x</text></questiontext></question>
  <question type="multichoice"><name><text>MA</text></name><questiontext><text>Số chẵn?</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>2</text></answer><answer fraction="50"><text>4</text></answer>
    <answer fraction="-100"><text>3</text></answer>
  </question>
  <question type="shortanswer"><name><text>SA</text></name><questiontext><text>Con gì?</text></questiontext>
    <usecase>1</usecase><answer fraction="100"><text>Mèo</text></answer>
  </question>
  <question type="numerical"><name><text>N</text></name><questiontext><text>Pi?</text></questiontext>
    <answer fraction="100"><text>3,14</text><tolerance>0.01</tolerance></answer>
    <answer fraction="0"><text>*</text></answer>
  </question>
  <question type="matching"><name><text>M</text></name><questiontext><text>Ghép</text></questiontext>
    <subquestion><text>Hà Nội</text><answer><text>Thủ đô</text></answer></subquestion>
    <subquestion><text>Huế</text><answer><text>Cố đô</text></answer></subquestion>
    <subquestion><text></text><answer><text>Nhiễu</text></answer></subquestion>
  </question>
"""
    with app.app_context():
        result = moodle_xml.parse(_quiz(body))
    assert result.errors == []
    assert [p.line for p in result.warnings] == [11, 12]
    mc, ma, sa, num, match = result.questions
    assert (mc.qtype, mc.data["correct"], mc.level, mc.tags, mc.explanation) == (
        "single_choice", "a", "nhan_biet", ["địa lí"], "Hà Nội là thủ đô.")
    assert ma.qtype == "multiple_choice" and [o["weight"] for o in ma.data["options"]] == [50, 50, -100]
    assert sa.data == {"answers": [{"text": "Mèo", "weight": 100.0}], "case_sensitive": True}
    assert num.data["answers"] == [{"value": 3.14, "tolerance": 0.01, "weight": 100.0}] and num.notes
    assert [p["left"] for p in match.data["pairs"]] == ["Hà Nội", "Huế"] and match.notes


def test_bad_questions_have_their_lines(app):
    body = """  <question type="multichoice"><name><text>two right</text></name><questiontext><text>?</text></questiontext>
    <single>true</single>
    <answer fraction="100"><text>a</text></answer><answer fraction="100"><text>b</text></answer>
  </question>
  <question type="numerical"><name><text>N</text></name><questiontext><text>?</text></questiontext>
    <answer fraction="100"><text>abc</text></answer>
  </question>
"""
    with app.app_context():
        result = moodle_xml.parse(_quiz(body))
    assert [p.line for p in result.errors] == [3, 7] and result.questions == []


def test_unsafe_and_broken_files_are_refused(app):
    with app.app_context():
        with pytest.raises(UnsafeXmlError):
            moodle_xml.parse(b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "b">]><quiz>&a;</quiz>')
        with pytest.raises(DocumentError):
            moodle_xml.parse(b"not xml at all")
        other = moodle_xml.parse(b"<html><body/></html>")
    assert other.errors and other.errors[0].line == 1


def test_export_round_trip_every_type(app):
    questions = [
        {"qtype": "single_choice", "stem": "<p>Thủ đô & ]]> 1 < 2</p>", "name": "Câu 1",
         "data": {"options": [{"id": "a", "text": "Hà Nội"}, {"id": "b", "text": "Huế"}], "correct": "b"},
         "explanation": "Vì vậy", "level": "van_dung", "tags": ["địa lí"], "category": "Lớp 6/Địa"},
        {"qtype": "multiple_choice", "stem": "Số nguyên tố?", "name": "Câu 2",
         "data": {"options": [{"id": "a", "text": "2", "weight": 50.0}, {"id": "b", "text": "3", "weight": 50.0},
                              {"id": "c", "text": "4", "weight": -100.0}]},
         "explanation": "", "level": None, "tags": [], "category": "Lớp 6/Toán"},
        {"qtype": "true_false", "stem": "Trái Đất quay", "name": "Câu 3", "data": {"correct": False},
         "explanation": "", "level": None, "tags": [], "category": "Lớp 6/Toán"},
        {"qtype": "short_answer", "stem": "Con gì kêu meo?", "name": "Câu 4",
         "data": {"answers": [{"text": "mèo", "weight": 100.0}, {"text": "mè*", "weight": 50.0}],
                  "case_sensitive": False}, "explanation": "", "level": None, "tags": [], "category": ""},
        {"qtype": "numerical", "stem": "Pi?", "name": "Câu 5",
         "data": {"answers": [{"value": 3.14, "tolerance": 0.01, "weight": 100.0}]},
         "explanation": "π", "level": None, "tags": [], "category": ""},
        {"qtype": "matching", "stem": "Ghép", "name": "Câu 6",
         "data": {"pairs": [{"id": "1", "left": "Hà Nội", "right": "Thủ đô"},
                            {"id": "2", "left": "Huế", "right": "Cố đô"}]},
         "explanation": "", "level": None, "tags": [], "category": ""},
        {"qtype": "essay", "stem": "Viết\nhai dòng", "name": "Câu 7", "data": {}, "explanation": "Chấm tay",
         "level": "thong_hieu", "tags": ["x"], "category": ""},
    ]
    with app.app_context():
        result = moodle_xml.parse(moodle_xml.export(questions))
    assert result.errors == []
    assert [(q.qtype, q.stem, q.data, q.explanation, q.level, q.name, q.tags, q.category)
            for q in result.questions] == [
        (q["qtype"], q["stem"], q["data"], q["explanation"], q["level"], q["name"], q["tags"], q["category"])
        for q in questions]
