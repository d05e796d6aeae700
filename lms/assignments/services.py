"""Writes of homework: making and changing an assignment, and the preparation check (a student
opened the material).

Every function takes the actor explicitly, flushes and never commits; the view, the API or the
CLI commits once. Field problems are one ValidationError (422) whose `details` name each field
(`title`, `class_ids`, `matrix.2.count`, ...), so a form shows each message at its field.

Rules (issue 11, DESIGN.md):
- A teacher assigns to classrooms they teach (permissions.teaches), all of their own school.
- A material assignment needs a published material (its published version is pinned), or the
  teacher's own material in any state (its newest version is pinned).
- A quiz has hand-picked questions (approved ones, pinned at their published version, or the
  teacher's own, pinned at their newest) or a test matrix (cells `{topic, level, count, marks?}`):
  each cell's pool is every approved question of that topic and level, pinned at its published
  version with `cell` = the cell's index, and each attempt draws from the pools (matrix.draw).
  A cell whose pool is too small refuses the whole assignment (422, details.shortage) and
  nothing is written.
- Marks: a hand-picked question carries its own marks or 10 / the number of questions; a matrix
  cell's `marks` is the cell's total, shared equally by its questions (default 10 / the number
  of questions each). However they add up, an attempt's mark is scaled to 10 (grading).
- open_at ≤ due_at ≤ cutoff_at; nothing is accepted after the cut-off (or the due time when
  there is none: Assignment.cutoff).
"""

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ..core.errors import Conflict, Forbidden, ValidationError, _
from ..core.http import as_id
from ..core.sanitize import clean_html
from ..core.text import clean_line, nfc
from ..core.timeutil import as_utc, utcnow
from ..extensions import db
from ..materials.models import Material
from ..questions import types
from ..questions.models import Question
from ..schools import fields
from ..schools.models import Classroom, Subject, Topic
from . import permissions
from .models import (
    Assignment,
    AssignmentKind,
    AssignmentQuestion,
    Attempt,
    AttemptState,
    GradingMethod,
    MaterialView,
    ShowAnswers,
    Submission,
)

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_TITLE = 200
MAX_INSTRUCTIONS = 50_000
MAX_CLASSES = 30
MAX_QUESTIONS = 200
MAX_CELLS = 60
MAX_CELL_COUNT = 100
MAX_ATTEMPTS = 50
MAX_TIME_LIMIT = 24 * 60  # minutes
MAX_MARKS = Decimal(100)
FULL_MARKS = Decimal(10)
MARKS_STEP = Decimal("0.001")  # AssignmentQuestion.marks is Numeric(6, 3)
MAX_VIEW_SECONDS = 3600  # one report of reading time; the page reports every few minutes at most
TRUE_WORDS = {"1", "true", "on", "yes", "y", "co", "có"}

__all__ = ["create_assignment", "update_assignment", "validate_assignment", "matrix_availability",
           "parse_time", "has_started", "current_fields", "record_view", "questions_per_attempt"]


# --- values from a form or a JSON body -----------------------------------------------------------

def parse_time(value, name, errors, required=False):
    """An aware UTC datetime from a datetime or an ISO 8601 string ("2026-12-03T14:00",
    "2026-12-03T07:00:00Z"); a time without an offset is the district's (Asia/Ho_Chi_Minh).
    Problems go in `errors[name]`; None when absent or bad."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = _("Bắt buộc.")
        return None
    moment = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None or not 2000 <= moment.year <= 2100:
        errors[name] = _("Thời điểm không hợp lệ (ví dụ 2026-12-03T14:00).")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZONE)
    return moment.astimezone(UTC)


def _int(value, name, errors, lo, hi, message):
    """An integer in [lo, hi] from JSON or text; None (and a message) otherwise."""
    number = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 9:
        number = int(value.strip())
    if number is None or not lo <= number <= hi:
        errors[name] = message
        return None
    return number


def _bool(value):
    if isinstance(value, bool):
        return value
    return clean_line(value).lower() in TRUE_WORDS if isinstance(value, (str, int)) else False


def _marks(value, name, errors):
    """Marks from JSON or text ("2,5" = 2.5): positive, at most MAX_MARKS, three decimals."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        errors[name] = _("Điểm là một số dương, ví dụ 0,25.")
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not 0 < number <= MAX_MARKS:
        errors[name] = _("Điểm là một số dương không quá %(max)s, ví dụ 0,25.", max=MAX_MARKS)
        return None
    number = number.quantize(MARKS_STEP, rounding=ROUND_HALF_UP)
    if number <= 0:
        errors[name] = _("Điểm là một số dương không quá %(max)s, ví dụ 0,25.", max=MAX_MARKS)
        return None
    return number


def _id_list(value):
    """Ids from a JSON list or "1, 2, 3"; (ids, bad) with bad the entries that are no id."""
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",") if part.strip()]
    if not isinstance(value, list):
        return [], [value]
    ids, bad = [], []
    for entry in value:
        found = as_id(entry)
        if found is None:
            bad.append(entry)
        elif found not in ids:
            ids.append(found)
    return ids, bad


def _choice(value, enum_type, default, name, errors):
    if value is None or value == "":
        return default.value
    text = clean_line(value) if isinstance(value, str) else None
    if text not in {member.value for member in enum_type}:
        errors[name] = _("Chọn một trong: %(choices)s.", choices=", ".join(m.value for m in enum_type))
        return default.value
    return text


def _share(total, count):
    return (Decimal(total) / count).quantize(MARKS_STEP, rounding=ROUND_HALF_UP) if count else Decimal(0)


# --- the parts of an assignment ------------------------------------------------------------------

def _classrooms(teacher, value, errors):
    ids, bad = _id_list(value)
    if bad or not ids:
        errors["class_ids"] = _("Chọn ít nhất một lớp.") if not ids and not bad else _("Mã lớp không hợp lệ.")
        return []
    if len(ids) > MAX_CLASSES:
        errors["class_ids"] = _("Tối đa %(max)s lớp.", max=MAX_CLASSES)
        return []
    found = {c.id: c for c in db.session.scalars(db.select(Classroom).where(Classroom.id.in_(ids)))}
    refused = [i for i in ids if i not in found or found[i].school_id != teacher.school_id
               or not permissions.teaches(teacher, found[i])]
    if refused:
        errors["class_ids"] = _("Bạn chỉ giao bài cho các lớp mình dạy ở trường mình (không được: %(ids)s).",
                                ids=", ".join(map(str, refused)))
        return []
    return [found[i] for i in ids]


def _material(teacher, value, errors, required):
    """(material, pinned version): published → its published version; the teacher's own in any
    state → its newest version. Anyone else's unpublished material does not exist here."""
    if value in (None, "", 0, "0"):
        if required:
            errors["material_id"] = _("Chọn học liệu để giao.")
        return None, None
    material_id = as_id(value)
    material = db.session.get(Material, material_id) if material_id else None
    if material is not None and material.is_published():
        return material, material.published_version
    if material is not None and material.owner_id == teacher.id and material.latest_version is not None:
        return material, material.latest_version
    errors["material_id"] = _("Không có học liệu này, hoặc nó chưa được duyệt.")
    return None, None


def _picked(teacher, value, errors):
    """Hand-picked questions: [(question, pinned version, marks or None)], in the order given.
    Entries are ids or {id, marks}."""
    if not isinstance(value, list):
        value = _id_list(value)[0] if isinstance(value, str) else None
        if value is None:
            errors["question_ids"] = _("Danh sách câu hỏi không hợp lệ.")
            return []
    if len(value) > MAX_QUESTIONS:
        errors["question_ids"] = _("Tối đa %(max)s câu hỏi.", max=MAX_QUESTIONS)
        return []
    wanted = []  # (id, marks)
    for index, entry in enumerate(value):
        raw_marks = None
        if isinstance(entry, dict):
            raw_marks = entry.get("marks")
            entry = entry.get("id")
        question_id = as_id(entry)
        if question_id is None:
            errors["question_ids"] = _("Mã câu hỏi không hợp lệ.")
            return []
        marks = None
        if raw_marks not in (None, ""):
            marks = _marks(raw_marks, f"question_ids.{index}.marks", errors)
        if any(question_id == seen for seen, _m in wanted):
            errors["question_ids"] = _("Câu hỏi %(id)s được chọn hai lần.", id=question_id)
            return []
        wanted.append((question_id, marks))
    if not wanted:
        return []
    found = {q.id: q for q in db.session.scalars(
        db.select(Question).where(Question.id.in_([i for i, _m in wanted]))
        .options(db.joinedload(Question.published_version), db.joinedload(Question.current_version)))}
    picked, refused = [], []
    for question_id, marks in wanted:
        question = found.get(question_id)
        version = None
        if question is not None and question.is_published():
            version = question.published_version
        elif question is not None and question.owner_id == teacher.id:
            version = question.current_version
        if version is None:
            refused.append(question_id)
        else:
            picked.append((question, version, marks))
    if refused:
        errors["question_ids"] = _("Không dùng được các câu hỏi (chưa duyệt và không phải của bạn): %(ids)s.",
                                   ids=", ".join(map(str, refused)))
        return []
    return picked


def _cells(value, errors, subject=None):
    """The matrix's cells, cleaned: [{topic (a Topic), level, count, marks (the cell's total or
    None)}]. Problems under `matrix` and `matrix.<i>.<field>`."""
    if not isinstance(value, list) or not value:
        errors["matrix"] = _("Ma trận cần ít nhất một ô {chủ đề, mức độ, số câu}.")
        return []
    if len(value) > MAX_CELLS:
        errors["matrix"] = _("Ma trận có tối đa %(max)s ô.", max=MAX_CELLS)
        return []
    topic_ids = {as_id(cell.get("topic")) for cell in value if isinstance(cell, dict)} - {None}
    topics = {t.id: t for t in db.session.scalars(db.select(Topic).where(Topic.id.in_(topic_ids)))} \
        if topic_ids else {}
    cells, seen, before = [], set(), len(errors)
    for index, cell in enumerate(value):
        if not isinstance(cell, dict):
            errors[f"matrix.{index}"] = _("Mỗi ô là {chủ đề, mức độ, số câu}.")
            continue
        topic = topics.get(as_id(cell.get("topic")))
        if topic is None:
            errors[f"matrix.{index}.topic"] = _("Không có chủ đề/bài học này.")
        elif subject is not None and topic.subject_id != subject.id:
            errors[f"matrix.{index}.topic"] = _("Chủ đề/bài học không thuộc môn của bài tập.")
        level = cell.get("level")
        if not isinstance(level, str) or level not in types.LEVELS:
            errors[f"matrix.{index}.level"] = _("Chọn một trong: %(choices)s.", choices=", ".join(types.LEVELS))
            level = None
        count = _int(cell.get("count"), f"matrix.{index}.count", errors, 1, MAX_CELL_COUNT,
                     _("Số câu từ 1 đến %(max)s.", max=MAX_CELL_COUNT))
        marks = None
        if cell.get("marks") not in (None, ""):
            marks = _marks(cell.get("marks"), f"matrix.{index}.marks", errors)
        if topic is not None and level is not None:
            if (topic.id, level) in seen:
                errors[f"matrix.{index}"] = _("Ô này trùng chủ đề và mức độ với một ô khác.")
            seen.add((topic.id, level))
        cells.append({"topic": topic, "level": level, "count": count, "marks": marks})
    if len(errors) > before:
        errors.setdefault("matrix", _("Ma trận có ô chưa hợp lệ."))
        return []
    subjects = {c["topic"].subject_id for c in cells}
    if len(subjects) > 1:
        errors["matrix"] = _("Các ô của ma trận phải cùng một môn học.")
        return []
    return cells


def _pools(cells):
    """{cell index: [(question id, published version id)]}: the approved questions of each
    cell's topic and level, oldest first. One statement."""
    topic_ids = {c["topic"].id for c in cells}
    levels = {c["level"] for c in cells}
    rows = db.session.execute(
        db.select(Question.id, Question.published_version_id, Question.topic_id, Question.level)
        .where(Question.published_version_id.is_not(None), Question.state != "withdrawn",
               Question.topic_id.in_(topic_ids), Question.level.in_(levels))
        .order_by(Question.id)).all()
    index_of = {(c["topic"].id, c["level"]): i for i, c in enumerate(cells)}
    pools = {i: [] for i in range(len(cells))}
    for question_id, version_id, topic_id, level in rows:
        cell = index_of.get((topic_id, level))
        if cell is not None:
            pools[cell].append((question_id, version_id))
    return pools


def _shortage(cells, pools):
    return [{"topic": c["topic"].id, "level": c["level"], "wanted": c["count"], "available": len(pools[i])}
            for i, c in enumerate(cells) if len(pools[i]) < c["count"]]


def matrix_availability(cells, subject=None, grade=None):
    """What the bank holds for each cell of a matrix, before publishing (read-only):
    [{topic, level, wanted, available, enough}] in the cells' order. `cells` as the API takes
    them ([{topic, level, count}]); `subject` (a Subject or its code) and `grade` narrow the
    topics accepted. Raises ValidationError naming the bad cells."""
    errors = {}
    if subject is not None and not isinstance(subject, Subject):
        subject = fields.subject(subject, errors)
    cleaned = _cells(cells, errors, subject)
    if grade is not None and cleaned and any(c["topic"].grade != int(grade) for c in cleaned):
        errors["matrix"] = _("Chủ đề/bài học không thuộc khối lớp đã chọn.")
    if errors:
        raise ValidationError(_("Ma trận đề chưa hợp lệ."), errors)
    pools = _pools(cleaned)
    return [{"topic": c["topic"].id, "level": c["level"], "wanted": c["count"], "available": len(pools[i]),
             "enough": len(pools[i]) >= c["count"]} for i, c in enumerate(cleaned)]


# --- the whole assignment ------------------------------------------------------------------------

SETTINGS = ("title", "instructions", "open_at", "due_at", "cutoff_at", "max_attempts", "time_limit_minutes",
            "grading_method", "show_answers", "shuffle_questions", "shuffle_options")


def _settings(data, errors):
    """The fields that say how the work is done (SETTINGS), cleaned; problems go in `errors`.
    They are what may still change once a student has started (update_assignment)."""
    title = clean_line(data.get("title")) if isinstance(data.get("title"), (str, int, float)) else ""
    if not title:
        errors["title"] = _("Hãy đặt tên cho bài tập.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("Tối đa %(max)s kí tự.", max=MAX_TITLE)
    raw_instructions = data.get("instructions")
    instructions = clean_html(nfc(raw_instructions)) if isinstance(raw_instructions, str) else ""
    if len(instructions) > MAX_INSTRUCTIONS:
        errors["instructions"] = _("Tối đa %(max)s kí tự.", max=MAX_INSTRUCTIONS)
    now = utcnow()
    open_at = parse_time(data.get("open_at"), "open_at", errors) or now.replace(microsecond=0)
    due_at = parse_time(data.get("due_at"), "due_at", errors, required=True)
    cutoff_at = parse_time(data.get("cutoff_at"), "cutoff_at", errors)
    if due_at is not None and open_at > due_at:
        errors["due_at"] = _("Hạn nộp phải sau thời điểm mở bài.")
    if due_at is not None and cutoff_at is not None and cutoff_at < due_at:
        errors["cutoff_at"] = _("Hạn chót phải bằng hoặc sau hạn nộp.")

    max_attempts = 1
    if data.get("max_attempts") not in (None, ""):
        max_attempts = _int(data.get("max_attempts"), "max_attempts", errors, 1, MAX_ATTEMPTS,
                            _("Số lượt làm từ 1 đến %(max)s.", max=MAX_ATTEMPTS)) or 1
    time_limit = None
    if data.get("time_limit_minutes") not in (None, "", 0, "0"):
        time_limit = _int(data.get("time_limit_minutes"), "time_limit_minutes", errors, 1, MAX_TIME_LIMIT,
                          _("Thời gian làm bài từ 1 đến %(max)s phút.", max=MAX_TIME_LIMIT))
    elif data.get("time_limit_minutes") in (0, "0"):
        errors["time_limit_minutes"] = _("Thời gian làm bài từ 1 đến %(max)s phút.", max=MAX_TIME_LIMIT)
    grading_method = _choice(data.get("grading_method"), GradingMethod, GradingMethod.HIGHEST,
                             "grading_method", errors)
    show_answers = _choice(data.get("show_answers"), ShowAnswers, ShowAnswers.AFTER_SUBMIT, "show_answers", errors)
    shuffle = _bool(data.get("shuffle"))
    shuffle_questions = shuffle or _bool(data.get("shuffle_questions"))
    shuffle_options = shuffle or _bool(data.get("shuffle_options"))
    return {"title": title, "instructions": instructions, "open_at": open_at, "due_at": due_at,
            "cutoff_at": cutoff_at, "max_attempts": max_attempts, "time_limit_minutes": time_limit,
            "grading_method": grading_method, "show_answers": show_answers,
            "shuffle_questions": shuffle_questions, "shuffle_options": shuffle_options}


def validate_assignment(teacher, data):
    """Every field of an assignment, cleaned, or one ValidationError naming each bad field (a
    matrix the bank cannot fill adds `details.shortage`). `data` as API.md's POST body: title,
    instructions, kind, class_ids, subject?, open_at?, due_at, cutoff_at?, material_id?,
    question_ids? (ids or {id, marks}) or matrix? ([{topic, level, count, marks?}]),
    max_attempts?, time_limit_minutes?, grading_method?, show_answers?, shuffle? (both),
    shuffle_questions?, shuffle_options?."""
    if not isinstance(data, dict):
        raise ValidationError(_("Cần một đối tượng JSON."), {"body": "object"})
    errors = {}
    settings = _settings(data, errors)
    kind = _choice(data.get("kind"), AssignmentKind, AssignmentKind.QUIZ, "kind", errors)
    if data.get("kind") in (None, ""):
        errors["kind"] = _("Chọn loại bài: material, quiz hoặc submission.")
    classrooms = _classrooms(teacher, data.get("class_ids"), errors)
    subject = None
    if data.get("subject") not in (None, ""):
        subject = fields.subject(data.get("subject"), errors)

    material, material_version = _material(teacher, data.get("material_id"), errors,
                                           required=kind == AssignmentKind.MATERIAL)
    has_picked = data.get("question_ids") not in (None, "", [])
    has_matrix = data.get("matrix") not in (None, "", [])
    picked, cells = [], []
    if kind == AssignmentKind.SUBMISSION and (has_picked or has_matrix):
        errors["question_ids"] = _("Bài nộp sản phẩm không có câu hỏi; hãy chọn loại bài trắc nghiệm.")
    elif has_picked and has_matrix:
        errors["matrix"] = _("Chọn câu hỏi hoặc lập ma trận đề, không dùng cả hai.")
    elif has_picked:
        picked = _picked(teacher, data.get("question_ids"), errors)
    elif has_matrix:
        cells = _cells(data.get("matrix"), errors, subject)
    elif kind == AssignmentKind.QUIZ:
        errors["question_ids"] = _("Bài trắc nghiệm cần câu hỏi: chọn câu hỏi hoặc lập ma trận đề.")

    if subject is None:  # the subject of what is assigned
        if material is not None:
            subject = material.subject
        elif picked:
            subject = picked[0][0].subject
        elif cells:
            subject = cells[0]["topic"].subject
        elif classrooms:
            subject = _taught_subject(teacher, classrooms)

    shortage, pools = [], {}
    if cells and not errors:
        pools = _pools(cells)
        shortage = _shortage(cells, pools)
        if shortage:
            errors["matrix"] = _("Ngân hàng chưa đủ câu hỏi cho %(n)s ô của ma trận.", n=len(shortage))
    if errors:
        details = dict(errors)
        if shortage:
            details["shortage"] = shortage
        raise ValidationError(_("Bài tập chưa hợp lệ."), details)
    return {
        **settings, "kind": kind, "classrooms": classrooms, "subject": subject,
        "material": material, "material_version": material_version, "picked": picked, "cells": cells,
        "pools": pools,
    }


def _taught_subject(teacher, classrooms):
    from ..schools.models import Teaching

    return db.session.scalar(db.select(Subject).join(Teaching, Teaching.subject_id == Subject.id).where(
        Teaching.teacher_id == teacher.id, Teaching.classroom_id == classrooms[0].id).limit(1))


def questions_per_attempt(assignment):
    """How many questions one attempt has: the hand-picked ones plus each matrix cell's count."""
    picked = sum(1 for q in assignment.questions if q.cell is None)
    return picked + sum(int(c["count"]) for c in (assignment.matrix or []))


def _apply(assignment, cleaned):
    """Write the cleaned fields and pin the questions (flushes)."""
    for name in ("title", "instructions", "kind", "open_at", "due_at", "cutoff_at", "max_attempts",
                 "time_limit_minutes", "grading_method", "show_answers", "shuffle_questions", "shuffle_options"):
        setattr(assignment, name, cleaned[name])
    assignment.subject = cleaned["subject"]
    assignment.material = cleaned["material"]
    assignment.material_version = cleaned["material_version"]
    assignment.classrooms = list(cleaned["classrooms"])
    assignment.updated_at = utcnow()
    if assignment.questions:
        # The unique (assignment, question) rows go before any comes back.
        assignment.questions = []
        db.session.flush()
    picked, cells, pools = cleaned["picked"], cleaned["cells"], cleaned["pools"]
    total = len(picked) + sum(c["count"] for c in cells)
    default = _share(FULL_MARKS, total)
    rows = [AssignmentQuestion(question_id=q.id, question_version_id=v.id, position=i, cell=None,
                               marks=m if m is not None else default)
            for i, (q, v, m) in enumerate(picked)]
    for index, cell in enumerate(cells):
        marks = _share(cell["marks"], cell["count"]) if cell["marks"] is not None else default
        rows += [AssignmentQuestion(question_id=qid, question_version_id=vid, position=i, cell=index, marks=marks)
                 for i, (qid, vid) in enumerate(pools[index])]
    assignment.questions = rows
    assignment.matrix = [{"topic": c["topic"].id, "level": c["level"], "count": c["count"],
                          "marks": float(c["marks"]) if c["marks"] is not None else None}
                         for c in cells] if cells else None
    db.session.flush()
    return assignment


def create_assignment(teacher, data):
    """Make an assignment of `teacher` from API.md's fields (see validate_assignment), pinning the
    material's and the questions' versions. Raises Forbidden for anyone but a teacher and
    ValidationError (422, nothing written) for bad fields or a matrix the bank cannot fill."""
    if not permissions.can_assign(teacher):
        raise Forbidden(_("Chỉ giáo viên giao bài."))
    cleaned = validate_assignment(teacher, data)
    assignment = Assignment(teacher_id=teacher.id, school_id=teacher.school_id, created_at=utcnow())
    db.session.add(assignment)
    return _apply(assignment, cleaned)


def _started_clause(assignment_id):
    """SQL: a student has begun the work (an attempt, a submission or an opening of the material)."""
    return (db.exists().where(Attempt.assignment_id == assignment_id)
            | db.exists().where(Submission.assignment_id == assignment_id)
            | db.exists().where(MaterialView.assignment_id == assignment_id))


def has_started(assignment):
    """Whether any student has begun it: an attempt, a submission or an opening of its material
    (reading it is the work of a material assignment)."""
    return db.session.scalar(db.select(_started_clause(assignment.id))) or False


def _marks_text(value):
    """Marks as a teacher types them: 2.500 → "2,5"."""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def current_fields(assignment):
    """The assignment's fields as validate_assignment takes them (an edit form's starting values).
    Hand-picked questions carry their marks unless they are the even share of 10 (then none, as
    the teacher left them)."""
    mine = [q for q in assignment.questions if q.cell is None]
    total = len(mine) + sum(int(c["count"]) for c in (assignment.matrix or []))
    even = all(q.marks == _share(FULL_MARKS, total) for q in mine)
    picked = [{"id": q.question_id, "marks": None if even else _marks_text(q.marks)} for q in mine]
    return {
        "title": assignment.title, "instructions": assignment.instructions, "kind": assignment.kind,
        "class_ids": [c.id for c in assignment.classrooms],
        "subject": assignment.subject.code if assignment.subject else None,
        "open_at": as_utc(assignment.open_at), "due_at": as_utc(assignment.due_at),
        "cutoff_at": as_utc(assignment.cutoff_at), "material_id": assignment.material_id,
        "question_ids": picked or None, "matrix": assignment.matrix,
        "max_attempts": assignment.max_attempts, "time_limit_minutes": assignment.time_limit_minutes,
        "grading_method": assignment.grading_method, "show_answers": assignment.show_answers,
        "shuffle_questions": assignment.shuffle_questions, "shuffle_options": assignment.shuffle_options,
    }


# --- changing an assignment ----------------------------------------------------------------------
#
# What may change, and when (issue 11; the edit form and PATCH /api/v1/assignments/{id}):
# - Until a student has begun (has_started), everything; changed questions or matrix are pinned
#   afresh. Content sent unchanged (the form posts every field) is kept as it is, pins included.
# - Once a student has begun, only the settings (SETTINGS: title, instructions, times, attempts,
#   time limit, grading method, shuffling, answer visibility). A different kind, class list,
#   material, subject, question list or matrix is refused: 409 `assignment_started`, details
#   naming each field. The check is part of the conditional UPDATE, so a student who starts
#   while the edit is in flight cannot be given questions that are then replaced.
# - Times keep open ≤ due ≤ cut-off. A due time or cut-off moved EARLIER may not land in the past
#   (before the current minute): work already handed in (its `late` flag is fixed when it comes in)
#   and material read so far never turn late or past the cut-off by an edit. Moving them later is
#   always allowed. Once begun, the open time may not move past now (the work is open already).
# - Open attempts keep the deadline promised at their start (a new time limit, shorter or longer,
#   is for attempts started afterwards) unless the cut-off moves: moved earlier, a deadline past
#   the new cut-off becomes the cut-off (never in the past, see above); moved later, an attempt
#   that the old cut-off had cut short gets min(start + the time limit before the edit, new
#   cut-off).
# - A lower number of attempts stops new attempts; attempts made stay. A new grading method
#   combines the attempts made (marks are combined when read).
# - lock_version: every edit bumps it; an edit sent with another value than the row's (a form
#   opened before someone else saved) is refused, 409 `stale_assignment` with the current
#   lock_version, and writes nothing. Without one (API clients may omit it) the edit acts on the
#   row as this request read it.

CONTENT = ("kind", "class_ids", "material_id", "subject", "question_ids", "matrix")
MOVED_GRACE_SECONDS = 60  # a time typed as "this minute" in a datetime-local field is not the past


def _decimal(value):
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        return "bad"
    return number.quantize(MARKS_STEP, rounding=ROUND_HALF_UP) if number.is_finite() else "bad"


def _picked_as_sent(value):
    """[(question id, marks or None)] of a question_ids value, leniently; None when unreadable."""
    if isinstance(value, str):
        value = _id_list(value)[0]
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        return None
    picked = []
    for entry in value:
        marks = None
        if isinstance(entry, dict):
            marks, entry = _decimal(entry.get("marks")), entry.get("id")
        if as_id(entry) is None or marks == "bad":
            return None
        picked.append((as_id(entry), marks))
    return picked


def _cells_as_sent(value):
    """{(topic, level): (count, marks or None)} of a matrix value, leniently; None when unreadable."""
    if value in (None, ""):
        return {}
    if not isinstance(value, list):
        return None
    cells = {}
    for cell in value:
        if not isinstance(cell, dict):
            return None
        count, marks = cell.get("count"), _decimal(cell.get("marks"))
        count = int(count) if isinstance(count, int) and not isinstance(count, bool) else \
            int(count.strip()) if isinstance(count, str) and count.strip().isdecimal() and len(count) < 9 else None
        if as_id(cell.get("topic")) is None or count is None or marks == "bad":
            return None
        cells[(as_id(cell.get("topic")), cell.get("level"))] = (count, marks)
    return cells


def _content_changes(assignment, data):
    """The CONTENT fields of `data` that differ from the assignment's (compared leniently: ids
    as numbers, marks as decimals, cells in any order; an unreadable value counts as changed)."""
    changed = []
    if "kind" in data and clean_line(data["kind"]) != assignment.kind:
        changed.append("kind")
    if "class_ids" in data:
        ids, bad = _id_list(data["class_ids"])
        if bad or set(ids) != {c.id for c in assignment.classrooms}:
            changed.append("class_ids")
    if "material_id" in data:
        sent = None if data["material_id"] in (None, "", 0, "0") else as_id(data["material_id"])
        if sent != assignment.material_id or (sent is None and data["material_id"] not in (None, "", 0, "0")):
            changed.append("material_id")
    if "subject" in data and data["subject"] not in (None, "") and (
            assignment.subject is None or clean_line(data["subject"]) != assignment.subject.code):
        changed.append("subject")
    mine = [(q.question_id, q.marks) for q in assignment.questions if q.cell is None]
    cells = {(c["topic"], c["level"]): (int(c["count"]), _decimal(c.get("marks")))
             for c in (assignment.matrix or [])}
    if "question_ids" in data or "matrix" in data:
        sent_picked = _picked_as_sent(data.get("question_ids")) if "question_ids" in data else \
            [(qid, m) for qid, m in mine]
        sent_cells = _cells_as_sent(data.get("matrix")) if "matrix" in data else cells
        if sent_picked is None or sent_cells is None:
            changed.append("question_ids" if "question_ids" in data else "matrix")
        else:
            total = len(sent_picked) + sum(count for count, _m in sent_cells.values())
            even = _share(FULL_MARKS, total)
            effective = [(qid, m if m is not None else even) for qid, m in sent_picked]
            if effective != mine:
                changed.append("question_ids")
            if sent_cells != cells:
                changed.append("matrix")
    return changed


def _expected_version(assignment, data):
    seen = data.get("lock_version")
    if seen is None or seen == "":
        return assignment.lock_version
    if isinstance(seen, bool) or not isinstance(seen, (int, str)) or not str(seen).strip().isdecimal() \
            or len(str(seen).strip()) > 9:
        raise ValidationError(_("lock_version phải là số nguyên."), {"lock_version": "integer"})
    return int(seen)


def _stale(assignment):
    current = db.session.scalar(db.select(Assignment.lock_version).where(Assignment.id == assignment.id))
    return Conflict("stale_assignment", _("Bài tập vừa được sửa ở nơi khác sau khi bạn mở trang. Các giá trị "
                                          "bạn nhập vẫn còn: xem lại rồi lưu lần nữa để ghi đè."),
                    {"lock_version": current})


def _locked(changed):
    message = _("Học sinh đã bắt đầu làm bài nên không đổi được nữa.")
    return Conflict("assignment_started", _("Học sinh đã bắt đầu làm bài nên chỉ sửa được tên, hướng dẫn, thời "
                                            "gian và cách làm bài; loại bài, lớp, học liệu và câu hỏi giữ nguyên."),
                    {name: message for name in changed})


def _check_moves(assignment, settings, started, now):
    """The time rules of an edit (see above): {field: message} of the refused moves."""
    errors = {}
    floor = now - timedelta(seconds=MOVED_GRACE_SECONDS)
    old_due, old_cutoff = as_utc(assignment.due_at), as_utc(assignment.cutoff)
    new_due = settings["due_at"]
    new_cutoff = settings["cutoff_at"] or new_due
    if new_due < old_due and new_due < floor:
        errors["due_at"] = _("Chỉ dời hạn nộp sớm hơn tới một thời điểm chưa qua: bài đã nộp không bị tính "
                             "là muộn vì bài bị sửa.")
    if new_cutoff < old_cutoff and new_cutoff < floor:
        errors["cutoff_at"] = _("Chỉ dời giờ khoá bài sớm hơn tới một thời điểm chưa qua.")
    if started and settings["open_at"] > max(as_utc(assignment.open_at), now):
        errors["open_at"] = _("Học sinh đã bắt đầu làm bài nên không dời giờ mở bài về sau được nữa.")
    return errors


def _move_open_attempts(assignment, old_cutoff, old_limit, new_cutoff, now):
    """Open attempts' deadlines after the cut-off moved (see above). A few rows (one class's open
    attempts): each is one conditional UPDATE that also bumps its lock_version (a submit or an
    autosave in flight reads it again)."""
    if new_cutoff == old_cutoff:
        return 0
    if new_cutoff < old_cutoff:
        return db.session.execute(
            db.update(Attempt).where(Attempt.assignment_id == assignment.id,
                                     Attempt.state == AttemptState.IN_PROGRESS.value,
                                     Attempt.deadline_at > new_cutoff)
            .values(deadline_at=new_cutoff, lock_version=Attempt.lock_version + 1)
            .execution_options(synchronize_session=False)).rowcount
    moved = 0
    rows = db.session.execute(db.select(Attempt.id, Attempt.started_at, Attempt.deadline_at).where(
        Attempt.assignment_id == assignment.id, Attempt.state == AttemptState.IN_PROGRESS.value)).all()
    for attempt_id, started_at, deadline_at in rows:
        deadline = as_utc(deadline_at)
        if deadline is None or deadline != old_cutoff:
            continue  # its own time limit ended it before the cut-off: that promise stands
        longer = new_cutoff if not old_limit else min(new_cutoff, as_utc(started_at) + timedelta(minutes=old_limit))
        if longer > deadline:
            moved += db.session.execute(
                db.update(Attempt).where(Attempt.id == attempt_id, Attempt.state == AttemptState.IN_PROGRESS.value)
                .values(deadline_at=longer, lock_version=Attempt.lock_version + 1)
                .execution_options(synchronize_session=False)).rowcount
    return moved


def update_assignment(assignment, teacher, data, now=None):
    """Change an assignment: `data` holds the fields to change (the others keep their values; a
    new question_ids replaces a matrix and the other way round) and optionally the
    `lock_version` its sender read. The rules are above. Forbidden (403) for anyone but its
    teacher; ValidationError (422) naming bad fields; Conflict (409) `assignment_started` or
    `stale_assignment`. Nothing is written unless every check passes. Flushes, never commits."""
    if not permissions.can_manage(teacher, assignment):
        raise Forbidden(_("Chỉ giáo viên giao bài được sửa bài này."))
    if not isinstance(data, dict):
        raise ValidationError(_("Cần một đối tượng JSON."), {"body": "object"})
    now = now or utcnow()
    # The row as it is now, locked until the commit (PostgreSQL): a student's start holds a key-share
    # lock on it while it reads the questions and the cut-off (attempts.start), so "has anyone
    # begun" below is read after any start in flight has committed, and no start reads content
    # this edit is replacing.
    db.session.refresh(assignment, with_for_update=True)
    data = {key: value for key, value in data.items() if key != "lock_version"} | \
        {"lock_version": _expected_version(assignment, data)}
    if data["lock_version"] != assignment.lock_version:
        raise _stale(assignment)
    merged = current_fields(assignment)
    if "question_ids" in data:
        merged["matrix"] = None
    if "matrix" in data:
        merged["question_ids"] = None
    merged.update({key: value for key, value in data.items() if key != "lock_version"})
    changed = _content_changes(assignment, data)
    started = has_started(assignment)
    if started and changed:
        raise _locked(changed)
    if changed:
        cleaned = validate_assignment(teacher, merged)
    else:  # the questions, classes and material stay as they are, pins included
        errors = {}
        cleaned = _settings(merged, errors)
        if errors:
            raise ValidationError(_("Bài tập chưa hợp lệ."), errors)
    moves = _check_moves(assignment, cleaned, started, now)
    if moves:
        raise ValidationError(_("Bài tập chưa hợp lệ."), moves)

    # One conditional write: the row read (lock_version), and nobody started when content changes.
    guard = [Assignment.id == assignment.id, Assignment.lock_version == data["lock_version"]]
    if changed:
        guard.append(~_started_clause(assignment.id))
    written = db.session.execute(
        db.update(Assignment).where(*guard)
        .values(lock_version=Assignment.lock_version + 1, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if written != 1:
        current = db.session.scalar(db.select(Assignment.lock_version).where(Assignment.id == assignment.id))
        if current != data["lock_version"]:
            raise _stale(assignment)
        raise _locked(changed)
    old_cutoff, old_limit = as_utc(assignment.cutoff), assignment.time_limit_minutes
    set_committed_value(assignment, "lock_version", data["lock_version"] + 1)
    set_committed_value(assignment, "updated_at", now)
    if changed:
        _apply(assignment, cleaned)
    else:
        for name in SETTINGS:
            setattr(assignment, name, cleaned[name])
        db.session.flush()
    _move_open_attempts(assignment, old_cutoff, old_limit, as_utc(assignment.cutoff), now)
    return assignment


# --- the preparation check -----------------------------------------------------------------------

def record_view(assignment, student, seconds=None, now=None):
    """A student opened the assignment's material (POST .../views). Without `seconds` it is a new
    opening: views + 1; with `seconds` (0..MAX_VIEW_SECONDS) it reports reading time of the
    current opening, added to the total. first_at/last_at are kept. Idempotent per row: two
    first views at once make one row (the unique (assignment, student) and a re-read).
    Returns the MaterialView."""
    if not permissions.can_do(student, assignment):
        raise Forbidden(_("Chỉ học sinh được giao bài mới ghi nhận việc xem học liệu."))
    errors = {}
    add = 0
    if seconds not in (None, ""):
        add = _int(seconds, "seconds", errors, 0, MAX_VIEW_SECONDS,
                   _("Số giây từ 0 đến %(max)s.", max=MAX_VIEW_SECONDS))
        if errors:
            raise ValidationError(_("Dữ liệu chưa hợp lệ."), errors)
    now = now or utcnow()
    new_view = 1 if seconds in (None, "") else 0

    def bump():
        return db.session.execute(
            db.update(MaterialView).where(MaterialView.assignment_id == assignment.id,
                                          MaterialView.student_id == student.id)
            .values(views=MaterialView.views + new_view, seconds=MaterialView.seconds + add, last_at=now)
            .execution_options(synchronize_session=False)).rowcount

    if not bump():
        row = MaterialView(assignment_id=assignment.id, student_id=student.id, material_id=assignment.material_id,
                           first_at=now, last_at=now, views=1, seconds=add)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # the same student's other tab made it first
            bump()
    view = db.session.scalar(db.select(MaterialView).where(MaterialView.assignment_id == assignment.id,
                                                           MaterialView.student_id == student.id)
                             .execution_options(populate_existing=True))
    return view
