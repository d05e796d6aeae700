"""Every registered route × anonymous and each role → the expected status.

Expectations live in tests/permission_matrix/<feature>.py; a route without an entry fails here,
so a new page cannot ship without someone deciding who may open it.
"""

import importlib
import pkgutil

import pytest

import tests.permission_matrix as matrix_pkg
from lms.accounts.models import Role, User
from lms.extensions import db
from lms.schools.models import Guardian
from tests.conftest import api_token, bearer, csrf_from, login

PERSONAS = {
    "student": "hs.6a1.01",
    "teacher": "gv.toan",
    "school_admin": "bgh.thcs01",
    "reviewer": "reviewer.toan",
    "district_admin": "admin",
    "parent": "ph.6a1.01",
}


def expectations():
    merged = {}
    for info in pkgutil.iter_modules(matrix_pkg.__path__):
        module = importlib.import_module(f"tests.permission_matrix.{info.name}")
        if not hasattr(module, "ROUTES"):
            continue
        for endpoint, spec in module.ROUTES.items():
            assert endpoint not in merged, f"{endpoint} declared twice"
            merged[endpoint] = spec
    return merged


EXPECTED = expectations()


@pytest.fixture
def world(app, demo):
    """The demo district (with its parents: ph.6a1.01 follows hs.6a1.01), and the ids that
    parametrised URLs need."""
    parent = db.session.scalar(db.select(User).where(User.username == "ph.6a1.01"))
    student = db.session.scalar(db.select(User).where(User.username == "hs.6a1.01"))
    assert parent.role == Role.PARENT and db.session.scalar(db.select(Guardian).where(
        Guardian.parent_id == parent.id, Guardian.student_id == student.id)) is not None
    from tests.permission_matrix import fixtures

    return fixtures.build_ids(app, demo)


def test_every_route_has_expectations(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = sorted(endpoints - set(EXPECTED))
    stale = sorted(set(EXPECTED) - endpoints)
    assert not missing, f"routes without permission expectations: {missing}"
    assert not stale, f"expectations for routes that no longer exist: {stale}"


@pytest.mark.parametrize("role", ["anonymous", *PERSONAS])
def test_permission_matrix(app, world, role):
    failures = []
    for endpoint, spec in sorted(EXPECTED.items()):
        client = app.test_client()
        headers = {}
        url = spec["url"](world) if callable(spec["url"]) else spec["url"]
        is_api = url.startswith("/api/")
        if role != "anonymous":
            if is_api:
                headers = bearer(api_token(client, PERSONAS[role]))
            else:
                assert login(client, PERSONAS[role]).status_code == 302
        method = spec.get("method", "GET")
        kwargs = {"headers": headers}
        if method != "GET" and not is_api:
            kwargs["data"] = {"csrf_token": csrf_from(client, "/login" if role == "anonymous" else "/account/password")}
        response = client.open(url, method=method, buffered=True, **kwargs)
        if response.status_code != spec[role]:
            failures.append(f"{method} {url} ({endpoint}): expected {spec[role]}, got {response.status_code}"
                            f" {response.get_data(as_text=True)[-300:]!r}" if response.status_code >= 400 else
                            f"{method} {url} ({endpoint}): expected {spec[role]}, got {response.status_code}")
    assert not failures, "\n".join(failures)
