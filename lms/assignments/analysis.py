"""Item analysis of a quiz, by Moodle's definitions (question/classes/statistics/questions/calculator.php
in moodle/moodle; the quiz statistics report's help pages name them the same way).

Only each student's first submitted attempt counts (Moodle's default "first attempts"). For every
question, over the s attempts in which it appeared:

- x = the marks the student earned on the question (fraction × marks), y = the marks earned on the
  rest of the test in the same attempt (the attempt's total minus x);
- facility index = mean(x) / the question's marks (0..1; shown as a percentage);
- standard deviation = sqrt(Σ(x − x̄)² / (s − 1)), given as a share of the question's marks as Moodle
  shows it;
- discrimination index = 100 × Cov(x, y) / sqrt(Var(x) · Var(y)), the Pearson correlation of the
  question with the rest of the test (sample (co)variances, so the s − 1 cancels);
- discriminative efficiency = 100 × Cov(x, y) / CovMax(x, y), where CovMax is the covariance of the
  two lists each sorted on its own: the largest covariance these marks could have, so the ratio says
  how much of the discrimination the question's own spread allows it actually achieves;
- the numbers that need two or more attempts (or some spread) are None until there is enough data.

An item not scored yet (an essay waiting for the teacher) is left out of its own question's figures
and adds nothing to the rest of the test. A question used in several assignments is summarised in the
bank the way Moodle's question bank does (qbank_statistics): the mean of each figure over the
assignments in which it is defined.

Pure functions: no database. The query that feeds them is `queries.item_responses`.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

__all__ = ["Response", "QuestionStats", "analyse", "option_frequencies", "average_over_assignments",
           "needs_checking", "CHOICE_TYPES"]

CHOICE_TYPES = ("single_choice", "multiple_choice", "true_false")
# Moodle's qbank "Needs checking?" thresholds on the discrimination index.
VERY_LIKELY_BELOW, LIKELY_BELOW = 30, 50


@dataclass(frozen=True)
class Response:
    """One question in one (first, submitted) attempt."""

    attempt_id: int
    question_id: int
    marks: float
    fraction: float | None  # None: not scored yet
    answer: object = None


@dataclass
class QuestionStats:
    question_id: int
    attempts: int = 0
    max_mark: float = 0.0
    mean: float | None = None
    facility: float | None = None
    sd: float | None = None  # share of the question's marks
    discrimination_index: float | None = None
    discriminative_efficiency: float | None = None
    options: dict = field(default_factory=dict)  # option id (or "true"/"false") → times picked
    unanswered: int = 0

    def as_json(self):
        return {"question_id": self.question_id, "attempts": self.attempts, "max_mark": self.max_mark,
                "mean": _round(self.mean), "facility": _round(self.facility), "sd": _round(self.sd),
                "discrimination": _round(self.discrimination_index, 2),
                "discriminative_efficiency": _round(self.discriminative_efficiency, 2),
                "options": self.options, "unanswered": self.unanswered}


def _round(value, digits=4):
    return None if value is None else round(value, digits)


def _covariance(xs, ys):
    """Σ(x − x̄)(y − ȳ) / (n − 1)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (n - 1)


def question_figures(xs, ys, max_mark):
    """(mean, facility, sd share, discrimination index, discriminative efficiency) of one question's
    marks `xs` against the rest of the test `ys` (same order)."""
    n = len(xs)
    if n == 0:
        return None, None, None, None, None
    mean = sum(xs) / n
    facility = mean / max_mark if max_mark else None
    if n < 2:
        return mean, facility, None, None, None
    var_x, var_y, cov = _covariance(xs, xs), _covariance(ys, ys), _covariance(xs, ys)
    sd = math.sqrt(var_x) / max_mark if max_mark else None
    discrimination = 100 * cov / math.sqrt(var_x * var_y) if var_x * var_y > 0 else None
    cov_max = _covariance(sorted(xs), sorted(ys))
    efficiency = 100 * cov / cov_max if cov_max else None
    return mean, facility, sd, discrimination, efficiency


def analyse(responses, qtypes=None):
    """{question_id: QuestionStats} from the Responses of one assignment's first attempts.
    `qtypes` ({question_id: qtype}) turns on option counts for choice questions."""
    responses = list(responses)
    qtypes = qtypes or {}
    totals = defaultdict(float)
    for r in responses:
        if r.fraction is not None:
            totals[r.attempt_id] += float(r.fraction) * float(r.marks)
    by_question = defaultdict(list)
    for r in responses:
        by_question[r.question_id].append(r)
    stats = {}
    for question_id, rows in by_question.items():
        scored = [r for r in rows if r.fraction is not None]
        xs = [float(r.fraction) * float(r.marks) for r in scored]
        ys = [totals[r.attempt_id] - x for r, x in zip(scored, xs, strict=True)]
        max_mark = max(float(r.marks) for r in rows)
        mean, facility, sd, discrimination, efficiency = question_figures(xs, ys, max_mark)
        item = QuestionStats(question_id, len(scored), max_mark, mean, facility, sd, discrimination, efficiency)
        if qtypes.get(question_id) in CHOICE_TYPES:
            item.options, item.unanswered = option_frequencies(qtypes[question_id], [r.answer for r in rows])
        stats[question_id] = item
    return stats


def option_frequencies(qtype, answers):
    """({option id: times picked}, times left blank) for a choice question's answers: an option id
    (single choice), a list of them (multiple choice) or a boolean (true/false, counted as
    "true"/"false")."""
    counts, blank = Counter(), 0
    for answer in answers:
        if answer is None or answer == "" or answer == []:
            blank += 1
        elif qtype == "multiple_choice" and isinstance(answer, list):
            counts.update(str(a) for a in set(answer))
        elif qtype == "true_false":
            counts["true" if answer is True or answer == "true" else "false"] += 1
        else:
            counts[str(answer)] += 1
    return dict(counts), blank


def average_over_assignments(per_assignment):
    """A question's figures across the assignments that used it (Moodle's question bank): the mean
    of each figure over the assignments where it is defined; attempts add up.
    `per_assignment` is a list of QuestionStats of the same question."""
    per_assignment = list(per_assignment)
    if not per_assignment:
        return None
    summary = QuestionStats(per_assignment[0].question_id)
    summary.attempts = sum(s.attempts for s in per_assignment)
    summary.max_mark = max(s.max_mark for s in per_assignment)

    def mean_of(name):
        values = [getattr(s, name) for s in per_assignment if getattr(s, name) is not None]
        return sum(values) / len(values) if values else None

    for name in ("facility", "sd", "discrimination_index", "discriminative_efficiency"):
        setattr(summary, name, mean_of(name))
    options, blank = Counter(), 0
    for s in per_assignment:
        options.update(s.options)
        blank += s.unanswered
    summary.options, summary.unanswered = dict(options), blank
    return summary


def needs_checking(discrimination_index):
    """Moodle's "Needs checking?": "very_likely" below 30, "likely" below 50, else "unlikely";
    None without a figure."""
    if discrimination_index is None:
        return None
    if discrimination_index < VERY_LIKELY_BELOW:
        return "very_likely"
    if discrimination_index < LIKELY_BELOW:
        return "likely"
    return "unlikely"


# --------------------------------------------------------------------------- the queries that feed them

def item_responses(assignment_ids):
    """[(assignment id, Response)] for every question of every first submitted attempt of these
    assignments: one statement."""
    from ..extensions import db
    from .models import AssignmentQuestion, Attempt, AttemptQuestion, AttemptState

    assignment_ids = list(assignment_ids)
    if not assignment_ids:
        return []
    query = (db.select(Attempt.assignment_id, Attempt.id, AssignmentQuestion.question_id, AttemptQuestion.marks,
                       AttemptQuestion.fraction, AttemptQuestion.answer)
             .join(AttemptQuestion, AttemptQuestion.attempt_id == Attempt.id)
             .join(AssignmentQuestion, AssignmentQuestion.id == AttemptQuestion.assignment_question_id)
             .where(Attempt.assignment_id.in_(assignment_ids), Attempt.number == 1,
                    Attempt.state == AttemptState.SUBMITTED.value))
    return [(row[0], Response(row[1], row[2], row[3], row[4], row[5])) for row in db.session.execute(query)]


@dataclass
class ReportRow:
    """One question of an assignment with its figures and, for a choice question, its options
    (id, text, correct, times picked)."""

    question_id: int
    number: int
    qtype: str
    stem: str
    stats: QuestionStats
    options: list

    @property
    def needs_checking(self):
        return needs_checking(self.stats.discrimination_index)


@dataclass
class Report:
    assignment_id: int
    attempts: int  # first attempts counted
    rows: list

    def as_json(self):
        return {"assignment_id": self.assignment_id, "attempts": self.attempts,
                "questions": [{**row.stats.as_json(), "number": row.number, "qtype": row.qtype,
                               "needs_checking": row.needs_checking,
                               "option_labels": [{"id": o["id"], "text": o["text"], "correct": o["correct"]}
                                                 for o in row.options]} for row in self.rows]}


def _options(qtype, data, picked):
    """[{id, text, correct, picked}] for a choice question's options, in the question's order."""
    data = data or {}
    if qtype == "true_false":
        return [{"id": "true", "text": "Đúng", "correct": data.get("correct") is True, "picked": picked.get("true", 0)},
                {"id": "false", "text": "Sai", "correct": data.get("correct") is False,
                 "picked": picked.get("false", 0)}]
    if qtype not in ("single_choice", "multiple_choice"):
        return []
    options = []
    for option in data.get("options") or []:
        key = str(option.get("id"))
        correct = (key == str(data.get("correct"))) if qtype == "single_choice" else (option.get("weight") or 0) > 0
        options.append({"id": key, "text": option.get("text", ""), "correct": correct, "picked": picked.get(key, 0)})
    return options


def assignment_report(assignment):
    """The item analysis of one assignment's quiz: two statements."""
    from .queries import quiz_questions

    questions = quiz_questions(assignment)
    responses = [r for _assignment, r in item_responses([assignment.id])]
    qtypes = {aq.question_id: aq.question.qtype for aq in questions}
    stats = analyse(responses, qtypes)
    rows = []
    for number, aq in enumerate(questions, start=1):
        item = stats.get(aq.question_id) or QuestionStats(aq.question_id, max_mark=float(aq.marks))
        rows.append(ReportRow(aq.question_id, number, aq.question.qtype, aq.version.stem, item,
                              _options(aq.question.qtype, aq.version.data, item.options)))
    return Report(assignment.id, len({r.attempt_id for r in responses}), rows)


def question_summary(question):
    """(number of assignments, QuestionStats averaged over them) for a question, or (0, None) when
    no first attempt has answered it: two statements."""
    from .queries import assignments_using

    ids = assignments_using(question.id)
    by_assignment = defaultdict(list)
    for assignment_id, response in item_responses(ids):
        by_assignment[assignment_id].append(response)
    per_assignment = [stats[question.id] for stats in
                      (analyse(rows, {question.id: question.qtype}) for rows in by_assignment.values())
                      if question.id in stats]
    return len(per_assignment), average_over_assignments(per_assignment)


def question_summary_for(question):
    """For the question's page in the bank (a template global): {assignments, stats, needs_checking,
    options} or None when it has not been answered in an assignment yet."""
    count, stats = question_summary(question)
    if stats is None:
        return None
    version = question.published_version or question.current_version
    return {"assignments": count, "stats": stats, "needs_checking": needs_checking(stats.discrimination_index),
            "options": _options(question.qtype, version.data if version else {}, stats.options)}


def question_summary_json(question):
    count, stats = question_summary(question)
    body = {"question_id": question.id, "assignments": count}
    if stats is None:
        body.update({"attempts": 0, "facility": None, "sd": None, "discrimination": None,
                     "discriminative_efficiency": None, "options": {}, "needs_checking": None})
        return body
    body.update(stats.as_json())
    body["question_id"], body["needs_checking"] = question.id, needs_checking(stats.discrimination_index)
    return body
