import enum
import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, event
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.text import PERSON_SORT_KEY_MAX, person_sort_key
from ..core.timeutil import as_utc, utcnow
from ..extensions import db

__all__ = ["Role", "User", "UserSession", "ApiToken", "LoginFailure"]


class Role(enum.StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    SCHOOL_ADMIN = "school_admin"
    REVIEWER = "reviewer"
    DISTRICT_ADMIN = "district_admin"
    PARENT = "parent"


# Lazy: translated when rendered, in the reader's language.
ROLE_LABELS = {
    Role.STUDENT: _l("Học sinh"),
    Role.TEACHER: _l("Giáo viên"),
    Role.SCHOOL_ADMIN: _l("Quản trị trường"),
    Role.REVIEWER: _l("Thành viên tổ thẩm định"),
    Role.DISTRICT_ADMIN: _l("Quản trị Phòng GD&ĐT"),
    Role.PARENT: _l("Phụ huynh"),
}

SCHOOL_ROLES = {Role.STUDENT, Role.TEACHER, Role.SCHOOL_ADMIN}


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('student','teacher','school_admin','reviewer','district_admin','parent')",
            name="role_known",
        ),
    )

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), nullable=False, unique=True)
    full_name = db.Column(db.String(200), nullable=False)
    # person_sort_key(full_name), kept in step by `_keep_name_sort`: lists of people page in SQL in
    # Vietnamese order. Compared byte by byte: PostgreSQL is told "C" (SQLite's BINARY is already).
    name_sort = db.Column(db.String(PERSON_SORT_KEY_MAX).with_variant(
        db.String(PERSON_SORT_KEY_MAX, collation="C"), "postgresql"), nullable=False, default="", index=True)
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.String(20), nullable=False, index=True)
    school_id = db.Column(db.Integer, db.ForeignKey("school.id"), nullable=True, index=True)
    # The ministry's 10-digit student identifier (mã định danh); no citizen ID is stored.
    student_code = db.Column(db.String(10), nullable=True, unique=True)
    birth_date = db.Column(db.Date, nullable=True)
    gender = db.Column(db.String(10), nullable=True)
    # A parent's contact phone (the city export's `SĐT liên hệ`), digits only: with the name, how
    # one parent of several children is recognised across imports and schools.
    phone = db.Column(db.String(15), nullable=True, index=True)
    locale = db.Column(db.String(5), nullable=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    must_change_password = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    school = db.relationship("School", back_populates="users")

    @property
    def is_active(self):
        return self.active

    @property
    def role_enum(self):
        return Role(self.role)

    @property
    def role_label(self):
        return ROLE_LABELS[Role(self.role)]

    def set_password(self, password):
        from flask import current_app

        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def __repr__(self):
        return f"<User {self.username} {self.role}>"


@event.listens_for(User.full_name, "set")
def _keep_name_sort(user, full_name, _old, _initiator):
    """Every write of a name, wherever it happens (constructor, services, imports, the NFC guard),
    sets its sort key too."""
    user.name_sort = person_sort_key(full_name or "")


def secret_hash(secret):
    """How a bearer secret (an API token, a session key) is stored: its SHA-256, so a copy of the
    database signs nobody in."""
    return hashlib.sha256(secret.encode()).hexdigest()


class UserSession(db.Model):
    """One browser sign-in. The cookie carries the random key; the row says whether it still
    holds: it ends at logout (this row), at a password change (every other row of the user), at an
    administrator's reset or a deactivation (every row), and after SESSION_IDLE_DAYS unused."""

    __tablename__ = "user_session"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    key_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    # Touched at most every SESSION_TOUCH_SECONDS, so a page view seldom writes.
    last_seen_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
    revoked_at = db.Column(db.DateTime(timezone=True), nullable=True)

    user = db.relationship("User")

    @classmethod
    def start(cls, user):
        key = secrets.token_urlsafe(32)
        now = utcnow()
        row = cls(user=user, key_hash=secret_hash(key), created_at=now, last_seen_at=now)
        db.session.add(row)
        return key, row


class ApiToken(db.Model):
    """A bearer token for /api/v1. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_token"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime(timezone=True), nullable=False)
    revoked_at = db.Column(db.DateTime(timezone=True), nullable=True)

    user = db.relationship("User")

    @staticmethod
    def hash(token):
        return secret_hash(token)

    @classmethod
    def issue(cls, user, days):
        token = secrets.token_urlsafe(32)
        row = cls(user=user, token_hash=cls.hash(token), expires_at=utcnow() + timedelta(days=days))
        db.session.add(row)
        return token, row

    @property
    def is_valid(self):
        return self.revoked_at is None and as_utc(self.expires_at) > utcnow()


class LoginFailure(db.Model):
    """One failed sign-in; recent failures for a username, from an address, or made with a
    known-device cookie throttle further attempts (accounts.services.authenticate)."""

    __tablename__ = "login_failure"

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), nullable=False, index=True)
    remote_addr = db.Column(db.String(64), nullable=True, index=True)
    # The nonce of the known-device cookie the attempt came with, if any (see accounts.devices).
    device = db.Column(db.String(32), nullable=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow, index=True)
