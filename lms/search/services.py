"""Search over materials and questions: `search(user, q, filters, sort, page)`, what the header box,
the results page, GET /api/v1/search and the library's text filter all call.

Permissions are applied inside the query (index.Scope): the documents a user may not see are never
matched, so they are in no hit, no total, no facet count and no suggestion. A student or a parent
sees published materials; a teacher published materials and questions and their own items in any
state; a school admin also their school's items; a reviewer also what waits in their groups' pools
and what they claimed or reviewed; the district admin everything (review.permissions.concerns,
the rule the items' own pages apply).
"""

import re
from dataclasses import dataclass, field

from flask import current_app, url_for
from markupsafe import Markup, escape

from ..accounts.permissions import is_district_admin, is_reviewer, is_school_admin, is_signed_in
from ..core import textsearch
from ..core.errors import ValidationError, _
from ..core.text import clean_line
from ..extensions import db
from ..materials.models import Kind
from ..questions.types import LEVELS
from ..review.workflow import State
from ..schools.models import Subject
from . import analysis, documents
from .index import Index, Scope

TYPES = documents.TYPES
SORTS = ("relevance", "newest")
MAX_QUERY = 200
SNIPPET_CHARS = 220


def index():
    """This application's index (one per index folder, kept for the process)."""
    root = current_app.config["SEARCH_INDEX_DIR"]
    found = current_app.extensions.setdefault("lms.search", {})
    if root not in found:
        found[root] = Index(root)
    return found[root]


# --- who sees what ---------------------------------------------------------------------------------

def scope_for(user):
    """The index.Scope of `user`: one statement for a reviewer (their subjects and the items they
    reviewed), none for the others."""
    if not is_signed_in(user):
        return Scope(types=frozenset())
    from ..questions.permissions import can_browse_bank

    types = frozenset(TYPES) if can_browse_bank(user) else frozenset({"material"})
    if is_district_admin(user):
        return Scope(types=types, all_work=True)
    if is_school_admin(user):
        return Scope(types=types, owner=str(user.id), school=str(user.school_id or ""))
    if is_reviewer(user):
        from ..review.models import Review
        from ..schools.permissions import reviewed_subject_ids

        subject_ids = reviewed_subject_ids(user)
        codes = frozenset(db.session.scalars(db.select(Subject.code).where(Subject.id.in_(subject_ids)))) \
            if subject_ids else frozenset()
        reviewed = frozenset(documents.item_key(t, i) for t, i in db.session.execute(
            db.select(Review.item_type, Review.item_id).where(Review.reviewer_id == user.id).distinct()))
        return Scope(types=types, owner=str(user.id), pool_subjects=codes, claimed_by=str(user.id),
                     reviewed=reviewed)
    return Scope(types=types, owner=str(user.id))


# --- filters ---------------------------------------------------------------------------------------

@dataclass
class SearchFilters:
    q: str = ""
    type: str = ""
    subject: str = ""
    grade: str = ""
    kind: str = ""
    level: str = ""
    school: str = ""
    state: str = ""
    sort: str = "relevance"

    FACETS = ("type", "subject", "grade", "kind", "level", "school", "state")

    @classmethod
    def from_args(cls, args, strict=False):
        """The page ignores values it does not know; the API (`strict`) answers 422 naming them."""
        filters, errors = cls(), {}
        filters.q = clean_line(args.get("q"))[:MAX_QUERY]
        checks = {
            "type": (TYPES, _("Chọn một trong: %(choices)s.", choices=", ".join(TYPES))),
            "grade": (("6", "7", "8"), _("Khối lớp là 6, 7 hoặc 8.")),
            "kind": ([k.value for k in Kind], _("Chọn một trong: %(choices)s.",
                                                choices=", ".join(k.value for k in Kind))),
            "level": (LEVELS, _("Chọn một trong: %(choices)s.", choices=", ".join(LEVELS))),
            "state": ([s.value for s in State], _("Chọn một trong: %(choices)s.",
                                                   choices=", ".join(s.value for s in State))),
            "sort": (SORTS, _("Chọn một trong: %(choices)s.", choices=", ".join(SORTS))),
        }
        for name, (allowed, message) in checks.items():
            value = clean_line(args.get(name))
            if value in allowed:
                setattr(filters, name, value)
            elif value:
                errors[name] = message
        subject = clean_line(args.get("subject"))
        if subject:
            if db.session.scalar(db.select(Subject.id).where(Subject.code == subject)) is None:
                errors["subject"] = _("Không có môn học với mã này.")
            else:
                filters.subject = subject
        school = clean_line(args.get("school"))
        if school.isdecimal() and len(school) <= 9:
            filters.school = str(int(school))
        elif school:
            errors["school"] = _("Không có trường này.")
        if strict and errors:
            raise ValidationError(_("Bộ lọc không hợp lệ."), errors)
        return filters

    def active(self):
        return {name: getattr(self, name) for name in self.FACETS if getattr(self, name)}

    def as_args(self, **changes):
        args = {"q": self.q, **self.active(), "sort": self.sort if self.sort != "relevance" else ""}
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "")}


# --- the search ------------------------------------------------------------------------------------

@dataclass
class Hit:
    type: str
    id: int
    title: str
    snippet: Markup
    score: float
    state: str
    subject: str
    grade: str
    kind: str
    level: str
    scope: str

    @property
    def url(self):
        if self.type == "material":
            return url_for("materials.detail", material_id=self.id)
        return url_for("questions.detail", question_id=self.id)


@dataclass
class Result:
    filters: SearchFilters
    total: int = 0
    page: int = 1
    per_page: int = 20
    hits: list = field(default_factory=list)
    facets: dict = field(default_factory=dict)
    suggestion: str = ""

    @property
    def pages(self):
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def search(user, filters, page=1, per_page=20):
    """The page `page` of what `user` may see matching `filters` (a SearchFilters: the text `q`,
    the facet filters, the sort). An empty `q` lists what the filters select, newest first."""
    scope = scope_for(user)
    result = Result(filters=filters, page=page, per_page=per_page)
    if not scope.types:
        return result
    query = analysis.QueryTerms(filters.q)
    sort = filters.sort if query else "newest"
    engine = index()
    found, snap = engine.search(scope, query, filters.active(), sort, (page - 1) * per_page, per_page)
    result.total, result.facets = found.total, found.facets
    matcher = _Highlighter(query)
    for docnum, score in zip(found.docnums, found.scores, strict=True):
        stored = snap.stored(docnum)
        meta = dict(zip(("type", "scope", "subject", "grade", "kind", "level", "school", "state"), snap.meta[docnum],
                        strict=False))
        item_type, item_id = documents.parse_key(snap.meta[docnum][10])
        result.hits.append(Hit(type=item_type, id=item_id, title=stored.get("title") or "",
                               snippet=matcher.snippet(stored.get("text") or ""), score=round(score, 4),
                               state=meta["state"], subject=meta["subject"], grade=meta["grade"],
                               kind=meta["kind"], level=meta["level"], scope=meta["scope"]))
    if query and not result.total:
        result.suggestion = _suggestion(engine, scope, query, filters)
    return result


def _suggestion(engine, scope, query, filters):
    """"Did you mean …": each syllable the index does not hold replaced by its nearest term, offered
    only when the corrected query finds something this user may see."""
    snap = engine.snapshot()
    words, changed = [], False
    for syllable in query.syllables:
        if snap.doc_frequency("f", syllable):
            words.append(syllable)
            continue
        close = engine.suggest(syllable, limit=1)
        if not close:
            return ""
        words.append(close[0])
        changed = True
    if not changed:
        return ""
    corrected = " ".join(words)
    found, _snap = engine.search(scope, analysis.QueryTerms(corrected), filters.active(), "relevance", 0, 1)
    return corrected if found.total else ""


class _Highlighter:
    """A snippet around the first place the query's words occur, the words marked."""

    def __init__(self, query):
        self.words = set(query.syllables) if query else set()
        self.pattern = None
        if self.words:
            alternatives = "|".join(sorted(map(re.escape, self.words), key=len, reverse=True))
            self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
        bigrams = list(query.bigrams) if query else []
        self.phrase = re.compile("|".join(
            rf"(?<!\w){re.escape(a)}\s+{re.escape(b)}(?!\w)" for a, b in (g.split(" ") for g in bigrams))) \
            if bigrams else None

    def snippet(self, text):
        if not text.strip():
            return Markup("")
        folded = analysis.fold(text.lower())
        if len(folded) != len(text) or self.pattern is None:
            return escape(_cut(" ".join(text[:SNIPPET_CHARS * 2].split()), 0, SNIPPET_CHARS))
        first = (self.phrase.search(folded) if self.phrase else None) or self.pattern.search(folded)
        if first is not None or len(text) > SNIPPET_CHARS * 4:
            # Only the window around the first match is tidied (a file's text runs to 20,000 chars).
            at = first.start() if first is not None else 0
            low = max(at - SNIPPET_CHARS, 0)
            text, folded = text[low:at + SNIPPET_CHARS * 2], folded[low:at + SNIPPET_CHARS * 2]
            text, folded = " ".join(text.split()), " ".join(folded.split())
            if len(text) != len(folded):
                return escape(_cut(text, 0, SNIPPET_CHARS))
            first = (self.phrase.search(folded) if self.phrase else None) or self.pattern.search(folded)
        start = 0 if first is None else max(first.start() - SNIPPET_CHARS // 3, 0)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first.start() else start
        end = min(start + SNIPPET_CHARS, len(text))
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start else end
        pieces, last = [], start
        for match in self.pattern.finditer(folded, start, end):
            pieces.append(escape(text[last:match.start()]))
            pieces.append(Markup("<mark>%s</mark>") % text[match.start():match.end()])
            last = match.end()
        pieces.append(escape(text[last:end]))
        prefix = "… " if start else ""
        suffix = " …" if end < len(text) else ""
        return Markup(prefix) + Markup("").join(pieces) + Markup(suffix)


def _cut(text, start, length):
    return text[start:start + length] + (" …" if len(text) > start + length else "")


# --- the library's text filter ---------------------------------------------------------------------

def matching_ids(item_type, text):
    """Ids of the published items of `item_type` whose text matches `text` the way search does
    ("phan so" finds "phân số"); None when search is off (the caller falls back to its own filter)."""
    if not current_app.config.get("SEARCH_ENABLED", True):
        return None
    query = analysis.QueryTerms(text)
    if not query:
        return None
    engine = index()
    found, snap = engine.search(Scope(types=frozenset({item_type})), query, None, "newest", 0, 10**9)
    return {documents.parse_key(snap.meta[d][10])[1] for d in found.docnums}


textsearch.provide(matching_ids)
