"""Extensions, created unbound and bound to the app in the factory."""

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

from .core import dbping, events  # noqa: F401 - dbping's pool listeners register at import

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                session_options=events.session_options())
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


SQLITE_SYNCHRONOUS = ("FULL", "NORMAL")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL lets readers and the single writer work at once; SQLite enforces FKs only when asked.

    SQLITE_SYNCHRONOUS: FULL (the default) syncs the WAL at every commit, so nothing committed is
    lost even to a power cut, and caps the writes at one per disk sync (a few hundred a second on
    a good disk, ~100 on a busy one: a class saving answers at once queues behind it). NORMAL syncs
    at checkpoints only: never corrupt, nothing lost when the application crashes, but a power cut
    or an OS crash may undo the last commits (answers the browser was told were saved)."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    from flask import current_app, has_app_context

    synchronous = current_app.config.get("SQLITE_SYNCHRONOUS", "FULL") if has_app_context() else "FULL"
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute(f"PRAGMA synchronous={synchronous if synchronous in SQLITE_SYNCHRONOUS else 'FULL'}")
    cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_inside_a_transaction(conn, name):
    """pysqlite opens a transaction only before an INSERT/UPDATE/DELETE, so a SAVEPOINT that is a
    transaction's first write would open one of its own, and its RELEASE would commit it: a later
    rollback of the request would keep what the savepoint wrote (issue 10 found a StoredFile row
    left so). Open the transaction first, as the savepoint's write would have. Reads before it
    stay outside, as everywhere (no snapshot held from them)."""
    dbapi_connection = conn.connection.dbapi_connection
    if type(dbapi_connection).__module__.startswith("sqlite3") and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN")


def init_app(app):
    from .core import i18n, jobs, text

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.install_template_gettext(app)
    text.install_nfc_guard(db)
    jobs.init_app(app)


def _migrations_dir():
    import os

    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
