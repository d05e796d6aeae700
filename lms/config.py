"""Configuration: defaults, then instance/config.py, then LMS_* environment variables.

`DATABASE_URL` selects the database; without it a SQLite file in the instance folder is used.
In tests the mapping given to `create_app` replaces the instance file and the environment.
"""

import os
import sys

DEV_SECRET_KEY = "dev-not-secret-change-me"


class Defaults:
    SECRET_KEY = DEV_SECRET_KEY
    TESTING = False
    OFFICE_NAME = "Phòng GD&ĐT huyện Nhà Bè"
    # No pool_pre_ping (a round trip to the server before every request): on PostgreSQL a
    # connection leaving the pool is pinged only when its socket has news (a server restart or
    # pg_terminate_backend) or it rested longer than this; a dead one is replaced (core/dbping.py).
    SQLALCHEMY_ENGINE_OPTIONS = {}
    DATABASE_PING_IDLE_SECONDS = 30
    # PostgreSQL's JIT compiles the plan of every statement it expects to be costly: 100-650 ms
    # per report statement at city size (issue 13) that never paid back. Off for the application's
    # connections unless set True here.
    POSTGRES_JIT = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a teacher leaves a form open all lesson long
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_HASH_METHOD = "scrypt"
    # Sign-in throttling (accounts.services.authenticate), failures counted over LOGIN_LOCKOUT_SECONDS:
    LOGIN_MAX_FAILURES = 5  # per account and address (and per known-device cookie)
    LOGIN_MAX_FAILURES_PER_ADDRESS = 30  # per address, all accounts together
    # Per account, all addresses together; a browser that signed in to the account before (a signed
    # known-device cookie) is not held by this one, so guessers cannot lock its owner out.
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 50
    LOGIN_LOCKOUT_SECONDS = 15 * 60
    KNOWN_DEVICE_DAYS = 180  # how long a successful sign-in vouches for its browser
    PROXY_COUNT = 0  # reverse proxies in front of gunicorn whose X-Forwarded-For to trust
    # Server-side sessions (accounts.models.UserSession): one unused this long has ended; its
    # last-seen time is written at most this often.
    SESSION_IDLE_DAYS = 30
    SESSION_TOUCH_SECONDS = 5 * 60
    API_TOKEN_DAYS = 90
    MAX_CONTENT_LENGTH = None  # per-kind limits are enforced while streaming
    UPLOAD_LIMITS_MB = {"video": 500, "default": 100}
    PACKAGE_MAX_MEMBERS = 2000  # HTML5 packages (zip): members, and total size once inflated
    PACKAGE_MAX_UNCOMPRESSED_MB = 500
    # A signed link into an HTML5 package lives as long as a lesson's page view, not a day.
    PACKAGE_LINK_MINUTES = 90
    # Serve HTML5 packages from another hostname (e.g. "https://noidung.hoclieu.example"), as large
    # sites serve user content, so a package's script never runs at the application's hostname.
    CONTENT_ORIGIN = None
    IMPORT_MAX_MB = 10
    # What an imported table or document may hold once read (lms/core/documents.py): a school has
    # at most ~3,000 students, so 5,000 data rows is ample and a million is an attack.
    IMPORT_MAX_ROWS = 5000
    IMPORT_MAX_COLUMNS = 100
    IMPORT_MAX_CELL_CHARS = 1000
    IMPORT_MAX_UNCOMPRESSED_MB = 50  # all the members of an XLSX/DOCX together, inflated
    HUEY_IMMEDIATE = False
    # Shared answers (core/cache.py: the approved library, published materials) are emptied by the
    # after-commit events of what they show; this bounds what no event announces (a renamed
    # school or teacher). 0 turns them off.
    CACHE_SECONDS = 300
    SEARCH_ENABLED = True


def load(app, test_config=None):
    app.config.from_object(Defaults)
    os.makedirs(app.instance_path, exist_ok=True)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("LMS")
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.from_mapping(test_config)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or (
        "sqlite:///" + os.path.join(app.instance_path, "lms.sqlite3")
    )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and not app.config.get("POSTGRES_JIT"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = jit_off(app.config.get("SQLALCHEMY_ENGINE_OPTIONS"))
    app.config.setdefault("FILES_DIR", os.path.join(app.instance_path, "files"))
    app.config.setdefault("SEARCH_INDEX_DIR", os.path.join(app.instance_path, "search-index"))
    app.config.setdefault("HUEY_DB", os.path.join(app.instance_path, "huey.sqlite3"))
    if is_production_start(app):
        check_production(app.config)


def normalise_database_url(uri):
    """Accept the common `postgres://` and `postgresql://` spellings; use the psycopg 3 driver."""
    if uri.startswith("postgres://"):
        uri = "postgresql://" + uri[len("postgres://"):]
    if uri.startswith("postgresql://"):
        uri = "postgresql+psycopg://" + uri[len("postgresql://"):]
    return uri


def jit_off(engine_options):
    """A copy of the engine options whose PostgreSQL connections start with `jit = off` (libpq's
    `options`, kept beside any the options already give)."""
    options = dict(engine_options or {})
    connect_args = dict(options.get("connect_args") or {})
    given = connect_args.get("options", "")
    if "jit" not in given:
        connect_args["options"] = f"{given} -c jit=off".strip()
    options["connect_args"] = connect_args
    return options


def is_production_start(app):
    """A start under gunicorn (or with LMS_PRODUCTION=1) that is neither debug nor testing."""
    if app.config.get("TESTING") or app.debug:
        return False
    under_gunicorn = "gunicorn" in os.path.basename(sys.argv[0] or "")
    return under_gunicorn or os.environ.get("LMS_PRODUCTION") == "1"


class InsecureConfigError(RuntimeError):
    pass


def check_production(config):
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise InsecureConfigError(
            "Refusing to start in production with the development SECRET_KEY. "
            "Run `flask --app wsgi lms init` (it writes a random key to instance/config.py) "
            "or set LMS_SECRET_KEY."
        )
