"""Administration pages: the district admin's schools, subject groups, topics and users; a school
admin's classrooms, teachers, students, enrolments, teaching assignments and the student import.

Each handler parses (a form), loads (404 for what the caller may not know exists), authorises
(403), calls one service, commits once, then flashes and redirects (or re-renders the form).
"""

import io
import os

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.models import ROLE_LABELS, Role, User
from ..accounts.permissions import can_manage_user, is_district_admin, is_school_admin
from ..core.authz import authorize, require
from ..core.errors import DomainError
from ..core.timeutil import utcnow
from ..extensions import db
from . import importing, jobs, queries, services
from .forms import (
    ClassroomForm,
    EnrollForm,
    GroupForm,
    ImportConfirmForm,
    MemberForm,
    SchoolEditForm,
    SchoolForm,
    StudentForm,
    TeacherForm,
    TeachingForm,
    TopicFilterForm,
    TopicForm,
    UploadForm,
    UserCreateForm,
    UserFilterForm,
    UserForm,
    choices,
)
from .models import (
    Classroom,
    ImportState,
    School,
    StudentImport,
    Subject,
    SubjectGroup,
    Teaching,
    Topic,
)
from .permissions import (
    administers,
    assignable_roles,
    can_assign_role,
    can_list_users,
    can_manage_classroom,
    can_manage_teaching,
    can_see_user,
)

bp = Blueprint("schools", __name__, template_folder="templates", url_prefix="/admin")

PER_PAGE = 50
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING_IMPORT = "student_import"


# --- helpers ---------------------------------------------------------------------------------

def _load(model, ident, visible=None):
    """The object, or 404 when it does not exist or `visible(current_user, obj)` says the caller
    may not know it does (another school's class, account, ...)."""
    obj = db.session.get(model, ident)
    if obj is None or (visible is not None and not visible(current_user, obj)):
        abort(404)
    return obj


def _failed(error):
    db.session.rollback()
    flash(error.message, "danger")


def _form_page(form, title, cancel_url, **extra):
    return render_template("schools/form_page.html", form=form, title=title, cancel_url=cancel_url,
                           **extra)


def _first_error(form):
    for field in form:
        if field.errors:
            return f"{field.label.text}: {field.errors[0]}"
    return _("Biểu mẫu chưa hợp lệ.")


def _locale():
    return str(get_locale() or "vi")


def _subject_choices(subjects=None):
    subjects = queries.subjects() if subjects is None else subjects
    return choices([(s.id, s.name(_locale())) for s in subjects], blank="—")


def _page():
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _paginate(select):
    page, total = _page(), queries.count(select)
    rows = db.session.execute(select.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return rows, {"page": page, "pages": max((total + PER_PAGE - 1) // PER_PAGE, 1), "total": total}


def _read_upload(storage):
    """The uploaded bytes, refused past IMPORT_MAX_MB (an import is read whole, in memory)."""
    limit = current_app.config["IMPORT_MAX_MB"] * 1024 * 1024
    data = storage.read(limit + 1)
    if len(data) > limit:
        raise DomainError("payload_too_large",
                          _("Tệp quá lớn: tối đa %(mb)s MB.", mb=current_app.config["IMPORT_MAX_MB"]),
                          status=413)
    return data, (storage.filename or "")[-120:]  # kept in the session cookie: bounded


def _password_page(user, password, title):
    """The generated first password, shown once; never cached."""
    response = current_app.make_response(render_template(
        "schools/password_shown.html", user=user, password=password, title=title))
    response.headers["Cache-Control"] = "no-store"
    return response


# --- schools ---------------------------------------------------------------------------------

@bp.route("/schools")
@require(is_district_admin)
def school_list():
    return render_template("schools/school_list.html", schools=queries.schools())


@bp.route("/schools/new", methods=["GET", "POST"])
@require(is_district_admin)
def school_create():
    form = SchoolForm()
    if form.validate_on_submit():
        try:
            school = services.create_school(form.code.data, form.name.data)
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("Đã thêm trường %(code)s.", code=school.code), "success")
            return redirect(url_for(".school_list"))
    return _form_page(form, _("Thêm trường"), url_for(".school_list"))


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@require(is_district_admin)
def school_edit(school_id):
    school = _load(School, school_id)
    form = SchoolEditForm(obj=school)
    if form.validate_on_submit():
        try:
            services.rename_school(school, form.name.data)
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("Đã lưu trường %(code)s.", code=school.code), "success")
            return redirect(url_for(".school_list"))
    return _form_page(form, _("Sửa trường %(code)s", code=school.code), url_for(".school_list"))


# --- subject groups --------------------------------------------------------------------------

@bp.route("/groups")
@require(is_district_admin)
def group_list():
    return render_template("schools/group_list.html", groups=queries.groups(),
                           without_group=queries.subjects_without_group())


@bp.route("/groups/new", methods=["GET", "POST"])
@require(is_district_admin)
def group_create():
    form = GroupForm()
    form.subject_id.choices = _subject_choices(queries.subjects_without_group())
    if request.method == "GET" and request.args.get("subject", type=int):
        form.subject_id.data = request.args.get("subject", type=int)
    if form.validate_on_submit():
        try:
            group = services.create_group(db.session.get(Subject, form.subject_id.data), form.name.data)
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("Đã lập %(name)s.", name=group.name), "success")
            return redirect(url_for(".group_detail", group_id=group.id))
    return _form_page(form, _("Lập tổ thẩm định"), url_for(".group_list"))


def _member_form(group):
    form = MemberForm()
    form.user_id.choices = choices(
        [(u.id, f"{u.full_name} ({u.username})") for u in queries.reviewers() if u not in group.members],
        blank="—")
    return form


@bp.route("/groups/<int:group_id>")
@require(is_district_admin)
def group_detail(group_id):
    group = _load(SubjectGroup, group_id)
    return render_template("schools/group_detail.html", group=group, form=_member_form(group))


@bp.route("/groups/<int:group_id>/members", methods=["POST"])
@require(is_district_admin)
def group_member_add(group_id):
    group = _load(SubjectGroup, group_id)
    form = _member_form(group)
    if not form.validate_on_submit():
        flash(_first_error(form), "danger")
    else:
        user = _load(User, form.user_id.data)
        try:
            services.add_group_member(group, user)
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("Đã thêm %(name)s vào tổ.", name=user.full_name), "success")
    return redirect(url_for(".group_detail", group_id=group.id))


@bp.route("/groups/<int:group_id>/members/<int:user_id>/remove", methods=["POST"])
@require(is_district_admin)
def group_member_remove(group_id, user_id):
    group = _load(SubjectGroup, group_id)
    user = _load(User, user_id)
    services.remove_group_member(group, user)
    db.session.commit()
    flash(_("Đã đưa %(name)s ra khỏi tổ.", name=user.full_name), "success")
    return redirect(url_for(".group_detail", group_id=group.id))


# --- the topic catalogue ---------------------------------------------------------------------

@bp.route("/topics")
@require(is_district_admin)
def topic_list():
    form = TopicFilterForm(formdata=request.args)
    subjects = queries.subjects()
    form.subject.choices = choices([(s.code, s.name(_locale())) for s in subjects], blank=_("Mọi môn"))
    subject = next((s for s in subjects if s.code == form.subject.data), None)
    grade = int(form.grade.data) if form.grade.data in ("6", "7", "8") else None
    return render_template("schools/topic_list.html", form=form, topics=queries.topics(subject, grade),
                           subject=subject, grade=grade)


def _topic_form(topic=None):
    form = TopicForm(obj=topic)
    form.subject_id.choices = _subject_choices()
    return form


def _topic_saved(topic, message):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".topic_list", subject=topic.subject.code, grade=topic.grade))


@bp.route("/topics/new", methods=["GET", "POST"])
@require(is_district_admin)
def topic_create():
    form = _topic_form()
    if request.method == "GET":
        subject = services.subject_by_code(request.args.get("subject", ""))
        form.subject_id.data = subject.id if subject else None
        form.grade.data = request.args.get("grade", type=int)
    if form.validate_on_submit():
        try:
            topic = services.create_topic(db.session.get(Subject, form.subject_id.data), form.grade.data,
                                          form.chapter.data, form.lesson.data, form.position.data)
        except DomainError as error:
            _failed(error)
        else:
            return _topic_saved(topic, _("Đã thêm chủ đề."))
    return _form_page(form, _("Thêm chủ đề"), url_for(".topic_list"))


@bp.route("/topics/<int:topic_id>/edit", methods=["GET", "POST"])
@require(is_district_admin)
def topic_edit(topic_id):
    topic = _load(Topic, topic_id)
    form = _topic_form(topic)
    if form.validate_on_submit():
        try:
            services.update_topic(topic, db.session.get(Subject, form.subject_id.data), form.grade.data,
                                  form.chapter.data, form.lesson.data, form.position.data)
        except DomainError as error:
            _failed(error)
        else:
            return _topic_saved(topic, _("Đã lưu chủ đề."))
    cancel = url_for(".topic_list", subject=topic.subject.code, grade=topic.grade)
    return _form_page(form, _("Sửa chủ đề"), cancel, delete_url=url_for(".topic_delete", topic_id=topic.id))


@bp.route("/topics/<int:topic_id>/delete", methods=["POST"])
@require(is_district_admin)
def topic_delete(topic_id):
    topic = _load(Topic, topic_id)
    target = url_for(".topic_list", subject=topic.subject.code, grade=topic.grade)
    try:
        services.delete_topic(topic)
    except DomainError as error:
        _failed(error)
    else:
        db.session.commit()
        flash(_("Đã xoá chủ đề."), "success")
    return redirect(target)


@bp.route("/topics/import", methods=["GET", "POST"])
@require(is_district_admin)
def topic_import():
    form = UploadForm()
    if form.validate_on_submit():
        try:
            data, filename = _read_upload(form.file.data)
            result = services.import_topics(data, filename)
        except DomainError as error:
            db.session.rollback()
            return render_template("schools/topic_import.html", form=form, error=error), error.status
        db.session.commit()
        flash(_("Đã nhập danh mục: %(created)s chủ đề mới, %(updated)s chủ đề cập nhật.",
                created=result["created"], updated=result["updated"]), "success")
        return redirect(url_for(".topic_list"))
    return render_template("schools/topic_import.html", form=form, error=None)


# --- accounts --------------------------------------------------------------------------------

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
    if is_district_admin(current_user):
        form.school.choices = choices([(s.code, s.code) for s in queries.schools()], blank=_("Mọi trường"))
        school = queries.school_by_code(form.school.data) if form.school.data else None
    else:
        school = current_user.school
    role = form.role.data if form.role.data in set(Role) else None
    rows, pager = _paginate(queries.users(school=school, role=role, q=(form.q.data or "").strip()))
    return render_template("schools/user_list.html", form=form, users=[r[0] for r in rows], pager=pager,
                           show_school=is_district_admin(current_user))


@bp.route("/users/new", methods=["GET", "POST"])
@require(is_district_admin)
def user_create():
    form = UserCreateForm()
    form.role.choices = _role_choices(assignable_roles(current_user))
    form.school_id.choices = _school_choices()
    if form.validate_on_submit():
        school = _chosen_school(form)
        authorize(can_assign_role(current_user, Role(form.role.data), school))
        try:
            user, password = services.create_account(form.username.data, form.full_name.data,
                                                     form.role.data, school, form.student_code.data)
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            return _password_page(user, password, _("Đã tạo tài khoản"))
    return _form_page(form, _("Thêm người dùng"), url_for(".user_list"))


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@require(can_list_users)
def user_edit(user_id):
    user = _load(User, user_id, can_see_user)
    authorize(can_manage_user(current_user, user))
    form = UserForm(obj=user)
    roles = assignable_roles(current_user)
    form.role.choices = _role_choices(roles if user.role in roles else [*roles, Role(user.role)])
    form.school_id.choices = _school_choices()
    if form.validate_on_submit():
        school = _chosen_school(form)
        authorize(can_assign_role(current_user, Role(form.role.data), school))
        try:
            services.update_account(current_user, user, form.full_name.data, form.role.data, school,
                                    form.active.data)
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("Đã lưu tài khoản %(username)s.", username=user.username), "success")
            return redirect(url_for(".user_list"))
    return render_template("schools/user_edit.html", form=form, user=user)


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@require(can_list_users)
def user_password(user_id):
    user = _load(User, user_id, can_see_user)
    authorize(can_manage_user(current_user, user))
    password = services.reset_password(user)
    db.session.commit()
    return _password_page(user, password, _("Đã đặt lại mật khẩu"))


# --- a school admin's school: classes and enrolments ------------------------------------------

@bp.route("/classrooms")
@require(is_school_admin)
def classroom_list():
    school, year = current_user.school, services.current_school_year()
    return render_template("schools/classroom_list.html", year=year,
                           classrooms=queries.classrooms_of(school, year),
                           counts=queries.enrollment_counts(school, year))


@bp.route("/classrooms/new", methods=["GET", "POST"])
@require(is_school_admin)
def classroom_create():
    form = ClassroomForm()
    if form.validate_on_submit():
        try:
            classroom = services.add_classroom(current_user.school, form.name.data)
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("Đã thêm lớp %(name)s.", name=classroom.name), "success")
            return redirect(url_for(".classroom_detail", classroom_id=classroom.id))
    return _form_page(form, _("Thêm lớp (năm học %(year)s)", year=services.current_school_year().name),
                      url_for(".classroom_list"))


def _enroll_form(classroom):
    """Students of the school not in this class; those without a class this year come first."""
    form = EnrollForm()
    rows = db.session.execute(queries.students_in(classroom.school, classroom.school_year)).all()
    rows = sorted((r for r in rows if r[1] is None or r[1].id != classroom.id), key=lambda r: r[1] is not None)
    form.student_id.choices = choices(
        [(u.id, f"{u.full_name} ({u.username}) — {c.name if c else _('chưa xếp lớp')}") for u, c in rows],
        blank="—")
    return form


@bp.route("/classrooms/<int:classroom_id>")
@require(is_school_admin)
def classroom_detail(classroom_id):
    classroom = _load(Classroom, classroom_id, can_manage_classroom)
    teachings = db.session.scalars(db.select(Teaching).where(Teaching.classroom_id == classroom.id)).all()
    return render_template("schools/classroom_detail.html", classroom=classroom,
                           students=queries.students_of(classroom), teachings=teachings,
                           form=_enroll_form(classroom))


@bp.route("/classrooms/<int:classroom_id>/students", methods=["POST"])
@require(is_school_admin)
def enrollment_add(classroom_id):
    classroom = _load(Classroom, classroom_id, can_manage_classroom)
    form = _enroll_form(classroom)
    if not form.validate_on_submit():
        flash(_first_error(form), "danger")
    else:
        student = _load(User, form.student_id.data, can_see_user)
        authorize(can_manage_user(current_user, student))
        try:
            services.enroll(student, classroom)
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("Đã xếp %(name)s vào lớp %(classroom)s.", name=student.full_name,
                    classroom=classroom.name), "success")
    return redirect(url_for(".classroom_detail", classroom_id=classroom.id))


@bp.route("/classrooms/<int:classroom_id>/students/<int:student_id>/remove", methods=["POST"])
@require(is_school_admin)
def enrollment_remove(classroom_id, student_id):
    classroom = _load(Classroom, classroom_id, can_manage_classroom)
    student = _load(User, student_id, can_see_user)
    authorize(can_manage_user(current_user, student))
    try:
        services.unenroll(student, classroom)
    except DomainError as error:
        _failed(error)
    else:
        db.session.commit()
        flash(_("Đã đưa %(name)s ra khỏi lớp %(classroom)s.", name=student.full_name,
                classroom=classroom.name), "success")
    return redirect(url_for(".classroom_detail", classroom_id=classroom.id))


# --- teachers, students and teaching assignments ---------------------------------------------

@bp.route("/teachers")
@require(is_school_admin)
def teacher_list():
    school = current_user.school
    return render_template("schools/teacher_list.html", teachers=queries.teachers_in(school),
                           teachings=queries.teachings_by_teacher(school))


@bp.route("/teachers/new", methods=["GET", "POST"])
@require(is_school_admin)
def teacher_create():
    form = TeacherForm()
    if form.validate_on_submit():
        try:
            user, password = services.create_account(form.username.data, form.full_name.data,
                                                     Role.TEACHER, current_user.school)
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            return _password_page(user, password, _("Đã tạo tài khoản giáo viên"))
    return _form_page(form, _("Thêm giáo viên"), url_for(".teacher_list"))


def _current_classroom_choices():
    year = services.current_school_year()
    return choices([(c.id, c.name) for c in queries.classrooms_of(current_user.school, year)], blank="—")


@bp.route("/students")
@require(is_school_admin)
def student_list():
    school, year = current_user.school, services.current_school_year()
    classrooms = queries.classrooms_of(school, year)
    classroom_id = request.args.get("classroom", type=int)
    q = (request.args.get("q") or "").strip()
    rows, pager = _paginate(queries.students_in(school, year, q=q, classroom_id=classroom_id))
    return render_template("schools/student_list.html", rows=rows, pager=pager, classrooms=classrooms,
                           classroom_id=classroom_id, q=q, year=year)


@bp.route("/students/new", methods=["GET", "POST"])
@require(is_school_admin)
def student_create():
    form = StudentForm()
    form.classroom_id.choices = _current_classroom_choices()
    if form.validate_on_submit():
        classroom = _load(Classroom, form.classroom_id.data, can_manage_classroom) \
            if form.classroom_id.data else None
        try:
            user, password = services.create_account(form.username.data, form.full_name.data,
                                                     Role.STUDENT, current_user.school,
                                                     form.student_code.data)
            if classroom is not None:
                services.enroll(user, classroom)
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            return _password_page(user, password, _("Đã tạo tài khoản học sinh"))
    return _form_page(form, _("Thêm học sinh"), url_for(".student_list"))


@bp.route("/teachings")
@require(is_school_admin)
def teaching_list():
    return render_template("schools/teaching_list.html", teachings=queries.teachings_in(current_user.school))


@bp.route("/teachings/new", methods=["GET", "POST"])
@require(is_school_admin)
def teaching_create():
    form = TeachingForm()
    form.teacher_id.choices = choices(
        [(t.id, f"{t.full_name} ({t.username})") for t in queries.teachers_in(current_user.school)], blank="—")
    form.classroom_id.choices = _current_classroom_choices()
    form.subject_id.choices = _subject_choices()
    if form.validate_on_submit():
        teacher = _load(User, form.teacher_id.data, can_see_user)
        classroom = _load(Classroom, form.classroom_id.data, can_manage_classroom)
        subject = _load(Subject, form.subject_id.data)
        try:
            services.assign_teaching(teacher, classroom, subject)
        except DomainError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("Đã phân công %(name)s dạy %(subject)s lớp %(classroom)s.", name=teacher.full_name,
                    subject=subject.name(_locale()), classroom=classroom.name), "success")
            return redirect(url_for(".teaching_list"))
    return _form_page(form, _("Phân công giảng dạy"), url_for(".teaching_list"))


@bp.route("/teachings/<int:teaching_id>/delete", methods=["POST"])
@require(is_school_admin)
def teaching_delete(teaching_id):
    teaching = _load(Teaching, teaching_id, can_manage_teaching)
    services.remove_teaching(teaching)
    db.session.commit()
    flash(_("Đã bỏ phân công giảng dạy."), "success")
    return redirect(url_for(".teaching_list"))


# --- bulk student import: upload -> preview -> confirm (a job) -> status (+ passwords sheet) ----

def _sees_import(user, record):
    """An import exists only for the admins of its school (404 for anyone else)."""
    return administers(user, record.school)


@bp.route("/students/import", methods=["GET", "POST"])
@require(is_school_admin)
def student_import():
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("schools/student_import.html", form=form, error=None)
    try:
        data, filename = _read_upload(form.file.data)
        preview = importing.preview_students(current_user.school, data, filename)
    except DomainError as error:
        db.session.rollback()
        return render_template("schools/student_import.html", form=form, error=error), error.status
    stash = importing.stash()
    stash.discard((session.pop(PENDING_IMPORT, None) or {}).get("token"))
    confirm = None
    if preview.ok:
        # The bytes wait on disk (not in the cookie) until confirmed; the token ties them to this session.
        token = stash.put(data, os.path.splitext(filename)[1])
        session[PENDING_IMPORT] = {"token": token, "filename": filename, "school_id": current_user.school_id}
        confirm = ImportConfirmForm(formdata=None, token=token)
    db.session.rollback()  # a preview writes nothing
    return render_template("schools/student_import_preview.html", preview=preview, confirm=confirm,
                           form=UploadForm(formdata=None), filename=filename)


@bp.route("/students/import/confirm", methods=["POST"])
@require(is_school_admin)
def student_import_confirm():
    """Queue the previewed file: hashing a password per new student takes minutes for a whole
    school, so the import runs as a job (checked again there) and this page follows it."""
    form = ImportConfirmForm()
    pending = session.get(PENDING_IMPORT)
    if not (form.validate_on_submit() and pending and pending.get("token") == form.token.data
            and pending.get("school_id") == current_user.school_id):
        flash(_("Không có bản xem trước nào đang chờ xác nhận (hoặc bản này đã cũ). Hãy tải tệp lên lại."),
              "warning")
        return redirect(url_for(".student_import"))
    session.pop(PENDING_IMPORT)
    token = pending["token"]
    if importing.stash().peek(token) is None:
        flash(_("Tệp đã tải lên không còn (quá hạn). Hãy tải tệp lên lại."), "warning")
        return redirect(url_for(".student_import"))
    record = StudentImport(school_id=current_user.school_id, actor_id=current_user.id,
                           filename=pending["filename"], state=ImportState.QUEUED.value)
    db.session.add(record)
    db.session.commit()  # before queueing: the worker must find the row
    import_id = record.id
    try:
        jobs.run_student_import(import_id, token)
    except Exception:  # the queue refused it: say so rather than leave it "queued" for ever
        current_app.logger.exception("Could not queue student import %s", import_id)
        db.session.rollback()
        importing.stash().discard(token)
        record = db.session.get(StudentImport, import_id)
        record.state, record.finished_at = ImportState.FAILED.value, utcnow()
        record.message = "Không đưa được việc nhập vào hàng đợi. Hãy tải tệp lên lại sau ít phút."
        db.session.commit()
    return redirect(url_for(".student_import_status", import_id=import_id))


@bp.route("/students/import/<int:import_id>")
@require(is_school_admin)
def student_import_status(import_id):
    record = _load(StudentImport, import_id, _sees_import)
    response = current_app.make_response(render_template("schools/student_import_status.html",
                                                         record=record))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/students/import/<int:import_id>/passwords.xlsx")
@require(is_school_admin)
def student_import_passwords(import_id):
    record = _load(StudentImport, import_id, _sees_import)
    token, data = record.passwords_token, None
    if token:
        data = importing.stash().take(token)  # once only, even for two clicks at the same time
        record.passwords_token = None
        db.session.commit()
    if data is None:
        flash(_("Bảng mật khẩu đã được tải về hoặc đã hết hạn. Có thể đặt lại mật khẩu từng tài khoản "
                "trong trang Người dùng."), "warning")
        return redirect(url_for(".student_import_status", import_id=import_id))
    response = send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True,
                         download_name=f"mat-khau-hoc-sinh-{current_user.school.code}.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response
