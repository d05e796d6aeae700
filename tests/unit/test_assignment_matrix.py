"""The test-matrix draw (assignments.matrix.draw): exact fill, nothing twice, least used first,
random among equals, shortage reported. Pure: no app, no database."""

import random
from collections import Counter

import pytest

from lms.assignments.matrix import Shortage, draw

CELLS = [{"topic": 1, "level": "nhan_biet", "count": 2}, {"topic": 1, "level": "thong_hieu", "count": 3}]
POOLS = {0: ["a", "b", "c", "d"], 1: ["p", "q", "r", "s", "t", "u"]}


def test_each_cell_is_filled_exactly_from_its_own_pool():
    drawn = draw(POOLS, CELLS, {}, random.Random(1))
    assert [len(cell) for cell in drawn] == [2, 3]
    assert set(drawn[0]) <= set(POOLS[0]) and set(drawn[1]) <= set(POOLS[1])
    assert len(set(drawn[0])) == 2 and len(set(drawn[1])) == 3


def test_a_question_in_two_pools_is_never_drawn_twice_in_one_attempt():
    pools = {0: ["x", "y"], 1: ["x", "y", "z"]}
    cells = [{"count": 2}, {"count": 1}]
    for seed in range(50):
        drawn = draw(pools, cells, {}, random.Random(seed))
        flat = [key for cell in drawn for key in cell]
        assert len(flat) == len(set(flat)) == 3
        assert drawn[1] == ["z"]


def test_a_pool_listing_a_key_twice_still_gives_distinct_questions():
    drawn = draw({0: ["a", "a", "b"]}, [{"count": 2}], {}, random.Random(0))
    assert sorted(drawn[0]) == ["a", "b"]


def test_least_used_first():
    usage = {"a": 3, "b": 0, "c": 1, "d": 0}
    for seed in range(20):
        drawn = draw({0: ["a", "b", "c", "d"]}, [{"count": 3}], usage, random.Random(seed))
        assert sorted(drawn[0]) == ["b", "c", "d"]  # the two never drawn, then the one drawn once


def test_a_class_goes_round_the_whole_pool_before_any_question_comes_back():
    pool, usage = [f"q{i}" for i in range(10)], Counter()
    rng = random.Random(7)
    for _student in range(5):  # 5 attempts × 2 questions = the pool once
        (cell,) = draw({0: pool}, [{"count": 2}], usage, rng)
        usage.update(cell)
    assert set(usage) == set(pool) and set(usage.values()) == {1}


def test_random_among_equals():
    firsts = {tuple(draw({0: list("abcdef")}, [{"count": 2}], {}, random.Random(seed))[0]) for seed in range(40)}
    assert len(firsts) > 10  # not one fixed order
    assert draw({0: list("abcdef")}, [{"count": 2}], {}, random.Random(3)) == \
        draw({0: list("abcdef")}, [{"count": 2}], {}, random.Random(3))  # the rng decides


def test_shortage_names_the_cell():
    with pytest.raises(Shortage) as caught:
        draw({0: ["a", "b"], 1: ["c"]}, [{"count": 2}, {"count": 2}], {}, random.Random(0))
    assert (caught.value.cell, caught.value.wanted, caught.value.available) == (1, 2, 1)


def test_a_cell_without_a_pool_is_a_shortage():
    with pytest.raises(Shortage):
        draw({}, [{"count": 1}], {}, random.Random(0))
