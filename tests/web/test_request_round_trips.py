"""What every request pays besides its own statements (issue 8, on PostgreSQL): no ping of a
connection that was just used and whose socket has nothing to say (core/dbping.py), yet a
connection the server ended (pg_terminate_backend, a restart) is replaced before the request
uses it; and a kept API answer's ETag is worked out once, not hashed again for every request."""

import socket
import time

import psycopg
import pytest

from lms.api import etag
from lms.core import dbping
from lms.extensions import db
from tests.conftest import TEST_DATABASE_URL, api_token, bearer, login
from tests.materials_support import make_material
from tests.query_budget import cold_tokens, count_queries

on_postgres = pytest.mark.skipif(not TEST_DATABASE_URL, reason="PostgreSQL's connections only")


@pytest.fixture
def sent(monkeypatch):
    """Every statement psycopg sends through a cursor (the pool's ping included), in order."""
    statements = []
    execute = psycopg.Cursor.execute

    def recorded(cursor, query, *args, **kwargs):
        statements.append(str(query))
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", recorded)
    return statements


def terminate_the_apps_connections():
    """End, as an administrator or a server restart would, the backend of every connection the
    application's pool holds, waiting until each is gone."""
    pids = [record.dbapi_connection.info.backend_pid for record in list(db.engine.pool._pool.queue)
            if record.dbapi_connection is not None]
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        ended = admin.execute("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM unnest(%s::int[]) pid",
                              (pids,)).fetchone()[0]
    return ended


@on_postgres
def test_a_connection_the_server_ended_is_replaced_before_the_next_request(app, demo, client):
    db.session.remove()
    headers = bearer(api_token(client, "hs.6a1.01"))
    assert client.get("/api/v1/materials", headers=headers).status_code == 200
    login(client, "gv.toan")
    assert client.get("/materials/mine").status_code == 200
    assert terminate_the_apps_connections() >= 1
    # The pooled connection is dead: the next API request and the next page still answer.
    assert client.get("/api/v1/materials", headers=headers).status_code == 200
    assert terminate_the_apps_connections() >= 1
    assert client.get("/materials/mine").status_code == 200


@on_postgres
def test_a_connection_just_used_is_not_pinged(app, demo, client, sent):
    db.session.remove()
    headers = bearer(api_token(client, "hs.6a1.01"))
    client.get("/api/v1/materials", headers=headers)
    sent.clear()
    with count_queries() as counted:
        assert client.get("/api/v1/materials", headers=headers).status_code == 200
    assert sent == list(counted), "a statement was sent that the request did not ask for (a ping?)"


@on_postgres
def test_a_connection_that_rested_long_is_pinged(app, demo, client, sent):
    db.session.remove()
    app.config["DATABASE_PING_IDLE_SECONDS"] = 0
    headers = bearer(api_token(client, "hs.6a1.01"))
    client.get("/api/v1/materials", headers=headers)
    time.sleep(0.01)
    sent.clear()
    cold_tokens()  # a token kept by the process would send nothing, hence check nothing out
    with count_queries() as counted:
        assert client.get("/api/v1/materials", headers=headers).status_code == 200
    assert sent == ["SELECT 1", *counted]


class Record:
    def __init__(self, rested_since):
        self.info = {dbping._RESTED: rested_since}


class Connection:
    def __init__(self, sock):
        self.sock = sock

    def fileno(self):
        return self.sock.fileno()


def test_ping_only_when_the_socket_has_news_or_the_connection_rested_long(app):
    """The rule on its own (both databases run it): a socketpair stands for the server's socket."""
    ours, server = socket.socketpair()
    with ours, server:
        now = time.monotonic()
        connection = Connection(ours)
        assert not dbping.needs_ping(Record(None), connection, now)  # made for this checkout
        assert not dbping.needs_ping(Record(now - 1), connection, now)
        assert dbping.needs_ping(Record(now - 31), connection, now)  # DATABASE_PING_IDLE_SECONDS
        app.config["DATABASE_PING_IDLE_SECONDS"] = 0.5
        assert dbping.needs_ping(Record(now - 1), connection, now)
        app.config["DATABASE_PING_IDLE_SECONDS"] = 30
        server.sendall(b"E")  # a FATAL message from a backend ending
        assert dbping.needs_ping(Record(now - 1), connection, now)
        ours.recv(1)
        assert not dbping.needs_ping(Record(now - 1), connection, now)
        server.close()  # the server closed the connection
        assert dbping.needs_ping(Record(now - 1), connection, now)
        assert dbping.needs_ping(Record(now), Connection(None), now)  # no socket at all


def test_a_kept_answer_is_hashed_once_for_its_etag(app, demo, client, monkeypatch):
    make_material("approved", title="Đã duyệt")
    db.session.commit()
    headers = bearer(api_token(client, "hs.6a1.01"))
    first = client.get("/api/v1/materials", headers=headers)
    assert first.status_code == 200 and first.headers["ETag"]
    hashed = []
    sha256 = etag.hashlib.sha256

    def counted(data=b""):
        hashed.append(bytes(data))
        return sha256(data)

    monkeypatch.setattr(etag.hashlib, "sha256", counted)  # hashlib's own: the token's hash is counted too
    again = client.get("/api/v1/materials", headers=headers)
    body = again.get_data()
    assert again.status_code == 200 and body not in hashed
    assert again.headers["ETag"] == first.headers["ETag"] == f'W/"{sha256(body).hexdigest()[:40]}"'
    unchanged = client.get("/api/v1/materials", headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and body not in hashed
    # An answer computed for this request alone is hashed for its ETag, as before.
    me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200 and me.get_data() in hashed
    assert me.headers["ETag"] == f'W/"{sha256(me.get_data()).hexdigest()[:40]}"'


@pytest.fixture
def commands(monkeypatch, sent):
    """`sent` with psycopg's own commands (BEGIN, COMMIT, ROLLBACK) in their place: every round trip."""
    from psycopg._connection_base import BaseConnection

    exec_command = BaseConnection._exec_command

    def recorded(connection, command, *args, **kwargs):
        sent.append(bytes(command).decode() if isinstance(command, bytes) else str(command))
        return exec_command(connection, command, *args, **kwargs)

    monkeypatch.setattr(BaseConnection, "_exec_command", recorded)
    return sent


@on_postgres
def test_a_kept_answer_is_one_round_trip_the_look_up(app, demo, client, commands):
    db.session.remove()
    headers = bearer(api_token(client, "hs.6a1.01"))
    client.get("/api/v1/materials", headers=headers)
    browser = app.test_client()
    login(browser, "hs.6a1.01")
    browser.get("/materials/?grade=6")
    for reader, url, request_headers in ((client, "/api/v1/materials", headers), (browser, "/materials/?grade=6", {})):
        commands.clear()
        cold_tokens()  # the token's look-up sent again (accounts/token_cache.py)
        with count_queries() as counted:
            assert reader.get(url, headers=request_headers).status_code == 200
        assert len(counted) == 1 and commands == list(counted), commands  # no BEGIN, no ROLLBACK
    client.get("/api/v1/materials", headers=headers)
    commands.clear()  # the token answered by this process already: no round trip at all
    assert client.get("/api/v1/materials", headers=headers).status_code == 200
    assert commands == [], commands


@pytest.fixture
def renaming(app):
    """A route that signs its caller in by token (the first read), renames them, then commits or
    fails: what follows the look-up must still be one transaction."""
    from flask import request

    from lms.accounts import services as account_services

    def rename():
        user = account_services.user_for_token(request.args["token"])
        user.full_name = "Tên Mới"
        db.session.flush()
        if request.args.get("fail"):
            raise RuntimeError("after the write")
        db.session.commit()
        return "ok"

    app.add_url_rule("/_test/rename", view_func=rename)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    return "/_test/rename"


def full_name(username):
    from lms.accounts.models import User

    db.session.rollback()
    return db.session.scalar(db.select(User.full_name).where(User.username == username))


def test_writes_after_the_look_up_stay_one_transaction(app, demo, client, renaming, request):
    db.session.remove()
    token = api_token(client, "hs.6a1.01")
    before = full_name("hs.6a1.01")
    trips = request.getfixturevalue("commands") if TEST_DATABASE_URL else []
    trips.clear()
    with pytest.raises(RuntimeError):
        client.get(renaming, query_string={"token": token, "fail": "1"})
    sent_by_request = [t.split()[0] for t in trips]
    assert full_name("hs.6a1.01") == before  # the flushed UPDATE was rolled back with the request
    if TEST_DATABASE_URL:  # the look-up alone; the write in a transaction (its BEGIN is sent within its execute)
        assert sent_by_request == ["SELECT", "UPDATE", "BEGIN", "ROLLBACK"], trips
    trips.clear()
    cold_tokens()  # the first request kept the look-up (its write was rolled back): send it again
    assert client.get(renaming, query_string={"token": token}).data == b"ok"
    sent_by_request = [t.split()[0] for t in trips]
    assert full_name("hs.6a1.01") == "Tên Mới"
    if TEST_DATABASE_URL:
        assert sent_by_request == ["SELECT", "UPDATE", "BEGIN", "COMMIT"], trips


def test_a_look_up_with_writes_pending_keeps_them_in_the_transaction(app, demo, client):
    """Objects waiting to be flushed are flushed before the look-up: inside a transaction, never
    in autocommit, so a rollback still takes them back."""
    from lms.accounts import services as account_services
    from lms.accounts.models import User

    token = api_token(client, "hs.6a1.02")
    db.session.remove()
    user = db.session.scalar(db.select(User).where(User.username == "hs.6a1.02"))
    user.full_name = "Chưa Lưu"
    assert account_services.user_for_token(token) is user
    db.session.rollback()
    assert full_name("hs.6a1.02") != "Chưa Lưu"


def test_plain_reads_are_told_from_locking_reads_and_writes():
    assert dbping.plain_read("SELECT subject_group.subject_id FROM subject_group WHERE x = %(x)s")
    assert dbping.plain_read("\n  select 1")
    for statement in ("SELECT assignment.id FROM assignment WHERE assignment.id = 1 FOR UPDATE",
                      "SELECT assignment.id FROM assignment FOR KEY SHARE",
                      "select id from attempt for no key update",
                      "SELECT item.id FROM item FOR SHARE OF item",
                      "SELECT pg_advisory_xact_lock(1)",
                      "SELECT nextval(pg_get_serial_sequence('question', 'id'))",
                      "UPDATE attempt SET state = 'submitted'",
                      "WITH moved AS (DELETE FROM x RETURNING *) SELECT * FROM moved",
                      "INSERT INTO x SELECT 1"):
        assert not dbping.plain_read(statement), statement


@on_postgres
def test_a_reviewers_kept_queue_is_its_one_read_no_transaction(app, demo, client, commands):
    """A kept answer that reads one row set after the (kept) token look-up: the read alone, no
    BEGIN before it and no ROLLBACK after it."""
    db.session.remove()
    headers = bearer(api_token(client, "reviewer.toan"))
    for _ in range(2):
        assert client.get("/api/v1/reviews/queue", headers=headers).status_code == 200
    commands.clear()
    with count_queries() as counted:
        assert client.get("/api/v1/reviews/queue", headers=headers).status_code == 200
    assert counted and commands == list(counted), commands


@on_postgres
def test_a_locking_read_and_what_follows_a_write_stay_in_the_transaction(app, demo, commands):
    from lms.accounts.models import User

    db.session.remove()
    commands.clear()
    db.session.execute(db.select(User.id).where(User.username == "gv.toan")).all()
    assert [c.split()[0] for c in commands] == ["SELECT"], commands  # a plain read: no BEGIN
    commands.clear()
    user = db.session.execute(db.select(User).where(User.username == "gv.toan").with_for_update()).scalar_one()
    assert [c.split()[0] for c in commands] == ["SELECT", "BEGIN"], commands  # BEGIN sent within its execute
    connection = db.session.connection().connection.dbapi_connection
    assert connection.info.transaction_status != 0 and connection.autocommit is False  # the lock is held
    user.full_name = "Tên Tạm"
    db.session.flush()
    commands.clear()
    seen = db.session.scalar(db.select(User.full_name).where(User.id == user.id))
    assert seen == "Tên Tạm" and [c.split()[0] for c in commands] == ["SELECT"]  # inside, sees the write
    db.session.rollback()
    assert db.session.scalar(db.select(User.full_name).where(User.id == user.id)) != "Tên Tạm"
