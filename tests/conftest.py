"""Fixtures: a fresh app and database for every test, copied from templates built once per session.

Every test's database holds the schema and the reference data (office, subjects, school year,
topics) of `flask lms init`, and also the demo district when the test asks for `demo` (directly or
through another fixture). Both are built once per session (per xdist worker) by the real services
and copied for each test, so no test sees another's rows and none pays for seeding:

- SQLite (default): template files; each test gets its own copy in its temporary folder.
- PostgreSQL (TEST_DATABASE_URL set): one database per pytest process (the URL's, or
  `<name>_<worker>` under pytest-xdist), made afresh when the session starts. The templates are
  copies of its tables in schemas of their own; before each test its tables are emptied and
  refilled from one and its sequences set back, in one transaction (measured: 0.05 s, where
  `CREATE DATABASE … TEMPLATE` takes 0.1 s and the checkpoint of each `DROP DATABASE` 1 s).
"""

import contextvars
import os
import re
import shutil
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from lms import create_app
from lms.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", … under pytest-xdist
FAST_HASH = "pbkdf2:sha256:1000"  # tests only: real hashing, cheap work factor
DEMO_PASSWORD = "hoclieu-demo"


def _share_url_builders():
    """Every test makes a fresh app, and each app binds ~200 URL rules; Werkzeug compiles two URL
    builders per rule with `ast` + `compile()` (about 1 ms each), which was three quarters of
    `create_app` and a tenth of the whole suite's time. A builder is a plain function of the
    rule's parsed parts, its defaults and `append_unknown`; it reaches the rule's converters
    through its `self` argument at call time. So one compiled builder serves every app's copy of
    the same rule: kept here per process, keyed by exactly what the compilation reads."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    builders = {}

    def shared(self, append_unknown=True):
        defaults = self.defaults or {}
        if any(name in defaults for name in self._converters):
            # A default for a part of the path is turned into text by the rule's own converter
            # when compiling: not shared (no rule of ours does this).
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(self._trace), append_unknown,
               tuple(sorted((k, repr(v)) for k, v in defaults.items())))
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = shared


_share_url_builders()
BASE, DEMO = "base", "demo"  # the two templates: reference data only; with the demo district


def postgres_url(suffix=""):
    """TEST_DATABASE_URL for this pytest process: its database name gets the xdist worker's id
    (`test_gw0`), and `suffix` for a database a test makes of its own (`test_gw0_migration`)."""
    url = make_url(TEST_DATABASE_URL)
    name = "_".join(filter(None, (url.database, WORKER))) + suffix
    return url.set(database=name).render_as_string(hide_password=False)


def base_config(tmp_path, database_url):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "HUEY_IMMEDIATE": True,
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """The .mo files are git-ignored build products; build any that are missing or stale."""
    import runpy
    from pathlib import Path

    tools = runpy.run_path(str(Path(__file__).resolve().parent.parent / "bin" / "update-translations"))
    tools["compile_catalogues"]()


def _fill(folder, url, kind):
    """Run the real services on the database at `url`: the schema and reference data (BASE), or
    the demo district on top of them (DEMO). Files they store land in `folder`/instance."""
    app = create_app(base_config(folder, url))
    with app.app_context():
        if kind == BASE:
            from lms.schools import services

            db.create_all()
            services.init_reference_data()
        else:
            from lms.schools import demo

            demo.seed_demo()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    # The cache's generation files belong to that app alone; stored files (if any) go with the rows.
    shutil.rmtree(folder / "instance" / "cache", ignore_errors=True)


def _copy_instance(template_folder, tmp_path):
    source = template_folder / "instance"
    if source.is_dir() and any(source.iterdir()):
        shutil.copytree(source, tmp_path / "instance", dirs_exist_ok=True)


class SqliteTemplates:
    """Template files, built on first use; a test's database is a copy of one."""

    def __init__(self, folder):
        self.folder = folder
        self.built = {}

    def template(self, kind):
        if kind not in self.built:
            folder = self.folder / kind
            if kind == DEMO:
                shutil.copytree(self.template(BASE).parent, folder)
            else:
                folder.mkdir()
            path = folder / "db.sqlite3"
            _fill(folder, f"sqlite:///{path}", kind)
            # Every connection is closed, so SQLite has checkpointed and removed its WAL file:
            # the database file alone is the whole database.
            assert not path.with_name(path.name + "-wal").exists(), "the template's WAL was not merged"
            self.built[kind] = path
        return self.built[kind]

    def database(self, kind, tmp_path):
        template = self.template(kind)
        _copy_instance(template.parent, tmp_path)
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"


class PostgresDatabase:
    """This process's PostgreSQL test database, reset to a template's rows before each test.

    A template is a schema of the same database (`template_base`, `template_demo`) holding a copy
    of every non-empty table; a reset is one transaction: delete every row, insert the template's,
    set the sequences back."""

    def __init__(self, url, folder):
        self.url = url
        self.conninfo = self._libpq(url)  # psycopg's spelling of the same
        self.folder = folder
        self.resets = {}  # kind -> the SQL that resets the tables to that template
        self._connection = None
        self._superuser = False
        self._recreate(make_url(url))

    @staticmethod
    def _libpq(url):
        return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)

    def _recreate(self, url):
        """Drop and create the database, so the session starts from the current models alone (no
        table, type or row of an earlier run or an older schema). Commits in it need not wait for
        the disk: a crash loses nothing a test needs."""
        import psycopg
        from psycopg import sql

        maintenance = self._libpq(url.set(database="postgres"))
        with psycopg.connect(maintenance, autocommit=True) as admin:
            name = sql.Identifier(url.database)
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
            admin.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(name))

    def connection(self):
        import psycopg

        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(self.conninfo, autocommit=True)
            self._superuser = self._connection.execute("SELECT rolsuper FROM pg_roles "
                                                       "WHERE rolname = current_user").fetchone()[0]
        return self._connection

    def _keep(self, kind):
        """Copy every non-empty table into the schema `template_<kind>`, and write the reset."""
        from psycopg import sql

        conn = self.connection()
        schema = sql.Identifier(f"template_{kind}")
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}").format(schema))
        tables = [table.name for table in db.metadata.sorted_tables]
        statements = [sql.SQL("DELETE FROM {}").format(sql.Identifier(name)) for name in reversed(tables)]
        for name in tables:
            table = sql.Identifier(name)
            if conn.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(table)).fetchone()[0]:
                conn.execute(sql.SQL("CREATE TABLE {}.{} AS TABLE {}").format(schema, table, table))
                statements.append(sql.SQL("INSERT INTO {} SELECT * FROM {}.{}").format(table, schema, table))
        for name, value in conn.execute("SELECT sequencename, last_value FROM pg_sequences "
                                        "WHERE schemaname = 'public'"):
            statements.append(sql.SQL("SELECT setval({}, {}, {})").format(
                sql.Literal(sql.Identifier(name).as_string(conn)), sql.Literal(value or 1),
                sql.Literal(value is not None)))
        self.resets[kind] = sql.SQL("; ").join(statements).as_string(conn)

    def _build(self, kind):
        folder = self.folder / kind
        if kind == DEMO:
            self._reset(BASE)
            shutil.copytree(self.folder / BASE, folder)
        else:
            folder.mkdir()
        _fill(folder, self.url, kind)
        self._keep(kind)

    def database(self, kind, tmp_path):
        for needed in (BASE, kind):
            if needed not in self.resets:
                self._build(needed)
        self._reset(kind)
        _copy_instance(self.folder / kind, tmp_path)
        return self.url

    def _reset(self, kind):
        from psycopg import sql

        conn = self.connection()
        # A connection left open by an earlier test (a thread's, a server's) would hold locks; a
        # table a test made and left behind is not the template's.
        (extra,) = conn.execute(
            "SELECT (SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "        WHERE datname = current_database() AND pid <> pg_backend_pid()), "
            "       array(SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' "
            "             AND NOT tablename = ANY(%s))",
            ([table.name for table in db.metadata.sorted_tables],)).fetchone()[1:]
        if extra:
            conn.execute(sql.SQL("DROP TABLE {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, extra))))
        with conn.transaction():
            if self._superuser:
                # Every row goes and the template's come back, so the foreign keys hold at the end;
                # checking them row by row (each `user` row against every table that names users)
                # would cost most of the reset.
                conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute(self.resets[kind])

    def close(self):
        if self._connection is not None:
            self._connection.close()


@pytest.fixture(scope="session")
def _templates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("templates")
    if TEST_DATABASE_URL:
        database = PostgresDatabase(postgres_url(), folder)
        yield database
        database.close()
    else:
        yield SqliteTemplates(folder)


@dataclass
class Database:
    url: str
    kind: str  # BASE or DEMO: what the template held


@pytest.fixture
def database(request, _templates, tmp_path):
    """This test's own database, with the demo district already in it when the test uses `demo`."""
    kind = DEMO if "demo" in request.fixturenames else BASE
    return Database(_templates.database(kind, tmp_path), kind)


@pytest.fixture
def database_url(database):
    return database.url


@pytest.fixture
def app_config(tmp_path, database_url):
    """Override in a test module to change config before the app is built."""
    return base_config(tmp_path, database_url)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The `app` fixture keeps an app context pushed for the test's own database work; Flask would
    otherwise reuse it for requests, sharing `g` (the CSRF token, Flask-Login's user) between
    requests and clients.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app, database):
    """The demo district of `flask lms seed-demo`, as a dict of the staff users by username.

    Its rows come with the test's database (the demo template); a test that asks for `demo` only
    later, through `request.getfixturevalue`, has it seeded then."""
    from lms.accounts.models import User
    from lms.schools import demo as demo_module

    if database.kind != DEMO:
        users = demo_module.seed_demo()
        db.session.commit()
        return users
    staff = [username for username, *_ in demo_module.STAFF]
    found = {user.username: user for user in db.session.scalars(db.select(User).where(User.username.in_(staff)))}
    return {username: found[username] for username in staff}


@pytest.fixture
def make(tmp_path):
    """Builders of real files of every accepted type (tests/files.py), in a temporary folder."""
    from tests.files import Make

    folder = tmp_path / "made"
    folder.mkdir(exist_ok=True)
    return Make(folder)


@pytest.fixture
def criteria(app):
    """The district's default review criteria, published."""
    from lms.review import services as review_services
    from lms.review.queries import criteria as published

    review_services.ensure_default_criteria()
    db.session.commit()
    return published()


# --- helpers for logging in through the real form and token endpoint ---------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(client, url):
    response = client.get(url)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, username, password=DEMO_PASSWORD):
    token = csrf_from(client, "/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token})


def api_token(client, username, password=DEMO_PASSWORD):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def login_as(client):
    def _login(username, password=DEMO_PASSWORD):
        response = login(client, username, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login
