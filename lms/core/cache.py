"""Answers computed once: shared answers kept per process, and facts kept for one request.

**Regions** hold answers that are the same for many users (the approved library, a published
material as its readers see it). Each gunicorn worker keeps its own entries in memory (a small
LRU per application), so a hit costs no query and no lock beyond the process's own. They are
emptied across processes through a *generation file* in the instance folder: `clear()` (called
by after-commit receivers, core/events.py) writes a new random generation there, and every
`get_or_set` reads that file (one small read, no query) and ignores entries stored under another
generation. An answer is tagged with the generation read *before* it was computed, so an answer
computed from data that a concurrent commit has just changed is never served after that commit's
`clear()`. Entries also expire after CACHE_SECONDS, a bound on what no event announces (a school
or a teacher renamed); CACHE_SECONDS = 0 turns regions off.

**Slots** let a kept fragment hold what must be new on every request: a fragment rendered with
`slot("csrf")` or `slot("waiting", moment)` where the page shows the form's CSRF token or how
long an item has waited is kept once, and `fill(fragment, csrf=..., waiting=...)` writes this
request's values into it (one regular-expression pass; slots are NUL-delimited, a character no
stored text holds: the NFC guard refuses control characters and PostgreSQL refuses NUL).

**memo(key, compute)** keeps a fact for the rest of the request (the subjects a reviewer reviews,
asked once per row of a queue otherwise). It is forgotten after every flush, commit and rollback
of the session, so a request that writes never reads a fact from before its write.
"""

import os
import re
import secrets
import threading
import time
from collections import OrderedDict

from flask import current_app, g, has_app_context
from markupsafe import Markup, escape
from sqlalchemy import event

from .events import EventSession

_REGIONS = "lms.cache"
_MEMO = "_lms_memo"


def read_generation(path):
    """The generation written in `path` (b"" before the first), read on every ask."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return b""


def new_generation(path):
    """Write a new random generation to `path` atomically: every process's answers kept under
    the old one are no longer served."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
    with open(temporary, "wb") as handle:
        handle.write(secrets.token_hex(16).encode())
    os.replace(temporary, path)


class Region:
    """Shared answers of one kind, per process, emptied in every process by `clear()`."""

    def __init__(self, name, directory, seconds, max_entries=512):
        self.name = name
        self.directory = directory
        self.path = os.path.join(directory, f"{name}.generation")
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries = OrderedDict()  # key -> (generation, stored at, value)
        self._lock = threading.Lock()

    def generation(self):
        return read_generation(self.path)

    def get(self, key, generation):
        """The answer stored under `key` for `generation` (read before, with `generation()`), or
        None."""
        if self.seconds <= 0:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != generation or time.monotonic() - entry[1] >= self.seconds:
                return None
            self._entries.move_to_end(key)
            return entry[2]

    def put(self, key, value, generation):
        """Keep `value`, computed after `generation` was read, for the next asks."""
        if self.seconds <= 0:
            return
        with self._lock:
            self._entries[key] = (generation, time.monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def get_or_set(self, key, compute):
        """The answer stored under `key`, or `compute()`'s, stored for the process's next asks."""
        generation = self.generation()
        value = self.get(key, generation)
        if value is None:
            value = compute()
            self.put(key, value, generation)
        return value

    def clear(self):
        """Forget every answer, in this process and (through the generation file) in the others."""
        new_generation(self.path)
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)


def region(name):
    """The application's region called `name` (made at first use)."""
    regions = current_app.extensions.setdefault(_REGIONS, {})
    found = regions.get(name)
    if found is None:
        found = regions[name] = Region(name, os.path.join(current_app.instance_path, "cache"),
                                       current_app.config["CACHE_SECONDS"])
    return found


def render_block(template_name, block, **context):
    """One block of a template, rendered with the context a whole page would get: a fragment to
    keep in a region. Whatever the block shows must be the same for everyone it is served to."""
    template = current_app.jinja_env.get_or_select_template(template_name)
    current_app.update_template_context(context)
    return Markup("".join(template.blocks[block](template.new_context(context))))


_SLOT = re.compile("\x00([a-z_]+):([^\x00]*)\x00")


def slot(name, argument=""):
    """A place in a kept fragment for a value of each request (see `fill`)."""
    return Markup(f"\x00{name}:{escape(argument)}\x00")


def fill(fragment, **fillers):
    """`fragment` with each slot replaced by `fillers[name](argument)` (escaped unless Markup)."""
    return Markup(_SLOT.sub(lambda found: str(escape(fillers[found.group(1)](found.group(2)))), fragment))


def memo(key, compute):
    """`compute()`, asked once per request (or until the session next writes)."""
    if not has_app_context():
        return compute()
    store = g.setdefault(_MEMO, {})
    if key not in store:
        store[key] = compute()
    return store[key]


def remember(key, value):
    """Keep `value` as memo(key, ...)'s answer for the rest of the request (a fact read along with
    another statement, e.g. with the signed-in user)."""
    if has_app_context():
        g.setdefault(_MEMO, {})[key] = value


def forget_memo(*_args, **_kwargs):
    if has_app_context():
        g.pop(_MEMO, None)


for _name in ("after_flush", "after_commit", "after_rollback"):
    event.listen(EventSession, _name, forget_memo)
