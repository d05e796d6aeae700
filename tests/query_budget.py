"""Count the SQL statements one request issues (DESIGN.md: lists cost a fixed number of queries).

    with count_queries() as counted:
        client.get("/materials/")
    assert len(counted) <= 6, counted.report()

`count_queries` listens to SQLAlchemy's `before_cursor_execute` on the application's engine, so it
sees every statement the ORM and Core send, lazy loads included (SQLite's connection PRAGMAs and
the pool's ping go straight to the driver and are not counted). `budget` runs a request and
checks it answered 200; `same_for_more_rows` is the shape of every list test: the count with one
row, then with many, must be equal and under a small fixed number. Both count a request whose
bearer token this process has not answered yet (`cold_tokens`): the budget holds the token's
look-up, which a repeated request skips (accounts/token_cache.py, tested on its own).
"""

import contextlib
import re

from flask import current_app
from sqlalchemy import event

from lms.extensions import db


def _one_line(statement):
    return re.sub(r"\s+", " ", statement).strip()


class Counted(list):
    """The statements, in order; `report()` shows them, numbered and shortened, for a failure."""

    def report(self):
        return "\n".join(f"{n:>3}. {_one_line(s)[:240]}" for n, s in enumerate(self, 1))

    def tables(self):
        """The first table each statement reads, in order: what a failing test usually needs."""
        return [(re.search(r"\bFROM\s+\"?(\w+)", s, re.I) or re.search(r"^\s*(\w+)", s)).group(1)
                for s in self]


@contextlib.contextmanager
def count_queries(engine=None):
    engine = engine or db.engine
    counted = Counted()

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        counted.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", record)


def cold_tokens():
    """Forget, in this process only, the bearer tokens' look-ups kept by the application."""
    kept = current_app.extensions.get("lms.token_cache")
    if kept is not None:
        kept.forget_here()


def budget(client, url, headers=None, status=200):
    """The statements of one GET of `url`; the answer must have `status`."""
    cold_tokens()
    with count_queries() as counted:
        response = client.get(url, headers=headers or {})
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    return counted


def same_for_more_rows(client, url, add_rows, limit, headers=None, rows_before=1, check=None):
    """Count one GET of `url`, call `add_rows()` (which commits more rows of the list), count again:
    both counts must be equal and at most `limit`. `check(response_text)` may assert that the rows
    are really shown (a list that shows nothing costs nothing). Returns the two counts."""
    first = budget(client, url, headers)
    add_rows()
    cold_tokens()
    with count_queries() as second:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, (url, response.status_code)
    if check is not None:
        check(response.get_data(as_text=True))
    assert len(first) == len(second), (
        f"{url}: {len(first)} statements with {rows_before} row(s), {len(second)} with more\n"
        f"--- first:\n{first.report()}\n--- second:\n{second.report()}")
    assert len(second) <= limit, f"{url}: {len(second)} statements (budget {limit})\n{second.report()}"
    return len(first), len(second)
