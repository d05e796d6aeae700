"""Homework pages: the teacher side. "Giao bài" (the new-assignment form, with its question
picker and test matrix), "Sửa" (the same form changing an assignment, services.update_assignment)
and the teacher's page of one assignment.

The form is one POST form that also re-renders itself: the picker's "Lọc" and the matrix's
"Kiểm tra ngân hàng" buttons post it back with `action=filter|matrix`, and the page comes back
with everything typed and ticked still in place and the bank's answer shown (no script needed,
works the same on a phone). Only "Giao bài" (`action=publish`) calls the service.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ...core.authz import require
from ...core.errors import DomainError, ValidationError
from ...core.timeutil import as_utc
from ...extensions import db
from ...materials.models import Material
from ...questions import queries as question_queries
from ...questions.models import LEVEL_LABELS, TYPE_LABELS, Question
from ...schools import queries as school_queries
from ...schools.models import Classroom, Teaching, Topic
from .. import permissions, services
from ..forms import (
    GRADING_LABELS,
    KIND_LABELS,
    LEVELS,
    SHOW_ANSWER_LABELS,
    AssignmentForm,
    local_input,
    matrix_from,
    picked_from,
)
from ..models import AssignmentKind, Attempt, AttemptState
from . import bp, load_assignment

PICKER_SIZE = 30


def _taught_classrooms(user):
    return db.session.scalars(
        db.select(Classroom).where(Classroom.id.in_(
            db.select(Teaching.classroom_id).where(Teaching.teacher_id == user.id)))
        .order_by(Classroom.grade, Classroom.name)).all()


def _form(formdata=None, **data):
    return AssignmentForm(formdata=formdata, classrooms=_taught_classrooms(current_user),
                          subjects=school_queries.subjects(), locale=str(get_locale() or "vi"), **data)


def _assignable_material(material_id):
    """A material a teacher may give to a class: published (an approved version in the library)."""
    if material_id is None:
        return None
    material = db.session.get(Material, material_id)
    if material is None or not material.is_published():
        return None
    return material


def _int(text):
    text = (text or "").strip()
    return int(text) if text.isdecimal() and len(text) <= 9 else None


# --- the form's pieces that come from the bank ------------------------------------------------

class Picker:
    """The hand-picked questions: those ticked (kept across re-renders) and the candidates the
    bank's filters find (approved questions, and the teacher's own not yet approved)."""

    def __init__(self, formdata, filters, candidates=True):
        self.picked = picked_from(formdata) if formdata is not None else []
        self.marks = {qid: marks for qid, marks in self.picked}
        chosen = db.session.scalars(db.select(Question).where(Question.id.in_(list(self.marks)))
                                    .options(*question_queries.LISTED)).all() if self.marks else []
        by_id = {q.id: q for q in chosen}
        self.chosen = [by_id[qid] for qid, _marks in self.picked if qid in by_id]
        self.filters = filters
        self.candidates = []
        if not candidates:  # a locked edit form shows the chosen questions only
            return
        bank = db.session.scalars(question_queries.bank(filters).limit(PICKER_SIZE)).all()
        own = db.session.scalars(question_queries.owned_by(current_user, filters)
                                 .where(Question.state.not_in(("approved", "withdrawn")))
                                 .limit(PICKER_SIZE)).all()
        self.candidates = [q for q in [*bank, *own] if q.id not in self.marks]

    @staticmethod
    def version_of(question):
        return question.published_version or question.current_version


class Matrix:
    """The test matrix: rows the topics of the chosen subject and grade, columns the four levels,
    each cell what the teacher typed and what the bank holds for it, asked of
    services.matrix_availability (the rule that makes the pools) for every cell, in batches of the
    most cells a matrix may have."""

    def __init__(self, formdata, subject, grade):
        self.subject, self.grade = subject, grade
        self.topics = school_queries.topics(subject, grade) if subject is not None and grade else []
        self.cells = matrix_from(formdata, self.topics) if formdata is not None else {}
        self.available = {}
        every = [{"topic": t.id, "level": level, "count": 1} for t in self.topics for level in LEVELS]
        for start in range(0, len(every), services.MAX_CELLS):
            for cell in services.matrix_availability(every[start:start + services.MAX_CELLS], subject, grade):
                self.available[(cell["topic"], cell["level"])] = cell["available"]

    def have(self, topic_id, level):
        return self.available.get((topic_id, level), 0)

    def wanted(self, topic_id, level):
        count = self.cells.get((topic_id, level), {}).get("count") or ""
        return int(count) if count.isdecimal() and len(count) <= 4 else 0

    def short(self, topic_id, level):
        return self.wanted(topic_id, level) > self.have(topic_id, level)

    def rows(self):
        """(open, folded): the topics the bank has questions for or the teacher filled, then the
        others, folded away (a subject and grade has some forty lessons)."""
        open_rows, folded = [], []
        for topic in self.topics:
            used = any(self.have(topic.id, lv) or (topic.id, lv) in self.cells for lv in LEVELS)
            (open_rows if used else folded).append(topic)
        return open_rows, folded

    def total(self):
        return sum(self.wanted(topic_id, level) for topic_id, level in self.cells)

    def as_data(self):
        """The cells as the service takes them: [{topic, level, count, marks?}]."""
        return [{"topic": topic_id, "level": level, "count": cell["count"], "marks": cell["marks"] or None}
                for (topic_id, level), cell in self.cells.items()]


def _subject_grade(form):
    subject = school_queries.subject_by_code(form.subject.data) if form.subject.data else None
    grade = _int(form.grade.data)
    return subject, grade if grade in (6, 7, 8) else None


def _page(form, material=None, status=200, errors=None, formdata=None, edit=None):
    """The form's page: "Giao bài", or with `edit` ({assignment, locked, lock_version}) the same
    form changing an assignment (its read-only parts shown, not posted, once students began)."""
    subject, grade = _subject_grade(form)
    if formdata is None and request.method == "POST":
        formdata = request.form
    typed = formdata or {}
    filters = question_queries.BankFilters.from_args({
        "subject": form.subject.data or "", "grade": form.grade.data or "",
        "topic": typed.get("f_topic", ""), "level": typed.get("f_level", ""),
        "qtype": typed.get("f_qtype", ""), "q": typed.get("f_q", "")})
    locked = bool(edit and edit["locked"])
    picker = Picker(formdata, filters, candidates=not locked)
    matrix = Matrix(formdata, subject, grade)
    return render_template(
        "assignments/new.html", form=form, material=material, picker=picker, matrix=matrix,
        levels=LEVELS, level_labels=LEVEL_LABELS, type_labels=TYPE_LABELS, errors=errors or {},
        cell_errors=_cell_errors(errors or {}, matrix), question_errors=_question_errors(errors or {}, picker),
        topics=school_queries.topics(subject, grade) if subject is not None and not locked else [],
        edit=edit, locked=locked), status


def _cell_errors(details, matrix):
    """The service's `matrix.<i>.<field>` messages at the cell they name: {(topic, level): message}."""
    cells, found = matrix.as_data(), {}
    for key, message in details.items():
        parts = key.split(".")
        if parts[0] == "matrix" and len(parts) >= 2 and parts[1].isdecimal() and int(parts[1]) < len(cells) \
                and isinstance(message, str):
            cell = cells[int(parts[1])]
            found[(cell["topic"], cell["level"])] = message
    return found


def _question_errors(details, picker):
    """`question_ids.<i>.marks` at the question it names: {question id: message}."""
    found = {}
    for key, message in details.items():
        parts = key.split(".")
        if parts[0] == "question_ids" and len(parts) >= 2 and parts[1].isdecimal() \
                and int(parts[1]) < len(picker.picked) and isinstance(message, str):
            found[picker.picked[int(parts[1])][0]] = message
    return found


def _service_data(form, matrix, times):
    """The form's fields as services.create_assignment takes them (API.md's POST body)."""
    quiz = form.kind.data in (AssignmentKind.QUIZ, AssignmentKind.MATERIAL)
    by_matrix = quiz and form.source.data == "matrix"
    return {
        "kind": form.kind.data, "title": form.title.data, "instructions": form.instructions.data,
        "class_ids": [c for c in form.classrooms.data],
        "material_id": form.material.data if form.kind.data == AssignmentKind.MATERIAL else None,
        **times,
        "max_attempts": request.form.get("max_attempts"), "grading_method": form.grading_method.data,
        "time_limit_minutes": request.form.get("time_limit_minutes"),
        "shuffle_questions": form.shuffle_questions.data, "shuffle_options": form.shuffle_options.data,
        "show_answers": form.show_answers.data,
        "subject": form.subject.data or None,
        "question_ids": [{"id": qid, "marks": marks} for qid, marks in picked_from(request.form)]
        if quiz and not by_matrix else None,
        "matrix": matrix.as_data() if by_matrix else None,
    }


# --- routes -----------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@require(permissions.can_assign)
def new():
    if request.method == "GET":
        material = _assignable_material(request.args.get("material", type=int))
        data = {}
        if material is not None:
            data = {"kind": AssignmentKind.MATERIAL.value, "title": material.title, "material": str(material.id),
                    "subject": material.subject.code, "grade": str(material.grade)}
        return _page(_form(**data), material)
    form = _form(request.form)
    material = _assignable_material(_int(form.material.data))
    if not form.validate_on_submit():  # the CSRF token only: the rules are the service's
        return _page(form, material, 400)
    if request.form.get("action", "publish") != "publish":
        return _page(form, material)  # the picker's filter, the matrix's check: the page again
    times, time_errors = form.times()
    subject, grade = _subject_grade(form)
    matrix = Matrix(request.form, subject, grade)
    try:
        data = _service_data(form, matrix, times)
        if time_errors:  # what is not a time, and every other field's problem at once
            details = {}
            try:
                services.validate_assignment(current_user, data)
            except ValidationError as error:
                details = error.details
            raise ValidationError(_("Bài tập chưa hợp lệ."), {**details, **time_errors})
        assignment = services.create_assignment(current_user, data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        form.put_errors(error.details)
        return _page(form, material, error.status, errors=error.details)
    flash(_("Đã giao “%(title)s”.", title=assignment.title), "success")
    return redirect(url_for("assignments.detail", assignment_id=assignment.id))


# --- changing an assignment ----------------------------------------------------------------------

# What the edit form still posts once students began; everything else is shown, not posted.
SETTING_FIELDS = ("title", "instructions", "open_at", "due_at", "cutoff_at", "max_attempts", "time_limit_minutes",
                  "grading_method", "show_answers", "shuffle_questions", "shuffle_options")


def _grade_of(assignment):
    """The grade whose catalogue the form's picker and matrix show."""
    if assignment.matrix:
        topic = db.session.get(Topic, assignment.matrix[0].get("topic"))
        if topic is not None:
            return topic.grade
    picked = [q for q in assignment.questions if q.cell is None]
    if picked:
        return picked[0].question.grade
    if assignment.material is not None:
        return assignment.material.grade
    return assignment.classrooms[0].grade if assignment.classrooms else None


def _initial(assignment):
    """The assignment as the form would post it (services.current_fields in the form's names)."""
    current = services.current_fields(assignment)
    data = MultiDict()
    for name in ("kind", "title", "instructions", "grading_method", "show_answers"):
        data[name] = current[name] or ""
    for classroom_id in current["class_ids"]:
        data.add("classrooms", str(classroom_id))
    data["material"] = str(current["material_id"] or "")
    for name in ("open_at", "due_at", "cutoff_at"):
        data[name] = local_input(current[name])
    data["max_attempts"] = str(current["max_attempts"])
    data["time_limit_minutes"] = str(current["time_limit_minutes"] or "")
    for name in ("shuffle_questions", "shuffle_options"):
        if current[name]:
            data[name] = "y"
    data["source"] = "matrix" if current["matrix"] else "picked"
    data["subject"] = current["subject"] or ""
    grade = _grade_of(assignment)
    data["grade"] = str(grade) if grade in (6, 7, 8) else ""
    for entry in current["question_ids"] or []:
        data.add("question_ids", str(entry["id"]))
        data[f"marks_{entry['id']}"] = entry["marks"] or ""
    for cell in current["matrix"] or []:
        prefix = f"cell_{cell['topic']}_{cell['level']}"
        data[f"{prefix}_count"] = str(cell["count"])
        data[f"{prefix}_marks"] = services._marks_text(cell["marks"]) if cell.get("marks") is not None else ""
    return data


CONTENT_FIELDS = ("kind", "classrooms", "material", "source", "subject", "grade", "question_ids")
CONTENT_PREFIXES = ("marks_", "cell_")


def _typed_over(initial, posted):
    """A locked form's settings as posted, its read-only parts as the assignment has them (they
    are disabled, so not sent; a page opened before a student began may still send its own)."""
    data = MultiDict([(key, value) for key, value in posted.items(multi=True)
                      if key not in CONTENT_FIELDS and not key.startswith(CONTENT_PREFIXES)])
    for key in initial:
        if key in CONTENT_FIELDS or key.startswith(CONTENT_PREFIXES):
            data.setlist(key, initial.getlist(key))
    return data


def _kept_times(assignment, form, times):
    """A time left as the form showed it (minutes only) keeps the assignment's exact value."""
    for name in ("open_at", "due_at", "cutoff_at"):
        current = getattr(assignment, name)
        if current is not None and (getattr(form, name).data or "").strip() == local_input(current):
            times[name] = as_utc(current)
    return times


@bp.route("/<int:assignment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(assignment_id):
    """"Sửa": the "Giao bài" form filled with the assignment (services.current_fields). Once a
    student began, the kind, classes, material and questions are shown read-only and only the
    settings are posted. The page carries the lock_version it was made from: saved over a change
    made meanwhile, it comes back (409) with what was typed and the current lock_version."""
    assignment = load_assignment(assignment_id, permissions.can_manage)
    locked = services.has_started(assignment)
    initial = _initial(assignment)
    edit_info = {"assignment": assignment, "locked": locked, "lock_version": assignment.lock_version}
    if request.method == "GET":
        return _page(_form(initial), assignment.material, formdata=initial, edit=edit_info)
    formdata = _typed_over(initial, request.form) if locked else request.form
    edit_info["lock_version"] = request.form.get("lock_version", "")
    form = _form(formdata)
    material = _assignable_material(_int(form.material.data)) or assignment.material
    if not form.validate_on_submit():  # the CSRF token only: the rules are the service's
        return _page(form, material, 400, formdata=formdata, edit=edit_info)
    if request.form.get("action", "publish") != "publish":
        return _page(form, material, formdata=formdata, edit=edit_info)
    times, time_errors = form.times()
    times = _kept_times(assignment, form, times)
    try:
        if locked and "kind" not in request.form:  # the read-only form: its settings only
            data = {name: request.form.get(name) for name in SETTING_FIELDS if name not in times}
            data.update(times, shuffle_questions=form.shuffle_questions.data,
                        shuffle_options=form.shuffle_options.data)
        else:  # every field; a page opened before a student began is refused if its content changed
            sent = _form(request.form)
            subject, grade = _subject_grade(sent)
            data = _service_data(sent, Matrix(request.form, subject, grade), times)
        data["lock_version"] = request.form.get("lock_version", "")
        if time_errors:
            raise ValidationError(_("Bài tập chưa hợp lệ."), time_errors)
        services.update_assignment(assignment, current_user, data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        form.put_errors(error.details)
        if error.code == "stale_assignment":  # saving again writes what was typed over that change
            edit_info["lock_version"] = error.details.get("lock_version")
            edit_info["stale"] = True
        return _page(form, material, error.status, errors=error.details, formdata=formdata, edit=edit_info)
    flash(_("Đã lưu thay đổi của “%(title)s”.", title=assignment.title), "success")
    return redirect(url_for("assignments.detail", assignment_id=assignment.id))


def teacher_page(assignment):
    """The teacher's page of one assignment (its own teacher, or the school's admin, read-only):
    the settings, the questions or matrix, the latest results and the way to the tracking."""
    attempts = db.session.scalars(
        db.select(Attempt).where(Attempt.assignment_id == assignment.id,
                                 Attempt.state == AttemptState.SUBMITTED.value)
        .options(db.joinedload(Attempt.student))
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc()).limit(50)).all()
    topics = {}
    if assignment.matrix:
        ids = {cell.get("topic") for cell in assignment.matrix}
        topics = {t.id: t for t in db.session.scalars(db.select(Topic).where(Topic.id.in_(ids)))}
    from flask import current_app

    tracking = "assignments.tracking" in current_app.view_functions
    return render_template("assignments/teacher_detail.html", assignment=assignment, attempts=attempts,
                           topics=topics, level_labels=LEVEL_LABELS, type_labels=TYPE_LABELS,
                           kind_labels=KIND_LABELS, grading_labels=GRADING_LABELS,
                           show_answer_labels=SHOW_ANSWER_LABELS, tracking=tracking,
                           can_edit=permissions.can_manage(current_user, assignment))

