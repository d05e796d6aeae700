"""formats.parse / formats.export: one entry point for every format, and round trips of every type."""

from pathlib import Path

import pytest

from lms.questions import formats, types

MOODLE = Path(__file__).resolve().parents[3] / "shared" / "interop" / "moodle"

EVERY_TYPE = [
    {"qtype": "single_choice", "stem": "Thủ đô của Việt Nam là thành phố nào?", "name": "Câu 1",
     "data": {"options": [{"id": "a", "text": "Huế"}, {"id": "b", "text": "Hà Nội"}], "correct": "b"},
     "explanation": "Hà Nội là thủ đô từ năm 1010 (Thăng Long).", "level": "nhan_biet", "tags": ["lịch sử"],
     "category": "Lớp 6/Lịch sử"},
    {"qtype": "multiple_choice", "stem": "Những số nào là số nguyên tố?", "name": "Câu 2",
     "data": {"options": [{"id": "a", "text": "2", "weight": 50.0}, {"id": "b", "text": "3", "weight": 50.0},
                          {"id": "c", "text": "9", "weight": -100.0}]},
     "explanation": "", "level": "thong_hieu", "tags": [], "category": "Lớp 6/Toán"},
    {"qtype": "true_false", "stem": "\\(\\frac{1}{2} > \\frac{1}{3}\\)", "name": "Câu 3", "data": {"correct": True},
     "explanation": "", "level": None, "tags": [], "category": "Lớp 6/Toán"},
    {"qtype": "short_answer", "stem": "Loài vật nào kêu “meo meo”?", "name": "Câu 4",
     "data": {"answers": [{"text": "con mèo", "weight": 100.0}, {"text": "mèo*", "weight": 50.0}],
              "case_sensitive": False}, "explanation": "", "level": None, "tags": [], "category": "Lớp 6/Toán"},
    {"qtype": "numerical", "stem": "Tính 7 : 2", "name": "Câu 5",
     "data": {"answers": [{"value": 3.5, "tolerance": 0.0, "weight": 100.0},
                          {"value": 3.0, "tolerance": 0.5, "weight": 50.0}]},
     "explanation": "7 : 2 = 3,5", "level": "van_dung", "tags": [], "category": "Lớp 6/Toán"},
    {"qtype": "matching", "stem": "Ghép tỉnh với vùng", "name": "Câu 6",
     "data": {"pairs": [{"id": "1", "left": "Lào Cai", "right": "Tây Bắc"},
                        {"id": "2", "left": "Cà Mau", "right": "Tây Nam Bộ"}]},
     "explanation": "", "level": None, "tags": [], "category": "Lớp 6/Địa lí"},
    {"qtype": "essay", "stem": "Em hãy tả cảnh mùa thu ở quê em.", "name": "Câu 7", "data": {},
     "explanation": "Chấm theo dàn ý.", "level": "van_dung_cao", "tags": ["tập làm văn"], "category": "Lớp 6/Văn"},
]


def _shape(questions):
    return [(q.qtype, q.stem, q.data, q.explanation, q.level, q.name, q.tags, q.category) for q in questions]


def _dicts(questions):
    return [{"qtype": q.qtype, "stem": q.stem, "data": q.data, "explanation": q.explanation, "level": q.level,
             "name": q.name, "tags": q.tags, "category": q.category} for q in questions]


def test_every_type_is_valid_as_given():
    for question in EVERY_TYPE:
        assert types.get(question["qtype"]).validate(question["data"]) == question["data"]


@pytest.mark.parametrize("fmt", ["gift", "moodle_xml"])
def test_round_trip_every_type(app, fmt):
    with app.app_context():
        result = formats.parse(fmt, formats.export(fmt, EVERY_TYPE), f"x.{fmt}")
    assert result.errors == []
    assert _shape(result.questions) == [(q["qtype"], q["stem"], q["data"], q["explanation"], q["level"], q["name"],
                                         q["tags"], q["category"]) for q in EVERY_TYPE]


def test_gift_to_moodle_xml_to_gift_keeps_moodle_fixture_questions(app):
    with app.app_context():
        first = formats.parse("gift", (MOODLE / "questions.gift.txt").read_bytes())
        through_xml = formats.parse("moodle_xml", formats.export("moodle_xml", _dicts(first.questions)))
        back = formats.parse("gift", formats.export("gift", _dicts(through_xml.questions)))
    assert first.errors == through_xml.errors == back.errors == []
    assert _shape(back.questions) == _shape(through_xml.questions) == _shape(first.questions)


def test_aiken_export_keeps_single_choice_only(app):
    with app.app_context():
        result = formats.parse("aiken", formats.export("aiken", EVERY_TYPE))
    assert [(q.stem, q.data) for q in result.questions] == [(EVERY_TYPE[0]["stem"], EVERY_TYPE[0]["data"])]


def test_true_false_groups_are_left_out_of_gift_and_moodle_xml(app):
    group = {"qtype": "true_false_group", "stem": "Xét các ý", "name": "G", "explanation": "", "level": None,
             "tags": [], "category": "",
             "data": {"statements": [{"id": x, "text": x, "correct": True} for x in "abcd"]}}
    with app.app_context():
        for fmt in ("gift", "moodle_xml"):
            assert formats.parse(fmt, formats.export(fmt, [group, EVERY_TYPE[6]])).questions[0].qtype == "essay"


def test_unknown_formats_are_refused():
    with pytest.raises(formats.UnknownFormat):
        formats.parse("pdf", b"")
    with pytest.raises(formats.UnknownFormat):
        formats.export("docx", EVERY_TYPE)
    with pytest.raises(formats.UnknownFormat):
        formats.parse("../os", b"")
