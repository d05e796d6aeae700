"""The parent's pages (phone first, read-only): their children, each child's homework, a weekly
summary. Another family's child is 404; there is no form here that changes anything."""

from flask import Blueprint, abort, render_template
from flask_login import current_user

from ..accounts.models import User
from ..core.authz import require
from ..core.timeutil import utcnow
from ..extensions import db
from ..schools import guardians
from . import queries
from .permissions import can_follow, is_parent

bp = Blueprint("parents", __name__, template_folder="templates", url_prefix="/parents")


def _child(student_id):
    student = db.session.get(User, student_id)
    if not can_follow(current_user, student):
        abort(404)
    return student


def _classroom(student):
    return next((c for s, c in guardians.children_of(current_user) if s.id == student.id), None)


@bp.route("/")
@require(is_parent)
def home():
    return render_template("parents/home.html", children=queries.children(current_user))


@bp.route("/children/<int:student_id>")
@require(is_parent)
def child(student_id):
    student = _child(student_id)
    items = queries.child_items(student)
    return render_template("parents/child.html", student=student, classroom=_classroom(student), items=items,
                           now=utcnow())


@bp.route("/children/<int:student_id>/week")
@require(is_parent)
def child_week(student_id):
    student = _child(student_id)
    now = utcnow()
    summary = queries.week(queries.child_items(student, now), now)
    return render_template("parents/week.html", student=student, classroom=_classroom(student), week=summary)
