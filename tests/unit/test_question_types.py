"""Scoring and validation of every question type (lms/questions/types.py), edge cases included."""

import random

import pytest

from lms.core.errors import ValidationError
from lms.core.text import tone_canonical
from lms.questions import types

OPTIONS = [{"id": "a", "text": "2"}, {"id": "b", "text": "3"}, {"id": "c", "text": "4"}, {"id": "d", "text": "5"}]


def valid(qtype, data):
    return types.get(qtype).validate(data)


def score(qtype, data, raw):
    kind = types.get(qtype)
    return kind.score(data, kind.answer(data, raw))


def test_registry_has_the_eight_types():
    assert set(types.TYPES) == {"single_choice", "multiple_choice", "true_false", "true_false_group",
                                "short_answer", "numerical", "matching", "essay"}
    with pytest.raises(ValidationError) as error:
        types.get("drag_and_drop")
    assert "qtype" in error.value.details


def test_single_choice():
    data = valid("single_choice", {"options": OPTIONS, "correct": "b"})
    assert score("single_choice", data, "b") == 1.0
    assert score("single_choice", data, "a") == 0.0
    with pytest.raises(types.AnswerError):
        types.get("single_choice").answer(data, "z")
    with pytest.raises(ValidationError) as error:
        valid("single_choice", {"options": OPTIONS, "correct": "z"})
    assert "correct" in error.value.details
    with pytest.raises(ValidationError) as error:
        valid("single_choice", {"options": OPTIONS[:1], "correct": "a"})
    assert "options" in error.value.details
    public = types.get("single_choice").public(data, random.Random(1))
    assert "correct" not in str(public) and {o["id"] for o in public["options"]} == {"a", "b", "c", "d"}


def test_multiple_choice_weights_may_be_negative_and_the_total_is_clamped():
    data = valid("multiple_choice", {"options": [
        {"id": "a", "text": "2", "weight": 50}, {"id": "b", "text": "3", "weight": 50},
        {"id": "c", "text": "4", "weight": -100}, {"id": "d", "text": "9", "weight": -50}]})
    assert score("multiple_choice", data, ["a", "b"]) == 1.0
    assert score("multiple_choice", data, ["a"]) == 0.5
    assert score("multiple_choice", data, ["a", "b", "d"]) == 0.5
    assert score("multiple_choice", data, ["a", "c"]) == 0.0  # -0.5 clamped to 0
    assert score("multiple_choice", data, []) == 0.0
    assert score("multiple_choice", data, ["a", "a", "b"]) == 1.0  # a repeat counts once
    public = types.get("multiple_choice").public(data)
    assert all("weight" not in o for o in public["options"])
    with pytest.raises(ValidationError) as error:
        valid("multiple_choice", {"options": [{"id": "a", "text": "x", "weight": 60},
                                              {"id": "b", "text": "y", "weight": 30}]})
    assert "100%" in error.value.details["options"]


@pytest.mark.parametrize("right, expected", [(0, 0.0), (1, 0.1), (2, 0.25), (3, 0.5), (4, 1.0)])
def test_true_false_group_2025_rule(right, expected):
    statements = [{"id": k, "text": f"Ý {k}", "correct": v} for k, v in zip("abcd", [True, False, True, False], strict=True)]
    data = valid("true_false_group", {"statements": statements})
    answer = {s["id"]: (s["correct"] if i < right else not s["correct"]) for i, s in enumerate(statements)}
    assert score("true_false_group", data, answer) == expected


def test_true_false_group_configurable_and_unanswered():
    statements = [{"id": k, "text": k, "correct": True} for k in "abcd"]
    data = valid("true_false_group", {"statements": statements, "partial_credit": [0, 0, 0.5, 1]})
    assert score("true_false_group", data, {"a": True}) == 0.0
    assert score("true_false_group", data, {"a": True, "b": True, "c": True}) == 0.5
    with pytest.raises(ValidationError):
        valid("true_false_group", {"statements": statements[:3]})


def test_true_false():
    data = valid("true_false", {"correct": False})
    assert score("true_false", data, False) == 1.0 and score("true_false", data, True) == 0.0
    with pytest.raises(types.AnswerError):
        types.get("true_false").answer(data, "false")


@pytest.mark.parametrize("given, expected", [
    ("Hà Nội", 1.0), ("  hà   nội ", 1.0), ("HÀ NỘI", 1.0),
    ("Ha\u0300 No\u0323\u0302i", 1.0),  # decomposed (NFD) input
    ("Thăng Long", 0.5), ("thành phố Hà Nội", 1.0), ("Huế", 0.0), ("", 0.0)])
def test_short_answer(given, expected):
    data = valid("short_answer", {"answers": [{"text": "Hà Nội", "weight": 100},
                                              {"text": "*phố Hà Nội", "weight": 100},
                                              {"text": "Thăng Long", "weight": 50}]})
    assert score("short_answer", data, given) == expected


def test_short_answer_tone_placement_and_case_sensitivity():
    data = valid("short_answer", {"answers": [{"text": "hòa bình", "weight": 100}]})
    assert score("short_answer", data, "hoà bình") == 1.0
    assert tone_canonical("thủy") == tone_canonical("thuỷ")
    strict = valid("short_answer", {"answers": [{"text": "NaCl", "weight": 100}], "case_sensitive": True})
    assert score("short_answer", strict, "NaCl") == 1.0 and score("short_answer", strict, "nacl") == 0.0
    literal = valid("short_answer", {"answers": [{"text": "a+b (c)", "weight": 100}]})
    assert score("short_answer", literal, "a+b (c)") == 1.0 and score("short_answer", literal, "aab c") == 0.0


@pytest.mark.parametrize("given, expected", [
    ("3,5", 1.0), ("3.5", 1.0), (3.5, 1.0), ("3.55", 1.0), ("3.6", 0.5), ("3.7", 0.0), ("-3.5", 0.0)])
def test_numerical(given, expected):
    data = valid("numerical", {"answers": [{"value": "3,5", "tolerance": 0.05, "weight": 100},
                                           {"value": 3.6, "tolerance": 0, "weight": 50}]})
    assert score("numerical", data, given) == expected


def test_numerical_refuses_what_is_not_a_number():
    with pytest.raises(ValidationError) as error:
        valid("numerical", {"answers": [{"value": "ba", "weight": 100}]})
    assert "answers.0.value" in error.value.details
    data = valid("numerical", {"answers": [{"value": 0.3, "weight": 100}]})
    assert score("numerical", data, 0.1 + 0.2) == 1.0
    for bad in ("abc", "nan", "inf", True, None, "1e400"):
        with pytest.raises(types.AnswerError):
            types.get("numerical").answer(data, bad)


def test_matching_partial_credit():
    data = valid("matching", {"pairs": [{"id": "1", "left": "Nước", "right": "H2O"},
                                        {"id": "2", "left": "Muối ăn", "right": "NaCl"},
                                        {"id": "3", "left": "Khí cacbonic", "right": "CO2"},
                                        {"id": "4", "left": "Oxi", "right": "O2"}]})
    assert score("matching", data, {"1": "1", "2": "2", "3": "3", "4": "4"}) == 1.0
    assert score("matching", data, {"1": "1", "2": "3", "3": "2"}) == 0.25
    public = types.get("matching").public(data, random.Random(3))
    assert sorted(r["id"] for r in public["right"]) == ["1", "2", "3", "4"]
    assert "left" in public and "pairs" not in public


def test_essay_is_graded_by_hand():
    data = valid("essay", {})
    assert score("essay", data, "Bài làm của em") is None
    assert types.get("essay").auto_graded is False
