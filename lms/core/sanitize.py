"""Rich text typed by users, cleaned against an allow-list: the only module that imports bleach.

What survives is inert markup: a handful of text-level and block tags, links to http/https/mailto
only (with rel="noopener nofollow", since the author is not vouched for), and tables. Scripts,
styles, event handlers (`onerror=`), `javascript:` URLs, iframes and inline styles are removed.
"""

import html as html_module
import re

import bleach
from bleach.html5lib_shim import Filter

from .text import nfc

ALLOWED_TAGS = frozenset({
    "p", "br", "strong", "em", "u", "ul", "ol", "li", "a", "h3", "h4", "blockquote", "code", "pre",
    "sub", "sup", "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener nofollow"

# bleach with strip=True drops a disallowed tag but keeps its text; for <script> and <style> that
# text is code, not prose, so the whole element goes first. Safety does not depend on this pass:
# whatever it misses is still stripped (or escaped) by bleach below.
_CODE_ELEMENTS = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)


class _LinkRel(Filter):
    """Give every surviving link rel="noopener nofollow" (runs after the sanitiser)."""

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and token["name"] == "a":
                attrs = dict(token.get("data") or {})
                attrs[(None, "rel")] = LINK_REL
                token["data"] = attrs
            yield token


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_LinkRel],
)


def clean_html(text):
    """Return `text` as safe HTML (NFC, allow-listed tags only); None and "" become ""."""
    if not text:
        return ""
    text = _CODE_ELEMENTS.sub("", nfc(str(text)))
    return _cleaner.clean(text).strip()


def plain_text(html):
    """The text of cleaned HTML without any tags (for search snippets and list previews)."""
    if not html:
        return ""
    return " ".join(html_module.unescape(bleach.clean(html, tags=set(), strip=True)).split())
