"""/api/v1: JSON endpoints over the same services as the pages; bearer tokens only.

The API never reads the session cookie, so it needs no CSRF token: a browser cannot be tricked
into sending someone's bearer token.
"""

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

from . import auth, materials, openapi, review, views  # noqa: E402,F401  (routes register on bp)
