"""Item analysis by Moodle's definitions, against a hand-computed example (no app, no database)."""

import math

import pytest

from lms.assignments.analysis import (
    QuestionStats,
    Response,
    analyse,
    average_over_assignments,
    needs_checking,
    option_frequencies,
)


def responses():
    """Four students (attempts 1–4), three questions: Q1 single choice worth 1 mark, Q2 worth 2
    marks, Q3 worth 1 mark. Marks earned:

            Q1  Q2  Q3  total
        A    1   2   0    3
        B    1   1   1    3
        C    0   1   1    2
        D    0   0   1    1

    Q1: x = [1, 1, 0, 0], mean 0.5, facility 0.5/1 = 50 %.
        rest of the test y = total − x = [2, 2, 2, 1], mean 1.75.
        x − x̄ = [.5, .5, −.5, −.5]; y − ȳ = [.25, .25, .25, −.75].
        Σ(x−x̄)(y−ȳ) = .125 + .125 − .125 + .375 = 0.5;  Σ(x−x̄)² = 1;  Σ(y−ȳ)² = 3·.0625 + .5625 = 0.75.
        (n − 1 = 3 cancels in the ratios.)
        SD = sqrt(1/3) = 0.57735 marks = 57.735 % of the question's 1 mark.
        Discrimination index = 100 · 0.5 / sqrt(1 · 0.75) = 57.735.
        CovMax: x sorted [0, 0, 1, 1] − .5 = [−.5, −.5, .5, .5]; y sorted [1, 2, 2, 2] − 1.75 =
        [−.75, .25, .25, .25]; Σ = .375 − .125 + .125 + .125 = 0.5, so efficiency = 100 · 0.5 / 0.5 = 100.
    Q2: x = [2, 1, 1, 0], mean 1, facility 1/2 = 50 %; y = [1, 2, 1, 1], mean 1.25.
        x − x̄ = [1, 0, 0, −1]; y − ȳ = [−.25, .75, −.25, −.25]; Σ products = −.25 + .25 = 0 → index 0.
        Σ(x−x̄)² = 2 → SD = sqrt(2/3) = 0.8165 marks = 40.825 % of 2 marks.
        CovMax: [−1, 0, 0, 1] · [−.25, −.25, −.25, .75] = .25 + .75 = 1 → efficiency 0.
    Q3: x = [0, 1, 1, 1], mean .75, facility 75 %; y = [3, 2, 1, 0], mean 1.5.
        x − x̄ = [−.75, .25, .25, .25]; y − ȳ = [1.5, .5, −.5, −1.5];
        Σ products = −1.125 + .125 − .125 − .375 = −1.5; Σ(x−x̄)² = .75; Σ(y−ȳ)² = 5.
        Discrimination index = 100 · −1.5 / sqrt(.75 · 5) = −150 / 1.93649 = −77.460.
        CovMax: sorted x − x̄ = [−.75, .25, .25, .25]; sorted y − ȳ = [−1.5, −.5, .5, 1.5]; Σ = 1.125 − .125
        + .125 + .375 = 1.5 → efficiency = 100 · −1.5 / 1.5 = −100.
    Q1 answers: A "c", B "c", C "a", D left blank.
    """
    marks = {1: (1, 2, 0), 2: (1, 1, 1), 3: (0, 1, 1), 4: (0, 0, 1)}
    answers = {1: "c", 2: "c", 3: "a", 4: None}
    worth = (1, 2, 1)
    rows = []
    for attempt, earned in marks.items():
        for q, (got, out_of) in enumerate(zip(earned, worth, strict=True), start=1):
            rows.append(Response(attempt, q, out_of, got / out_of, answers[attempt] if q == 1 else None))
    return rows


def test_the_hand_computed_example():
    stats = analyse(responses(), {1: "single_choice", 2: "numerical", 3: "true_false_group"})
    q1, q2, q3 = stats[1], stats[2], stats[3]
    assert q1.attempts == q2.attempts == q3.attempts == 4
    assert q1.facility == pytest.approx(0.5) and q2.facility == pytest.approx(0.5) and q3.facility == pytest.approx(0.75)
    assert q1.sd == pytest.approx(math.sqrt(1 / 3)) and q2.sd == pytest.approx(math.sqrt(2 / 3) / 2)
    assert q1.discrimination_index == pytest.approx(57.735, abs=1e-3)
    assert q1.discriminative_efficiency == pytest.approx(100)
    assert q2.discrimination_index == pytest.approx(0) and q2.discriminative_efficiency == pytest.approx(0)
    assert q3.discrimination_index == pytest.approx(-77.460, abs=1e-3)
    assert q3.discriminative_efficiency == pytest.approx(-100)
    assert q1.options == {"c": 2, "a": 1} and q1.unanswered == 1
    assert q2.options == {} and q3.options == {}  # counted for choice questions only
    assert needs_checking(q1.discrimination_index) == "unlikely"
    assert needs_checking(q3.discrimination_index) == "very_likely"
    assert needs_checking(40) == "likely" and needs_checking(None) is None


def test_an_unscored_item_is_left_out_of_its_question_and_adds_nothing_to_the_rest():
    """D's Q3 is an essay not graded yet: Q3 counts three attempts, and D's rest-of-test for Q1 is
    Q2 alone (0)."""
    rows = [r if (r.attempt_id, r.question_id) != (4, 3) else Response(4, 3, 1, None) for r in responses()]
    stats = analyse(rows)
    assert stats[3].attempts == 3 and stats[3].facility == pytest.approx(2 / 3)
    # Q1 against rest y = [2, 2, 2, 0]: x − x̄ = [.5, .5, −.5, −.5], y − ȳ = [.5, .5, .5, −1.5];
    # Σ products = .25 + .25 − .25 + .75 = 1; Σ(y−ȳ)² = 3 → index = 100 · 1 / sqrt(1 · 3) = 57.735.
    assert stats[1].discrimination_index == pytest.approx(100 / math.sqrt(3))


def test_figures_need_two_attempts_and_some_spread():
    one = analyse([Response(1, 1, 1, 1.0), Response(1, 2, 1, 0.0)])
    assert one[1].facility == 1.0 and one[1].sd is None and one[1].discrimination_index is None
    same = analyse([Response(a, 1, 1, 1.0) for a in (1, 2, 3)] + [Response(a, 2, 1, a / 3) for a in (1, 2, 3)])
    assert same[1].sd == 0 and same[1].discrimination_index is None and same[1].discriminative_efficiency is None


def test_option_counts_of_each_choice_type():
    assert option_frequencies("multiple_choice", [["a", "c"], ["c"], [], None]) == ({"a": 1, "c": 2}, 2)
    assert option_frequencies("true_false", [True, False, True]) == ({"true": 2, "false": 1}, 0)


def test_the_bank_averages_each_figure_over_the_assignments_like_moodle():
    first = QuestionStats(7, attempts=10, max_mark=1, facility=0.8, sd=0.4, discrimination_index=40,
                          discriminative_efficiency=60, options={"a": 8, "b": 2})
    second = QuestionStats(7, attempts=1, max_mark=1, facility=0.0, sd=None, discrimination_index=None,
                           discriminative_efficiency=None, options={"b": 1})
    summary = average_over_assignments([first, second])
    assert summary.attempts == 11 and summary.facility == pytest.approx(0.4)
    assert summary.discrimination_index == 40 and summary.discriminative_efficiency == 60 and summary.sd == 0.4
    assert summary.options == {"a": 8, "b": 3}
    assert average_over_assignments([]) is None
