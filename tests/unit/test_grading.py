"""Marks on the 10-point scale: TT22's one decimal rounded half-up, and the grading methods."""

from decimal import Decimal

import pytest

from lms.assignments.grading import combine, mark_on_scale, parse_mark, round_mark


@pytest.mark.parametrize(("value", "expected"), [
    (7.25, "7.3"),    # round(7.25, 1) == 7.2 in Python: the float is 7.24999…, and ties go to even
    (7.24, "7.2"),
    (8.05, "8.1"),    # round(8.05, 1) == 8.1 only by luck of the float; 8.15 gives 8.2 here
    (8.15, "8.2"),
    (Decimal("6.45"), "6.5"),
    ("9.95", "10.0"),
    (0, "0.0"),
])
def test_round_mark_is_half_up_to_one_decimal(value, expected):
    assert round_mark(value) == Decimal(expected)


def test_pythons_round_would_get_it_wrong():
    # The reason for Decimal: the circular's 7.25 → 7.3 is not what round() gives.
    assert round(7.25, 1) == 7.2
    assert round_mark(7.25) == Decimal("7.3")


def test_mark_on_scale():
    assert mark_on_scale(7, 8) == Decimal("8.8")  # 8.75 → 8.8
    assert mark_on_scale(Decimal("2.9"), 4) == Decimal("7.3")  # 7.25 → 7.3
    assert mark_on_scale(3, 3) == Decimal("10.0")
    assert mark_on_scale(None, 10) is None
    assert mark_on_scale(1, 0) is None


@pytest.mark.parametrize(("method", "expected"), [
    ("highest", "8.0"), ("last", "6.5"), ("first", "5.0"), ("average", "6.5"),
])
def test_combine_by_grading_method(method, expected):
    assert combine(method, [Decimal("5.0"), Decimal("8.0"), None, Decimal("6.5")]) == Decimal(expected)


def test_combine_average_rounds_half_up():
    assert combine("average", [7, Decimal("7.5")]) == Decimal("7.3")  # 7.25


def test_combine_without_marks_and_unknown_method():
    assert combine("highest", [None]) is None
    with pytest.raises(ValueError):
        combine("median", [1])


@pytest.mark.parametrize(("typed", "expected"), [("7,25", "7.3"), (" 8 ", "8.0"), ("10", "10.0"), ("0.04", "0.0")])
def test_parse_mark_accepts_a_decimal_comma(typed, expected):
    assert parse_mark(typed) == Decimal(expected)


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Hãy nhập điểm."), ("bảy", "Điểm phải là một số"), ("11", "từ 0 đến 10"), ("-1", "từ 0 đến 10"),
    ("nan", "từ 0 đến 10"), ("inf", "từ 0 đến 10"),
])
def test_parse_mark_refuses_with_a_message(typed, message):
    with pytest.raises(ValueError, match=message):
        parse_mark(typed)
