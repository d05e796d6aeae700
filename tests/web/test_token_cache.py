"""A bearer token's look-up kept per process (accounts/token_cache.py, issue 8): a repeated request
sends no statement for it, and whatever could change its answer (a token revoked, a user
deactivated or given another role, a token past its expiry) shows on the very next request, in
this process and in another one on the same instance folder and database."""

from datetime import timedelta

from lms import create_app
from lms.accounts.models import ApiToken, User
from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.conftest import IsolatedClient, api_token, bearer
from tests.query_budget import cold_tokens, count_queries

LIBRARY = "/api/v1/materials?per_page=20"


def get(client, url, headers):
    with count_queries() as counted:
        response = client.get(url, headers=headers)
    return response, counted


def student(username="hs.6a1.01"):
    db.session.rollback()
    return db.session.scalar(db.select(User).where(User.username == username))


def test_a_repeated_kept_answer_sends_no_statement(app, demo, client):
    headers = bearer(api_token(client, "hs.6a1.01"))
    client.get(LIBRARY, headers=headers)  # the library's answer is kept from here on
    cold_tokens()
    first, counted = get(client, LIBRARY, headers)
    assert first.status_code == 200 and len(counted) == 1, counted.report()  # the token's look-up
    again, counted = get(client, LIBRARY, headers)
    assert again.status_code == 200 and counted == [], counted.report()
    assert again.get_data() == first.get_data()
    me, _counted = get(client, "/api/v1/me", headers)
    assert me.get_json()["username"] == "hs.6a1.01"


def test_the_kept_user_is_a_normal_user_of_the_request(app, demo, client):
    """Lazy relationships load, and a change to it is written like any other."""
    from flask import request

    from lms.accounts import services

    def rename():
        user = services.user_for_token(request.args["token"])
        assert user in db.session and not db.session.is_modified(user)
        school = user.school.name
        user.full_name = request.args["name"]
        db.session.commit()
        return school

    app.add_url_rule("/_test/rename", view_func=rename)
    token = api_token(client, "hs.6a1.01")
    school = student().school.name
    assert client.get("/_test/rename", query_string={"token": token, "name": "Tên Một"}).text == school
    assert client.get("/_test/rename", query_string={"token": token, "name": "Tên Hai"}).text == school
    assert student().full_name == "Tên Hai"
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["full_name"] == "Tên Hai"


def test_a_revoked_token_is_refused_on_the_next_request(app, demo, client):
    token = api_token(client, "hs.6a1.01")
    assert client.get(LIBRARY, headers=bearer(token)).status_code == 200
    assert client.get(LIBRARY, headers=bearer(token)).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204
    assert client.get(LIBRARY, headers=bearer(token)).status_code == 401


def test_a_deactivated_user_is_refused_on_the_next_request(app, demo, client):
    headers = bearer(api_token(client, "hs.6a1.01"))
    assert client.get(LIBRARY, headers=headers).status_code == 200
    assert client.get(LIBRARY, headers=headers).status_code == 200
    student().active = False
    db.session.commit()
    assert client.get(LIBRARY, headers=headers).status_code == 401


def test_a_role_change_shows_on_the_next_request(app, demo, client):
    headers = bearer(api_token(client, "hs.6a1.01"))
    assert client.get("/api/v1/me", headers=headers).get_json()["role"] == "student"
    assert client.get("/api/v1/me", headers=headers).get_json()["role"] == "student"
    db.session.execute(db.update(User).where(User.username == "hs.6a1.01").values(role="teacher"))
    db.session.commit()
    assert client.get("/api/v1/me", headers=headers).get_json()["role"] == "teacher"


def test_an_expired_token_is_refused_at_once(app, demo, client):
    token = api_token(client, "hs.6a1.01")
    assert client.get(LIBRARY, headers=bearer(token)).status_code == 200
    kept = app.extensions["lms.token_cache"]
    token_hash = ApiToken.hash(token)
    generation, _expires, until, user = kept._entries[token_hash]
    kept._entries[token_hash] = (generation, (utcnow() - timedelta(seconds=1)).timestamp(), until, user)
    response, counted = get(client, LIBRARY, bearer(token))
    assert response.status_code == 401 and counted == []  # refused without asking the database
    # Expired in the database as well: refused by the look-up, and nothing is kept for it.
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == token_hash))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(LIBRARY, headers=bearer(token)).status_code == 401
    assert token_hash not in kept._entries


def test_another_worker_sees_a_revocation_made_through_the_first(app, app_config, demo, client):
    second = create_app(app_config)  # a second gunicorn worker: same instance folder, same database
    second.test_client_class = IsolatedClient
    other = second.test_client()
    token = api_token(client, "hs.6a1.01")
    for _ in range(2):
        assert other.get(LIBRARY, headers=bearer(token)).status_code == 200
    with second.app_context():
        assert len(second.extensions["lms.token_cache"]) == 1
        db.session.remove()
    assert client.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204
    assert other.get(LIBRARY, headers=bearer(token)).status_code == 401
    with second.app_context():
        db.session.remove()
        db.engine.dispose()
