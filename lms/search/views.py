"""The results page behind the header's search box: hits with snippets, facets that filter, a
suggestion when nothing matches. Read-only: indexing never happens here."""

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core.authz import require
from ..core.pagination import page_args
from ..materials.models import KIND_LABELS
from ..questions.models import LEVEL_LABELS
from ..review.workflow import STATE_LABELS
from ..schools import queries as school_queries
from . import permissions, services

bp = Blueprint("search", __name__, template_folder="templates")

TYPE_LABELS = {"material": _l("Học liệu"), "question": _l("Câu hỏi")}
FACET_TITLES = {"type": _l("Loại mục"), "subject": _l("Môn học"), "grade": _l("Khối"), "kind": _l("Loại học liệu"),
                "level": _l("Mức độ"), "school": _l("Trường"), "state": _l("Trạng thái")}


@bp.route("/search")
@require(permissions.can_search)
def results():
    filters = services.SearchFilters.from_args(request.args)
    page, _per_page = page_args()
    result = services.search(current_user, filters, page=page, per_page=20)
    return render_template("search/results.html", result=result, filters=filters, labels=_labels(),
                           facet_titles=FACET_TITLES)


def _labels():
    """{facet: {value: label}} for the values the facets and hits show."""
    return {
        "type": TYPE_LABELS,
        "subject": {s.code: s.name(_locale()) for s in school_queries.subjects()},
        "grade": {g: _l("Khối %(grade)s", grade=g) for g in ("6", "7", "8")},
        "kind": {k.value if hasattr(k, "value") else k: v for k, v in KIND_LABELS.items()},
        "level": LEVEL_LABELS,
        "school": {str(s.id): s.name for s in school_queries.schools()},
        "state": {k.value if hasattr(k, "value") else k: v for k, v in STATE_LABELS.items()},
    }


def _locale():
    from flask_babel import get_locale

    return str(get_locale() or "vi")
