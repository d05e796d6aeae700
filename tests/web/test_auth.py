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


def retry_after(response):
    """The seconds a 429 says to wait (RFC 9110: a whole number of seconds)."""
    value = response.headers.get("Retry-After")
    assert value is not None and value.isdigit(), dict(response.headers)
    return int(value)


def from_address(app, address, client=None):
    client = client or app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


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
    assert 0 < retry_after(response) <= app.config["LOGIN_LOCKOUT_SECONDS"]
    api = client.post("/api/v1/auth/token", json={"username": "gv.toan", "password": "hoclieu-demo"})
    assert api.status_code == 429
    assert api.get_json()["error"]["code"] == "too_many_attempts"
    assert 0 < retry_after(api) <= app.config["LOGIN_LOCKOUT_SECONDS"]
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


# --- sign-in that cannot be used against its users (issue 7.5) ------------------------------

def test_retry_after_is_when_the_oldest_counted_failure_leaves_the_window(client, demo, app):
    from datetime import timedelta

    from lms.core.timeutil import utcnow

    window = app.config["LOGIN_LOCKOUT_SECONDS"]
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, "gv.toan", "nope-nope")
    db.session.execute(db.update(LoginFailure).values(at=utcnow() - timedelta(seconds=window - 120)))
    db.session.commit()
    response = login(client, "gv.toan")
    assert response.status_code == 429
    assert 100 <= retry_after(response) <= 121
    assert "2 phút" in response.get_data(as_text=True)


def test_an_unknown_user_costs_what_a_known_users_wrong_password_costs(app):
    """Both are checked against a password hash made with the configured method (a strong one
    here), so the time of the answer does not say whether an account exists."""
    import statistics
    import time

    from lms.accounts import services

    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:80000"
    services.create_user("gv.dongho", "Giáo viên Đồng Hồ", "reviewer", "mat-khau-that-dai")
    db.session.commit()
    client = app.test_client()

    def timed(username):
        started = time.perf_counter()
        response = client.post("/api/v1/auth/token", json={"username": username, "password": "sai-mat-khau"})
        assert response.status_code == 401
        return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(5):  # interleaved, so that a busy moment of the machine hits both
        known.append(timed("gv.dongho"))
        unknown.append(timed("khong.ai.ca"))
    known_median, unknown_median = statistics.median(known), statistics.median(unknown)
    assert known_median > 0.02, known  # the strong method is really used
    assert unknown_median > 0.6 * known_median, (known, unknown)


def test_one_address_cannot_try_many_accounts(app, demo):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 6
    sprayer = from_address(app, "10.0.3.1")
    for username in ("gv.toan", "gv.van", "gv.toan2", "hs.6a1.01", "hs.6a1.02", "khong.co.ai"):
        assert login(sprayer, username, "123456789").status_code == 401
    refused = login(sprayer, "hs.6a1.03")  # a new account, even with its right password
    assert refused.status_code == 429
    assert 0 < retry_after(refused) <= app.config["LOGIN_LOCKOUT_SECONDS"]
    api = sprayer.post("/api/v1/auth/token", json={"username": "hs.6a1.03", "password": "hoclieu-demo"})
    assert api.status_code == 429 and retry_after(api) > 0
    # Other addresses, and the accounts tried, are not held back by it.
    assert login(from_address(app, "10.0.3.2"), "hs.6a1.03").status_code == 302
    assert login(from_address(app, "10.0.3.3"), "gv.toan").status_code == 302


def test_guessers_cannot_lock_out_a_browser_that_signed_in_before(app, demo):
    """Failures spread over many addresses hold back browsers new to the account, never the
    owner's own (the known-device cookie of their last successful sign-in)."""
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 6
    teacher = from_address(app, "10.0.4.1")
    assert login(teacher, "gv.toan").status_code == 302
    teacher.post("/logout", data={"csrf_token": csrf_from(teacher, "/account/password")})
    for n in range(6):
        assert login(from_address(app, f"10.0.5.{n}"), "gv.toan", "doan-mo-thoi").status_code == 401

    stranger = login(from_address(app, "10.0.6.1"), "gv.toan")
    assert stranger.status_code == 429 and retry_after(stranger) > 0
    api = from_address(app, "10.0.6.1").post("/api/v1/auth/token",
                                            json={"username": "gv.toan", "password": "hoclieu-demo"})
    assert api.status_code == 429 and retry_after(api) > 0
    # The teacher's own browser gets in, from anywhere (school, home).
    assert login(teacher, "gv.toan").status_code == 302
    teacher.post("/logout", data={"csrf_token": csrf_from(teacher, "/account/password")})
    assert login(from_address(app, "10.0.7.1", teacher), "gv.toan").status_code == 302


def test_a_known_browser_still_meets_the_limit_per_account_and_address(app, demo):
    teacher = from_address(app, "10.0.8.1")
    assert login(teacher, "gv.toan").status_code == 302
    teacher.post("/logout", data={"csrf_token": csrf_from(teacher, "/account/password")})
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert login(teacher, "gv.toan", "go-nham-roi").status_code == 401
    assert login(teacher, "gv.toan").status_code == 429


def test_a_device_cookie_vouches_only_for_its_account_and_only_when_signed_by_us(app, demo):
    import time

    from itsdangerous import URLSafeTimedSerializer

    from lms.accounts import devices

    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 3
    teacher = from_address(app, "10.0.9.1")
    assert login(teacher, "gv.toan").status_code == 302
    teacher.post("/logout", data={"csrf_token": csrf_from(teacher, "/account/password")})
    for username in ("gv.toan", "gv.van"):
        for n in range(3):
            login(from_address(app, f"10.0.10.{n}"), username, "doan-mo-thoi")
    assert login(teacher, "gv.van").status_code == 429  # it vouches for gv.toan only
    forged = from_address(app, "10.0.9.2")
    signed_elsewhere = URLSafeTimedSerializer("not-our-key", salt="lms.accounts.known-device")
    forged.set_cookie(devices.COOKIE, signed_elsewhere.dumps([["gv.toan", "0" * 32, int(time.time())]]))
    assert login(forged, "gv.toan").status_code == 429
    assert login(teacher, "gv.toan").status_code == 302


def test_a_copied_device_cookie_stops_vouching_after_its_failures(app, demo):
    """Guessing with a stolen device cookie from many addresses: after LOGIN_MAX_FAILURES failures
    made with it, the cookie no longer lifts the per-account limit."""
    from lms.accounts import devices

    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = app.config["LOGIN_MAX_FAILURES"]
    teacher = from_address(app, "10.0.11.1")
    assert login(teacher, "gv.toan").status_code == 302
    cookie = teacher.get_cookie(devices.COOKIE).value
    for n in range(app.config["LOGIN_MAX_FAILURES"]):
        thief = from_address(app, f"10.0.12.{n}")
        thief.set_cookie(devices.COOKIE, cookie)
        assert login(thief, "gv.toan", "doan-mo-thoi").status_code == 401
    thief = from_address(app, "10.0.12.99")
    thief.set_cookie(devices.COOKIE, cookie)
    assert login(thief, "gv.toan").status_code == 429


@pytest.mark.parametrize("username,password,status", [
    # Control characters are dropped where requests arrive (core.http, issue 7.4): the name typed
    # with a NUL is the name without it, signing in its own account.
    ("gv.toan\x00", "hoclieu-demo", 200), ("gv.toan\x07", "hoclieu-demo", 200), ("a\x00b", "x", 401),
    # A lone surrogate is no text: the JSON body is refused as such (400), nobody is signed in.
    ("\ud800", "x", 400), ("gv.toan", "p\ud800", 400),
    ("x" * 5000, "x", 401)])
def test_a_strange_username_or_password_is_a_wrong_one(client, demo, username, password, status):
    """Not a 500 (a NUL or a lone surrogate reaches no database), and never someone else's account."""
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if status == 200:
        token = response.get_json()["token"]
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
        assert me["username"] == "gv.toan"
    if "\ud800" not in username + password:  # a form is sent as UTF-8, which cannot carry one
        assert login(client, username, password).status_code == (302 if status == 200 else 401)
