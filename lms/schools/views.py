"""Administration pages: the district admin's schools, subject groups, topics and users; a school
admin's classrooms, teachers, students, enrolments and teaching assignments."""

from flask import Blueprint, render_template
from flask_login import current_user

from ..accounts.permissions import is_district_admin, is_school_admin
from ..core.authz import require
from ..extensions import db
from . import queries
from .permissions import can_list_users

bp = Blueprint("schools", __name__, template_folder="templates", url_prefix="/admin")


@bp.route("/schools")
@require(is_district_admin)
def school_list():
    return render_template("schools/school_list.html", schools=queries.schools())


@bp.route("/groups")
@require(is_district_admin)
def group_list():
    return render_template("schools/group_list.html", groups=queries.groups())


@bp.route("/topics")
@require(is_district_admin)
def topic_list():
    return render_template("schools/topic_list.html", topics=queries.topics())


@bp.route("/users")
@require(can_list_users)
def user_list():
    school = None if is_district_admin(current_user) else current_user.school
    users = db.session.scalars(queries.users(school=school).limit(500)).all()
    return render_template("schools/user_list.html", users=users)


@bp.route("/classrooms")
@require(is_school_admin)
def classroom_list():
    return render_template("schools/classroom_list.html",
                           classrooms=queries.classrooms_of(current_user.school))


@bp.route("/students/import")
@require(is_school_admin)
def student_import():
    return render_template("schools/student_import.html")
