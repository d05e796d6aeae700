"""The /api/v1 blueprint that every API module registers its routes on."""

from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The API never reads the session cookie (bearer tokens only), so it needs no CSRF token: a browser
# cannot be tricked into sending someone's bearer token.
csrf.exempt(bp)
