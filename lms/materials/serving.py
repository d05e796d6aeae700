"""Signed links into a material's HTML5 package (the bytes are served by lms/files/serving.py).

A sandboxed frame has an opaque origin and browsers do not send SameSite cookies from it, so the
package's URLs carry a signed token naming the material, the version and the user it was issued
to, valid for PACKAGE_LINK_MINUTES: the life of a lesson's page view, not a day. The member route
checks on every request that this user still sees that version.

With CONTENT_ORIGIN set, package links point at that other hostname, and the application answers
nothing else there (lms/core/security.py), so a package's script never runs at the application's
own hostname, even in an opaque origin.
"""

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

_PACKAGE_SALT = "materials.package-member"


def _serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt=_PACKAGE_SALT)


def package_token(version, user):
    return _serializer().dumps([version.material_id, version.id, user.id])


def read_package_token(token):
    """(material_id, version_id, user_id), or None for a forged or expired token."""
    max_age = int(current_app.config["PACKAGE_LINK_MINUTES"] * 60)
    try:
        material_id, version_id, user_id = _serializer().loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    return material_id, version_id, user_id


def package_url(version, user, member):
    """The URL of a package member for the iframe: on CONTENT_ORIGIN when one is configured."""
    path = url_for("materials.package_member", token=package_token(version, user), member=member)
    origin = current_app.config.get("CONTENT_ORIGIN")
    return f"{origin.rstrip('/')}{path}" if origin else path


def package_base(token):
    """The absolute URL prefix every member of this package link shares (its CSP allows only it)."""
    from flask import request

    origin = (current_app.config.get("CONTENT_ORIGIN") or request.host_url).rstrip("/")
    return f"{origin}{url_for('materials.package_member', token=token, member='')}"
