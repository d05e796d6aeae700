"""After-commit events: a lower feature announces that something changed; a higher one listens.

A service calls ``announce(signal, **payload)`` while its transaction runs; nothing happens yet.
When the session commits, every announced event is sent, in order, to the signal's receivers; when
it rolls back, the announcements are dropped. So a search index, a background job or a cache only
ever hears of committed data, and a refused request queues nothing.

Signals are blinker signals (Flask ships blinker), declared by the feature that announces them in
its ``signals.py``; listeners connect in their own feature (usually at import of their
``signals.py`` or ``jobs.py``), so the lower feature never imports the higher one.

Receivers run after the commit has returned, outside any transaction of the announcing request:
they may use the session (a Huey job in immediate mode does), and whatever they commit announces
its own events, which are sent after that commit in turn. A receiver that raises is logged and does
not stop the others: the data is committed already, and the request that caused it succeeded.

Payloads carry ids and plain values, never ORM objects: the objects of the committed session are
expired, and a job may run in another process.
"""

import logging

from blinker import Namespace
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event

log = logging.getLogger(__name__)

namespace = Namespace()
_PENDING = "lms.pending_events"


def signal(name, doc=None):
    """Declare (or get) the named signal."""
    return namespace.signal(name, doc)


def announce(sig, session=None, **payload):
    """Queue `sig` with `payload` until the current transaction commits."""
    if session is None:
        from ..extensions import db

        session = db.session()
    session.info.setdefault(_PENDING, []).append((sig, payload))


def pending(session=None):
    """What the current transaction will announce when it commits (for tests and debugging)."""
    if session is None:
        from ..extensions import db

        session = db.session()
    return list(session.info.get(_PENDING, ()))


class EventSession(FlaskSession):
    """Flask-SQLAlchemy's session, sending announced events once a commit has succeeded."""

    def commit(self):
        super().commit()
        _dispatch(self)


def _dispatch(session):
    # Events announced by receivers (their own commits) are dispatched by those commits.
    while session.info.get(_PENDING):
        batch = session.info.pop(_PENDING)
        for sig, payload in batch:
            for receiver in list(sig.receivers_for(None)):
                try:
                    receiver(None, **payload)
                except Exception:  # noqa: BLE001 - committed already; one listener must not stop the others
                    log.exception("after-commit receiver %r of %r failed", receiver, sig.name)


@event.listens_for(EventSession, "after_rollback")
def _drop_on_rollback(session):
    session.info.pop(_PENDING, None)


def session_options():
    """For SQLAlchemy(session_options=...): use the event-sending session."""
    return {"class_": EventSession}
