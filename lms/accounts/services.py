"""Accounts: sign-in with throttling, passwords, API tokens. Services flush; callers commit."""

import functools
import math
import os
import re
import secrets
import unicodedata
from datetime import timedelta

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.cache import remember
from ..core.dbping import first_read
from ..core.errors import DomainError, ValidationError, _
from ..core.text import clean_line, nfc
from ..core.timeutil import as_utc, utcnow
from ..extensions import db
from . import token_cache
from .models import SCHOOL_ROLES, ApiToken, LoginFailure, Role, User, UserSession, secret_hash

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
# The ministry's student identifier (mã định danh): ten ASCII digits ("\d" would take any
# script's digits, "$" a trailing newline).
STUDENT_CODE_RE = re.compile(r"^[0-9]{10}\Z")
# District-level roles belong to no school (SCHOOL_ROLES need one; parents may be linked to one).
DISTRICT_ROLES = (Role.REVIEWER, Role.DISTRICT_ADMIN)


class TooManyAttempts(DomainError):
    """429: sign-in refused for `retry_after` seconds (sent as Retry-After by the views)."""

    status = 429

    def __init__(self, retry_after):
        self.retry_after = retry_after
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            "too_many_attempts",
            _("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút.", minutes=minutes),
            {"retry_after_minutes": minutes, "retry_after_seconds": retry_after},
        )


class InvalidCredentials(DomainError):
    status = 401

    def __init__(self):
        # The same answer for an unknown user and a wrong password (API.md).
        super().__init__("invalid_credentials", _("Tên đăng nhập hoặc mật khẩu không đúng."))


def normal_username(username):
    """A username as typed, the way it is stored (NFC, trimmed, lower case)."""
    return nfc(username or "").strip().lower()


def _storable(text, limit):
    """`text` without what no column can hold (control characters, lone surrogates), cut short."""
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs"))[:limit]


def _throttle_window():
    return timedelta(seconds=current_app.config["LOGIN_LOCKOUT_SECONDS"])


# One password hash per configured method, of a random password nobody knows: an unknown username
# is checked against it, so that it costs what a known user's wrong password costs.
_DUMMY_HASHES = {}


def _dummy_password_check(password):
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    check_password_hash(_DUMMY_HASHES[method], password)
    return False


def _throttle(username, remote_addr, device):
    """Raise TooManyAttempts when a limit of `authenticate` holds this attempt back.

    One statement counts the recent failures of the account, of the address and of the device;
    only a refusal asks, per limit reached, when its oldest counted failure leaves the window.
    """
    config = current_app.config
    since = utcnow() - _throttle_window()
    failure = LoginFailure
    this_account = failure.username == username
    this_address = failure.remote_addr == remote_addr
    this_device = this_account & (failure.device == (device or ""))
    limits = {"account_address": (this_account & this_address, config["LOGIN_MAX_FAILURES"]),
              "device": (this_device, config["LOGIN_MAX_FAILURES"]),
              "address": (this_address, config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
              "account": (this_account, config["LOGIN_MAX_FAILURES_PER_ACCOUNT"])}
    counts = db.session.execute(
        db.select(*(db.func.coalesce(db.func.sum(db.case((condition, 1), else_=0)), 0).label(name)
                    for name, (condition, _limit) in limits.items()))
        .where(failure.at >= since, this_account | this_address)).one()._asdict()
    reached = {name for name, (_condition, limit) in limits.items() if counts[name] >= limit}
    vouched = device is not None and "device" not in reached
    if vouched:
        reached -= {"address", "account"}
    reached.discard("device")  # a device past its limit only loses its pass
    if not reached:
        return
    now = utcnow()
    retry_after = 1
    for name in reached:
        condition, limit = limits[name]
        oldest_counted = db.session.scalar(
            db.select(failure.at).where(failure.at >= since, condition)
            .order_by(failure.at.desc()).offset(limit - 1).limit(1))
        if oldest_counted is not None:
            free_at = as_utc(oldest_counted) + _throttle_window()
            retry_after = max(retry_after, math.ceil((free_at - now).total_seconds()))
    raise TooManyAttempts(retry_after)


def authenticate(username, password, remote_addr=None, device=None):
    """Return the user for a correct username and password, or raise InvalidCredentials (the same
    for an unknown user, a wrong password and a deactivated account) or TooManyAttempts.

    The same work either way: an unknown username's password is checked against a dummy hash made
    with the configured method, so the answer's time does not tell who has an account.

    Failures are counted over LOGIN_LOCKOUT_SECONDS, and an attempt is refused (429, right password
    or not) while any of these limits is reached:
      - LOGIN_MAX_FAILURES for this account from this address: guessing one password from one place;
      - LOGIN_MAX_FAILURES_PER_ADDRESS from this address, whatever the accounts: trying many accounts
        from one place (password spraying);
      - LOGIN_MAX_FAILURES_PER_ACCOUNT for this account from all addresses together: guessing spread
        over many machines.
    The last one would let anybody lock a teacher out by failing on purpose from a few addresses, so
    it holds back only browsers the account has never signed in from. A successful sign-in leaves a
    signed known-device cookie (accounts.devices); its nonce comes here as `device` and exempts the
    attempt from the per-account and per-address limits, never from the per-account-and-address one.
    We chose this over slowing every attempt down because a delay either ties up a web worker for
    each guess or is a lock in all but name. A device cookie stops vouching after LOGIN_MAX_FAILURES
    failures made with it, so a stolen cookie cannot lift the per-account limit either.

    Failures are committed here, on their own, so they count even when the caller rolls back;
    expired ones are purged as we go. A success forgets this account's failures from this address
    and this device; the caller commits.
    """
    typed = normal_username(username)
    username = _storable(typed, 80)  # what the failures are counted under
    remote_addr = _storable(remote_addr or "", 64)
    _throttle(username, remote_addr, device)
    # A name that had to be cleaned or cut names nobody: usernames are short and plain.
    user = db.session.scalar(db.select(User).where(User.username == username)) if username == typed else None
    password = password or ""
    hashable = not any(unicodedata.category(ch) == "Cs" for ch in password)  # UTF-8 can't hold a lone surrogate
    if user is not None and hashable:
        correct = user.check_password(password)
    else:
        correct = _dummy_password_check(password if hashable else "")
    if not correct or not user.active:
        db.session.execute(db.delete(LoginFailure).where(LoginFailure.at < utcnow() - _throttle_window()))
        db.session.add(LoginFailure(username=username, remote_addr=remote_addr, device=device))
        db.session.commit()
        raise InvalidCredentials()
    forgiven = LoginFailure.remote_addr == remote_addr
    if device is not None:
        forgiven = forgiven | (LoginFailure.device == device)
    db.session.execute(db.delete(LoginFailure).where(LoginFailure.username == username, forgiven))
    return user


def check_password_policy(password):
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise ValidationError(
            _("Mật khẩu phải có ít nhất %(minimum)s ký tự.", minimum=minimum),
            {"password": _("Ít nhất %(minimum)s ký tự.", minimum=minimum)},
            code="weak_password",
        )


def change_password(user, current_password, new_password, keep_session=None):
    """The user's own new password. Every other sign-in of theirs ends and every API token is
    revoked (whoever knew the old password is out); the session whose key is `keep_session`, the
    one they changed it from, stays."""
    if not user.check_password(current_password or ""):
        raise ValidationError(_("Mật khẩu hiện tại không đúng."), {"current_password": _("Không đúng.")})
    check_password_policy(new_password)
    user.set_password(new_password)
    user.must_change_password = False
    sign_out_everywhere(user, keep_session=keep_session)


def hash_passwords(passwords):
    """Hash many passwords at once, in threads: hashlib's scrypt releases the GIL, so a school's
    worth of first passwords takes half the time on two cores. Callers hash *before* their first
    write, so SQLite's write lock is never held while hashing."""
    from concurrent.futures import ThreadPoolExecutor

    from werkzeug.security import generate_password_hash

    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda p: generate_password_hash(p, method=method), passwords))


# --- the rules every account follows, whoever creates or edits it (one place, one message each) ---

def parse_role(value):
    try:
        return Role(value)
    except ValueError:
        raise ValidationError(_("Vai trò không hợp lệ."), {"role": value}) from None


def check_full_name(full_name):
    """The name cleaned (NFC, single spaces); it is required."""
    full_name = clean_line(full_name)
    if not full_name:
        raise ValidationError(_("Họ tên là bắt buộc."), {"full_name": _("Bắt buộc.")})
    return full_name


def school_for_role(role, school):
    """The school the account belongs to: a school role needs one; a district role has none (the
    school given is dropped); a parent may be linked to one."""
    role = parse_role(role)
    if role in SCHOOL_ROLES and school is None:
        raise ValidationError(_("Vai trò này cần thuộc một trường."), {"school": _("Bắt buộc.")})
    return None if role in DISTRICT_ROLES else school


def check_student_code(code, role, user=None):
    """The cleaned identifier, or None when none was given: only students have one, of exactly ten
    digits, and no other account (than `user`) holds it."""
    code = clean_line(code)
    if not code:
        return None
    if parse_role(role) != Role.STUDENT:
        raise ValidationError(_("Chỉ học sinh mới có mã định danh học sinh."), {"student_code": code},
                              code="student_code_not_student")
    if not STUDENT_CODE_RE.match(code):
        raise ValidationError(_("Mã định danh học sinh gồm đúng 10 chữ số."), {"student_code": code},
                              code="invalid_student_code")
    other = db.session.scalar(db.select(User).where(User.student_code == code))
    if other is not None and other is not user:
        raise ValidationError(_("Mã định danh %(code)s đã gắn với một tài khoản khác.", code=code),
                              {"student_code": _("Đã được dùng.")}, code="duplicate_student_code")
    return code


def create_user(username, full_name, role, password, school=None, student_code=None,
                password_hash=None, **extra):
    """Create a user. `password_hash` (from `hash_passwords`) replaces hashing `password` here.
    Who may create which account is the caller's question (schools.services.create_account)."""
    username = nfc(username or "").strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationError(
            _("Tên đăng nhập chỉ gồm chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới."),
            {"username": username},
        )
    role = parse_role(role)
    full_name = check_full_name(full_name)
    school = school_for_role(role, school)
    if db.session.scalar(db.select(User.id).where(User.username == username)):
        raise ValidationError(_("Tên đăng nhập %(username)s đã tồn tại.", username=username),
                              {"username": _("Đã tồn tại.")},
                              code="duplicate_username")
    student_code = check_student_code(student_code, role)
    check_password_policy(password)
    user = User(username=username, full_name=full_name, role=role.value, school=school,
                student_code=student_code, **extra)
    if password_hash is not None:
        user.password_hash = password_hash
    else:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def issue_token(user):
    token, _row = ApiToken.issue(user, current_app.config["API_TOKEN_DAYS"])
    db.session.flush()
    return token


@functools.cache
def _token_statement():
    """The user and the two columns that decide a token's validity (ApiToken.is_valid), not a
    second entity: this runs on every API call. Built once, so neither the statement nor its
    cache key is made again per call (each costs about as much as running it on SQLite)."""
    return (db.select(User, ApiToken.expires_at, ApiToken.revoked_at)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_hash == db.bindparam("token_hash")))


def user_for_token(token):
    """The active user a valid bearer token belongs to, or None: one statement, through the
    unique index on token_hash, with the user joined in; none when this process has answered the
    same token since the users, tokens and schools last changed (accounts/token_cache.py)."""
    if not token:
        return None
    token_hash = ApiToken.hash(token)
    kept = token_cache.cache()
    session = db.session()
    fresh = not token_cache.touched(session)  # the transaction has not written what it reads
    generation = kept.generation()
    if fresh:
        user = kept.get(token_hash, generation)
        if user is token_cache.EXPIRED:
            return None
        if user is not None:
            return session.merge(user, load=False)
    found = first_read(_token_statement(), {"token_hash": token_hash})
    if found is None:
        return None
    user, expires_at, revoked_at = found
    if revoked_at is not None or as_utc(expires_at) <= utcnow() or not user.active:
        return None
    if fresh and not token_cache.touched(session):
        kept.put(token_hash, user, expires_at, generation)
    return user


def revoke_token(token):
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == ApiToken.hash(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.flush()


# --- browser sessions ----------------------------------------------------------------------

def _idle_cutoff():
    return utcnow() - timedelta(days=current_app.config["SESSION_IDLE_DAYS"])


def start_session(user):
    """A new server-side session for `user` (just authenticated); returns the key for the session
    cookie, which names this row and nothing else. Sessions unused for SESSION_IDLE_DAYS are
    deleted as we go."""
    db.session.execute(db.delete(UserSession).where(UserSession.last_seen_at < _idle_cutoff()))
    key, _row = UserSession.start(user)
    db.session.flush()
    return key


# What every page shows beside the signed-in user, read by the session look-up itself instead of
# a statement of its own: memo key -> a function building a scalar subquery correlated with
# User.id. Features above accounts register theirs at import (review: the unread notifications'
# count for the bell). The value is kept with core.cache.remember under (key, user id) for the
# request, so memo((key, user.id), ...) finds it; it is forgotten, as every memo, once the
# request's session flushes, commits or rolls back.
SESSION_FACTS = {}


def session_fact(key):
    def register(build):
        SESSION_FACTS[key] = build
        _session_statement.cache_clear()
        return build
    return register


@functools.cache
def _session_statement():
    """user_for_session's statement, built once (like _token_statement): every page runs it."""
    facts = [build().label(f"fact_{index}") for index, build in enumerate(SESSION_FACTS.values())]
    return (db.select(User, UserSession.id, UserSession.last_seen_at, *facts)
            .join(UserSession, UserSession.user_id == User.id)
            .options(db.joinedload(User.school))
            .where(UserSession.key_hash == db.bindparam("key_hash"),
                   UserSession.user_id == db.bindparam("user_id"), UserSession.revoked_at.is_(None),
                   UserSession.last_seen_at >= db.bindparam("idle_cutoff"), User.active.is_(True)))


def user_for_session(user_id, key):
    """The active user of a live session, or None: one statement, through the unique index on the
    key's hash, with the user and their school joined in (every page shows both) and the
    registered SESSION_FACTS (the bell's count).

    The session's last-seen time is written at most every SESSION_TOUCH_SECONDS, in a short
    transaction of its own: a page that reads nothing else commits nothing."""
    if not key or not re.fullmatch(r"[0-9]{1,18}", str(user_id or "")):
        return None
    row = first_read(_session_statement(), {"key_hash": secret_hash(key), "user_id": int(user_id),
                                            "idle_cutoff": _idle_cutoff()})
    if row is None:
        return None
    user, session_id, last_seen_at, *facts = row
    for name, value in zip(SESSION_FACTS, facts, strict=True):
        remember((name, user.id), value)
    now = utcnow()
    if (now - as_utc(last_seen_at)).total_seconds() >= current_app.config["SESSION_TOUCH_SECONDS"]:
        with db.engine.begin() as connection:
            connection.execute(db.update(UserSession).where(UserSession.id == session_id)
                               .values(last_seen_at=now))
    return user


def end_session(key):
    """End the session whose key is `key` (logout): its cookie, even a copy, signs nobody in."""
    if key:
        db.session.execute(db.update(UserSession).where(
            UserSession.key_hash == secret_hash(key), UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow()))
        db.session.flush()


def sign_out_everywhere(user, keep_session=None):
    """End every session of `user` but the one whose key is `keep_session`, and revoke every API
    token of theirs: after a password change, an administrator's reset, a deactivation."""
    now = utcnow()
    sessions = db.update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_session:
        sessions = sessions.where(UserSession.key_hash != secret_hash(keep_session))
    db.session.execute(sessions.values(revoked_at=now))
    db.session.execute(db.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))
    db.session.flush()
