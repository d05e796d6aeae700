"""Text rules that hold everywhere: NFC normalisation and Vietnamese diacritic folding."""

import unicodedata

from sqlalchemy import String, Text, event
from sqlalchemy.orm import Session


def nfc(value):
    """Normalise a string to NFC; other values pass through unchanged."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


def nfc_deep(value):
    """NFC every string inside nested dicts and lists (decoded JSON bodies)."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
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


def clean_line(value):
    """NFC, collapse runs of whitespace, strip: for names and titles typed by people."""
    if value is None:
        return ""
    return " ".join(nfc(str(value)).split())


def install_nfc_guard(db):
    """Last line of defence: no string column is ever written in a form other than NFC.

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
                        normalised = unicodedata.normalize("NFC", value)
                        if normalised != value:
                            setattr(obj, key, normalised)
