"""Reads of the materials repository: the shared library, a teacher's own materials.

Lists eager-load what they show (LISTED, ALL_VERSIONS), so a page of 50 costs the same number of
statements as a page of 1. The approved library is the same for everyone who sees only published
versions: its pages are computed once per process and kept in the "library" cache region
(core/cache.py) until an after-commit event says a material changed (the receivers at the end).
"""

import functools
from dataclasses import dataclass

from ..core import cache, textsearch
from ..core.errors import ValidationError, _
from ..core.text import clean_line
from ..extensions import db
from ..review import queries as review_queries
from ..review import signals as review_signals
from ..schools.models import School, Subject
from . import signals
from .models import Kind, Material, MaterialVersion, Series

# What a list of materials shows, loaded with the list itself: the subject, owner and school
# (one JOIN each), and the published version with its file (what a reader sees).
LISTED = (
    db.joinedload(Material.subject),
    db.joinedload(Material.owner),
    db.joinedload(Material.school),
    db.joinedload(Material.published_version).joinedload(MaterialVersion.stored_file),
)
# Every version with its file, for those who see them all (the owner, reviewers, admins): one
# more statement for the whole page.
ALL_VERSIONS = db.selectinload(Material.versions).joinedload(MaterialVersion.stored_file)

SORTS = {
    "newest": (Material.published_at.desc(), Material.id.desc()),
    "title": (Material.title_sort.asc(), Material.id.asc()),
}


@dataclass
class LibraryFilters:
    """The library's filters, parsed from a query string; unknown values are ignored."""

    subject: Subject | None = None
    grade: int | None = None
    kind: str | None = None
    series: str | None = None
    school: School | None = None
    q: str = ""
    sort: str = "newest"

    @classmethod
    def from_args(cls, args, strict=False):
        """The filters in `args`. The page ignores values it does not know (an old bookmark still
        opens); the API (`strict`) answers 422 naming the parameter, as API.md asks."""
        filters, errors = cls(), {}
        code = clean_line(args.get("subject"))
        if code:
            filters.subject = db.session.scalar(db.select(Subject).where(Subject.code == code))
            if filters.subject is None:
                errors["subject"] = _("Không có môn học với mã này.")
        grade = clean_line(args.get("grade"))
        if grade in ("6", "7", "8"):
            filters.grade = int(grade)
        elif grade:
            errors["grade"] = _("Khối lớp là 6, 7 hoặc 8.")
        kind = clean_line(args.get("kind"))
        if kind in {k.value for k in Kind}:
            filters.kind = kind
        elif kind:
            errors["kind"] = _("Chọn một trong: %(choices)s.", choices=", ".join(k.value for k in Kind))
        series = clean_line(args.get("series"))
        if series in {s.value for s in Series}:
            filters.series = series
        elif series:
            errors["series"] = _("Chọn một trong: %(choices)s.", choices=", ".join(s.value for s in Series))
        school = clean_line(args.get("school"))
        if school.isdecimal() and len(school) <= 9:
            filters.school = db.session.get(School, int(school))
        if school and filters.school is None:
            errors["school"] = _("Không có trường này.")
        filters.q = clean_line(args.get("q"))[:200]
        sort = clean_line(args.get("sort"))
        filters.sort = sort if sort in SORTS else "newest"
        if sort and sort not in SORTS:
            errors["sort"] = _("Chọn một trong: %(choices)s.", choices=", ".join(SORTS))
        if strict and errors:
            raise ValidationError(_("Bộ lọc không hợp lệ."), errors)
        return filters

    def as_args(self):
        """The active filters as query-string values (for pagination links)."""
        args = {"subject": self.subject.code if self.subject else None, "grade": self.grade,
                "kind": self.kind, "series": self.series, "school": self.school.id if self.school else None,
                "q": self.q or None, "sort": self.sort if self.sort != "newest" else None}
        return {k: v for k, v in args.items() if v is not None}


def library(filters):
    """Published materials (the approved version stays listed while a newer one is reviewed)."""
    query = db.select(Material).where(Material.published_version_id.is_not(None),
                                      Material.state != "withdrawn")
    if filters.subject is not None:
        query = query.where(Material.subject_id == filters.subject.id)
    if filters.grade is not None:
        query = query.where(Material.grade == filters.grade)
    if filters.kind:
        query = query.where(Material.kind == filters.kind)
    if filters.series:
        query = query.where(Material.series == filters.series)
    if filters.school is not None:
        query = query.where(Material.school_id == filters.school.id)
    if filters.q:
        # Search answers through core.textsearch ("phan so" finds "phân số", in the file's text too);
        # without it, the title as typed.
        ids = textsearch.matching_ids(Material.ITEM_TYPE, filters.q)
        if ids is None:
            query = query.where(db.func.lower(Material.title).like(f"%{filters.q.lower()}%"))
        else:
            query = query.where(Material.id.in_(sorted(ids)))
    return query.options(*LISTED).order_by(*SORTS[filters.sort])


def owned_by(user):
    """The user's own materials, every state, last changed first (a select, to paginate), with
    their subjects and every version (the published one among them): the owner and school are
    the user's, and are not loaded again per row."""
    return (db.select(Material).where(Material.owner_id == user.id)
            .options(db.joinedload(Material.subject), ALL_VERSIONS)
            .order_by(Material.updated_at.desc(), Material.id.desc()))


def get(material_id):
    return db.session.get(Material, material_id)


@functools.cache
def _shown_statement():
    return (db.select(Material).where(Material.id == db.bindparam("material_id"))
            .options(*LISTED, ALL_VERSIONS, db.joinedload(Material.topic)))


def get_shown(material_id):
    """One material with what its page and its API answer show, in one statement (and one more
    for its versions); the statement is built once, as every material page runs it."""
    return db.session.scalar(_shown_statement(), {"material_id": material_id})


def history(material):
    return review_queries.history(material)


def latest_request(material):
    return review_queries.latest_request(material)


def upload_defaults(user):
    """Pre-select what a teacher most likely uploads: the subject and grade they teach first."""
    from ..schools.queries import teachings_of

    teachings = teachings_of(user)
    if not teachings:
        return {}
    first = min(teachings, key=lambda t: (t.classroom.grade, t.subject.position))
    return {"subject": first.subject.code, "grade": str(first.classroom.grade)}


def library_defaults(user):
    """Where a reader's library starts: a student at the grade of their class this school year."""
    from ..accounts.models import Role
    from ..schools.models import Classroom, Enrollment, SchoolYear

    if user.role != Role.STUDENT:
        return {}
    grade = db.session.scalar(
        db.select(Classroom.grade).join(Enrollment, Enrollment.classroom_id == Classroom.id)
        .join(SchoolYear, SchoolYear.id == Classroom.school_year_id)
        .where(Enrollment.student_id == user.id, SchoolYear.is_current.is_(True)).limit(1))
    return {"grade": str(grade)} if grade else {}


# --- shared answers ----------------------------------------------------------------------------

def library_cache():
    """The "library" region: pages of the approved library and published materials as every
    reader sees them, shared by the users who see nothing more (permissions.sees_only_published)."""
    return cache.region("library")


def args_key(args, *extra):
    """A cache key for a query string: every argument, in order, with `extra` (page kind, language)."""
    return (*extra, tuple(sorted(args.items(multi=True))))


def own_cache():
    """The "own" region: each teacher's "my materials" (page fragments and API pages), kept per
    owner, query string and language until one of their materials changes or moves. Emptied with
    the library (every material change clears both: which owner a change concerns is not worth a
    statement)."""
    return cache.region("own")


@signals.material_changed.connect
def _material_changed(_sender, material_id, **_payload):
    library_cache().clear()
    own_cache().clear()
    review_queries.queue_cache().clear()  # a title in a reviewer's queue


@review_signals.item_transitioned.connect
def _item_transitioned(_sender, item_type, **_payload):
    if item_type == Material.ITEM_TYPE:
        library_cache().clear()
        own_cache().clear()
