import pytest

from lms.accounts.models import LoginFailure, User
from lms.extensions import db
from tests.conftest import api_token, bearer, csrf_from, login

DEMO_ROLES = {
    "admin": "district_admin",
    "reviewer.toan": "reviewer",
    "bgh.thcs01": "school_admin",
    "gv.toan": "teacher",
    "hs.6a1.01": "student",
}


def test_login_and_logout(client, demo):
    assert login(client, "gv.toan").status_code == 302
    assert "Nguyễn Thị Minh Thư" in client.get("/").get_data(as_text=True)
    token = csrf_from(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, demo):
    response = login(client, "gv.toan", "wrong-password")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.get_data(as_text=True)


def test_passwords_are_hashed(demo):
    user = db.session.scalar(db.select(User).where(User.username == "gv.toan"))
    assert "hoclieu-demo" not in user.password_hash
    assert user.check_password("hoclieu-demo")


def test_login_is_throttled_after_repeated_failures(client, demo, app):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert login(client, "gv.toan", "nope-nope").status_code == 401
    response = login(client, "gv.toan")  # even the right password waits now
    assert response.status_code == 429
    assert "quá nhiều lần" in response.get_data(as_text=True)
    api = client.post("/api/v1/auth/token", json={"username": "gv.toan", "password": "hoclieu-demo"})
    assert api.status_code == 429
    assert api.get_json()["error"]["code"] == "too_many_attempts"
    # Another account is not affected.
    other = app.test_client()
    assert login(other, "gv.van").status_code == 302


def test_failures_elsewhere_do_not_lock_the_owner_out(app, demo):
    """A classmate guessing on another machine cannot lock a teacher out of theirs."""
    prankster = app.test_client()
    prankster.environ_base["REMOTE_ADDR"] = "10.0.0.66"
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(prankster, "gv.toan", "doan-mo-thoi").status_code == 401
    assert login(prankster, "gv.toan").status_code == 429
    teacher = app.test_client()
    teacher.environ_base["REMOTE_ADDR"] = "10.0.0.12"
    assert login(teacher, "gv.toan").status_code == 302


def test_guessing_from_many_addresses_is_capped_per_account(app, demo):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 6
    for n in range(6):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.1.{n}"
        assert login(client, "gv.toan", "doan-mo-thoi").status_code == 401
    fresh = app.test_client()
    fresh.environ_base["REMOTE_ADDR"] = "10.0.2.1"
    assert login(fresh, "gv.toan").status_code == 429


def test_expired_failures_are_purged(app, demo, client):
    from datetime import timedelta

    from lms.core.timeutil import utcnow

    db.session.add(LoginFailure(username="gv.van", remote_addr="1.2.3.4",
                                at=utcnow() - timedelta(seconds=app.config["LOGIN_LOCKOUT_SECONDS"] + 60)))
    db.session.commit()
    login(client, "gv.toan", "sai-mat-khau")
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(LoginFailure.id)).where(
        LoginFailure.username == "gv.van")) == 0


def test_proxy_count_trusts_forwarded_for(tmp_path, database_url):
    from lms import create_app
    from tests.conftest import base_config

    app = create_app({**base_config(tmp_path, database_url), "PROXY_COUNT": 1})

    @app.route("/_addr")
    def _addr():
        from flask import request

        return request.remote_addr

    response = app.test_client().get("/_addr", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.get_data(as_text=True) == "203.0.113.9"


def test_throttle_window_expires(client, demo, app):
    from datetime import timedelta

    from lms.core.timeutil import utcnow

    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, "gv.toan", "nope-nope")
    old = utcnow() - timedelta(seconds=app.config["LOGIN_LOCKOUT_SECONDS"] + 1)
    db.session.execute(db.update(LoginFailure).values(at=old))
    db.session.commit()
    assert login(client, "gv.toan").status_code == 302


def test_form_post_without_csrf_is_rejected(client, demo):
    response = client.post("/login", data={"username": "gv.toan", "password": "hoclieu-demo"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_session_cookie_flags(client, demo):
    response = login(client, "gv.toan")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_change_password(client, demo, login_as):
    login_as("gv.van")
    token = csrf_from(client, "/account/password")
    short = client.post("/account/password", data={"csrf_token": token, "current_password": "hoclieu-demo",
                                                   "new_password": "short", "confirm": "short"})
    assert "ít nhất 8 ký tự" in short.get_data(as_text=True)
    response = client.post("/account/password", data={
        "csrf_token": token, "current_password": "hoclieu-demo",
        "new_password": "mật khẩu mới 2026", "confirm": "mật khẩu mới 2026"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.scalar(db.select(User).where(User.username == "gv.van"))
    assert user.check_password("mật khẩu mới 2026")


def test_open_redirect_after_login_is_refused(client, demo):
    token = csrf_from(client, "/login")
    response = client.post("/login?next=https://evil.example/", data={
        "username": "gv.toan", "password": "hoclieu-demo", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_token_issue_use_and_revoke(client, demo):
    token = api_token(client, "gv.toan")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"


def test_unknown_user_and_wrong_password_look_the_same(client, demo):
    a = client.post("/api/v1/auth/token", json={"username": "gv.toan", "password": "wrong-one"})
    b = client.post("/api/v1/auth/token", json={"username": "no.such.user", "password": "wrong-one"})
    assert a.status_code == b.status_code == 401
    assert a.get_json() == b.get_json()


def test_token_request_validation(client, demo):
    response = client.post("/api/v1/auth/token", json={"username": "gv.toan"})
    assert response.status_code == 422
    body = response.get_json()["error"]
    assert body["code"] == "invalid_fields" and "password" in body["details"]


def test_session_cookie_does_not_authenticate_the_api(client, demo, login_as):
    login_as("gv.toan")
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("username,role", sorted(DEMO_ROLES.items()))
def test_me_for_each_demo_role(client, demo, username, role):
    me = client.get("/api/v1/me", headers=bearer(api_token(client, username))).get_json()
    assert me["username"] == username and me["role"] == role
    assert set(me) == {"id", "username", "full_name", "role", "school_id", "class_ids"}
    if role in ("student", "teacher", "school_admin"):
        assert me["school_id"] is not None
    if username == "gv.toan":
        assert len(me["class_ids"]) == 2  # 6A1 and 6A2
    if username == "hs.6a1.01":
        assert len(me["class_ids"]) == 1


def test_a_first_password_must_be_changed_before_anything_else(client, demo):
    user = db.session.scalar(db.select(User).where(User.username == "hs.6a1.05"))
    user.must_change_password = True
    db.session.commit()
    assert login(client, "hs.6a1.05").status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    token = csrf_from(client, "/account/password")
    client.post("/account/password", data={"csrf_token": token, "current_password": "hoclieu-demo",
                                           "new_password": "mat-khau-rieng", "confirm": "mat-khau-rieng"})
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).must_change_password is False


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example"])
def test_language_switch_and_login_never_redirect_off_site(client, demo, target):
    token = csrf_from(client, "/login")
    response = client.post("/lang", data={"csrf_token": token, "lang": "en", "next": target})
    assert response.headers["Location"] == "/"
    response = client.post(f"/login?next={target}", data={
        "username": "gv.toan", "password": "hoclieu-demo", "csrf_token": token})
    assert response.headers["Location"] == "/"
