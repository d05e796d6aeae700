"""Signed links into a material's HTML5 package (the serving itself is lms/files/serving.py).

A sandboxed frame has an opaque origin and browsers do not send SameSite cookies from it, so the
package's URLs carry a signed, expiring token naming the material, the version and the user.
"""

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

_PACKAGE_SALT = "materials.package-member"


def _serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt=_PACKAGE_SALT)


def package_token(version, user):
    return _serializer().dumps([version.material_id, version.id, user.id])


def read_package_token(token):
    """(material_id, version_id, user_id), or None for a forged or expired token."""
    max_age = int(current_app.config["PACKAGE_LINK_HOURS"] * 3600)
    try:
        material_id, version_id, user_id = _serializer().loads(token, max_age=max_age)
    except (BadSignature, ValueError, TypeError):
        return None
    return material_id, version_id, user_id
