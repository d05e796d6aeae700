"""Conditional GETs for /api/v1: every JSON answer to a GET carries a weak ETag over its body, and a
request whose If-None-Match still matches gets 304 with no body, so a phone that polls the library
pays a few hundred bytes instead of the page. Answers are private to the bearer (Vary:
Authorization) and are revalidated each time (Cache-Control: no-cache)."""

import hashlib

from flask import current_app, request

from .blueprint import bp


def json_bytes(obj):
    """`obj` encoded exactly as a view returning it would be (Flask's JSON provider)."""
    return current_app.json.response(obj).get_data()


def json_answer(body, status=200):
    """A response for JSON already encoded (a shared answer from the cache)."""
    return current_app.response_class(body, status=status, mimetype="application/json")


@bp.after_request
def conditional_get(response):
    if (request.method not in ("GET", "HEAD") or response.status_code != 200 or response.direct_passthrough
            or response.mimetype != "application/json"):
        return response
    if "ETag" not in response.headers:
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:40], weak=True)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    response.vary.update(("Authorization", "Accept-Language"))
    return response.make_conditional(request)
