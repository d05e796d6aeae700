"""What a PostgreSQL request pays besides its statements: stale connections found without a round
trip per request, and no transaction around a request's first read when it is also its last.

SQLAlchemy's `pool_pre_ping` sends a statement to the server at every checkout, so every request
paid one more round trip for the rare connection a server restart or an administrator's
`pg_terminate_backend` left dead (issue 8: on PostgreSQL, one round trip in four of a kept page).
Here a connection leaving the pool is pinged only when there is reason to doubt it:

- its socket has something to read while the connection is idle: a server that ends a backend
  (restart, `pg_terminate_backend`, idle-session timeout, crash of the backend) sends a FATAL
  message and/or closes the socket, and an idle healthy connection has nothing to say. The check
  is one `poll()` of the socket with no wait: no round trip. (A NOTICE or parameter report sent
  to an idle connection also makes it readable: it is then pinged, which is only one round trip.)
- or it has rested in the pool longer than `DATABASE_PING_IDLE_SECONDS` (default 30): a peer
  gone without a word (a host that lost power, a firewall that forgot the connection) closes
  nothing, so a connection that sat long is pinged as before.

A failed ping raises DisconnectionError, on which the pool throws the connection away and
checks out a fresh one (SQLAlchemy's documented "pessimistic" recipe on the `checkout` event), so
the request that meets a dead connection still succeeds. A connection that is used, checked in
and out again within the window and whose socket says nothing is not pinged: the server ended
nothing that it told us about.

SQLite needs none of this (a file does not go away) and is left alone. `pool_pre_ping` set in the
instance's SQLALCHEMY_ENGINE_OPTIONS still works, on top.
"""

import re
import select
import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

DEFAULT_IDLE_SECONDS = 30
_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE: connected, no transaction open
_RESTED = "lms_rested_since"  # connection_record.info: monotonic time of the last checkin; None: new


def _idle_seconds():
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config.get("DATABASE_PING_IDLE_SECONDS", DEFAULT_IDLE_SECONDS)
    return DEFAULT_IDLE_SECONDS


def _is_psycopg(dbapi_connection):
    return type(dbapi_connection).__module__.startswith("psycopg")


def socket_has_news(dbapi_connection):
    """True when the idle connection's socket is readable (or closed, or unknown)."""
    try:
        fd = dbapi_connection.fileno()
    except Exception:  # noqa: BLE001 - a closed or broken connection has no socket to ask
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def ping(dbapi_connection):
    """One `SELECT 1` in autocommit (no BEGIN/ROLLBACK around it), as SQLAlchemy's psycopg ping."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        if not dbapi_connection.closed:
            dbapi_connection.autocommit = autocommit


def needs_ping(connection_record, dbapi_connection, now=None):
    rested_since = connection_record.info.get(_RESTED, 0.0)
    if rested_since is None:  # made for this checkout
        return False
    now = time.monotonic() if now is None else now
    return now - rested_since > _idle_seconds() or socket_has_news(dbapi_connection)


@event.listens_for(Pool, "connect")
def _new_connection(dbapi_connection, connection_record):
    if _is_psycopg(dbapi_connection):
        connection_record.info[_RESTED] = None


@event.listens_for(Pool, "checkin")
def _rests(dbapi_connection, connection_record):
    if dbapi_connection is not None and _is_psycopg(dbapi_connection):
        connection_record.info[_RESTED] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _check(dbapi_connection, connection_record, _proxy):
    if not _is_psycopg(dbapi_connection) or not needs_ping(connection_record, dbapi_connection):
        return
    try:
        ping(dbapi_connection)
    except Exception as error:  # noqa: BLE001 - any failure: the pool replaces the connection
        raise exc.DisconnectionError(f"stale connection: {error}") from error


def first_read(statement, params):
    """`db.session.execute(statement, params).first()`, for the statement that opens a request
    (the token's or the session's look-up). On PostgreSQL, when nothing has been sent on the
    session's connection yet (no transaction open on it, nothing waiting to be flushed), it is sent
    in autocommit: psycopg sends no BEGIN before it, and a request that sends nothing else ends
    with no ROLLBACK either (issue 8: a kept page was BEGIN, the look-up, ROLLBACK: three round
    trips for one read). The next statement, read or write, opens the transaction as before, so
    what a request writes stays atomic; the look-up alone reads outside it, which under READ
    COMMITTED (each statement its own snapshot) sees what it would have seen inside. It takes no
    lock (no FOR UPDATE), or this would not hold."""
    from ..extensions import db

    session = db.session
    if session.new or session.dirty or session.deleted:  # autoflush would write in autocommit
        return session.execute(statement, params).first()
    dbapi_connection = session.connection().connection.dbapi_connection
    if (not _is_psycopg(dbapi_connection) or dbapi_connection.autocommit
            or dbapi_connection.info.transaction_status != _IDLE):
        return session.execute(statement, params).first()
    dbapi_connection.autocommit = True
    try:
        return session.execute(statement, params).first()
    finally:
        if not dbapi_connection.closed:
            dbapi_connection.autocommit = False


# A statement that may be sent outside a transaction: a plain SELECT. Not one that locks rows
# (FOR UPDATE/SHARE: the lock would end with the statement), takes an advisory lock, sets a
# setting or draws from a sequence (harmless, but kept inside for clarity).
_PLAIN_READ = re.compile(r"\s*SELECT\b", re.I)
_NOT_PLAIN = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b|pg_advisory|set_config|nextval|setval",
                        re.I)
_SENT_BARE = "lms_read_outside_transaction"


def plain_read(statement):
    return bool(_PLAIN_READ.match(statement)) and not _NOT_PLAIN.search(statement)


@event.listens_for(Engine, "before_cursor_execute")
def _read_outside_transaction(conn, _cursor, statement, _parameters, context, executemany):
    """A request's plain reads, until its first write, go without a transaction on PostgreSQL.

    `first_read` does this for the look-up that opens a request; this does it for every plain
    SELECT sent while no transaction is open on the connection: the reviewer's subject groups of
    the queue, the tracked assignment, a detail's row (issue 8: each was BEGIN, the statement and
    ROLLBACK, three round trips for one read). Under READ COMMITTED a statement sees the same rows
    inside a transaction or outside (each statement takes its own snapshot), and no lock is taken
    by what is sent this way. The first other statement (an INSERT, UPDATE, DELETE, a locking
    SELECT) opens the transaction as before, and everything after it stays inside: a request's
    writes stay one transaction. Not for executemany, server-side cursors or a connection set to
    another isolation level."""
    if executemany or context is None:
        return
    dbapi_connection = conn.connection.dbapi_connection
    if (not _is_psycopg(dbapi_connection) or dbapi_connection.autocommit
            or dbapi_connection.info.transaction_status != _IDLE
            or context.execution_options.get("stream_results")
            or context.execution_options.get("isolation_level")
            or not plain_read(statement)):
        return
    dbapi_connection.autocommit = True
    conn.info[_SENT_BARE] = True


def _back_in_transactions(conn):
    if conn.info.pop(_SENT_BARE, False):
        try:
            dbapi_connection = conn.connection.dbapi_connection
        except exc.SQLAlchemyError:  # invalidated by the error: the pool drops it anyway
            return
        if dbapi_connection is not None and not dbapi_connection.closed:
            dbapi_connection.autocommit = False


@event.listens_for(Engine, "after_cursor_execute")
def _after_read(conn, _cursor, _statement, _parameters, _context, _executemany):
    _back_in_transactions(conn)


@event.listens_for(Engine, "handle_error")
def _after_failed_read(context):
    if context.connection is not None:
        _back_in_transactions(context.connection)
