"""Search: the page and the API answer every signed-in role (what each finds is decided inside the
query, tests/web/test_search.py); anonymous visitors are sent to log in (401 on the API)."""

from .foundation import everyone

ROUTES = {
    "search.results": {"url": "/search?q=phan+so", **everyone(200, 302)},
    "api.search": {"url": "/api/v1/search?q=phan+so", **everyone(200, 401)},
}
