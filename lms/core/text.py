"""Text rules that hold everywhere: NFC normalisation, no control characters, and Vietnamese
diacritic folding."""

import re
import unicodedata

from sqlalchemy import String, Text, event
from sqlalchemy.orm import Session

# Control characters (Unicode Cc: C0, DEL, C1) other than tab and newline. Nothing a person types
# needs them; U+0000 cannot be stored in PostgreSQL at all, and in a file name it breaks every
# download. Carriage returns become newlines (browsers send textareas with CRLF).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def nfc(value):
    """A string as we keep text: NFC-normalised, line breaks as "\n", and no control characters
    but tab and newline (the others are dropped). Other values pass through unchanged. Every
    entry point applies it: query strings, forms, JSON bodies and file names (core.http, the
    upload parser), and the flush guard below as the last line."""
    if not isinstance(value, str):
        return value
    if _CONTROLS.search(value):
        value = _CONTROLS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return unicodedata.normalize("NFC", value)


def nfc_deep(value):
    """`nfc` every string (and key) inside nested dicts and lists (decoded JSON bodies)."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, list):
        return [nfc_deep(v) for v in value]
    if isinstance(value, dict):
        return {nfc_deep(k): nfc_deep(v) for k, v in value.items()}
    return value


def fold(value):
    """Lowercase and strip Vietnamese diacritics, including đ→d ("Đường" → "duong")."""
    value = unicodedata.normalize("NFD", value.lower())
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", value.replace("đ", "d"))


_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng (combining)
_OLD_PLACEMENT = re.compile(f"([oO])([{_TONES}])([aAeE])|([uU])([{_TONES}])([yY])")


def tone_canonical(value):
    """Put the tone mark in one place: "hòa"/"hoà", "thủy"/"thuỷ", "khỏe"/"khoẻ" are the same word
    written under the old and the new placement rules, and different strings even after NFC. The
    old placement (on the first vowel of oa, oe, uy) is moved to the second, as the new rule has it.
    Used wherever text is compared: search's exact-accent form, short-answer marking, duplicate
    detection, name sorting."""
    decomposed = unicodedata.normalize("NFD", value)

    def move(match):
        if match.group(1):
            return match.group(1) + match.group(3) + match.group(2)
        return match.group(4) + match.group(6) + match.group(5)

    return unicodedata.normalize("NFC", _OLD_PLACEMENT.sub(move, decomposed))


def clean_line(value):
    """`nfc` (so no control characters), collapse runs of whitespace, strip: for names and titles
    typed by people."""
    if value is None:
        return ""
    return " ".join(nfc(str(value)).split())


def install_nfc_guard(db):
    """Last line of defence: no string column is ever written in a form other than NFC, nor with
    control characters other than tab and newline (`nfc`).

    Requests and imports normalise on the way in; this catches anything that bypasses them
    (CLI, scripts, services called directly).
    """
    if getattr(db, "_nfc_guard_installed", False):
        return
    db._nfc_guard_installed = True

    @event.listens_for(Session, "before_flush")
    def _normalise(session, flush_context, instances):
        for obj in list(session.new) + list(session.dirty):
            mapper = getattr(obj, "__mapper__", None)
            if mapper is None:
                continue
            for column in mapper.columns:
                if isinstance(column.type, (String, Text)):
                    key = mapper.get_property_by_column(column).key
                    value = obj.__dict__.get(key)
                    if isinstance(value, str):
                        normalised = nfc(value)
                        if normalised != value:
                            setattr(obj, key, normalised)


# --- sorting people's names in Vietnamese order ---------------------------------------------------

# Letters of their own in the Vietnamese alphabet (a ă â, d đ, e ê, o ô ơ, u ư): the base letter,
# then a rank for the mark that shapes it. Ranks only ever compare within one base letter.
_SHAPE_RANK = {"\u0306": "1", "\u0302": "2", "\u031b": "3"}  # breve, circumflex, horn
# Tones come after letters, in dictionary order: ngang, huyền, sắc, hỏi, ngã, nặng.
_TONE_RANK = {"\u0300": "1", "\u0301": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
PERSON_SORT_KEY_MAX = 400  # the width of user.name_sort


def _word_sort_key(word):
    """One word: each letter as two characters (base letter, shape rank; a digit as "0" and the
    digit, before every letter; another script's letter after "z"), then "." and the tone ranks.
    "." sorts below every letter code, so a word sorts before its own extensions ("Ba" < "Bàn"),
    and the tone only decides between words with the same letters ("Ma" < "Mà" < "Má")."""
    letters, tones = [], []
    for char in unicodedata.normalize("NFD", word.lower()):
        if char in _TONE_RANK:
            tones.append(_TONE_RANK[char])
        elif char in _SHAPE_RANK:
            if letters and letters[-1][1:] == "0":
                letters[-1] = letters[-1][0] + _SHAPE_RANK[char]
        elif char == "đ":
            letters.append("d1")
        elif "a" <= char <= "z":
            letters.append(char + "0")
        elif "0" <= char <= "9":
            letters.append("0" + char)
        elif unicodedata.category(char).startswith("L"):
            letters.append("~" + char)
        # Anything else (hyphens, apostrophes as in "H'Hen", other marks) does not count.
    return "".join(letters) + "." + ("".join(tones) or "0")


def person_sort_key(full_name):
    """The key that puts people in Vietnamese order with a plain code-point comparison (Python's
    sort, SQLite's BINARY collation, PostgreSQL's "C" collation): given name first, then the
    middle names in order, then the family name (the first word): "Nguyễn Văn An" sorts as
    (An, Văn, Nguyễn). Letters follow the Vietnamese alphabet (a ă â b c d đ e ê … o ô ơ … u ư …),
    so "Dương" < "Đặng" and "Hồ" < "Huỳnh"; tones come after letters (a à á ả ã ạ) and their
    placement does not matter ("Thuỷ" = "Thủy"); case and NFC/NFD do not matter either.

    Groups are joined by " " and the words inside a group by "+", both below every character of
    a word's key, so fewer middle names sort first ("Lê An" < "Nguyễn Văn An") as a tuple would.
    A compound family name ("Tôn Nữ", "Âu Dương") counts as family name and middle name.
    """
    words = clean_line(full_name).split()
    if not words:
        return ""
    given, middle, family = words[-1], words[1:-1], words[:1] if len(words) > 1 else []
    groups = [_word_sort_key(given), "+".join(map(_word_sort_key, middle)),
              "+".join(map(_word_sort_key, family))]
    return " ".join(groups)[:PERSON_SORT_KEY_MAX]
