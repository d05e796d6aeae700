"""The signed-in home page and the language switch: the top of the dependency chain, so it may
read every feature."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..core.http import local_url
from . import queries

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@login_required
def dashboard():
    if current_user.role == "parent":  # a parent's home is their children's homework
        return redirect(url_for("parents.home"))
    return render_template("home/dashboard.html", home=queries.dashboard_for(current_user))


@bp.route("/lang", methods=["POST"])
def set_language():
    lang = request.form.get("lang", "vi")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(local_url(request.form.get("next")) or url_for("home.dashboard"))


@bp.route("/healthz")
def healthz():
    return {"status": "ok"}
