"""Answers about students' work kept per process: a student's to-do and the tracking of an
assignment (issue 11: pages opened every morning by every student and teacher, and computed from
hundreds of rows).

An answer is kept under **tags**: `s<student id>` (a to-do) or `a<assignment id>` (a tracking).
Each tag has a generation file in the instance folder (cache/work/), as core/cache.py's regions
have one for the whole region, so a change announced in one gunicorn worker empties the others'
answers: an entry is served only while the generations read before it was computed are still
those on disk. Who changes what is not left to each service to remember: a session listener
watches every flush and every ORM UPDATE/DELETE for the rows the answers are made of (attempts,
submissions, material views, essays' marks and feedback) and collects their (assignment, student)
tags; assignments, class lists and students' names empty everything. The tags are announced with
`signals.work_changed` (core/events.py), so only a commit empties anything and a rollback nothing.
Saving a quiz's answers changes nothing shown here and empties nothing.

An answer also ends at its next moment in time (work becomes missing at the cut-off, overdue at
the due time, an assignment opens): the `until` its computation returns, and CACHE_SECONDS.
"""

import os
import threading
import time
from collections import OrderedDict

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import attributes

from ..core import events
from ..core.cache import new_generation, read_generation
from ..core.events import EventSession
from ..core.timeutil import as_utc
from .signals import work_changed

EVERYTHING = "*"
_TAGS = "lms.work_cache.tags"
_EXTENSION = "lms.work_cache"


class TaggedRegion:
    """Per-process answers, each valid while its tags' generation files (and the region's own)
    hold the values read before it was computed, and until its own deadline."""

    def __init__(self, directory, seconds, max_entries=1000):  # a to-do page is ~40 KB
        self.directory = directory
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries = OrderedDict()  # key -> (generations, expires at (epoch), value)
        self._lock = threading.Lock()

    def _path(self, tag):
        return os.path.join(self.directory, f"{tag}.generation")

    def generations(self, tags):
        return tuple(read_generation(self._path(tag)) for tag in (EVERYTHING, *tags))

    def get_or_set(self, key, tags, compute):
        """The answer kept under `key`, or compute()'s: `compute` returns (answer, until), `until`
        an aware datetime after which the answer no longer holds (or None)."""
        if self.seconds <= 0:
            return compute()[0]
        generations = self.generations(tags)
        now = time.time()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == generations and now < entry[1]:
                self._entries.move_to_end(key)
                return entry[2]
        value, until = compute()
        expires = now + self.seconds
        if until is not None:
            expires = min(expires, as_utc(until).timestamp())
        with self._lock:
            self._entries[key] = (generations, expires, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def bump(self, tags):
        """A new generation for each tag (EVERYTHING: every answer), in every process."""
        for tag in tags:
            new_generation(self._path(tag))
        if EVERYTHING in tags:
            with self._lock:
                self._entries.clear()

    def __len__(self):
        return len(self._entries)


def region():
    found = current_app.extensions.get(_EXTENSION)
    if found is None:
        found = current_app.extensions[_EXTENSION] = TaggedRegion(
            os.path.join(current_app.instance_path, "cache", "work"), current_app.config["CACHE_SECONDS"])
    return found


def student_tag(student_id):
    return f"s{student_id}"


def assignment_tag(assignment_id):
    return f"a{assignment_id}"


def next_moment(moments, now):
    """The earliest of `moments` (datetimes or None) after `now`, or None."""
    later = [as_utc(m) for m in moments if m is not None and as_utc(m) > now]
    return min(later) if later else None


# --- what changed ----------------------------------------------------------------------------------

# Tables whose rows are one student's work on one assignment: their changes empty two tags.
_WORK = {"attempt", "submission", "material_view"}
# Tables whose changes may reach anyone's answers: everything is emptied.
_EVERYONE = {"assignment", "assignment_classroom", "assignment_question", "enrollment", "classroom", "user"}
_WATCHED = _WORK | _EVERYONE | {"attempt_question"}
# Columns nothing here shows: a change to only these empties nothing (an answer saved, a sign-in).
_QUIET = {"attempt": {"lock_version"}, "attempt_question": {"answer", "answered_at"}}
# Of a user, only what the answers show (names, the students' codes) or decide (role, active).
_USER_SHOWN = {"full_name", "name_sort", "role", "active", "student_code"}
_NEW = "lms.work_cache.new"


def _tags(session):
    found = session.info.get(_TAGS)
    if found is None:
        found = session.info[_TAGS] = set()
        events.announce(work_changed, session=session, tags=found)
    return found


def _work_tags(assignment_id, student_id):
    if assignment_id is None or student_id is None:
        return {EVERYTHING}
    return {assignment_tag(assignment_id), student_tag(student_id)}


def _table(obj):
    return getattr(type(obj), "__tablename__", None)


def _attempt_in(session, attempt_id):
    from .models import Attempt

    if attempt_id is None:
        return None
    return session.identity_map.get(session.identity_key(Attempt, (attempt_id,)))


def _item_tags(session, attempt_id):
    attempt = _attempt_in(session, attempt_id)
    return _work_tags(attempt.assignment_id, attempt.student_id) if attempt is not None else {EVERYTHING}


def _changed(session, obj, table):
    """The tags a dirty or deleted row of a watched table empties (`changed`: its changed
    attributes, None when deleted)."""
    changed = set(attributes.instance_state(obj).committed_state) if obj not in session.deleted else None
    if changed is not None:
        if table == "user":
            return {EVERYTHING} if changed & _USER_SHOWN else set()
        if table in _QUIET and changed <= _QUIET[table]:
            return set()
    if table in _WORK:
        return _work_tags(obj.assignment_id, obj.student_id)
    if table == "attempt_question":
        return _item_tags(session, obj.attempt_id)
    return {EVERYTHING}


@event.listens_for(EventSession, "before_flush")
def _before_flush(session, _context, _instances):
    collected = set()
    for obj in session.new:
        table = _table(obj)
        if table in _WORK:
            session.info.setdefault(_NEW, []).append(obj)  # its ids are known after the flush
        elif table in _EVERYONE and table != "user":
            collected.add(EVERYTHING)  # a new assignment, its questions, a student joining a class
    for obj in list(session.dirty) + list(session.deleted):
        table = _table(obj)
        if table in _WATCHED and (obj in session.deleted or session.is_modified(obj)):
            collected |= _changed(session, obj, table)
    if collected:
        _tags(session).update(collected)


@event.listens_for(EventSession, "after_flush")
def _after_flush(session, _context):
    for obj in session.info.pop(_NEW, ()):
        _tags(session).update(_work_tags(obj.assignment_id, obj.student_id))


def _equalities(clause, found, parameters=None):
    """{column name: value} of the `column = value` comparisons ANDed in a WHERE clause (a bound
    parameter's value from `parameters` when it is given at execution)."""
    from sqlalchemy.sql import operators
    from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList, ColumnElement

    if isinstance(clause, BooleanClauseList) and clause.operator is operators.and_:
        for part in clause.clauses:
            _equalities(part, found, parameters)
    elif isinstance(clause, BinaryExpression) and clause.operator is operators.eq:
        left, right = clause.left, clause.right
        if isinstance(right, BindParameter) and isinstance(left, ColumnElement) and hasattr(left, "name"):
            value = right.effective_value
            if value is None and isinstance(parameters, dict):
                value = parameters.get(right.key)
            found[left.name] = value
    return found


@event.listens_for(EventSession, "do_orm_execute")
def _statement(orm_execute_state):
    """UPDATE, DELETE and INSERT statements sent through the session (the services' conditional
    updates): the row's tags from the WHERE clause (`id = …` of an object the session holds, or
    `assignment_id = … AND student_id = …`), everything when they cannot be told."""
    if not (orm_execute_state.is_update or orm_execute_state.is_delete or orm_execute_state.is_insert):
        return
    statement = orm_execute_state.statement
    table = getattr(getattr(statement, "table", None), "name", None)
    if table not in _WATCHED:
        return
    session = orm_execute_state.session
    if orm_execute_state.is_update:
        values = {getattr(column, "key", column) for column in (getattr(statement, "_values", None) or {})}
        if table == "user" and not values & _USER_SHOWN:
            return
        if table in _QUIET and values and values <= _QUIET[table]:
            return
    if table in _EVERYONE:
        _tags(session).add(EVERYTHING)
        return
    where = {}
    for criterion in getattr(statement, "_where_criteria", ()):
        _equalities(criterion, where, orm_execute_state.parameters)
    if table == "attempt_question":
        _tags(session).update(_item_tags(session, where.get("attempt_id")))
    elif "assignment_id" in where and "student_id" in where:
        _tags(session).update(_work_tags(where["assignment_id"], where["student_id"]))
    elif "id" in where and table == "attempt":
        _tags(session).update(_item_tags(session, where["id"]))
    elif "id" in where and table == "submission":
        from .models import Submission

        found = session.identity_map.get(session.identity_key(Submission, (where["id"],)))
        _tags(session).update(_work_tags(found.assignment_id, found.student_id) if found is not None
                              else {EVERYTHING})
    else:
        _tags(session).add(EVERYTHING)


def _forget(session, *_args):
    session.info.pop(_TAGS, None)
    session.info.pop(_NEW, None)


event.listen(EventSession, "after_commit", _forget)
event.listen(EventSession, "after_rollback", _forget)


@work_changed.connect
def _work_changed(_sender, tags, **_payload):
    if tags:
        region().bump(sorted(tags))
