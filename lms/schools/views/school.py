"""A school admin's pages, about their own school: classes and enrolments, teachers, students,
teaching assignments, and the bulk student import."""

import io
import os

from flask import current_app, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...accounts.models import Role, User
from ...core.authz import authorize, require
from ...core.errors import DomainError
from ...extensions import db
from .. import importing, queries, services
from ..forms import (
    ClassroomForm,
    EnrollForm,
    ImportConfirmForm,
    StudentForm,
    TeacherForm,
    TeachingForm,
    UploadForm,
    choices,
)
from ..models import Classroom, StudentImport, Subject, Teaching
from ..permissions import (
    can_assign_teaching,
    can_enroll,
    can_manage_classroom,
    can_manage_own_school,
    can_manage_teaching,
    can_see_import,
    can_see_user,
)
from .common import (
    bp,
    failed,
    first_error,
    form_page,
    load,
    locale,
    paginate,
    password_page,
    read_upload,
    subject_choices,
)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING_IMPORT = "student_import"


# --- classes and enrolments -------------------------------------------------------------------

@bp.route("/classrooms")
@require(can_manage_own_school)
def classroom_list():
    school, year = current_user.school, services.current_school_year()
    return render_template("schools/classroom_list.html", year=year,
                           classrooms=queries.classrooms_of(school, year),
                           counts=queries.enrollment_counts(school, year))


@bp.route("/classrooms/new", methods=["GET", "POST"])
@require(can_manage_own_school)
def classroom_create():
    form = ClassroomForm()
    if form.validate_on_submit():
        try:
            classroom = services.add_classroom(current_user, current_user.school, form.name.data)
        except DomainError as error:
            failed(error, form)
        else:
            db.session.commit()
            flash(_("Đã thêm lớp %(name)s.", name=classroom.name), "success")
            return redirect(url_for(".classroom_detail", classroom_id=classroom.id))
    return form_page(form, _("Thêm lớp (năm học %(year)s)", year=services.current_school_year().name),
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
@require(can_manage_own_school)
def classroom_detail(classroom_id):
    classroom = load(Classroom, classroom_id, can_manage_classroom)
    teachings = db.session.scalars(db.select(Teaching).where(Teaching.classroom_id == classroom.id)).all()
    return render_template("schools/classroom_detail.html", classroom=classroom,
                           students=queries.students_of(classroom), teachings=teachings,
                           form=_enroll_form(classroom))


@bp.route("/classrooms/<int:classroom_id>/students", methods=["POST"])
@require(can_manage_own_school)
def enrollment_add(classroom_id):
    classroom = load(Classroom, classroom_id, can_manage_classroom)
    form = _enroll_form(classroom)
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
    else:
        student = load(User, form.student_id.data, can_see_user)
        authorize(can_enroll(current_user, student, classroom))
        try:
            services.enroll(current_user, student, classroom)
        except DomainError as error:
            failed(error)
        else:
            db.session.commit()
            flash(_("Đã xếp %(name)s vào lớp %(classroom)s.", name=student.full_name,
                    classroom=classroom.name), "success")
    return redirect(url_for(".classroom_detail", classroom_id=classroom.id))


@bp.route("/classrooms/<int:classroom_id>/students/<int:student_id>/remove", methods=["POST"])
@require(can_manage_own_school)
def enrollment_remove(classroom_id, student_id):
    classroom = load(Classroom, classroom_id, can_manage_classroom)
    student = load(User, student_id, can_see_user)
    authorize(can_enroll(current_user, student, classroom))
    try:
        services.unenroll(current_user, student, classroom)
    except DomainError as error:
        failed(error)
    else:
        db.session.commit()
        flash(_("Đã đưa %(name)s ra khỏi lớp %(classroom)s.", name=student.full_name,
                classroom=classroom.name), "success")
    return redirect(url_for(".classroom_detail", classroom_id=classroom.id))


# --- teachers, students and teaching assignments ---------------------------------------------

@bp.route("/teachers")
@require(can_manage_own_school)
def teacher_list():
    school = current_user.school
    return render_template("schools/teacher_list.html", teachers=queries.teachers_in(school),
                           teachings=queries.teachings_by_teacher(school))


@bp.route("/teachers/new", methods=["GET", "POST"])
@require(can_manage_own_school)
def teacher_create():
    form = TeacherForm()
    if form.validate_on_submit():
        try:
            user, password = services.create_account(current_user, form.username.data, form.full_name.data,
                                                     Role.TEACHER, current_user.school)
        except DomainError as error:
            failed(error, form)
        else:
            db.session.commit()
            return password_page(user, password, _("Đã tạo tài khoản giáo viên"))
    return form_page(form, _("Thêm giáo viên"), url_for(".teacher_list"))


def _current_classroom_choices():
    year = services.current_school_year()
    return choices([(c.id, c.name) for c in queries.classrooms_of(current_user.school, year)], blank="—")


@bp.route("/students")
@require(can_manage_own_school)
def student_list():
    school, year = current_user.school, services.current_school_year()
    classrooms = queries.classrooms_of(school, year)
    classroom_id = request.args.get("classroom", type=int)
    q = (request.args.get("q") or "").strip()
    rows, pager = paginate(queries.students_in(school, year, q=q, classroom_id=classroom_id))
    return render_template("schools/student_list.html", rows=rows, pager=pager, classrooms=classrooms,
                           classroom_id=classroom_id, q=q, year=year)


@bp.route("/students/new", methods=["GET", "POST"])
@require(can_manage_own_school)
def student_create():
    form = StudentForm()
    form.classroom_id.choices = _current_classroom_choices()
    if form.validate_on_submit():
        classroom = load(Classroom, form.classroom_id.data, can_manage_classroom) \
            if form.classroom_id.data else None
        try:
            user, password = services.create_account(current_user, form.username.data, form.full_name.data,
                                                     Role.STUDENT, current_user.school,
                                                     form.student_code.data)
            if classroom is not None:
                services.enroll(current_user, user, classroom)
        except DomainError as error:
            failed(error, form)
        else:
            db.session.commit()
            return password_page(user, password, _("Đã tạo tài khoản học sinh"))
    return form_page(form, _("Thêm học sinh"), url_for(".student_list"))


@bp.route("/teachings")
@require(can_manage_own_school)
def teaching_list():
    return render_template("schools/teaching_list.html", teachings=queries.teachings_in(current_user.school))


@bp.route("/teachings/new", methods=["GET", "POST"])
@require(can_manage_own_school)
def teaching_create():
    form = TeachingForm()
    form.teacher_id.choices = choices(
        [(t.id, f"{t.full_name} ({t.username})") for t in queries.teachers_in(current_user.school)], blank="—")
    form.classroom_id.choices = _current_classroom_choices()
    form.subject_id.choices = subject_choices()
    if form.validate_on_submit():
        teacher = load(User, form.teacher_id.data, can_see_user)
        classroom = load(Classroom, form.classroom_id.data, can_manage_classroom)
        subject = load(Subject, form.subject_id.data)
        authorize(can_assign_teaching(current_user, teacher, classroom))
        try:
            services.assign_teaching(current_user, teacher, classroom, subject)
        except DomainError as error:
            failed(error, form)
        else:
            db.session.commit()
            flash(_("Đã phân công %(name)s dạy %(subject)s lớp %(classroom)s.", name=teacher.full_name,
                    subject=subject.name(locale()), classroom=classroom.name), "success")
            return redirect(url_for(".teaching_list"))
    return form_page(form, _("Phân công giảng dạy"), url_for(".teaching_list"))


@bp.route("/teachings/<int:teaching_id>/delete", methods=["POST"])
@require(can_manage_own_school)
def teaching_delete(teaching_id):
    teaching = load(Teaching, teaching_id, can_manage_teaching)
    services.remove_teaching(current_user, teaching)
    db.session.commit()
    flash(_("Đã bỏ phân công giảng dạy."), "success")
    return redirect(url_for(".teaching_list"))


# --- bulk student import: upload -> preview -> confirm (a job) -> status (+ passwords sheet) ----

@bp.route("/students/import", methods=["GET", "POST"])
@require(can_manage_own_school)
def student_import():
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("schools/student_import.html", form=form, error=None)
    try:
        data, filename = read_upload(form.file.data)
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


def _status_page(record):
    return redirect(url_for(".student_import_status", import_id=record.id))


@bp.route("/students/import/confirm", methods=["POST"])
@require(can_manage_own_school)
def student_import_confirm():
    """Queue the previewed file: hashing a password per new student takes minutes for a whole
    school, so the import runs as a job (checked again there) and this page follows it.

    A preview is confirmed once: a second confirmation (a double click, another tab, a resent
    form), even one racing the first, lands on the same import's status page, as the admin who
    clicked twice expects, and queues nothing (importing.confirm_import).
    """
    form = ImportConfirmForm()
    token = form.token.data if form.validate_on_submit() else None
    done = importing.confirmed_import(token)
    if done is not None:
        return _status_page(load(StudentImport, done.id, can_see_import))
    pending = session.get(PENDING_IMPORT) or {}
    if not (token and pending.get("token") == token and pending.get("school_id") == current_user.school_id):
        flash(_("Không có bản xem trước nào đang chờ xác nhận (hoặc bản này đã cũ). Hãy tải tệp lên lại."),
              "warning")
        return redirect(url_for(".student_import"))
    session.pop(PENDING_IMPORT, None)
    record, created = importing.confirm_import(current_user, current_user.school, token, pending["filename"])
    if not created:  # another confirmation of this preview won the race
        import_id = record.id
        db.session.rollback()  # nothing was written; on SQLite this lets go of the write lock now
        return _status_page(load(StudentImport, import_id, can_see_import))
    if importing.stash().peek(token) is None:
        db.session.rollback()
        flash(_("Tệp đã tải lên không còn (quá hạn). Hãy tải tệp lên lại."), "warning")
        return redirect(url_for(".student_import"))
    import_id = record.id
    db.session.commit()  # the job is queued by the after-commit event (schools/jobs.py)
    return redirect(url_for(".student_import_status", import_id=import_id))


@bp.route("/students/import/<int:import_id>")
@require(can_manage_own_school)
def student_import_status(import_id):
    record = load(StudentImport, import_id, can_see_import)
    response = current_app.make_response(render_template("schools/student_import_status.html",
                                                         record=record))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/students/import/<int:import_id>/passwords.xlsx")
@require(can_manage_own_school)
def student_import_passwords(import_id):
    record = load(StudentImport, import_id, can_see_import)
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
