"""The request class: every query string, form field and JSON body arrives NFC-normalised."""

from urllib.parse import urlsplit

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from .text import nfc, nfc_deep


def _nfc_multidict(md):
    return ImmutableMultiDict([(nfc(k), nfc(v)) for k, v in md.items(multi=True)])


class LmsRequest(Request):
    @cached_property
    def args(self):
        return _nfc_multidict(super().args)

    def _load_form_data(self):
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None:
            self.__dict__["form"] = _nfc_multidict(form)

    def get_json(self, *args, **kwargs):
        return nfc_deep(super().get_json(*args, **kwargs))


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
