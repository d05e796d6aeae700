"""What arrives over HTTP (issue 7.4): text without control characters, ids that a database integer
can hold, and a route converter that matches nothing beyond them."""

import random
import re

import pytest

from lms.core.http import MAX_ID, as_id, bounded_int, digits_up_to
from lms.core.text import clean_line, nfc, nfc_deep


def test_nfc_drops_control_characters_but_tab_and_newline():
    assert nfc("Ph\x00a\u0301n s\x1bố\x7f\x85\tx\ny") == "Phán số\tx\ny"
    assert nfc("một\r\nhai\rba") == "một\nhai\nba"  # textareas arrive with CRLF
    assert nfc("Hoa\u0300") == "Hoà" and nfc(None) is None and nfc(3) == 3
    assert clean_line(" Tên\x00 tệp\x0b ") == "Tên tệp"
    assert nfc_deep({"a\x00": ["b\x01", {"c": "d\x02"}], "n": 1.5}) == {"a": ["b", {"c": "d"}], "n": 1.5}


@pytest.mark.parametrize(("value", "expected"), [
    (3, 3), ("3", 3), (" 42 ", 42), (3.0, 3), (MAX_ID, MAX_ID), (str(MAX_ID), MAX_ID),
    (MAX_ID + 1, None), (2**64, None), (1e20, None), ("99999999999999999999", None), ("9" * 5000, None),
    (0, None), (-1, None), ("-1", None), (1.5, None), (float("inf"), None), (float("nan"), None),
    (True, None), ("abc", None), ("", None), (None, None), ([1], None), ("٣", None),
])
def test_as_id(value, expected):
    assert as_id(value) == expected


def test_bounded_int():
    assert bounded_int("12") == 12 and bounded_int("-5") == -5 and bounded_int(str(MAX_ID)) == MAX_ID
    for value in (str(MAX_ID + 1), str(-MAX_ID - 1), "9" * 5000, "x"):
        with pytest.raises(ValueError):
            bounded_int(value)


@pytest.mark.parametrize("limit", [MAX_ID, 9, 10, 100, 2019, 100500])
def test_digits_up_to_matches_exactly_zero_to_limit(limit):
    pattern = re.compile(digits_up_to(limit) + r"\Z")
    numbers = [*range(0, 2500), limit - 1, limit, limit + 1, limit * 10, 2**63, 2**64,
               *(random.Random(limit).randrange(0, 2**70) for _ in range(5000))]
    for number in numbers:
        assert bool(pattern.match(str(number))) == (number <= limit), number
    assert pattern.match("0" * len(str(limit)))
