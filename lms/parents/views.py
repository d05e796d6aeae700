"""The parent's pages (phone first, read-only): their children, each child's homework, a weekly
summary, the teachers' notes. Another family's child is 404; there is no form here that changes
anything. And the teacher's side: a short note to the parents of a class they teach."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import User
from ..accounts.permissions import is_teacher
from ..assignments.permissions import teaches
from ..core.authz import require
from ..core.errors import DomainError
from ..core.forms import refuse
from ..core.timeutil import utcnow
from ..extensions import db
from ..schools import guardians
from ..schools.models import Classroom
from . import queries, services
from .forms import ClassNoteForm
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
    return render_template("parents/home.html", children=queries.children(current_user),
                           notes=services.latest_notes(current_user))


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


@bp.route("/classes/<int:classroom_id>/note", methods=["GET", "POST"])
@require(is_teacher)
def class_note(classroom_id):
    classroom = db.session.get(Classroom, classroom_id)
    if classroom is None or not teaches(current_user, classroom):
        abort(404)
    form = ClassNoteForm()
    if form.validate_on_submit():
        try:
            told = services.post_class_note(current_user, classroom, form.text.data)
        except DomainError as error:
            db.session.rollback()
            refuse(form, error)
        else:
            db.session.commit()
            flash(_("Đã gửi lời nhắn tới %(n)s phụ huynh của lớp %(name)s.", n=told, name=classroom.name), "success")
            return redirect(url_for("assignments.class_matrix", classroom_id=classroom.id))
    return render_template("parents/class_note.html", classroom=classroom, form=form,
                           parents=services.parents_count(classroom)), 422 if form.errors else 200
