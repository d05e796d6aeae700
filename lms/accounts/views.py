from flask import Blueprint, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core.errors import DomainError
from ..core.forms import refuse
from ..core.http import local_url
from ..extensions import db, login_manager
from . import services
from .devices import known_device, remember_device
from .forms import ChangePasswordForm, LoginForm

bp = Blueprint("accounts", __name__, template_folder="templates")

# The Flask session's key for the server-side session (accounts.models.UserSession) it belongs to.
SESSION_KEY = "sid"


@login_manager.user_loader
def load_user(user_id):
    """The signed-in user, once per request (Flask-Login keeps it for the request): the live
    server-side session the cookie names, with its user and the school every page's user menu
    shows, in one statement. A cookie whose session has ended (logout, a password change, an
    administrator's reset or deactivation, SESSION_IDLE_DAYS unused) signs nobody in; so does a
    Flask-Login remember-me cookie, which names a user but no session (we never issue one)."""
    return services.user_for_session(user_id, session.get(SESSION_KEY))


# Pages a user with a first (generated) password may still open before choosing their own.
FIRST_PASSWORD_ALLOWED = {"accounts.change_password", "accounts.logout", "accounts.login",
                          "home.set_language", "home.healthz", "static"}


@bp.before_app_request
def require_own_password():
    """Someone signed in with a generated first password chooses their own before anything else."""
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in FIRST_PASSWORD_ALLOWED
            and not request.path.startswith("/api/")):
        flash(_("Hãy đặt mật khẩu của riêng bạn trước khi tiếp tục."), "warning")
        return redirect(url_for("accounts.change_password"))
    return None


def _safe_next(target):
    return local_url(target) or url_for("home.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    form = LoginForm()
    status, retry_after = 200, None
    if form.validate_on_submit():
        username = form.username.data
        try:
            user = services.authenticate(username, form.password.data, request.remote_addr,
                                         device=known_device(request, username))
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            status, retry_after = error.status, getattr(error, "retry_after", None)
        else:
            session[SESSION_KEY] = services.start_session(user)
            login_user(user)
            db.session.commit()
            return remember_device(redirect(_safe_next(request.args.get("next"))), request, user.username)
    elif request.method == "POST":
        status = 400
    response = make_response(render_template("accounts/login.html", form=form), status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out here and end this session on the server: a copy of the cookie is worth nothing."""
    services.end_session(session.pop(SESSION_KEY, None))
    logout_user()
    db.session.commit()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data,
                                     keep_session=session.get(SESSION_KEY))
        except DomainError as error:
            db.session.rollback()
            refuse(form, error, {"password": "new_password"})  # each error at its field
        else:
            db.session.commit()
            flash(_("Đã đổi mật khẩu."), "success")
            return redirect(url_for("home.dashboard"))
    return render_template("accounts/change_password.html", form=form)
