"""Marks: pure functions, no database.

Marks are given on the 10-point scale with one decimal. The assessment circular (Thông tư 22/2021,
điều 9) rounds a mark to one decimal half-up: 7.25 → 7.3, 7.24 → 7.2. Python's `round` rounds half
to even on binary floats (round(7.25, 1) == 7.2), so every mark goes through Decimal here.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

SCALE = Decimal(10)
ONE_DECIMAL = Decimal("0.1")

__all__ = ["round_mark", "mark_on_scale", "combine", "parse_mark", "SCALE"]


def _decimal(value):
    if isinstance(value, Decimal):
        return value
    # str() first: Decimal(7.25) is exact for 7.25, but Decimal(0.1 + 0.2) is not what was meant.
    return Decimal(str(value))


def round_mark(value):
    """One decimal, half-up (7.25 → 7.3; 8.05 → 8.1). None stays None."""
    if value is None:
        return None
    return _decimal(value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def mark_on_scale(score, max_score, scale=SCALE):
    """Marks earned out of max_score, as a mark on the 10-point scale, rounded half-up."""
    if score is None:
        return None
    max_score = _decimal(max_score)
    if max_score <= 0:
        return None
    return round_mark(_decimal(score) * _decimal(scale) / max_score)


def combine(method, marks):
    """The assignment's mark from its attempts' marks (in attempt order), by grading method:
    highest, last, first, or average (rounded half-up). Unscored attempts (None) are left out."""
    marks = [_decimal(m) for m in marks if m is not None]
    if not marks:
        return None
    if method == "highest":
        return round_mark(max(marks))
    if method == "last":
        return round_mark(marks[-1])
    if method == "first":
        return round_mark(marks[0])
    if method == "average":
        return round_mark(sum(marks) / len(marks))
    raise ValueError(f"unknown grading method {method!r}")


def parse_mark(text):
    """A mark typed by a teacher ("7,5", "7.5", " 8 ") → Decimal in [0, 10] with one decimal,
    or raise ValueError with a message the teacher can act on."""
    raw = str(text or "").strip().replace(",", ".")
    if not raw:
        raise ValueError("Hãy nhập điểm.")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError("Điểm phải là một số, ví dụ 7,5.") from None
    if not value.is_finite() or value < 0 or value > SCALE:
        raise ValueError("Điểm phải từ 0 đến 10.")
    return round_mark(value)
