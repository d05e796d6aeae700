"""How views ask permission: one predicate per action, checked in one place.

Predicates live in each feature's `permissions.py` and take the user (and the object) explicitly;
views use `require` for route-level predicates and `authorize` after loading an object.
"""

from functools import wraps

from flask import abort
from flask_login import current_user

from .errors import Forbidden


def require(predicate):
    """Login required, then `predicate(user)` must hold (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from ..extensions import login_manager

                return login_manager.unauthorized()
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = predicate
        return wrapped

    return decorator


def authorize(allowed, message=None):
    if not allowed:
        raise Forbidden(message) if message else Forbidden()
