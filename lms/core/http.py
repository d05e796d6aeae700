"""What arrives over HTTP, made safe once for every view: the request class (every query string,
form field, file name and JSON body arrives as `text.nfc` keeps text: NFC, no control characters),
the bounded `<int:…>` converter of every route, and the parsers of ids and redirect targets.

Bad input never reaches a 500: an id no database integer can hold matches no route (404) or reads
as "not given"; a JSON body nested too deep, with a lone UTF-16 surrogate or a non-finite number
is refused with 400 and the JSON error shape. (An id fits a 32-bit integer column: MAX_ID.)
"""

import math
from urllib.parse import urlsplit

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

from .text import nfc, nfc_deep

# The largest value of an Integer column: PostgreSQL's integer is 32 bits (SQLAlchemy casts the
# parameter to it, so 2**31 already fails there), SQLite's 64. Every id is such a column.
MAX_ID = 2**31 - 1
_MAX_ID_DIGITS = len(str(MAX_ID))
MAX_JSON_DEPTH = 64  # our bodies are a few levels deep (a question's data: four)


def bounded_int(value):
    """int(value) for `MultiDict.get(..., type=int)`: ValueError (so the default) beyond ±MAX_ID,
    since such numbers are compared with Integer columns."""
    text = str(value).strip()
    if len(text.lstrip("+-")) > _MAX_ID_DIGITS:
        raise ValueError("out of range")
    number = int(text)
    if abs(number) > MAX_ID:
        raise ValueError("out of range")
    return number


def as_id(value):
    """A database id from user input (a JSON number, a form or query value): a positive integer
    up to MAX_ID, else None (the caller answers "no such thing": 404 or 422). 3 and "3" and 3.0
    are 3; 1e20, "99999999999999999999", 1.5, true, inf and "abc" are None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = int(value) if value.is_integer() else None
    elif isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isascii() and text.isdigit() and len(text) <= _MAX_ID_DIGITS else None
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        return None
    return value


def digits_up_to(limit):
    """A regular expression matching the decimal numbers 0..limit (leading zeros allowed) and no
    others: shorter numbers, then those sharing a prefix with `limit` and smaller at the next digit."""
    text = str(limit)
    width = len(text)
    choices = [rf"\d{{1,{width - 1}}}"] if width > 1 else []
    for i, digit in enumerate(map(int, text)):
        if digit:
            rest = width - i - 1
            choices.append(text[:i] + (f"[0-{digit - 1}]" if digit > 1 else "0") + (rf"\d{{{rest}}}" if rest else ""))
    choices.append(text)
    return "(?:" + "|".join(choices) + ")"


class BoundedIntConverter(IntegerConverter):
    """The `int` converter of every route (registered in create_app): a path number beyond
    MAX_ID, which no database id can be, matches no route, so it is a 404 (whatever the method:
    the path itself does not match) rather than an overflow in the query."""

    regex = digits_up_to(MAX_ID)

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max,
                         signed=signed)


class Fields(ImmutableMultiDict):
    """Query-string and form values; `get(..., type=int)` is bounded (`bounded_int`), so an
    out-of-range number reads as not given, like any other that is not a number."""

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's names)
        return super().get(key, default, bounded_int if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002
        return super().getlist(key, bounded_int if type is int else type)


def _fields(md):
    return Fields([(nfc(k), nfc(v)) for k, v in md.items(multi=True)])


def _bad_json(message):
    from .errors import DomainError

    return DomainError("invalid_json", message, {"body": message}, status=400)


def _check_json(value):
    """Refuse (400) a decoded body nested deeper than MAX_JSON_DEPTH, holding a lone surrogate
    ("\\ud800": not text, no database stores it) or a non-finite number (NaN, Infinity, 1e999).
    Iterative, so any depth costs no recursion."""
    from .errors import _

    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise _bad_json(_("Dữ liệu JSON lồng nhau quá sâu (tối đa %(depth)s cấp).", depth=MAX_JSON_DEPTH))
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, str):
            if any("\ud800" <= ch <= "\udfff" for ch in item):
                raise _bad_json(_("Dữ liệu JSON chứa kí tự không hợp lệ (nửa cặp UTF-16 đứng riêng)."))
        elif isinstance(item, float) and not math.isfinite(item):
            raise _bad_json(_("Dữ liệu JSON chứa số không hữu hạn (NaN hoặc vô cực)."))


class LmsRequest(Request):
    @cached_property
    def args(self):
        return _fields(super().args)

    def _load_form_data(self):
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None:
            self.__dict__["form"] = _fields(form)
        for storage in (self.__dict__.get("files") or {}).values():
            storage.filename = nfc(storage.filename)

    def get_json(self, force=False, silent=False, cache=True):
        from .errors import _

        try:
            value = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:  # the decoder gave up thousands of levels down
            raise _bad_json(_("Dữ liệu JSON lồng nhau quá sâu (tối đa %(depth)s cấp).",
                              depth=MAX_JSON_DEPTH)) from None
        _check_json(value)
        return nfc_deep(value)


def local_url(target):
    """`target` if it is a path on this site, else None: the one check for every `next=` and
    "go back" redirect. Browsers read a backslash as a slash, so `/\\evil.example` would be as
    foreign as `//evil.example`; both are refused, as is anything with a scheme or host."""
    if not target or not target.startswith("/") or "\\" in target or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(ch) < 32 for ch in target):
        return None
    return target
