"""What the index holds for a material or a question, built from the database a batch at a time.

An item has up to two documents:
- "pub": its published version (what every reader sees), state "approved", dated by publication;
- "work": its newest version when that is not the published one (a draft, an item in review, a
  newer version of an approved item, a withdrawn item), with the item's real state, seen only by
  the users the item concerns (index.Scope).

Materials: title (counted three times), description (HTML stripped), curriculum topic, series,
author and source, and the text extracted from the version's file. Questions: stem, the texts of
options, statements and pairs, explanation, topic and tags.

A batch of any size costs three statements per item type: the items with their subject and topic,
the versions whose text is needed (published and newest only), and nothing per row.
"""

import html
import re
from dataclasses import dataclass, field

from ..extensions import db
from ..materials.models import Material, MaterialVersion
from ..questions.images import MARKER
from ..questions.models import Question, QuestionVersion
from ..schools.models import Topic
from . import analysis
from .index import TITLE_WEIGHT

TYPES = ("material", "question")
SNIPPET_SOURCE_CHARS = 20_000  # the stored text snippets are cut from
_TAGS = re.compile(r"<[^>]+>")


@dataclass
class Doc:
    item: str          # "material:12"
    type: str
    id: int
    scope: str         # "pub" or "work"
    title: str
    text: str
    subject: str = ""
    grade: int | None = None
    kind: str = ""
    level: str = ""
    school: int | None = None
    state: str = ""
    owner: int | None = None
    claimed: int | None = None
    sort_at: float = 0
    f: dict = field(default_factory=dict)
    a: dict = field(default_factory=dict)
    flen: int = 0
    alen: int = 0


def item_key(item_type, item_id):
    return f"{item_type}:{item_id}"


def parse_key(key):
    item_type, _sep, item_id = key.partition(":")
    return item_type, int(item_id)


def plain(html_text):
    return html.unescape(_TAGS.sub(" ", html_text or ""))


def analysed(title, body):
    """({term: (freq, weight)} folded, the same accented, lengths): title terms weigh TITLE_WEIGHT."""
    title_f, title_a = analysis.terms(title)
    body_f, body_a = analysis.terms(body)
    return _merge(title_f, body_f), _merge(title_a, body_a), sum(title_f.values()) + sum(body_f.values()), \
        sum(title_a.values()) + sum(body_a.values())


def _merge(title, body):
    merged = {term: (freq, float(freq)) for term, freq in body.items()}
    for term, freq in title.items():
        old_freq, old_weight = merged.get(term, (0, 0.0))
        merged[term] = (old_freq + freq, old_weight + TITLE_WEIGHT * freq)
    return merged


def _timestamp(value):
    return value.timestamp() if value is not None else 0


def _topic_text(topic):
    if topic is None:
        return ""
    return f"{topic.chapter} {topic.lesson}".strip()


def _finish(doc, title, body):
    doc.f, doc.a, doc.flen, doc.alen = analysed(title, body)
    return doc


# --- materials ------------------------------------------------------------------------------------

def material_docs(ids):
    """The documents of these materials (ids of deleted ones give none)."""
    if not ids:
        return []
    materials = db.session.scalars(
        db.select(Material).where(Material.id.in_(ids))
        .options(db.joinedload(Material.subject), db.joinedload(Material.topic)
                 .load_only(Topic.chapter, Topic.lesson), db.lazyload(Material.versions))).unique().all()
    # The published version and the newest, with their text: at most two per material.
    latest = (db.select(MaterialVersion.material_id, db.func.max(MaterialVersion.number).label("number"))
              .where(MaterialVersion.material_id.in_(ids)).group_by(MaterialVersion.material_id).subquery())
    published_ids = [m.published_version_id for m in materials if m.published_version_id]
    rows = db.session.execute(
        db.select(MaterialVersion.id, MaterialVersion.material_id, MaterialVersion.extracted_text,
                  latest.c.number.is_not(None).label("is_latest"))
        .outerjoin(latest, (latest.c.material_id == MaterialVersion.material_id)
                   & (latest.c.number == MaterialVersion.number))
        .where(MaterialVersion.material_id.in_(ids),
               latest.c.number.is_not(None) | MaterialVersion.id.in_(published_ids or [-1]))).all()
    texts = {row.id: row.extracted_text or "" for row in rows}
    newest = {row.material_id: row.id for row in rows if row.is_latest}
    docs = []
    for material in materials:
        base = dict(type="material", id=material.id, item=item_key("material", material.id),
                    title=material.title, subject=material.subject.code, grade=material.grade,
                    kind=material.kind, school=material.school_id, owner=material.owner_id)
        meta_text = " ".join(filter(None, (plain(material.description), _topic_text(material.topic),
                                           material.author, material.source)))
        published = material.published_version_id if material.is_published() else None
        if published is not None:
            body = f"{meta_text} {texts.get(published, '')}"
            docs.append(_finish(Doc(scope="pub", state="approved", text=body[:SNIPPET_SOURCE_CHARS],
                                    sort_at=_timestamp(material.published_at), **base), material.title, body))
        work = newest.get(material.id)
        if work is not None and work != published:
            body = f"{meta_text} {texts.get(work, '')}"
            docs.append(_finish(Doc(scope="work", state=material.state, claimed=material.claimed_by_id,
                                    text=body[:SNIPPET_SOURCE_CHARS], sort_at=_timestamp(material.updated_at),
                                    **base), material.title, body))
    return docs


# --- questions ------------------------------------------------------------------------------------

def question_text(version):
    """The words of a question version: stem, the texts inside its type data, explanation."""
    parts = [version.stem or ""]
    data = version.data or {}
    for option in data.get("options") or []:
        if isinstance(option, dict):
            parts.append(str(option.get("text") or ""))
    for statement in data.get("statements") or []:
        if isinstance(statement, dict):
            parts.append(str(statement.get("text") or ""))
    for pair in data.get("pairs") or []:
        if isinstance(pair, dict):
            parts += [str(pair.get("left") or ""), str(pair.get("right") or "")]
    parts.append(version.explanation or "")
    # A picture's marker `![alt](file:ID)` is its alt text here: found by what it shows, and never
    # a raw marker in a snippet (the title keeps it: the results page shows it as "[hình]").
    return "\n".join(plain(MARKER.sub(lambda found: found.group(1), p)) for p in parts if p)


def question_docs(ids):
    if not ids:
        return []
    questions = db.session.scalars(
        db.select(Question).where(Question.id.in_(ids))
        .options(db.joinedload(Question.subject), db.joinedload(Question.topic).load_only(Topic.chapter, Topic.lesson),
                 db.lazyload(Question.versions), db.lazyload(Question.current_version),
                 db.lazyload(Question.published_version))).unique().all()
    wanted = {q.published_version_id for q in questions} | {q.current_version_id for q in questions}
    wanted.discard(None)
    versions = {v.id: v for v in db.session.scalars(
        db.select(QuestionVersion).where(QuestionVersion.id.in_(wanted or [-1]))
        .options(db.lazyload(QuestionVersion.question), db.lazyload(QuestionVersion.created_by)))}
    docs = []
    for question in questions:
        base = dict(type="question", id=question.id, item=item_key("question", question.id),
                    subject=question.subject.code, grade=question.grade, level=question.level or "",
                    school=question.school_id, owner=question.owner_id)
        extra = " ".join(filter(None, (_topic_text(question.topic), " ".join(question.tags or []))))
        published = question.published_version_id if question.is_published() else None
        for scope, version_id in (("pub", published), ("work", question.current_version_id)):
            version = versions.get(version_id)
            if version is None or (scope == "work" and version_id == published):
                continue
            body = f"{question_text(version)} {extra}"
            title = " ".join(plain(version.stem).split())[:200]
            doc = Doc(scope=scope, title=title, text=body[:SNIPPET_SOURCE_CHARS],
                      state="approved" if scope == "pub" else question.state,
                      claimed=None if scope == "pub" else question.claimed_by_id,
                      sort_at=_timestamp(question.published_at if scope == "pub" else question.updated_at), **base)
            docs.append(_finish(doc, "", body))
    return docs


def docs_for(keys):
    """The documents of the items `keys` ("material:12", ...), three statements per item type."""
    by_type = {t: [] for t in TYPES}
    for key in keys:
        item_type, item_id = parse_key(key)
        if item_type in by_type:
            by_type[item_type].append(item_id)
    return material_docs(by_type["material"]) + question_docs(by_type["question"])


def all_keys(batch=1000):
    """Every item's key, a batch at a time (for a rebuild)."""
    for item_type, model in (("material", Material), ("question", Question)):
        last = 0
        while True:
            ids = db.session.scalars(db.select(model.id).where(model.id > last).order_by(model.id).limit(batch)).all()
            if not ids:
                break
            yield [item_key(item_type, i) for i in ids]
            last = ids[-1]


def word_count(docs):
    """Syllables indexed (a bigram is not a word): the indexing rate's unit."""
    return sum(sum(freq for term, (freq, _w) in d.f.items() if " " not in term) for d in docs)
