"""Sessions and tokens end when they should (issue 7.3): logout ends the session on the server, so a
copy of its cookie is worthless; a password change ends every other session and revokes every API
token; an administrator's reset and a deactivation end them all. Driven through the real forms."""

from datetime import timedelta

from sqlalchemy import event

from lms.accounts.models import ApiToken, User, UserSession
from lms.core.timeutil import as_utc, utcnow
from lms.extensions import db
from tests.conftest import DEMO_PASSWORD, api_token, bearer, csrf_from, login
from tests.web.conftest_admin import form_post, user_named


def signed_in(app, username, password=DEMO_PASSWORD):
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    return client


def is_signed_in(client):
    """The dashboard answers (200) only to someone signed in; others are sent to /login."""
    response = client.get("/")
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
    return response.status_code == 200


def copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def logout(client):
    return client.post("/logout", data={"csrf_token": csrf_from(client, "/account/password")})


def change_password(client, current, new):
    token = csrf_from(client, "/account/password")
    return client.post("/account/password", data={"csrf_token": token, "current_password": current,
                                                   "new_password": new, "confirm": new})


def test_a_session_cookie_copied_before_logout_is_worthless_after_it(app, demo):
    teacher = signed_in(app, "gv.toan")
    thief = copy_of(app, teacher)
    assert is_signed_in(thief)  # the copy works while the session lives
    assert logout(teacher).status_code == 302
    assert not is_signed_in(teacher)
    assert not is_signed_in(thief)
    # The session row says so: ended, not forgotten.
    ended = db.session.scalars(db.select(UserSession).join(User).where(User.username == "gv.toan")).all()
    assert len(ended) == 1 and ended[0].revoked_at is not None


def test_logout_ends_only_that_session(app, demo):
    laptop, phone = signed_in(app, "gv.toan"), signed_in(app, "gv.toan")
    logout(laptop)
    assert not is_signed_in(laptop)
    assert is_signed_in(phone)


def test_a_password_change_ends_every_other_session_and_every_token(app, demo):
    here, elsewhere = signed_in(app, "gv.van"), signed_in(app, "gv.van")
    stolen_copy = copy_of(app, elsewhere)
    token = api_token(app.test_client(), "gv.van")
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200

    assert change_password(here, DEMO_PASSWORD, "mat-khau-moi-2026").status_code == 302
    assert is_signed_in(here)  # the browser it was changed from stays signed in
    assert not is_signed_in(elsewhere)
    assert not is_signed_in(stolen_copy)
    response = app.test_client().get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthenticated"
    # The new password signs in anew, there and through the API.
    assert login(elsewhere, "gv.van", "mat-khau-moi-2026").status_code == 302
    assert is_signed_in(elsewhere)
    fresh = api_token(app.test_client(), "gv.van", "mat-khau-moi-2026")
    assert app.test_client().get("/api/v1/me", headers=bearer(fresh)).status_code == 200


def test_a_first_password_change_also_ends_the_other_sessions(app, demo):
    student = user_named("hs.6a1.05")
    student.must_change_password = True
    db.session.commit()
    lab, home = signed_in(app, "hs.6a1.05"), signed_in(app, "hs.6a1.05")
    assert change_password(lab, DEMO_PASSWORD, "cua-rieng-em-1").status_code == 302
    assert is_signed_in(lab) and not is_signed_in(home)


def test_an_administrators_reset_ends_every_session_and_token(app, demo, login_as):
    teacher = signed_in(app, "gv.toan2")
    token = api_token(app.test_client(), "gv.toan2")
    admin = login_as("admin")
    page = form_post(admin, f"/admin/users/{user_named('gv.toan2').id}/password")
    assert page.status_code == 200
    assert not is_signed_in(teacher)
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert is_signed_in(admin)  # the administrator's own session is not touched


def test_deactivation_ends_every_session_and_token_for_good(app, demo, login_as):
    student = user_named("hs.6a1.02")
    pupil = signed_in(app, "hs.6a1.02")
    token = api_token(app.test_client(), "hs.6a1.02")
    admin = login_as("bgh.thcs01")
    fields = {"full_name": student.full_name, "role": "student", "school_id": student.school_id}
    assert form_post(admin, f"/admin/users/{student.id}/edit", fields).status_code == 302  # box unchecked
    assert not is_signed_in(pupil)
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    # Reactivated, the account signs in anew; the old session and token stay ended.
    assert form_post(admin, f"/admin/users/{student.id}/edit", {**fields, "active": "y"}).status_code == 302
    assert not is_signed_in(pupil)
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert is_signed_in(signed_in(app, "hs.6a1.02"))


def test_a_remember_me_cookie_alone_signs_nobody_in(app, demo):
    """Flask-Login would sign in whoever a remember-me cookie names; it names a user, not a
    session that can be ended, so it must not (we never issue one, and forge one here)."""
    from flask_login.utils import encode_cookie

    teacher = user_named("gv.toan")
    forged = app.test_client()
    with app.test_request_context():
        forged.set_cookie(app.config.get("REMEMBER_COOKIE_NAME", "remember_token"), encode_cookie(str(teacher.id)))
    assert not is_signed_in(forged)


def test_a_session_unused_too_long_has_ended_and_a_used_one_is_kept_alive(app, demo):
    teacher = signed_in(app, "gv.toan")
    row = db.session.scalar(db.select(UserSession).join(User).where(User.username == "gv.toan"))
    touched_before = utcnow() - timedelta(seconds=app.config["SESSION_TOUCH_SECONDS"] + 60)
    row.last_seen_at = touched_before
    db.session.commit()
    assert is_signed_in(teacher)
    db.session.expire_all()
    assert as_utc(db.session.get(UserSession, row.id).last_seen_at) > touched_before + timedelta(seconds=30)

    row = db.session.get(UserSession, row.id)
    row.last_seen_at = utcnow() - timedelta(days=app.config["SESSION_IDLE_DAYS"], seconds=1)
    db.session.commit()
    assert not is_signed_in(teacher)
    # The next sign-in (anyone's) deletes sessions that long unused.
    stale = row.key_hash
    signed_in(app, "gv.van")
    db.session.expire_all()
    assert db.session.scalar(db.select(UserSession.id).where(UserSession.key_hash == stale)) is None


def test_loading_the_signed_in_user_reads_its_session_in_the_same_statement(app, demo):
    teacher = signed_in(app, "gv.toan")
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert teacher.get("/reviews/notifications").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    sessions = [s for s in statements if "user_session" in s]
    assert len(sessions) == 1, statements
    assert "school" in sessions[0], sessions[0]  # the user, their school and the session at once


def test_tokens_and_sessions_of_other_users_are_untouched(app, demo):
    other = signed_in(app, "gv.toan")
    token = api_token(app.test_client(), "gv.toan")
    here = signed_in(app, "gv.van")
    change_password(here, DEMO_PASSWORD, "mat-khau-moi-2026")
    assert is_signed_in(other)
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200
    assert db.session.scalar(db.select(db.func.count(ApiToken.id)).where(ApiToken.revoked_at.is_not(None))) == 0
