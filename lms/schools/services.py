"""Schools, classes, enrolments, teaching assignments, subject groups, the topic catalogue.
Services take the actor or the objects explicitly and flush; the caller commits."""

import datetime as dt
import re

from flask import current_app

from ..accounts.models import Role
from ..core.errors import DomainError, ValidationError
from ..core.spreadsheet import read_table
from ..core.text import clean_line, fold
from ..extensions import db
from . import reference
from .models import (
    Classroom, Enrollment, Office, School, SchoolYear, Subject, SubjectGroup, Teaching, Topic,
)

SCHOOL_CODE_RE = re.compile(r"^[A-Z0-9_-]{2,20}$")
CLASS_NAME_RE = re.compile(r"^([6-8])[A-Z0-9.]{1,10}$")


def school_year_name(today=None):
    """Vietnamese school years start in September; August belongs to the coming year."""
    today = today or dt.date.today()
    start = today.year if today.month >= 8 else today.year - 1
    return f"{start}-{start + 1}"


def ensure_office():
    office = db.session.scalar(db.select(Office).order_by(Office.id).limit(1))
    name = current_app.config["OFFICE_NAME"]
    if office is None:
        office = Office(name=name)
        db.session.add(office)
        db.session.flush()
    return office


def current_school_year():
    year = db.session.scalar(db.select(SchoolYear).where(SchoolYear.is_current.is_(True)))
    if year is None:
        name = school_year_name()
        year = db.session.scalar(db.select(SchoolYear).where(SchoolYear.name == name))
        if year is None:
            year = SchoolYear(name=name)
            db.session.add(year)
        year.is_current = True
        db.session.flush()
    return year


def ensure_subjects():
    existing = {s.code: s for s in db.session.scalars(db.select(Subject))}
    for position, (code, name_vi, name_en) in enumerate(reference.SUBJECTS, start=1):
        if code not in existing:
            db.session.add(Subject(code=code, name_vi=name_vi, name_en=name_en, grades=[6, 7, 8],
                                   position=position))
    db.session.flush()


def subject_by_code(code):
    return db.session.scalar(db.select(Subject).where(Subject.code == code))


def find_subject(value):
    """A subject by code or by its Vietnamese/English name, compared after folding."""
    value = clean_line(value)
    key = fold(value)
    for subject in db.session.scalars(db.select(Subject)):
        if key in (subject.code, fold(subject.name_vi), fold(subject.name_en)):
            return subject
    return None


def create_school(code, name, office=None):
    code = clean_line(code).upper()
    name = clean_line(name)
    errors = {}
    if not SCHOOL_CODE_RE.match(code):
        errors["code"] = "Mã trường gồm 2–20 chữ in hoa không dấu, số, '-' hoặc '_'."
    if not name:
        errors["name"] = "Bắt buộc."
    if not errors and db.session.scalar(db.select(School.id).where(School.code == code)):
        errors["code"] = f"Mã trường {code} đã tồn tại."
    if errors:
        raise ValidationError("Thông tin trường chưa hợp lệ.", errors)
    school = School(code=code, name=name, office=office or ensure_office())
    db.session.add(school)
    db.session.flush()
    return school


def create_classroom(school, name, year=None, grade=None):
    name = clean_line(name).upper()
    match = CLASS_NAME_RE.match(name)
    if not match:
        raise ValidationError("Tên lớp phải bắt đầu bằng khối 6, 7 hoặc 8, ví dụ 6A1.", {"name": name})
    grade = int(grade or match.group(1))
    if str(grade) != match.group(1):
        raise ValidationError("Khối không khớp với tên lớp.", {"grade": grade, "name": name})
    year = year or current_school_year()
    existing = db.session.scalar(db.select(Classroom).where(
        Classroom.school_id == school.id, Classroom.school_year_id == year.id, Classroom.name == name))
    if existing:
        return existing
    classroom = Classroom(school=school, school_year=year, grade=grade, name=name)
    db.session.add(classroom)
    db.session.flush()
    return classroom


def enroll(student, classroom):
    """A student is in one class per school year: enrolling moves them within the year."""
    if student.role != Role.STUDENT:
        raise ValidationError("Chỉ học sinh mới được xếp lớp.", {"user": student.username})
    if student.school_id != classroom.school_id:
        raise ValidationError("Học sinh và lớp phải cùng một trường.", {"user": student.username})
    same_year = db.session.scalars(
        db.select(Enrollment).join(Classroom).where(
            Enrollment.student_id == student.id, Classroom.school_year_id == classroom.school_year_id)
    ).all()
    for enrollment in same_year:
        if enrollment.classroom_id == classroom.id:
            return enrollment
        db.session.delete(enrollment)
    enrollment = Enrollment(student=student, classroom=classroom)
    db.session.add(enrollment)
    db.session.flush()
    return enrollment


def assign_teaching(teacher, classroom, subject):
    if teacher.role != Role.TEACHER:
        raise ValidationError("Chỉ giáo viên mới được phân công giảng dạy.", {"user": teacher.username})
    if teacher.school_id != classroom.school_id:
        raise ValidationError("Giáo viên và lớp phải cùng một trường.", {"user": teacher.username})
    existing = db.session.scalar(db.select(Teaching).where(
        Teaching.teacher_id == teacher.id, Teaching.classroom_id == classroom.id,
        Teaching.subject_id == subject.id))
    if existing:
        return existing
    teaching = Teaching(teacher=teacher, classroom=classroom, subject=subject)
    db.session.add(teaching)
    db.session.flush()
    return teaching


def group_for(subject):
    group = db.session.scalar(db.select(SubjectGroup).where(SubjectGroup.subject_id == subject.id))
    if group is None:
        group = SubjectGroup(subject=subject, name=f"Tổ {subject.name_vi}")
        db.session.add(group)
        db.session.flush()
    return group


def set_group_members(group, users):
    for user in users:
        if user.role != Role.REVIEWER:
            raise ValidationError(
                f"{user.username} không có vai trò thành viên tổ thẩm định.", {"user": user.username})
    group.members = list(users)
    db.session.flush()
    return group


# --- the topic catalogue -------------------------------------------------------------------

TOPIC_HEADERS = ("subject", "grade", "order", "chapter", "lesson")
TOPIC_HEADERS_VI = {"môn": "subject", "môn học": "subject", "khối": "grade", "lớp": "grade",
                    "thứ tự": "order", "chương": "chapter", "chủ đề": "chapter", "bài": "lesson"}


def _topic_key(text):
    return fold(clean_line(text))[:300]


def import_topics(data, filename, source=None):
    """Import topics from a CSV/XLSX with columns subject, grade, order, chapter, lesson
    (or their Vietnamese names). All rows or none: any bad row aborts with every error listed.
    Existing topics (same subject, grade, folded chapter and lesson) are updated in place."""
    headers, rows = read_table(data, filename)
    mapping = {}
    for header in headers:
        key = header.lower()
        key = TOPIC_HEADERS_VI.get(key, key)
        if key in TOPIC_HEADERS:
            mapping[header] = key
    missing = [h for h in ("subject", "grade", "chapter") if h not in mapping.values()]
    if missing:
        raise ValidationError("Thiếu cột bắt buộc: " + ", ".join(missing) + ".",
                              {"missing_columns": missing, "found": headers}, code="bad_headers")
    errors, parsed = [], []
    for line, raw in rows:
        row = {mapping[h]: v for h, v in raw.items() if h in mapping}
        subject = find_subject(str(row.get("subject", "")))
        try:
            grade = int(str(row.get("grade", "")).strip())
        except ValueError:
            grade = None
        order = row.get("order")
        chapter = clean_line(row.get("chapter"))
        problems = []
        if subject is None:
            problems.append(f"không rõ môn '{row.get('subject', '')}'")
        if grade not in (6, 7, 8):
            problems.append("khối phải là 6, 7 hoặc 8")
        if not chapter:
            problems.append("thiếu chương/chủ đề")
        if order not in ("", None) and not str(order).isdigit():
            problems.append("thứ tự phải là số")
        if problems:
            errors.append({"line": line, "message": "; ".join(problems)})
            continue
        parsed.append((subject, grade, int(order) if order not in ("", None) else None, chapter,
                       clean_line(row.get("lesson"))))
    if errors:
        raise ValidationError(f"Có {len(errors)} dòng lỗi; chưa nhập dòng nào.", {"rows": errors},
                              code="import_rejected")
    created = updated = 0
    for position_default, (subject, grade, order, chapter, lesson) in enumerate(parsed, start=1):
        ck, lk = _topic_key(chapter), _topic_key(lesson)
        topic = db.session.scalar(db.select(Topic).where(
            Topic.subject_id == subject.id, Topic.grade == grade, Topic.chapter_key == ck,
            Topic.lesson_key == lk))
        if topic is None:
            topic = Topic(subject=subject, grade=grade, chapter_key=ck, lesson_key=lk)
            db.session.add(topic)
            created += 1
        else:
            updated += 1
        topic.position = order or position_default
        topic.chapter, topic.lesson, topic.source = chapter, lesson, source or filename
        db.session.flush()
    return {"created": created, "updated": updated}


def load_reference_topics():
    """Load the bundled textbook catalogues (idempotent)."""
    total = {"created": 0, "updated": 0}
    for path in reference.topic_files():
        with open(path, "rb") as handle:
            result = import_topics(handle.read(), path.rsplit("/", 1)[-1],
                                   source="shared/data/topics/" + path.rsplit("/", 1)[-1])
        total["created"] += result["created"]
        total["updated"] += result["updated"]
    return total


def topics_for(subject, grade):
    return db.session.scalars(db.select(Topic).where(
        Topic.subject_id == subject.id, Topic.grade == grade).order_by(Topic.position)).all()


def init_reference_data():
    ensure_office()
    ensure_subjects()
    current_school_year()
    return load_reference_topics()


