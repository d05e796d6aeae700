"""A parent's lists of their child's homework cost a fixed number of SQL statements however many
assignments the child has (DESIGN.md: lists cost a fixed number of queries): the child's page, the
week's summary, the home page and the API, with 1 assignment and with 50 (each with the child's
work: a quiz attempt, a marked submission, a material opened)."""

import pytest

from tests.assignments_tracking_support import user
from tests.conftest import api_token, bearer, login
from tests.query_budget import same_for_more_rows
from tests.web.test_assignments_tracking_budget import MORE, assignments, listed, shown


@pytest.fixture
def parent(app, demo, criteria):
    assignments(1)
    client = app.test_client()
    assert login(client, "ph.6a1.01").status_code == 302
    return client, user("hs.6a1.01").id


def test_the_childs_page(parent):
    client, child = parent
    same_for_more_rows(client, f"/parents/children/{child}", lambda: assignments(MORE, start=1), limit=11,
                       check=shown(r'data-assignment="', 50))


def test_the_childs_week(parent):
    client, child = parent
    same_for_more_rows(client, f"/parents/children/{child}/week", lambda: assignments(MORE, start=1), limit=11)


def test_the_parents_home(parent):
    client, _child = parent
    same_for_more_rows(client, "/parents/", lambda: assignments(MORE, start=1), limit=11)


def test_the_childs_assignments_api(app, demo, criteria):
    assignments(1)
    client = app.test_client()
    child = user("hs.6a1.01").id
    same_for_more_rows(client, f"/api/v1/children/{child}/assignments", lambda: assignments(MORE, start=1),
                       limit=9, headers=bearer(api_token(client, "ph.6a1.01")),
                       check=lambda body: listed(50, "items")('{"items": ' + body + "}"))
