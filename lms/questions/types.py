"""The question types: a registry of classes, each of which validates its `data`, shows itself to a
student (without the answers), checks and scores an answer, and says what a correct answer is.

Shapes are API.md's (`qtype` and `data`). Scores are fractions of the question's mark in [0, 1];
None means "graded by hand" (essays). Pure Python: no database, no Flask (messages go through
core.errors._, which picks the user's language inside a request and Vietnamese elsewhere).

Rules from standards, named where they apply:
- multiple_choice: weights in percent, may be negative; the total is clamped to [0, 1] as Moodle's
  multichoice does (qtype_multichoice: sum of the chosen fractions, then max(0, min(1, sum))).
- true_false_group: the 2025 upper-secondary exam rule (Quy chế thi tốt nghiệp THPT 2025): of four
  statements, 1/2/3/4 judged right earn 0.1/0.25/0.5/1 of the mark; configurable per question.
- short_answer: Moodle's `*` wildcard, case-insensitive unless case_sensitive; both sides NFC,
  trimmed, spaces collapsed and the tone mark put in one place (hoà = hòa, core.text.tone_canonical).
- numerical: value ± tolerance, a decimal comma accepted (3,5 = 3.5), the best matching weight wins.
"""

import math
import random
import re
from decimal import Decimal, InvalidOperation

from ..core.errors import ValidationError, _
from ..core.text import clean_line, tone_canonical

TYPES = {}
MAX_OPTIONS = 10
MAX_TEXT = 20_000
TF_GROUP_DEFAULT = [0.1, 0.25, 0.5, 1.0]


def register(cls):
    TYPES[cls.code] = cls()
    return cls


def get(qtype):
    """The type object for a code, or a ValidationError naming `qtype`."""
    try:
        return TYPES[qtype]
    except (KeyError, TypeError):
        raise ValidationError(_("Loại câu hỏi không hợp lệ."), {"qtype": _("Chọn một trong: %(choices)s.",
                                                                           choices=", ".join(TYPES))}) from None


class AnswerError(ValueError):
    """An answer that does not fit the question's type (the attempt refuses it, 422)."""


def _text(value, name, errors, required=True, limit=MAX_TEXT):
    text = clean_line(value) if value is not None else ""
    if required and not text:
        errors[name] = _("Bắt buộc.")
    elif len(text) > limit:
        errors[name] = _("Tối đa %(max)s kí tự.", max=limit)
    return text


def _number(value):
    """A number from JSON or text, a decimal comma accepted ("3,5" = 3.5); None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip().replace(" ", "")
    if re.fullmatch(r"[+-]?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return float(number) if number.is_finite() and abs(number) < Decimal("1e15") else None


def _weight(value, name, errors, lo=-100, hi=100):
    number = _number(value)
    if number is None or not lo <= number <= hi:
        errors[name] = _("Trọng số là số từ %(lo)s đến %(hi)s (phần trăm).", lo=lo, hi=hi)
        return 0.0
    return number


def _options(data, errors, with_weight=False):
    options = data.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
        errors["options"] = _("Cần từ 2 đến %(max)s phương án.", max=MAX_OPTIONS)
        return []
    cleaned, seen = [], set()
    for index, option in enumerate(options):
        if not isinstance(option, dict):
            errors[f"options.{index}"] = _("Phương án không hợp lệ.")
            continue
        option_id = clean_line(option.get("id")) or chr(ord("a") + index)
        if option_id in seen:
            errors[f"options.{index}.id"] = _("Mã phương án bị trùng.")
        seen.add(option_id)
        item = {"id": option_id, "text": _text(option.get("text"), f"options.{index}.text", errors)}
        if with_weight:
            item["weight"] = _weight(option.get("weight", 0), f"options.{index}.weight", errors)
        cleaned.append(item)
    return cleaned


class QuestionType:
    code = ""
    label = ""
    auto_graded = True

    def validate(self, data):
        """The cleaned `data`, or ValidationError with each bad field (names like options.2.text)."""
        errors = {}
        if not isinstance(data, dict):
            raise ValidationError(_("Dữ liệu câu hỏi không hợp lệ."), {"data": _("Cần một đối tượng.")})
        cleaned = self._validate(data, errors)
        if errors:
            raise ValidationError(_("Câu hỏi chưa hợp lệ."), errors)
        return cleaned

    def _validate(self, data, errors):
        raise NotImplementedError

    def public(self, data, rng=None):
        """What a student's browser receives: no answer, no weight; options shuffled with `rng`."""
        return {}

    def answer(self, data, raw):
        """The student's answer in canonical form, or AnswerError."""
        raise NotImplementedError

    def score(self, data, answer):
        """The fraction of the mark in [0, 1] for a canonical answer (None: graded by hand)."""
        raise NotImplementedError

    def correct_answer(self, data):
        """A correct answer in the form a student sends (for review after submitting)."""
        raise NotImplementedError


def _shuffled(items, rng):
    items = list(items)
    if rng is not None:
        rng.shuffle(items)
    return items


@register
class SingleChoice(QuestionType):
    code = "single_choice"
    label = "Trắc nghiệm một đáp án"

    def _validate(self, data, errors):
        options = _options(data, errors)
        correct = clean_line(data.get("correct"))
        if options and correct not in {o["id"] for o in options}:
            errors["correct"] = _("Chọn đáp án đúng trong các phương án.")
        return {"options": options, "correct": correct}

    def public(self, data, rng=None):
        return {"options": [{"id": o["id"], "text": o["text"]} for o in _shuffled(data["options"], rng)]}

    def answer(self, data, raw):
        if not isinstance(raw, str) or raw not in {o["id"] for o in data["options"]}:
            raise AnswerError(_("Chọn một phương án."))
        return raw

    def score(self, data, answer):
        return 1.0 if answer == data["correct"] else 0.0

    def correct_answer(self, data):
        return data["correct"]


@register
class MultipleChoice(QuestionType):
    code = "multiple_choice"
    label = "Trắc nghiệm nhiều đáp án"

    def _validate(self, data, errors):
        options = _options(data, errors, with_weight=True)
        if options and not errors:
            positive = sum(o["weight"] for o in options if o["weight"] > 0)
            if abs(positive - 100) > 0.01:
                errors["options"] = _("Tổng trọng số các phương án đúng phải là 100%% (hiện: %(total)s%%).",
                                      total=round(positive, 2))
        return {"options": options}

    def public(self, data, rng=None):
        return {"options": [{"id": o["id"], "text": o["text"]} for o in _shuffled(data["options"], rng)]}

    def answer(self, data, raw):
        ids = {o["id"] for o in data["options"]}
        if not isinstance(raw, list) or not all(isinstance(x, str) and x in ids for x in raw):
            raise AnswerError(_("Chọn các phương án trong danh sách."))
        return sorted(set(raw))

    def score(self, data, answer):
        weights = {o["id"]: o["weight"] for o in data["options"]}
        return max(0.0, min(1.0, sum(weights[x] for x in answer) / 100))

    def correct_answer(self, data):
        return sorted(o["id"] for o in data["options"] if o["weight"] > 0)


@register
class TrueFalse(QuestionType):
    code = "true_false"
    label = "Đúng/Sai"

    def _validate(self, data, errors):
        correct = data.get("correct")
        if not isinstance(correct, bool):
            errors["correct"] = _("Chọn Đúng hoặc Sai.")
        return {"correct": bool(correct)}

    def answer(self, data, raw):
        if not isinstance(raw, bool):
            raise AnswerError(_("Chọn Đúng hoặc Sai."))
        return raw

    def score(self, data, answer):
        return 1.0 if answer == data["correct"] else 0.0

    def correct_answer(self, data):
        return data["correct"]


@register
class TrueFalseGroup(QuestionType):
    """Four statements a–d, each true or false; partial credit by the number judged right."""

    code = "true_false_group"
    label = "Đúng/Sai theo ý (a–d)"

    def _validate(self, data, errors):
        statements = data.get("statements")
        if not isinstance(statements, list) or len(statements) != 4:
            errors["statements"] = _("Cần đúng 4 ý a), b), c), d).")
            return {"statements": []}
        cleaned = []
        for index, statement in enumerate(statements):
            statement = statement if isinstance(statement, dict) else {}
            statement_id = clean_line(statement.get("id")) or "abcd"[index]
            if not isinstance(statement.get("correct"), bool):
                errors[f"statements.{index}.correct"] = _("Chọn Đúng hoặc Sai.")
            cleaned.append({"id": statement_id, "text": _text(statement.get("text"), f"statements.{index}.text",
                                                                  errors),
                            "correct": bool(statement.get("correct"))})
        if len({s["id"] for s in cleaned}) != 4:
            errors["statements"] = _("Mã các ý bị trùng.")
        result = {"statements": cleaned}
        if "partial_credit" in data:
            credit = data["partial_credit"]
            if (not isinstance(credit, list) or len(credit) != 4
                    or any(_number(c) is None or not 0 <= _number(c) <= 1 for c in credit)):
                errors["partial_credit"] = _("Cần 4 hệ số từ 0 đến 1 cho 1, 2, 3, 4 ý đúng.")
            else:
                result["partial_credit"] = [_number(c) for c in credit]
        return result

    def public(self, data, rng=None):
        return {"statements": [{"id": s["id"], "text": s["text"]} for s in data["statements"]]}

    def answer(self, data, raw):
        ids = {s["id"] for s in data["statements"]}
        if not isinstance(raw, dict) or not set(raw) <= ids or not all(isinstance(v, bool) for v in raw.values()):
            raise AnswerError(_("Chọn Đúng hoặc Sai cho từng ý."))
        return dict(sorted(raw.items()))

    def score(self, data, answer):
        right = sum(1 for s in data["statements"] if answer.get(s["id"]) is s["correct"])
        credit = data.get("partial_credit") or TF_GROUP_DEFAULT
        return 0.0 if right == 0 else float(credit[right - 1])

    def correct_answer(self, data):
        return {s["id"]: s["correct"] for s in data["statements"]}


def _short_answer_key(text, case_sensitive):
    text = tone_canonical(" ".join(str(text).split()))
    return text if case_sensitive else text.casefold()


@register
class ShortAnswer(QuestionType):
    code = "short_answer"
    label = "Trả lời ngắn"

    def _validate(self, data, errors):
        answers = data.get("answers")
        if not isinstance(answers, list) or not answers:
            errors["answers"] = _("Cần ít nhất một đáp án được chấp nhận.")
            return {"answers": [], "case_sensitive": False}
        cleaned = []
        for index, item in enumerate(answers):
            item = item if isinstance(item, dict) else {"text": item}
            cleaned.append({"text": _text(item.get("text"), f"answers.{index}.text", errors, limit=500),
                            "weight": _weight(item.get("weight", 100), f"answers.{index}.weight", errors, 0, 100)})
        if cleaned and not any(a["weight"] == 100 for a in cleaned) and "answers" not in errors:
            errors["answers"] = _("Cần ít nhất một đáp án được 100%.")
        return {"answers": cleaned, "case_sensitive": bool(data.get("case_sensitive", False))}

    def answer(self, data, raw):
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
            raise AnswerError(_("Nhập câu trả lời."))
        return clean_line(raw)[:500]

    def score(self, data, answer):
        given = _short_answer_key(answer, data.get("case_sensitive"))
        best = 0.0
        for item in data["answers"]:
            expected = _short_answer_key(item["text"], data.get("case_sensitive"))
            pattern = "".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", expected))
            if given and re.fullmatch(pattern, given, re.DOTALL):
                best = max(best, item["weight"] / 100)
        return best

    def correct_answer(self, data):
        return next(a["text"] for a in data["answers"] if a["weight"] == 100)


@register
class Numerical(QuestionType):
    code = "numerical"
    label = "Số"

    def _validate(self, data, errors):
        answers = data.get("answers")
        if not isinstance(answers, list) or not answers:
            errors["answers"] = _("Cần ít nhất một đáp án số.")
            return {"answers": []}
        cleaned = []
        for index, item in enumerate(answers):
            item = item if isinstance(item, dict) else {}
            value, tolerance = _number(item.get("value")), _number(item.get("tolerance", 0))
            if value is None:
                errors[f"answers.{index}.value"] = _("Đáp án phải là một số (dấu phẩy thập phân được chấp nhận).")
            if tolerance is None or tolerance < 0:
                errors[f"answers.{index}.tolerance"] = _("Sai số cho phép là một số không âm.")
            cleaned.append({"value": value or 0.0, "tolerance": tolerance or 0.0,
                            "weight": _weight(item.get("weight", 100), f"answers.{index}.weight", errors, 0, 100)})
        if cleaned and not any(a["weight"] == 100 for a in cleaned) and "answers" not in errors:
            errors["answers"] = _("Cần ít nhất một đáp án được 100%.")
        return {"answers": cleaned}

    def answer(self, data, raw):
        number = _number(raw)
        if number is None:
            raise AnswerError(_("Nhập một số (ví dụ 3,5)."))
        return number

    def score(self, data, answer):
        best = 0.0
        for item in data["answers"]:
            # A relative epsilon, so 0.1 + 0.2 is 0.3 within a tolerance of 0.
            slack = item["tolerance"] + 1e-9 * max(1.0, abs(item["value"]))
            if abs(answer - item["value"]) <= slack:
                best = max(best, item["weight"] / 100)
        return best

    def correct_answer(self, data):
        return next(a["value"] for a in data["answers"] if a["weight"] == 100)


@register
class Matching(QuestionType):
    code = "matching"
    label = "Ghép đôi"

    def _validate(self, data, errors):
        pairs = data.get("pairs")
        if not isinstance(pairs, list) or not 2 <= len(pairs) <= 20:
            errors["pairs"] = _("Cần từ 2 đến 20 cặp ghép.")
            return {"pairs": []}
        cleaned = []
        for index, pair in enumerate(pairs):
            pair = pair if isinstance(pair, dict) else {}
            cleaned.append({"id": clean_line(pair.get("id")) or str(index + 1),
                            "left": _text(pair.get("left"), f"pairs.{index}.left", errors),
                            "right": _text(pair.get("right"), f"pairs.{index}.right", errors)})
        if len({p["id"] for p in cleaned}) != len(cleaned):
            errors["pairs"] = _("Mã các cặp bị trùng.")
        return {"pairs": cleaned}

    def public(self, data, rng=None):
        # The right-hand column is offered by pair id, shuffled, so its order gives nothing away.
        rng = rng or random.Random(0)
        return {"left": [{"id": p["id"], "text": p["left"]} for p in data["pairs"]],
                "right": [{"id": p["id"], "text": p["right"]} for p in _shuffled(data["pairs"], rng)]}

    def answer(self, data, raw):
        ids = {p["id"] for p in data["pairs"]}
        if not isinstance(raw, dict) or not set(raw) <= ids or not all(v in ids for v in raw.values()):
            raise AnswerError(_("Ghép mỗi ý bên trái với một ý bên phải."))
        return dict(sorted(raw.items()))

    def score(self, data, answer):
        # Moodle's match question: every sub-question an equal share; right texts that are equal count.
        right_text = {p["id"]: p["right"] for p in data["pairs"]}
        good = sum(1 for p in data["pairs"] if right_text.get(answer.get(p["id"])) == p["right"])
        return good / len(data["pairs"])

    def correct_answer(self, data):
        return {p["id"]: p["id"] for p in data["pairs"]}


@register
class Essay(QuestionType):
    code = "essay"
    label = "Tự luận"
    auto_graded = False

    def _validate(self, data, errors):
        return {}

    def answer(self, data, raw):
        if not isinstance(raw, str):
            raise AnswerError(_("Nhập bài làm."))
        return raw.strip()[:MAX_TEXT]

    def score(self, data, answer):
        return None

    def correct_answer(self, data):
        return None


LEVELS = {
    "nhan_biet": "Nhận biết",
    "thong_hieu": "Thông hiểu",
    "van_dung": "Vận dụng",
    "van_dung_cao": "Vận dụng cao",
}
LEVEL_TAGS = {"NB": "nhan_biet", "TH": "thong_hieu", "VD": "van_dung", "VDC": "van_dung_cao"}
