"""`flask --app wsgi lms ...`: init, seed-demo, create-user, import-users."""

import os
import secrets

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from .core.errors import DomainError
from .extensions import db

lms_cli = AppGroup("lms", help="Học liệu administration.")


def _fail(error):
    """Exit with the error; bad rows of an import as one "dòng N: message" line each."""
    db.session.rollback()
    lines = []
    for key, value in (error.details or {}).items():
        if key == "rows" and isinstance(value, list):
            lines += [f"\ndòng {row.get('line')}: {row.get('message')}" for row in value]
        else:
            lines.append(f"\n  - {key}: {value}")
    raise click.ClickException(f"{error.message}{''.join(lines)}")


def ensure_instance_secret(app):
    """Write a random SECRET_KEY to instance/config.py once, so a production start is safe."""
    path = os.path.join(app.instance_path, "config.py")
    if os.path.exists(path):
        return False
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("# Written by `flask lms init`. Keep it secret; it signs sessions.\n")
        handle.write(f"SECRET_KEY = {secrets.token_urlsafe(48)!r}\n")
    os.chmod(path, 0o600)
    return True


@lms_cli.command("init")
def init_command():
    """Migrate the database to head and load the reference data (idempotent)."""
    from .review.services import ensure_default_criteria
    from .schools import services

    if ensure_instance_secret(current_app):
        click.echo("Wrote a new SECRET_KEY to instance/config.py")
    upgrade()
    result = services.init_reference_data()
    ensure_default_criteria()
    db.session.commit()
    click.echo(f"Database at head; reference data loaded ({result['created']} new topics).")
    rows = ensure_report_summary()
    if rows is not None:
        click.echo(f"Report summary computed from the work already given ({rows} assignment × class rows).")


def ensure_report_summary():
    """Work given before the statistics' summary tables existed (a database just upgraded to
    them) leaves them empty while assignments have classes: compute them then (the number of
    assignment × class rows), else None. Likewise each table added later, when it is empty while
    what it sums exists: the decisions' hours, the assignments given per grade, their topics.
    Later changes keep them (reports/summary.py)."""
    from .assignments.models import assignment_classroom
    from .reports import queries, summary
    from .reports.models import DecisionSummary, GivenSummary, TopicSummary, WorkSummary
    from .review.models import WorkflowEvent

    decided = db.session.scalar(db.select(WorkflowEvent.id).where(WorkflowEvent.action.in_(queries.DECISIONS)).limit(1))
    if decided is not None and db.session.scalar(db.select(DecisionSummary.event_id).limit(1)) is None:
        summary._write_decisions()  # the decisions' hours, a table added after the others
        db.session.commit()
    given = db.session.scalar(db.select(assignment_classroom.c.assignment_id).limit(1))
    if given is not None and db.session.scalar(db.select(GivenSummary.assignment_id).limit(1)) is None:
        summary._write_given()  # likewise the assignments given per grade
        db.session.commit()
    if given is not None and db.session.scalar(db.select(TopicSummary.assignment_id).limit(1)) is None:
        summary._write_topics()  # and the topics they use (none used: computed again, a few statements)
        db.session.commit()
    if given is None or db.session.scalar(db.select(WorkSummary.assignment_id).limit(1)) is not None:
        return None
    rows, _reach = summary.rebuild()
    db.session.commit()
    return rows


@lms_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when there are no users yet.")
def seed_demo_command(if_empty):
    """Create the demo district and its materials (idempotent)."""
    from .assignments.demo import seed_demo_assignments
    from .materials.demo import seed_demo_materials
    from .questions.demo import seed_demo_questions
    from .review.services import ensure_default_criteria
    from .schools import demo

    if if_empty and not demo.is_empty():
        click.echo("Database already has users; demo not seeded.")
        return
    users = demo.seed_demo()
    ensure_default_criteria()
    materials = seed_demo_materials(users)
    questions = seed_demo_questions(users)
    assignments = seed_demo_assignments(users)
    db.session.commit()
    click.echo(f"Demo district ready, with {len(materials)} materials, {questions} questions and "
               f"{assignments} assignments in 6A1. "
               f"Password for every account: {demo.DEMO_PASSWORD}")
    for name in demo.DEMO_USERNAMES:
        click.echo(f"  {name}")


@lms_cli.command("create-user")
@click.option("--role", required=True,
              type=click.Choice(["student", "teacher", "school_admin", "reviewer", "district_admin",
                                 "parent"]))
@click.option("--school", "school_code", help="School code, for school roles.")
@click.option("--full-name", default=None)
@click.password_option()
@click.argument("username")
def create_user_command(role, school_code, full_name, password, username):
    """Create a user."""
    from .accounts import services
    from .schools import queries

    school = None
    if school_code:
        school = queries.school_by_code(school_code)
        if school is None:
            raise click.ClickException(f"Không có trường mã {school_code}.")
    try:
        user = services.create_user(username, full_name or username, role, password, school=school)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role}).")


@lms_cli.command("import-users")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--school", "school_code", required=True)
@click.option("--passwords-out", type=click.Path(dir_okay=False), default=None,
              help="Where to write the sheet of first passwords (default: beside the input).")
def import_users_command(path, school_code, passwords_out):
    """Import students from the city's student list export (XLSX or CSV), all rows or none."""
    from .schools import importing, queries
    from .schools.permissions import SYSTEM

    school = queries.school_by_code(school_code)
    if school is None:
        raise click.ClickException(f"Không có trường mã {school_code}.")
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        result = importing.import_students(SYSTEM, school, data, os.path.basename(path))
    except DomainError as error:
        _fail(error)
    db.session.commit()
    out = passwords_out or os.path.splitext(path)[0] + "-mat-khau.xlsx"
    with open(out, "wb") as handle:
        handle.write(importing.passwords_sheet(result))
    click.echo(f"Imported {len(result.created)} students ({len(result.updated)} updated). "
               f"First passwords: {out}")


@lms_cli.command("worker")
@click.option("--workers", default=2, show_default=True)
def worker_command(workers):
    """Run the background job worker (text extraction, thumbnails, search indexing)."""
    from .core.jobs import run_worker

    run_worker(workers)


@lms_cli.command("reindex")
def reindex_command():
    """Rebuild the search index from the database in a new folder and swap it in (searches go on)."""
    from .search import jobs

    count, words, seconds = jobs.rebuild(echo=lambda n: click.echo(f"  {n} documents…") if n % 5000 == 0 else None)
    click.echo(f"Search index rebuilt: {count} documents, {words} words in {seconds:.1f} s.")


@lms_cli.command("rebuild-report-summary")
def rebuild_report_summary_command():
    """Compute the statistics' summary rows (work per assignment and class) again from the work."""
    from .reports import summary

    rows, reach = summary.rebuild()
    db.session.commit()
    click.echo(f"Report summary rebuilt: {rows} assignment × class rows, {reach} class × subject rows.")
