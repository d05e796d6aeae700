"""/api/v1/search (API.md): the same service as the results page, the same permissions inside the
query: {total, items: [{type, id, title, snippet, score}], facets: {facet: {value: count}}}."""

from flask import g, request

from ..core.authz import authorize
from ..core.errors import _
from ..core.pagination import page_args
from ..materials.models import Kind
from ..questions.types import LEVELS
from ..review.workflow import State
from ..schools.reference import SUBJECTS
from ..search import permissions, services
from .auth import api_route
from .openapi import PAGING, enum, integer

QUERY = {
    "q": {"type": "string", "maxLength": 1000}, "type": enum(services.TYPES),
    "subject": enum(code for code, _name_vi, _name_en in SUBJECTS), "grade": integer(6, 8),
    "kind": enum(Kind), "level": enum(LEVELS), "school": integer(1, 999_999_999), "state": enum(State),
    "sort": enum(services.SORTS), **PAGING,
}


@api_route("/search", tag="search", query=QUERY,
           responses={200: "{total, page, per_page, items: [{type, id, title, snippet, score, url}], "
                           "facets: {facet: {value: count}}, suggestion}",
                      401: "unauthenticated", 422: "invalid_fields"})
def search():
    """Search materials and questions (?q=&type=&subject=&grade=&level=&kind=&school=&state=&sort=&page=):
    accents optional, what the caller may see only (in the hits, the total and the facets)."""
    user = g.api_user
    authorize(permissions.can_search(user), _("Cần đăng nhập để tìm kiếm."))
    filters = services.SearchFilters.from_args(request.args, strict=True)
    page, per_page = page_args()
    result = services.search(user, filters, page=page, per_page=per_page)
    return {
        "total": result.total, "page": result.page, "per_page": result.per_page,
        "items": [{"type": hit.type, "id": hit.id, "title": hit.title, "snippet": str(hit.snippet),
                   "score": hit.score, "state": hit.state, "url": hit.url} for hit in result.hits],
        "facets": result.facets,
        "suggestion": result.suggestion or None,
    }
