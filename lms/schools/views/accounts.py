"""Accounts, the pages both administrators share: the district admin manages every account, a
school admin the students and teachers of their school (the same pages, filtered by the
predicates). Kept apart from district.py and school.py so that neither holds the other's pages."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...accounts.models import ROLE_LABELS, Role, User
from ...accounts.permissions import can_manage_user
from ...core.authz import authorize, require
from ...core.errors import DomainError
from ...extensions import db
from .. import guardians, queries, services
from ..forms import ParentForm, UserCreateForm, UserFilterForm, UserForm, choices
from ..models import School
from ..permissions import (
    administers,
    assignable_roles,
    can_assign_role,
    can_edit_account,
    can_link_parents,
    can_list_users,
    can_manage_all_accounts,
    can_see_user,
)
from .common import bp, failed, form_page, load, paginate, password_page


def _role_choices(roles):
    return choices([(r.value, _(ROLE_LABELS[r])) for r in roles], blank="—")


def _school_choices():
    """The schools the actor administers; "no school" only for those who may give such roles."""
    pairs = [(s.id, f"{s.code} — {s.name}") for s in queries.schools() if administers(current_user, s)]
    no_school = any(can_assign_role(current_user, role, None) for role in Role)
    return choices(pairs, blank="—" if no_school else None)


def _chosen_school(form):
    return db.session.get(School, form.school_id.data) if form.school_id.data else None


@bp.route("/users")
@require(can_list_users)
def user_list():
    form = UserFilterForm(formdata=request.args)
    form.role.choices = _role_choices(Role)
    every_school = can_manage_all_accounts(current_user)
    if every_school:
        form.school.choices = choices([(s.code, s.code) for s in queries.schools()], blank=_("Mọi trường"))
        school = queries.school_by_code(form.school.data) if form.school.data else None
    else:
        school = current_user.school
    role = form.role.data if form.role.data in set(Role) else None
    rows, pager = paginate(queries.users(school=school, role=role, q=(form.q.data or "").strip()))
    return render_template("schools/user_list.html", form=form, users=[r[0] for r in rows], pager=pager,
                           show_school=every_school)


@bp.route("/users/new", methods=["GET", "POST"])
@require(can_manage_all_accounts)
def user_create():
    form = UserCreateForm()
    form.role.choices = _role_choices(assignable_roles(current_user))
    form.school_id.choices = _school_choices()
    if form.validate_on_submit():
        school = _chosen_school(form)
        authorize(can_assign_role(current_user, Role(form.role.data), school))
        try:
            user, password = services.create_account(current_user, form.username.data, form.full_name.data,
                                                     form.role.data, school, form.student_code.data)
        except DomainError as error:
            failed(error, form)
        else:
            db.session.commit()
            return password_page(user, password, _("Đã tạo tài khoản"))
    return form_page(form, _("Thêm người dùng"), url_for(".user_list"))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@require(can_list_users)
def user_edit(user_id):
    user = load(User, user_id, can_see_user)
    authorize(can_manage_user(current_user, user))
    form = UserForm(obj=user)
    roles = assignable_roles(current_user)
    form.role.choices = _role_choices(roles if user.role in roles else [*roles, Role(user.role)])
    form.school_id.choices = _school_choices()
    if form.validate_on_submit():
        school = _chosen_school(form)
        authorize(can_edit_account(current_user, user, Role(form.role.data), school))
        try:
            services.update_account(current_user, user, form.full_name.data, form.role.data, school,
                                    form.active.data)
        except DomainError as error:
            failed(error, form)
        else:
            db.session.commit()
            flash(_("Đã lưu tài khoản %(username)s.", username=user.username), "success")
            return redirect(url_for(".user_list"))
    return _user_edit_page(form, user)


def _user_edit_page(form, user, parent_form=None):
    """The account page: for a student also their parents (and a form to link one), for a parent
    their children."""
    parents = guardians.parents_of(user) if user.role == Role.STUDENT else []
    children = guardians.children_of(user) if user.role == Role.PARENT else []
    if parent_form is None and can_link_parents(current_user, user):
        parent_form = ParentForm(formdata=None)
    return render_template("schools/user_edit.html", form=form, user=user, parents=parents, children=children,
                           parent_form=parent_form)


@bp.route("/users/<int:user_id>/parents", methods=["POST"])
@require(can_list_users)
def parent_add(user_id):
    """Link a parent to this student: the account with that name and phone, or a new one (its
    first password shown once)."""
    student = load(User, user_id, can_see_user)
    authorize(can_link_parents(current_user, student))
    parent_form = ParentForm()
    if parent_form.validate_on_submit():
        try:
            parent, password = guardians.add_parent(current_user, student, parent_form.full_name.data,
                                                    parent_form.phone.data)
        except DomainError as error:
            failed(error, parent_form)
        else:
            db.session.commit()
            if password is not None:
                return password_page(parent, password, _("Đã tạo tài khoản phụ huynh"))
            flash(_("Đã liên kết phụ huynh %(name)s (%(username)s).", name=parent.full_name,
                    username=parent.username), "success")
            return redirect(url_for(".user_edit", user_id=student.id))
    form = UserForm(obj=student, formdata=None)
    form.role.choices = _role_choices(Role)
    form.school_id.choices = _school_choices()
    return _user_edit_page(form, student, parent_form), 422


@bp.route("/users/<int:user_id>/parents/<int:parent_id>/remove", methods=["POST"])
@require(can_list_users)
def parent_remove(user_id, parent_id):
    student = load(User, user_id, can_see_user)
    authorize(can_link_parents(current_user, student))
    parent = db.session.get(User, parent_id)
    if parent is None or not guardians.is_parent_of(parent, student.id):
        abort(404)
    guardians.unlink(current_user, parent, student)
    db.session.commit()
    flash(_("Đã bỏ liên kết phụ huynh %(name)s.", name=parent.full_name), "success")
    return redirect(url_for(".user_edit", user_id=student.id))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@require(can_list_users)
def user_password(user_id):
    user = load(User, user_id, can_see_user)
    authorize(can_manage_user(current_user, user))
    password = services.reset_password(current_user, user)
    db.session.commit()
    return password_page(user, password, _("Đã đặt lại mật khẩu"))
