"""What a bearer token's look-up answered, kept per process (issue 8: a kept API answer's last
statement was the token's look-up).

Each gunicorn worker keeps, under the token's hash, a detached copy of the user the look-up loaded
(its columns, none of its relationships) and the token's expiry; a repeated request with the same
token gets that user through `session.merge(copy, load=False)` (SQLAlchemy's way of placing a
detached object in a session without a SELECT): a normal persistent `User` of the request's
session, its relationships loaded lazily as after the look-up, its changes flushed as any other.

An entry is served only while:
- the generation file `cache/tokens.generation` (instance folder) holds what was read before the
  look-up. A session listener notes every flush and every UPDATE/DELETE/INSERT statement sent
  through the session that touches a user, an API token or a school (a token issued, revoked or
  deleted, a user deactivated, renamed, given another role, school or password, a school changed)
  and, once that transaction commits, writes a new generation: every worker's entries are gone
  before the request that made the change has answered. A text statement naming one of those
  tables empties it too (safe side). Changes made outside the application (psql) are bounded by
  CACHE_SECONDS, as the regions of core/cache.py.
- the token has not expired: an expired token is refused at once (never served, never looked up).
- the request's own transaction has not touched those tables (it reads the database then).
Only valid tokens of active users are kept; a refused token is looked up again every time.
"""

import os
import re
import threading
import time
from collections import OrderedDict

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import attributes, make_transient_to_detached
from sqlalchemy.sql.elements import TextClause

from ..core import events
from ..core.cache import new_generation, read_generation
from ..core.events import EventSession
from ..core.timeutil import as_utc

_EXTENSION = "lms.token_cache"
_CHANGED = "lms.token_cache.changed"
WATCHED = frozenset({"user", "api_token", "school"})
_TEXT_WRITE = re.compile(r"\b(update|delete|insert|truncate|alter|drop)\b", re.I)
_TEXT_TABLE = re.compile(r"\b(user|api_token|school)\b", re.I)
EXPIRED = object()  # what `get` answers for a kept token whose expiry has passed

tokens_changed = events.signal("accounts.tokens_changed",
                               doc="A user, an API token or a school changed: kept look-ups are void.")


class TokenCache:
    """Per-process look-ups: token hash -> (generation, expires (epoch), kept until (epoch), user)."""

    def __init__(self, path, seconds, max_entries=4096):
        self.path = path
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def generation(self):
        return read_generation(self.path)

    def get(self, token_hash, generation, now=None):
        """The detached user kept for `token_hash` under `generation`, EXPIRED, or None."""
        if self.seconds <= 0:
            return None
        now = time.time() if now is None else now
        with self._lock:
            entry = self._entries.get(token_hash)
            if entry is None:
                return None
            if entry[0] != generation or now >= entry[2]:
                del self._entries[token_hash]
                return None
            if now >= entry[1]:
                del self._entries[token_hash]
                return EXPIRED
            self._entries.move_to_end(token_hash)
            return entry[3]

    def put(self, token_hash, user, expires_at, generation):
        """Keep a detached copy of `user` (just loaded, clean) for the token's next requests."""
        if self.seconds <= 0:
            return
        copy = detached_copy(user)
        now = time.time()
        with self._lock:
            self._entries[token_hash] = (generation, as_utc(expires_at).timestamp(), now + self.seconds, copy)
            self._entries.move_to_end(token_hash)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self):
        """Forget every look-up, in this process and (through the generation file) in the others."""
        new_generation(self.path)
        self.forget_here()

    def forget_here(self):
        """Forget this process's look-ups (the others keep theirs)."""
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)


def detached_copy(obj):
    """A new detached instance holding `obj`'s loaded column values (no relationship), as the
    session would have it after loading the row: nothing pending, identity key set."""
    mapper = attributes.instance_state(obj).mapper
    loaded = attributes.instance_state(obj).dict
    copy = mapper.class_manager.new_instance()
    for prop in mapper.column_attrs:
        if prop.key in loaded:
            attributes.set_committed_value(copy, prop.key, loaded[prop.key])
    make_transient_to_detached(copy)
    return copy


def cache():
    found = current_app.extensions.get(_EXTENSION)
    if found is None:
        found = current_app.extensions[_EXTENSION] = TokenCache(
            os.path.join(current_app.instance_path, "cache", "tokens.generation"),
            current_app.config["CACHE_SECONDS"])
    return found


def touched(session):
    """Whether the session's transaction has written (or is about to write) a watched table."""
    if session.info.get(_CHANGED):
        return True
    return any(_table(obj) in WATCHED for obj in (*session.new, *session.dirty, *session.deleted))


# --- what changed ----------------------------------------------------------------------------------

def _table(obj):
    return getattr(type(obj), "__tablename__", None)


def _note(session):
    if not session.info.get(_CHANGED):
        session.info[_CHANGED] = True
        events.announce(tokens_changed, session=session)


@event.listens_for(EventSession, "before_flush")
def _before_flush(session, _context, _instances):
    for obj in session.new:
        if _table(obj) in WATCHED:
            return _note(session)
    for obj in session.deleted:
        if _table(obj) in WATCHED:
            return _note(session)
    for obj in session.dirty:
        # Columns only: a collection appended through a backref (a material's author) changes no
        # row of these tables.
        if _table(obj) in WATCHED and session.is_modified(obj, include_collections=False):
            return _note(session)
    return None


@event.listens_for(EventSession, "do_orm_execute")
def _statement(orm_execute_state):
    statement = orm_execute_state.statement
    if orm_execute_state.is_update or orm_execute_state.is_delete or orm_execute_state.is_insert:
        if getattr(getattr(statement, "table", None), "name", None) in WATCHED:
            _note(orm_execute_state.session)
    elif isinstance(statement, TextClause):
        text = statement.text
        if _TEXT_WRITE.search(text) and _TEXT_TABLE.search(text):
            _note(orm_execute_state.session)


def _forget(session, *_args):
    session.info.pop(_CHANGED, None)


event.listen(EventSession, "after_commit", _forget)
event.listen(EventSession, "after_rollback", _forget)


@tokens_changed.connect
def _tokens_changed(_sender, **_payload):
    cache().clear()

