"""Known devices: a signed cookie, left by a successful sign-in, that vouches for the browser to
`services.authenticate` for that account (so that guesses from elsewhere cannot lock its owner out;
see the rule there). It proves only that this browser signed in to the account before; it signs
nobody in. The same browser may vouch for a few accounts (a family's computer, a school's lab).
"""

import secrets
import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .services import normal_username

COOKIE = "lms_device"
MAX_ACCOUNTS = 10  # per browser; the least recently used one goes first


def _serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt="lms.accounts.known-device")


def _max_age():
    return int(current_app.config["KNOWN_DEVICE_DAYS"] * 24 * 3600)


def _entries(request):
    """[[username, nonce, signed_at], ...] from the cookie: [] when it is missing, forged or old."""
    value = request.cookies.get(COOKIE)
    if not value:
        return []
    try:
        entries = _serializer().loads(value, max_age=_max_age())
    except BadSignature:  # SignatureExpired included
        return []
    oldest = time.time() - _max_age()
    return [entry for entry in entries if isinstance(entry, list) and len(entry) == 3
            and isinstance(entry[2], int | float) and entry[2] >= oldest]


def known_device(request, username):
    """The nonce with which this browser vouches for `username`, or None."""
    username = normal_username(username)
    return next((nonce for name, nonce, _at in _entries(request) if name == username), None)


def remember_device(response, request, username):
    """After a successful sign-in as `username`: (re)issue the cookie with this account first,
    keeping its nonce if the browser had one."""
    username = normal_username(username)
    entries = _entries(request)
    nonce = next((n for name, n, _at in entries if name == username), None) or secrets.token_hex(16)
    kept = [[username, nonce, int(time.time())]]
    kept += [entry for entry in entries if entry[0] != username][:MAX_ACCOUNTS - 1]
    config = current_app.config
    response.set_cookie(COOKIE, _serializer().dumps(kept), max_age=_max_age(), httponly=True,
                        samesite="Lax", secure=bool(config.get("SESSION_COOKIE_SECURE")),
                        path=config.get("APPLICATION_ROOT") or "/")
    return response
