"""The district office's administration pages: schools, subject groups and the topic catalogue."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...accounts.models import User
from ...core.authz import require
from ...core.errors import DomainError
from ...extensions import db
from .. import queries, services
from ..forms import (
    GroupForm,
    MemberForm,
    SchoolEditForm,
    SchoolForm,
    TopicFilterForm,
    TopicForm,
    UploadForm,
    choices,
)
from ..models import School, Subject, SubjectGroup, Topic
from ..permissions import can_manage_groups, can_manage_schools, can_manage_topics
from .common import bp, failed, first_error, form_page, load, locale, read_upload, subject_choices

# --- schools ---------------------------------------------------------------------------------


@bp.route("/schools")
@require(can_manage_schools)
def school_list():
    return render_template("schools/school_list.html", schools=queries.schools())


@bp.route("/schools/new", methods=["GET", "POST"])
@require(can_manage_schools)
def school_create():
    form = SchoolForm()
    if form.validate_on_submit():
        try:
            school = services.create_school(current_user, form.code.data, form.name.data)
        except DomainError as error:
            failed(error, form)
        else:
            db.session.commit()
            flash(_("Đã thêm trường %(code)s.", code=school.code), "success")
            return redirect(url_for(".school_list"))
    return form_page(form, _("Thêm trường"), url_for(".school_list"))


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@require(can_manage_schools)
def school_edit(school_id):
    school = load(School, school_id)
    form = SchoolEditForm(obj=school)
    if form.validate_on_submit():
        try:
            services.rename_school(current_user, school, form.name.data)
        except DomainError as error:
            failed(error, form)
        else:
            db.session.commit()
            flash(_("Đã lưu trường %(code)s.", code=school.code), "success")
            return redirect(url_for(".school_list"))
    return form_page(form, _("Sửa trường %(code)s", code=school.code), url_for(".school_list"))


# --- subject groups --------------------------------------------------------------------------

@bp.route("/groups")
@require(can_manage_groups)
def group_list():
    return render_template("schools/group_list.html", groups=queries.groups(),
                           without_group=queries.subjects_without_group())


@bp.route("/groups/new", methods=["GET", "POST"])
@require(can_manage_groups)
def group_create():
    form = GroupForm()
    form.subject_id.choices = subject_choices(queries.subjects_without_group())
    if request.method == "GET" and request.args.get("subject", type=int):
        form.subject_id.data = request.args.get("subject", type=int)
    if form.validate_on_submit():
        try:
            group = services.create_group(current_user, db.session.get(Subject, form.subject_id.data),
                                          form.name.data)
        except DomainError as error:
            failed(error, form)
        else:
            db.session.commit()
            flash(_("Đã lập %(name)s.", name=group.name), "success")
            return redirect(url_for(".group_detail", group_id=group.id))
    return form_page(form, _("Lập tổ thẩm định"), url_for(".group_list"))


def _member_form(group):
    form = MemberForm()
    form.user_id.choices = choices(
        [(u.id, f"{u.full_name} ({u.username})") for u in queries.reviewers() if u not in group.members],
        blank="—")
    return form


@bp.route("/groups/<int:group_id>")
@require(can_manage_groups)
def group_detail(group_id):
    group = load(SubjectGroup, group_id)
    return render_template("schools/group_detail.html", group=group, form=_member_form(group))


@bp.route("/groups/<int:group_id>/members", methods=["POST"])
@require(can_manage_groups)
def group_member_add(group_id):
    group = load(SubjectGroup, group_id)
    form = _member_form(group)
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
    else:
        user = load(User, form.user_id.data)
        try:
            services.add_group_member(current_user, group, user)
        except DomainError as error:
            failed(error)
        else:
            db.session.commit()
            flash(_("Đã thêm %(name)s vào tổ.", name=user.full_name), "success")
    return redirect(url_for(".group_detail", group_id=group.id))


@bp.route("/groups/<int:group_id>/members/<int:user_id>/remove", methods=["POST"])
@require(can_manage_groups)
def group_member_remove(group_id, user_id):
    group = load(SubjectGroup, group_id)
    user = load(User, user_id)
    services.remove_group_member(current_user, group, user)
    db.session.commit()
    flash(_("Đã đưa %(name)s ra khỏi tổ.", name=user.full_name), "success")
    return redirect(url_for(".group_detail", group_id=group.id))


# --- the topic catalogue ---------------------------------------------------------------------

@bp.route("/topics")
@require(can_manage_topics)
def topic_list():
    form = TopicFilterForm(formdata=request.args)
    subjects = queries.subjects()
    form.subject.choices = choices([(s.code, s.name(locale())) for s in subjects], blank=_("Mọi môn"))
    subject = next((s for s in subjects if s.code == form.subject.data), None)
    grade = int(form.grade.data) if form.grade.data in ("6", "7", "8") else None
    return render_template("schools/topic_list.html", form=form, topics=queries.topics(subject, grade),
                           subject=subject, grade=grade)


def _topic_form(topic=None):
    form = TopicForm(obj=topic)
    form.subject_id.choices = subject_choices()
    return form


def _topic_saved(topic, message):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".topic_list", subject=topic.subject.code, grade=topic.grade))


@bp.route("/topics/new", methods=["GET", "POST"])
@require(can_manage_topics)
def topic_create():
    form = _topic_form()
    if request.method == "GET":
        subject = services.subject_by_code(request.args.get("subject", ""))
        form.subject_id.data = subject.id if subject else None
        form.grade.data = request.args.get("grade", type=int)
    if form.validate_on_submit():
        try:
            topic = services.create_topic(current_user, db.session.get(Subject, form.subject_id.data),
                                          form.grade.data, form.chapter.data, form.lesson.data,
                                          form.position.data)
        except DomainError as error:
            failed(error, form)
        else:
            return _topic_saved(topic, _("Đã thêm chủ đề."))
    return form_page(form, _("Thêm chủ đề"), url_for(".topic_list"))


@bp.route("/topics/<int:topic_id>/edit", methods=["GET", "POST"])
@require(can_manage_topics)
def topic_edit(topic_id):
    topic = load(Topic, topic_id)
    form = _topic_form(topic)
    if form.validate_on_submit():
        try:
            services.update_topic(current_user, topic, db.session.get(Subject, form.subject_id.data),
                                  form.grade.data, form.chapter.data, form.lesson.data, form.position.data)
        except DomainError as error:
            failed(error, form)
        else:
            return _topic_saved(topic, _("Đã lưu chủ đề."))
    cancel = url_for(".topic_list", subject=topic.subject.code, grade=topic.grade)
    return form_page(form, _("Sửa chủ đề"), cancel, delete_url=url_for(".topic_delete", topic_id=topic.id))


@bp.route("/topics/<int:topic_id>/delete", methods=["POST"])
@require(can_manage_topics)
def topic_delete(topic_id):
    topic = load(Topic, topic_id)
    target = url_for(".topic_list", subject=topic.subject.code, grade=topic.grade)
    try:
        services.delete_topic(current_user, topic)
    except DomainError as error:
        failed(error)
    else:
        db.session.commit()
        flash(_("Đã xoá chủ đề."), "success")
    return redirect(target)


@bp.route("/topics/import", methods=["GET", "POST"])
@require(can_manage_topics)
def topic_import():
    form = UploadForm()
    if form.validate_on_submit():
        try:
            data, filename = read_upload(form.file.data)
            result = services.import_topics(current_user, data, filename)
        except DomainError as error:
            db.session.rollback()
            return render_template("schools/topic_import.html", form=form, error=error), error.status
        db.session.commit()
        flash(_("Đã nhập danh mục: %(created)s chủ đề mới, %(updated)s chủ đề cập nhật.",
                created=result["created"], updated=result["updated"]), "success")
        return redirect(url_for(".topic_list"))
    return render_template("schools/topic_import.html", form=form, error=None)
