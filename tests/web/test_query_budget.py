"""Every list page and list endpoint costs a fixed number of SQL statements, whatever its length
(DESIGN.md: "lists cost a fixed number of queries"; issue 8): the same count with 1 row and with
50, and under a small fixed budget. The counts are those of a cold request (nothing cached yet:
each new row is committed through the services, whose after-commit events empty the caches).

Also here: the signed-in user is loaded once per request, with its school, and a bearer token
costs one indexed statement.
"""

import re

import pytest
from sqlalchemy import inspect, text

from lms.extensions import db
from lms.review import services as review_services
from lms.review.registry import item_classes
from tests.conftest import api_token, bearer, login
from tests.materials_support import make_material, user
from tests.query_budget import budget, count_queries, same_for_more_rows

MORE = 49  # rows added to the first one


@pytest.fixture
def world(app, demo, criteria):
    return demo


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def materials(count, state="approved", owner="gv.toan", start=0, **meta):
    """`count` materials of `owner` in `state`, each with its own file, committed at once."""
    made = [make_material(state, owner=owner, title=f"Học liệu {state} {start + n}", **meta)
            for n in range(count)]
    db.session.commit()
    return made


def shown(pattern, at_least):
    """A check that the page shows at least `at_least` rows matching `pattern`."""
    def check(body):
        found = len(re.findall(pattern, body))
        assert found >= at_least, f"{found} rows of {pattern!r} shown, {at_least} expected"
    return check


def listed(at_least):
    def check(body):
        import json

        items = json.loads(body)["items"]
        assert len(items) >= at_least, f"{len(items)} items listed, {at_least} expected"
    return check


# --- the library -------------------------------------------------------------------------------

def test_library_api(app, world, client):
    materials(1)
    headers = bearer(api_token(client, "hs.6a1.01"))
    same_for_more_rows(client, "/api/v1/materials?per_page=50", lambda: materials(MORE, start=1), limit=3,
                       headers=headers, check=listed(50))


def test_library_api_for_the_owner(app, world, client):
    """The owner sees every version of their own materials: their answer is their own, and still
    costs the same for 50 rows as for 1."""
    materials(1)
    headers = bearer(api_token(client, "gv.toan"))
    same_for_more_rows(client, "/api/v1/materials?per_page=50", lambda: materials(MORE, start=1), limit=6,
                       headers=headers, check=listed(50))


def test_library_page(app, world):
    materials(1, owner="gv.toan2")
    reader = signed_in(app, "hs.6a1.01")
    same_for_more_rows(reader, "/materials/?per_page=50", lambda: materials(MORE, owner="gv.toan2", start=1),
                       limit=7, check=shown(r'data-material="', 20))


# --- my materials ------------------------------------------------------------------------------

def test_my_materials_page(app, world):
    # A request for changes shows the reviewer's note: one statement for all of them.
    materials(1, state="changes_requested")
    teacher = signed_in(app, "gv.toan")

    def more():
        for state in ("draft", "submitted", "approved", "changes_requested", "rejected", "withdrawn"):
            materials(8, state=state, start=10)
        materials(1, state="approved", start=99)

    same_for_more_rows(teacher, "/materials/mine?per_page=50", more, limit=6,
                       check=shown(r"<tr data-material=", 50))


def test_my_materials_page_pages(app, world):
    """Twenty a page, as the API: the second page holds the rest, oldest change last."""
    made = materials(23, state="draft")
    teacher = signed_in(app, "gv.toan")
    first = teacher.get("/materials/mine").get_data(as_text=True)
    second = teacher.get("/materials/mine?page=2").get_data(as_text=True)
    on_first, on_second = (re.findall(r'<tr data-material="(\d+)"', page) for page in (first, second))
    assert len(on_first) == 20 and len(on_second) == 3
    assert set(map(int, on_first + on_second)) == {m.id for m in made}
    assert "/materials/mine?page=2" in first and "/materials/mine?page=1" in second


def test_my_materials_api(app, world, client):
    materials(1, state="draft")
    headers = bearer(api_token(client, "gv.toan"))
    same_for_more_rows(client, "/api/v1/materials?mine=1&per_page=50",
                       lambda: materials(MORE, state="submitted", start=1), limit=4, headers=headers,
                       check=listed(50))


# --- review ------------------------------------------------------------------------------------

def kinds():
    """Reviewable kinds (materials, questions): queues ask one statement or two per kind."""
    return len(item_classes())


def test_review_queue_page(app, world):
    materials(1, state="submitted", owner="gv.toan2")
    materials(1, state="in_review", owner="gv.toan2", start=500)  # one the reviewer holds
    reviewer = signed_in(app, "reviewer.toan")
    same_for_more_rows(reviewer, "/reviews/queue",
                       lambda: materials(MORE, state="submitted", owner="gv.toan2", start=1),
                       limit=7 + 2 * kinds(), check=shown(r'<tr data-item="material-', 50))


def test_review_queue_api(app, world, client):
    materials(1, state="submitted", owner="gv.toan2")
    headers = bearer(api_token(client, "reviewer.toan"))
    same_for_more_rows(client, "/api/v1/reviews/queue?per_page=50",
                       lambda: materials(MORE, state="submitted", owner="gv.toan2", start=1), limit=3 + 2 * kinds(),
                       headers=headers, check=listed(50))


def test_review_queue_api_pages_in_sql(app, world, client):
    """A page of the queue is a page: the second one starts where the first ended, oldest first,
    and `total` counts them all."""
    made = materials(5, state="submitted", owner="gv.toan2")
    headers = bearer(api_token(client, "reviewer.toan"))
    first = client.get("/api/v1/reviews/queue?per_page=2", headers=headers).get_json()
    second = client.get("/api/v1/reviews/queue?per_page=2&page=2", headers=headers).get_json()
    last = client.get("/api/v1/reviews/queue?per_page=2&page=3", headers=headers).get_json()
    assert first["total"] == second["total"] == last["total"] == 5
    assert [e["id"] for e in first["items"] + second["items"] + last["items"]] == [m.id for m in made]


def test_review_overview(app, world):
    materials(1, state="submitted", owner="gv.toan2")
    admin = signed_in(app, "admin")

    def more():
        materials(MORE - 10, state="submitted", owner="gv.toan2", start=1)
        materials(10, state="in_review", owner="gv.toan2", start=100)
        materials(3, state="submitted", owner="gv.toan2", start=200, subject="khtn")

    same_for_more_rows(admin, "/reviews/overview", more, limit=7 + 2 * kinds(),
                       check=shown(r'<tr data-item="material-', 50))


def test_notifications_page(app, world):
    owner = user("gv.toan")
    review_services.notify(owner, "Thông báo thứ nhất", "/materials/")
    db.session.commit()
    teacher = signed_in(app, "gv.toan")

    def more():
        for n in range(MORE):
            review_services.notify(owner, f"Thông báo {n}", "/materials/")
        db.session.commit()

    same_for_more_rows(teacher, "/reviews/notifications", more, limit=4,
                       check=shown(r"Thông báo \d+", MORE))


# --- who is asking -----------------------------------------------------------------------------

def _reading(counted, table):
    return [s for s in counted if re.search(rf'\b(FROM|JOIN)\s+"?{table}"?(\s|$)', s)]


def test_the_signed_in_user_is_loaded_once_with_their_school(app, world):
    teacher = signed_in(app, "gv.toan")
    counted = budget(teacher, "/reviews/notifications")
    users = _reading(counted, "user")
    assert len(users) == 1, counted.report()
    # The user menu shows the school: joined to the user, not asked again.
    assert set(_reading(counted, "school")) <= set(users), counted.report()


def test_a_bearer_token_costs_one_statement(app, world, client):
    headers = bearer(api_token(client, "gv.toan"))
    counted = budget(client, "/api/v1/subjects", headers=headers)
    token_statements = [s for s in counted if "api_token" in s]
    assert len(token_statements) == 1, counted.report()
    assert _reading(counted, "user") == token_statements, counted.report()  # the user joined in
    assert re.search(r'JOIN\s+"?(user|api_token)"?\s', token_statements[0]), token_statements[0]
    assert len(counted) == 2, counted.report()  # the token with its user, then the subjects


def test_the_token_lookup_uses_the_unique_index(app, world, client):
    api_token(client, "gv.toan")
    unique = inspect(db.engine).get_unique_constraints("api_token")
    indexed = [i for i in inspect(db.engine).get_indexes("api_token") if i["unique"]]
    assert any(c["column_names"] == ["token_hash"] for c in unique + indexed)
    from lms.accounts.services import user_for_token

    with count_queries() as counted:
        user_for_token("x" * 43)
    (statement,) = counted
    literal = re.sub(r"\?|%\(\w+\)s", "'x'", statement)  # SQLite's and psycopg's placeholders
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(str(row[-1]) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {literal}")))
        assert re.search(r"SEARCH api_token USING (COVERING )?INDEX", plan), plan
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: ask for the index
        plan = " ".join(row[0] for row in db.session.execute(text(f"EXPLAIN {literal}")))
        db.session.rollback()
        assert re.search(r"Index (Only )?Scan using \w+ on api_token", plan), plan


def test_a_page_looks_up_its_translations_once(app, world, monkeypatch):
    """Templates translate a few hundred strings on a long list; the catalogue is found once per
    request, not once per string (lms.core.i18n.install_template_gettext)."""
    import flask_babel

    from tests.conftest import csrf_from

    materials(20, state="submitted", owner="gv.toan2")
    reviewer = signed_in(app, "reviewer.toan")
    lookups = []
    original = flask_babel.get_translations
    monkeypatch.setattr(flask_babel, "get_translations", lambda: lookups.append(1) or original())
    pages = {}
    for language in ("vi", "en"):
        reviewer.post("/lang", data={"lang": language, "csrf_token": csrf_from(reviewer, "/account/password")})
        lookups.clear()
        pages[language] = reviewer.get("/reviews/queue").get_data(as_text=True)
        assert pages[language].count('<tr data-item="material-') == 20
        assert len(lookups) <= 2, len(lookups)
    assert pages["vi"] != pages["en"]  # each in its language
