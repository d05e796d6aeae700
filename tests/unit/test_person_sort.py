"""Names in Vietnamese order (issue 9, point 8): given name, then middle names, then family name,
in the Vietnamese alphabet with tones after letters, by a key that a plain code-point comparison
orders correctly."""

import random
import unicodedata

import pytest

from lms.core.text import PERSON_SORT_KEY_MAX, person_sort_key


def in_order(names):
    return sorted(names, key=person_sort_key)


def test_given_name_first_then_middle_then_family():
    assert in_order(["Nguyễn Văn Bình", "Trần Thị An", "Lê An", "Phạm Minh An"]) == \
        ["Lê An", "Phạm Minh An", "Trần Thị An", "Nguyễn Văn Bình"]
    # Same given name: the middle names decide before the family name; none sorts first.
    assert in_order(["Vũ Bá Hùng", "Đỗ Hùng", "Nguyễn Anh Hùng"]) == ["Đỗ Hùng", "Nguyễn Anh Hùng", "Vũ Bá Hùng"]
    # Same given and middle names: the family name decides.
    assert in_order(["Trần Văn An", "Lê Văn An", "Ngô Văn An"]) == ["Lê Văn An", "Ngô Văn An", "Trần Văn An"]
    # Fewer middle names first, as a tuple would compare.
    assert in_order(["Lê Thị Mai Anh", "Lê Thị Anh"]) == ["Lê Thị Anh", "Lê Thị Mai Anh"]


def test_d_bar_after_d_and_o_before_u():
    assert in_order(["Đặng Văn An", "Dương Văn An"]) == ["Dương Văn An", "Đặng Văn An"]
    assert in_order(["Huỳnh Văn An", "Hồ Văn An"]) == ["Hồ Văn An", "Huỳnh Văn An"]
    # As given names too: Dũng < Đạt < Đông although "Đạt" < "Dũng" when folded to ASCII.
    assert in_order(["Trần Đông", "Lê Đạt", "Phạm Dũng"]) == ["Phạm Dũng", "Lê Đạt", "Trần Đông"]


def test_the_vietnamese_alphabet():
    letters = "a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y".split()
    shuffled = letters[:]
    random.Random(8).shuffle(shuffled)
    assert in_order(shuffled) == letters
    # Capital letters sort with their small letters.
    assert in_order(["Ơn", "ôn", "On", "Ân", "ăn", "AN"]) == ["AN", "ăn", "Ân", "On", "ôn", "Ơn"]


def test_tones_after_letters_in_dictionary_order():
    assert in_order(["ạ", "ã", "ả", "á", "à", "a"]) == ["a", "à", "á", "ả", "ã", "ạ"]
    assert in_order(["Lê Thị Mạ", "Lê Thị Mã", "Lê Thị Mả", "Lê Thị Má", "Lê Thị Mà", "Lê Thị Ma"]) == \
        ["Lê Thị Ma", "Lê Thị Mà", "Lê Thị Má", "Lê Thị Mả", "Lê Thị Mã", "Lê Thị Mạ"]
    # Letters decide before tones: "Hà" < "Hai" < "Hải" < "Hạnh".
    assert in_order(["Vũ Hạnh", "Vũ Hải", "Vũ Hai", "Vũ Hà"]) == ["Vũ Hà", "Vũ Hai", "Vũ Hải", "Vũ Hạnh"]
    # A letter of its own is not a tone: "Ân" (â) after every "An", whatever the tone.
    assert in_order(["Lê Ân", "Lê Ạn", "Lê An"]) == ["Lê An", "Lê Ạn", "Lê Ân"]


def test_nfd_case_spaces_and_tone_placement_do_not_matter():
    name = "Đặng Thị Ánh Tuyết"
    assert person_sort_key(unicodedata.normalize("NFD", name)) == person_sort_key(name)
    assert person_sort_key("  đặng   THỊ ánh\ttuyết ") == person_sort_key(name)
    assert person_sort_key("Nguyễn Thị Thuỷ") == person_sort_key("Nguyễn Thị Thủy")
    assert person_sort_key("Lê Hoà") == person_sort_key("Lê Hòa")


def test_the_key_orders_by_code_points_and_stays_bounded():
    names = ["Nguyễn Văn An", "Lê An", "Đặng Thị Ánh Tuyết", "H'Hen Niê", "Y-Moan Êban", "Lò Văn Pá 2"]
    keys = [person_sort_key(n) for n in names]
    # What a database with a binary collation compares: the UTF-8 bytes.
    assert sorted(keys, key=lambda k: k.encode("utf-8")) == sorted(keys)
    assert all("\x00" not in k for k in keys)  # PostgreSQL's text refuses NUL
    assert person_sort_key("") == person_sort_key("   ") == ""
    assert len(person_sort_key(" ".join(["Nguyễn"] * 60))) == PERSON_SORT_KEY_MAX


@pytest.mark.parametrize("earlier, later", [
    ("Phạm Minh An", "Phạm Minh Ân"),
    ("Bùi Thị Ơn", "Bùi Thị Phương"),
    ("Lê Văn Ư", "Lê Văn Vinh"),
    ("Trần Đức Em", "Trần Đức Ên"),
])
def test_pairs(earlier, later):
    assert person_sort_key(earlier) < person_sort_key(later)
