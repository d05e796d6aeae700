"""`flask db upgrade` on an empty database, then autogenerate finds nothing to add."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from lms import create_app
from lms.extensions import db
from tests.conftest import TEST_DATABASE_URL, base_config


@pytest.fixture
def empty_app(tmp_path):
    if TEST_DATABASE_URL:
        # A database of its own, so the shared test schema is untouched.
        admin = create_engine(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS lms_migration_test"))
            conn.execute(text("CREATE DATABASE lms_migration_test"))
        url = TEST_DATABASE_URL.rsplit("/", 1)[0] + "/lms_migration_test"
    else:
        url = f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    app = create_app(base_config(tmp_path, url))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if TEST_DATABASE_URL:
        with admin.connect() as conn:
            conn.execute(text("DROP DATABASE IF EXISTS lms_migration_test"))
        admin.dispose()


def test_upgrade_then_autogenerate_finds_nothing(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations drifted: {diff}"
        tables = set(inspect(db.engine).get_table_names())
        assert {"user", "school", "classroom", "topic", "alembic_version"} <= tables


def test_downgrade_to_base_and_back(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()


def test_lms_init_on_an_empty_database(empty_app):
    from pathlib import Path

    from lms.schools.models import Subject, Topic

    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["lms", "init"])
    assert result.exit_code == 0, result.output
    assert "Database at head" in result.output
    assert (Path(empty_app.instance_path) / "config.py").exists()
    with empty_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Subject.id))) == 13
        assert db.session.scalar(db.select(db.func.count(Topic.id))) > 200
    again = runner.invoke(args=["lms", "init"])
    assert again.exit_code == 0 and "(0 new topics)" in again.output
