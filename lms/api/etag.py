"""Conditional GETs for /api/v1: every JSON answer to a GET carries a weak ETag over its body, and a
request whose If-None-Match still matches gets 304 with no body, so a phone that polls the library
pays a few hundred bytes instead of the page. Answers are private to the bearer (Vary:
Authorization) and are revalidated each time (Cache-Control: no-cache)."""

import functools
import hashlib

from flask import current_app, request

from .blueprint import bp


def etag_of(body):
    return hashlib.sha256(body).hexdigest()[:40]


class JsonBody(bytes):
    """JSON encoded once to be kept (a shared answer in a cache), with its ETag worked out once
    beside it: a kept answer is served many times, and hashing it each time cost ~0.05 ms per
    20 kB on every API request (issue 8)."""

    @functools.cached_property
    def etag(self):
        return etag_of(self)


def json_bytes(obj):
    """`obj` encoded exactly as a view returning it would be (Flask's JSON provider)."""
    return JsonBody(current_app.json.response(obj).get_data())


def json_answer(body, status=200):
    """A response for JSON already encoded (a shared answer from the cache); a JsonBody brings
    its ETag, which conditional_get then keeps instead of hashing the body again."""
    response = current_app.response_class(body, status=status, mimetype="application/json")
    if isinstance(body, JsonBody) and status == 200:
        response.set_etag(body.etag, weak=True)
    return response


@bp.after_request
def conditional_get(response):
    if (request.method not in ("GET", "HEAD") or response.status_code != 200 or response.direct_passthrough
            or response.mimetype != "application/json"):
        return response
    if "ETag" not in response.headers:
        response.set_etag(etag_of(response.get_data()), weak=True)
    response.headers.setdefault("Cache-Control", "private, no-cache")
    response.vary.update(("Authorization", "Accept-Language"))
    return response.make_conditional(request)
