"""Aiken: one single-choice question per block, as Moodle reads it (qformat_aiken).

    Thủ đô của Việt Nam là
    A. Hà Nội
    B) Huế
    ANSWER: A

A line that starts with a capital letter and `.` or `)` is an option; `ANSWER:` closes the
question; any other line starts a new one. Lines shorter than two characters are skipped. Errors
carry Moodle's messages and line numbers: too few answers, an option or answer before any
question, and a question not completed before the next starts.
"""

import re

from ...core.errors import DomainError, _
from .. import types
from . import ParsedQuestion, ParseProblem, ParseResult
from .text import EncodingProblem, decode

_OPTION = re.compile(r"^[A-Z][).][ \t]?")
_ANSWER = re.compile(r"^ANSWER:")


def parse(data, filename=""):
    try:
        text = decode(data)
    except EncodingProblem as problem:
        return ParseResult(errors=[ParseProblem(None, problem.message)])
    result = ParseResult()
    current = None  # {"line", "stem", "options": [text]}
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if len(line) < 2:
            continue
        if _OPTION.match(line):
            if current is None:
                result.errors.append(ParseProblem(number, _("Câu hỏi chưa bắt đầu ở dòng %(line)s.", line=number)))
                continue
            current["options"].append(line[2:].strip())
        elif _ANSWER.match(line):
            if current is None:
                result.errors.append(ParseProblem(number, _("Câu hỏi chưa bắt đầu ở dòng %(line)s.", line=number)))
                continue
            if len(current["options"]) < 2:
                result.errors.append(ParseProblem(number, _("Câu hỏi phải có ít nhất 2 phương án, ở dòng %(line)s.",
                                                            line=number)))
                current = None
                continue
            _finish(result, current, line.split(":", 1)[1].strip()[:1], number)
            current = None
        else:
            if current is not None:
                result.errors.append(ParseProblem(number, _(
                    "Câu hỏi chưa hoàn chỉnh (thiếu ANSWER:) trước khi câu mới bắt đầu ở dòng %(line)s.",
                    line=number)))
            current = {"line": number, "stem": line, "options": []}
    if current is not None:
        result.errors.append(ParseProblem(current["line"], _(
            "Câu hỏi bắt đầu ở dòng %(line)s chưa có dòng ANSWER:.", line=current["line"])))
    return result


def _finish(result, current, letter, number):
    index = ord(letter) - ord("A") if letter else -1
    if not 0 <= index < len(current["options"]):
        result.errors.append(ParseProblem(number, _("Đáp án “%(answer)s” không khớp phương án nào, ở dòng %(line)s.",
                                                    answer=letter, line=number)))
        return
    options = [{"id": chr(ord("a") + i), "text": text} for i, text in enumerate(current["options"])]
    try:
        data = types.get("single_choice").validate({"options": options, "correct": options[index]["id"]})
    except DomainError as error:
        detail = "; ".join(f"{k}: {v}" for k, v in error.details.items())
        result.errors.append(ParseProblem(current["line"], f"{error.message} ({detail})"))
        return
    result.questions.append(ParsedQuestion("single_choice", current["stem"], data, current["line"]))


def export(questions):
    """Aiken for single-choice questions (others cannot be written in Aiken and are skipped)."""
    blocks = []
    for question in questions:
        if question["qtype"] != "single_choice":
            continue
        options = question["data"]["options"]
        lines = [" ".join(question["stem"].split())]
        lines += [f"{chr(ord('A') + i)}. {' '.join(o['text'].split())}" for i, o in enumerate(options)]
        correct = next(i for i, o in enumerate(options) if o["id"] == question["data"]["correct"])
        lines.append(f"ANSWER: {chr(ord('A') + correct)}")
        blocks.append("\n".join(lines))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")
