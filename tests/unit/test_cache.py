"""core/cache.Region: answers kept per process, emptied in every process by a generation file."""

import time

from lms.core.cache import Region


def counting(value):
    calls = []

    def compute():
        calls.append(1)
        return f"{value} #{len(calls)}"

    return compute, calls


def test_an_answer_is_computed_once(tmp_path):
    region = Region("library", str(tmp_path), seconds=60)
    compute, calls = counting("trang 1")
    assert region.get_or_set("k", compute) == region.get_or_set("k", compute) == "trang 1 #1"
    assert len(calls) == 1


def test_a_clear_in_another_process_empties_this_one(tmp_path):
    """Two workers: each its own entries, one generation file in the shared instance folder."""
    first, second = Region("library", str(tmp_path), 60), Region("library", str(tmp_path), 60)
    compute, calls = counting("trang 1")
    first.get_or_set("k", compute)
    second.clear()
    assert first.get_or_set("k", compute) == "trang 1 #2" and len(calls) == 2
    assert first.get_or_set("k", compute) == "trang 1 #2"


def test_an_answer_computed_across_a_commit_is_not_kept(tmp_path):
    """The generation is read before computing: an answer computed from data that a commit
    changed meanwhile (its receiver cleared the region) is served to nobody after that commit."""
    first, second = Region("library", str(tmp_path), 60), Region("library", str(tmp_path), 60)
    calls = []

    def compute_while_another_worker_commits():
        calls.append(1)
        if len(calls) == 1:
            second.clear()
        return len(calls)

    assert first.get_or_set("k", compute_while_another_worker_commits) == 1
    assert first.get_or_set("k", compute_while_another_worker_commits) == 2
    assert first.get_or_set("k", compute_while_another_worker_commits) == 2


def test_answers_expire_and_the_oldest_go_first(tmp_path):
    region = Region("library", str(tmp_path), seconds=0.2, max_entries=2)
    compute, calls = counting("x")
    region.get_or_set("a", compute)
    time.sleep(0.3)
    assert region.get_or_set("a", compute) == "x #2"
    region.get_or_set("b", compute)
    region.get_or_set("c", compute)  # "a" is the least recently used: evicted
    assert len(region) == 2
    assert region.get_or_set("a", compute) == "x #5"


def test_seconds_zero_keeps_nothing(tmp_path):
    region = Region("library", str(tmp_path), seconds=0)
    compute, calls = counting("x")
    region.get_or_set("a", compute)
    region.get_or_set("a", compute)
    assert len(calls) == 2 and len(region) == 0
