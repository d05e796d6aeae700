"""Bearer-token authentication for /api/v1 and the `api_route` decorator that documents routes."""

from functools import wraps

from flask import g, request

from ..accounts import services as account_services
from ..core.errors import _, json_error
from .blueprint import bp

PUBLIC_ENDPOINTS = set()


def bearer_token():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


@bp.before_request
def authenticate_request():
    g.api_user = account_services.user_for_token(bearer_token())
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if g.api_user is None:
        return json_error(401, "unauthenticated",
                          _("Cần đăng nhập: gửi header Authorization: Bearer <token>."))
    return None


def api_route(rule, methods=("GET",), summary="", public=False, body=None, responses=None, tag=None,
              query=None, multipart=None):
    """Register an /api/v1 route and keep what OpenAPI needs beside the view function.

    `query` names the query parameters, `body` the JSON body's fields, `multipart` the fields of a
    multipart/form-data upload: each maps a name to a type name ("string", "integer", "boolean",
    "object", "array", "number", "binary") or to a JSON schema (lms.api.openapi has helpers for
    enums); a name ending in "!" is required."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            return view(*args, **kwargs)

        wrapped.openapi = {
            "summary": summary or (view.__doc__ or "").strip().split("\n")[0],
            "description": (view.__doc__ or "").strip(),
            "public": public,
            "body": body,
            "query": query,
            "multipart": multipart,
            "responses": responses or {},
            "tag": tag,
        }
        endpoint = view.__name__
        bp.add_url_rule(rule, endpoint=endpoint, view_func=wrapped, methods=list(methods))
        if public:
            PUBLIC_ENDPOINTS.add(f"{bp.name}.{endpoint}")
        return wrapped

    return decorator
