import pytest

from lms import create_app
from lms.config import DEV_SECRET_KEY, InsecureConfigError


def test_testing_is_off_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.testing is False
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'lms.sqlite3'}"
    assert app.instance_path == str(tmp_path / "inst")


def test_testing_config_applies(app):
    assert app.testing is True


def test_instance_config_then_environment(tmp_path, monkeypatch):
    inst = tmp_path / "inst"
    inst.mkdir()
    (inst / "config.py").write_text('OFFICE_NAME = "Phòng GD&ĐT thử"\nSECRET_KEY = "from-file"\n')
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(inst))
    monkeypatch.setenv("LMS_SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/lms")
    app = create_app()
    assert app.config["OFFICE_NAME"] == "Phòng GD&ĐT thử"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/lms"


def test_production_start_with_dev_secret_refuses(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setattr("sys.argv", ["/srv/venv/bin/gunicorn", "wsgi:app"])
    with pytest.raises(InsecureConfigError, match="SECRET_KEY"):
        create_app()
    monkeypatch.setenv("LMS_SECRET_KEY", "a-real-secret-" + "x" * 30)
    assert create_app().config["SECRET_KEY"] != DEV_SECRET_KEY


def test_init_writes_a_secret_once(runner, app):
    from pathlib import Path

    from lms.cli import ensure_instance_secret

    assert ensure_instance_secret(app) is True
    path = Path(app.instance_path) / "config.py"
    first = path.read_text()
    assert "SECRET_KEY" in first and DEV_SECRET_KEY not in first
    assert ensure_instance_secret(app) is False
    assert path.read_text() == first


def test_database_settings(app):
    """SQLite runs in WAL mode with foreign keys enforced; PostgreSQL is reached through psycopg 3."""
    from lms.extensions import db

    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(db.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(db.text("PRAGMA foreign_keys")).scalar() == 1
    else:
        assert db.engine.dialect.name == "postgresql" and db.engine.dialect.driver == "psycopg"
        assert db.session.execute(db.text("SHOW server_encoding")).scalar() == "UTF8"


def test_security_headers_on_every_response(client):
    for path in ("/login", "/healthz", "/api/v1/openapi.json", "/nowhere"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_bootstrap_is_served_locally(client):
    page = client.get("/login").get_data(as_text=True)
    assert "/static/vendor/bootstrap/bootstrap.min.css" in page
    assert "cdn" not in page.lower()
    response = client.get("/static/vendor/bootstrap/bootstrap.min.css")
    assert response.status_code == 200 and b"Bootstrap" in response.data
    response.close()


def test_navigation_groups_administration_links(app, demo):
    from lms.accounts.models import User
    from lms.extensions import db
    from lms.home.navigation import navigation_for

    def nav(username):
        user = db.session.scalar(db.select(User).where(User.username == username))
        with app.test_request_context("/"):
            return {str(label): (endpoint, [e for _, e in children] if children else None)
                    for label, endpoint, children in navigation_for(user)}

    admin = nav("admin")
    assert admin["Quản trị"][1] == ["schools.school_list", "schools.group_list", "review.criteria",
                                    "schools.topic_list", "schools.user_list"]
    school_admin = nav("bgh.thcs01")
    assert school_admin["Quản trị"][1] == ["schools.classroom_list", "schools.student_import",
                                           "schools.user_list"]
    teacher = nav("gv.toan")
    assert "Quản trị" not in teacher and teacher["Tải lên"] == ("materials.upload", None)
    assert "Tải lên" not in nav("hs.6a1.01")
