from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core.errors import DomainError
from ..core.forms import refuse
from ..core.http import local_url
from ..extensions import db, login_manager
from . import services
from .forms import ChangePasswordForm, LoginForm
from .models import User

bp = Blueprint("accounts", __name__, template_folder="templates")


@login_manager.user_loader
def load_user(user_id):
    """The signed-in user, once per request (Flask-Login keeps it for the request), with the school
    that every page's user menu shows: one statement."""
    return db.session.scalar(db.select(User).options(db.joinedload(User.school)).where(User.id == int(user_id)))


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
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data, request.remote_addr)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            status = error.status
        else:
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except DomainError as error:
            db.session.rollback()
            refuse(form, error, {"password": "new_password"})  # each error at its field
        else:
            db.session.commit()
            flash(_("Đã đổi mật khẩu."), "success")
            return redirect(url_for("home.dashboard"))
    return render_template("accounts/change_password.html", form=form)
