"""Fixtures: a fresh app and database for every test.

SQLite (default): the schema is built once per session into a template file; each test gets its
own copy in its temporary folder. PostgreSQL (TEST_DATABASE_URL set): the schema is created once
and every table is truncated before each test. Either way no test sees another's rows.
"""

import contextvars
import os
import re
import shutil

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from lms import create_app
from lms.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
FAST_HASH = "pbkdf2:sha256:1000"  # tests only: real hashing, cheap work factor
DEMO_PASSWORD = "hoclieu-demo"


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


@pytest.fixture(scope="session")
def _schema(tmp_path_factory):
    """Build the schema once: a template SQLite file, or the tables in the PostgreSQL database."""
    if TEST_DATABASE_URL:
        app = create_app(base_config(tmp_path_factory.mktemp("pg"), TEST_DATABASE_URL))
        with app.app_context():
            db.drop_all()
            db.create_all()
            db.session.remove()
            db.engine.dispose()
        return {"url": TEST_DATABASE_URL}
    template = tmp_path_factory.mktemp("schema") / "template.sqlite3"
    app = create_app(base_config(template.parent, f"sqlite:///{template}"))
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return {"template": str(template)}


def _truncate_all(url):
    from lms.extensions import db as _db

    tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
    engine = create_engine(re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(_schema, tmp_path):
    if "url" in _schema:
        _truncate_all(_schema["url"])
        return _schema["url"]
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(_schema["template"], path)
    return f"sqlite:///{path}"


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
        from lms.schools import services

        services.init_reference_data()
        db.session.commit()
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
def demo(app):
    """The demo district of `flask lms seed-demo`, as a dict of the staff users by username."""
    from lms.schools import demo as demo_module

    users = demo_module.seed_demo()
    db.session.commit()
    return users


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
