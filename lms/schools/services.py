"""Schools, classes, enrolments, teaching assignments, subject groups, the topic catalogue, and
the accounts administrators manage.

Every write takes the actor first and asks a predicate of `permissions` (403 when it says no);
`permissions.SYSTEM` is the actor of the CLI and the demo seeding. Services flush; the caller
commits. The reference data (`ensure_office`, `ensure_subjects`, `current_school_year`,
`load_reference_topics`, `init_reference_data`) is the deployment's own and idempotent: no actor.
"""

import datetime as dt
import re
import secrets

from flask import current_app

from ..accounts import services as account_services
from ..accounts.models import Role, User
from ..core.errors import Conflict, Forbidden, NotFound, ValidationError, _
from ..core.spreadsheet import read_table, shorten
from ..core.text import clean_line, fold
from ..extensions import db
from . import permissions, reference
from .models import Classroom, Enrollment, Office, School, SchoolYear, Subject, SubjectGroup, Teaching, Topic

SCHOOL_CODE_RE = re.compile(r"^[A-Z0-9_-]{2,20}$")
CLASS_NAME_RE = re.compile(r"^([6-8])[A-Z0-9.]{1,10}$")
TOPIC_ORDER_RE = re.compile(r"^[0-9]{1,4}$")  # ASCII digits: "²".isdigit() is true, int("²") fails
# First passwords are read off a sheet of paper: no 0/o, 1/l/i to confuse.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def _authorize(predicate, actor, *args):
    """403 unless the predicate allows the actor (SYSTEM always may: see permissions.SYSTEM)."""
    if not permissions.allows(predicate, actor, *args):
        raise Forbidden()


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


def create_school(actor, code, name, office=None):
    _authorize(permissions.can_manage_schools, actor)
    code = clean_line(code).upper()
    name = clean_line(name)
    errors = {}
    if not SCHOOL_CODE_RE.match(code):
        errors["code"] = _("Mã trường gồm 2–20 chữ in hoa không dấu, số, '-' hoặc '_'.")
    if not name:
        errors["name"] = _("Tên trường là bắt buộc.")
    if not errors and db.session.scalar(db.select(School.id).where(School.code == code)):
        errors["code"] = _("Mã trường %(code)s đã tồn tại.", code=code)
    if errors:
        raise ValidationError(_("Thông tin trường chưa hợp lệ: %(problems)s",
                                problems=" ".join(errors.values())), errors)
    school = School(code=code, name=name, office=office or ensure_office())
    db.session.add(school)
    db.session.flush()
    return school


def rename_school(actor, school, name):
    _authorize(permissions.can_manage_schools, actor)
    name = clean_line(name)
    if not name:
        raise ValidationError(_("Tên trường là bắt buộc."), {"name": _("Bắt buộc.")})
    school.name = name
    db.session.flush()
    return school


def create_classroom(actor, school, name, year=None, grade=None):
    """The class of that name in the year, created if missing (idempotent: for seeding and imports)."""
    _authorize(permissions.can_manage_classrooms, actor, school)
    name = clean_line(name).upper()
    match = CLASS_NAME_RE.match(name)
    if not match:
        raise ValidationError(_("Tên lớp phải bắt đầu bằng khối 6, 7 hoặc 8, ví dụ 6A1."), {"name": name})
    grade = int(grade or match.group(1))
    if str(grade) != match.group(1):
        raise ValidationError(_("Khối không khớp với tên lớp."), {"grade": grade, "name": name})
    year = year or current_school_year()
    existing = db.session.scalar(db.select(Classroom).where(
        Classroom.school_id == school.id, Classroom.school_year_id == year.id, Classroom.name == name))
    if existing:
        return existing
    classroom = Classroom(school=school, school_year=year, grade=grade, name=name)
    db.session.add(classroom)
    db.session.flush()
    return classroom


def add_classroom(actor, school, name, year=None):
    """A class created by a person: unlike `create_classroom` (idempotent, for seeding and imports),
    asking for a class that already exists in the year is an error worth telling."""
    _authorize(permissions.can_manage_classrooms, actor, school)
    year = year or current_school_year()
    name = clean_line(name).upper()
    if db.session.scalar(db.select(Classroom.id).where(
            Classroom.school_id == school.id, Classroom.school_year_id == year.id, Classroom.name == name)):
        raise ValidationError(_("Lớp %(name)s đã có trong năm học %(year)s.", name=name, year=year.name),
                              {"name": _("Đã tồn tại.")})
    return create_classroom(actor, school, name, year)


def enroll(actor, student, classroom):
    """A student is in one class per school year: enrolling moves them within the year."""
    _authorize(permissions.can_enroll, actor, student, classroom)
    if student.role != Role.STUDENT:
        raise ValidationError(_("Chỉ học sinh mới được xếp lớp."), {"user": student.username})
    if student.school_id != classroom.school_id:
        raise ValidationError(_("Học sinh và lớp phải cùng một trường."), {"user": student.username})
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


def unenroll(actor, student, classroom):
    _authorize(permissions.can_enroll, actor, student, classroom)
    enrollment = db.session.scalar(db.select(Enrollment).where(
        Enrollment.student_id == student.id, Enrollment.classroom_id == classroom.id))
    if enrollment is None:
        raise NotFound(_("%(username)s không có trong lớp %(classroom)s.", username=student.username,
                         classroom=classroom.name))
    db.session.delete(enrollment)
    db.session.flush()


def assign_teaching(actor, teacher, classroom, subject):
    _authorize(permissions.can_assign_teaching, actor, teacher, classroom)
    if teacher.role != Role.TEACHER:
        raise ValidationError(_("Chỉ giáo viên mới được phân công giảng dạy."), {"user": teacher.username})
    if teacher.school_id != classroom.school_id:
        raise ValidationError(_("Giáo viên và lớp phải cùng một trường."), {"user": teacher.username})
    existing = db.session.scalar(db.select(Teaching).where(
        Teaching.teacher_id == teacher.id, Teaching.classroom_id == classroom.id,
        Teaching.subject_id == subject.id))
    if existing:
        return existing
    teaching = Teaching(teacher=teacher, classroom=classroom, subject=subject)
    db.session.add(teaching)
    db.session.flush()
    return teaching


def remove_teaching(actor, teaching):
    _authorize(permissions.can_manage_teaching, actor, teaching)
    db.session.delete(teaching)
    db.session.flush()


def group_for(actor, subject):
    """The subject's district group, created (named after the subject) if it has none."""
    _authorize(permissions.can_manage_groups, actor)
    group = db.session.scalar(db.select(SubjectGroup).where(SubjectGroup.subject_id == subject.id))
    if group is None:
        group = SubjectGroup(subject=subject, name=f"Tổ {subject.name_vi}")
        db.session.add(group)
        db.session.flush()
    return group


def _check_reviewer(user):
    if user.role != Role.REVIEWER:
        raise ValidationError(_("%(username)s không có vai trò thành viên tổ thẩm định.", username=user.username),
                              {"user": user.username})


def set_group_members(actor, group, users):
    _authorize(permissions.can_manage_groups, actor)
    for user in users:
        _check_reviewer(user)
    group.members = list(users)
    db.session.flush()
    return group


def create_group(actor, subject, name=None):
    """One district group per subject."""
    _authorize(permissions.can_manage_groups, actor)
    if db.session.scalar(db.select(SubjectGroup.id).where(SubjectGroup.subject_id == subject.id)):
        raise ValidationError(_("Môn %(subject)s đã có tổ thẩm định.", subject=subject.name_vi),
                              {"subject": _("Đã có tổ.")})
    group = SubjectGroup(subject=subject, name=clean_line(name) or f"Tổ {subject.name_vi}")
    db.session.add(group)
    db.session.flush()
    return group


def add_group_member(actor, group, user):
    _authorize(permissions.can_manage_groups, actor)
    _check_reviewer(user)
    if user not in group.members:
        group.members.append(user)
    db.session.flush()
    return group


def remove_group_member(actor, group, user):
    _authorize(permissions.can_manage_groups, actor)
    if user in group.members:
        group.members.remove(user)
    db.session.flush()
    return group


# --- accounts managed by administrators --------------------------------------------------

def generate_password():
    """A first password to hand over on paper: groups of four from an unambiguous alphabet
    ("k7mp-x4qa"), from `secrets`, at least PASSWORD_MIN_LENGTH characters."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    groups = []
    while len("-".join(groups)) < max(minimum, 9):
        groups.append("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)))
    return "-".join(groups)


def create_account(actor, username, full_name, role, school=None, student_code=None, **extra):
    """A user created by an administrator, with a generated first password that must be changed.
    Returns (user, password); the password is shown once and never stored in clear. The account
    rules (a school role needs a school, only students have a 10-digit identifier, ...) are
    accounts.services'."""
    role = account_services.parse_role(role)
    _authorize(permissions.can_assign_role, actor, role, school)
    password = generate_password()
    user = account_services.create_user(username, full_name, role, password, school=school,
                                        student_code=student_code, must_change_password=True, **extra)
    return user, password


def update_account(actor, user, full_name, role, school, active):
    """Edit name, role, school and whether the account may sign in.

    What no longer fits the new role or school is undone in the same flush: enrolments and
    teaching assignments elsewhere, a former reviewer's group memberships, a former student's
    identifier. Nobody locks themselves out: an administrator cannot change their own role or
    deactivate themselves. A deactivated account is signed out everywhere: sessions and API tokens.
    """
    role = account_services.parse_role(role)
    _authorize(permissions.can_edit_account, actor, user, role, school)
    full_name = account_services.check_full_name(full_name)
    if user.id == actor.id and (role != user.role or not active):
        raise ValidationError(_("Bạn không thể tự đổi vai trò hoặc tự khoá tài khoản của chính mình."),
                              {"user": user.username})
    school = account_services.school_for_role(role, school)
    school_id = school.id if school is not None else None
    for enrollment in db.session.scalars(
            db.select(Enrollment).where(Enrollment.student_id == user.id)).all():
        if role != Role.STUDENT or enrollment.classroom.school_id != school_id:
            db.session.delete(enrollment)
    for teaching in db.session.scalars(db.select(Teaching).where(Teaching.teacher_id == user.id)).all():
        if role != Role.TEACHER or teaching.classroom.school_id != school_id:
            db.session.delete(teaching)
    if role != Role.REVIEWER:
        for group in db.session.scalars(db.select(SubjectGroup).join(SubjectGroup.members)
                                        .where(User.id == user.id)).all():
            group.members.remove(user)
    if role != Role.STUDENT:
        user.student_code = None
    if user.active and not active:
        account_services.sign_out_everywhere(user)
    user.full_name, user.role, user.school, user.active = full_name, role.value, school, bool(active)
    db.session.flush()
    return user


def reset_password(actor, user):
    """A new generated first password (returned once); the user must change it; every session and
    API token of theirs ends."""
    _authorize(permissions.can_manage_user, actor, user)
    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    account_services.sign_out_everywhere(user)
    db.session.flush()
    return password


# --- the topic catalogue -------------------------------------------------------------------

TOPIC_HEADERS = ("subject", "grade", "order", "chapter", "lesson")
TOPIC_HEADERS_VI = {"môn": "subject", "môn học": "subject", "khối": "grade", "lớp": "grade",
                    "thứ tự": "order", "chương": "chapter", "chủ đề": "chapter", "bài": "lesson"}


def _topic_key(text):
    return fold(clean_line(text))[:300]


def _topic_fields(subject, grade, chapter, lesson, topic=None):
    """Validate a topic typed by the district admin; the key (subject, grade, folded chapter and
    lesson) must stay unique."""
    chapter, lesson = clean_line(chapter), clean_line(lesson)
    errors = {}
    if subject is None:
        errors["subject"] = _("Bắt buộc.")
    if grade not in (6, 7, 8):
        errors["grade"] = _("Khối phải là 6, 7 hoặc 8.")
    if not chapter:
        errors["chapter"] = _("Bắt buộc.")
    if errors:
        raise ValidationError(_("Thông tin chủ đề chưa hợp lệ."), errors)
    ck, lk = _topic_key(chapter), _topic_key(lesson)
    other = db.session.scalar(db.select(Topic).where(
        Topic.subject_id == subject.id, Topic.grade == grade, Topic.chapter_key == ck,
        Topic.lesson_key == lk))
    if other is not None and other is not topic:
        raise ValidationError(_("Chủ đề này đã có trong danh mục."), {"chapter": chapter, "lesson": lesson})
    return chapter, lesson, ck, lk


def _next_position(subject, grade):
    last = db.session.scalar(db.select(db.func.max(Topic.position)).where(
        Topic.subject_id == subject.id, Topic.grade == grade))
    return (last or 0) + 1


def create_topic(actor, subject, grade, chapter, lesson="", position=None, source=None):
    """A topic added by hand; without a position it goes after the last one of its subject and grade."""
    _authorize(permissions.can_manage_topics, actor)
    chapter, lesson, ck, lk = _topic_fields(subject, grade, chapter, lesson)
    topic = Topic(subject=subject, grade=grade, chapter=chapter, lesson=lesson, chapter_key=ck,
                  lesson_key=lk, position=position or _next_position(subject, grade), source=source)
    db.session.add(topic)
    db.session.flush()
    return topic


def update_topic(actor, topic, subject, grade, chapter, lesson="", position=None):
    _authorize(permissions.can_manage_topics, actor)
    chapter, lesson, ck, lk = _topic_fields(subject, grade, chapter, lesson, topic=topic)
    if not position:
        moved = topic.subject_id != subject.id or topic.grade != grade
        position = _next_position(subject, grade) if moved else topic.position
    topic.subject, topic.grade, topic.position = subject, grade, position
    topic.chapter, topic.lesson, topic.chapter_key, topic.lesson_key = chapter, lesson, ck, lk
    db.session.flush()
    return topic


def _is_referenced(obj):
    """Whether a row of any table points at this one. Features above this one (materials,
    questions) may not be imported here, but the metadata knows every foreign key."""
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is obj.__table__ and db.session.scalar(
                    db.select(fk.parent).where(fk.parent == obj.id).limit(1)) is not None:
                return True
    return False


def delete_topic(actor, topic):
    """Only a topic nothing uses; a used one can be renamed instead."""
    _authorize(permissions.can_manage_topics, actor)
    if _is_referenced(topic):
        raise Conflict("topic_in_use", _("Chủ đề đang được học liệu hoặc câu hỏi sử dụng nên không xoá được; "
                                         "có thể sửa tên chủ đề."), {"topic": topic.id})
    db.session.delete(topic)
    db.session.flush()


def import_topics(actor, data, filename, source=None):
    """Import topics from a CSV/XLSX with columns subject, grade, order, chapter, lesson
    (or their Vietnamese names). All rows or none: any bad row aborts with every error listed.
    Existing topics (same subject, grade, folded chapter and lesson) are updated in place."""
    _authorize(permissions.can_manage_topics, actor)
    headers, rows = read_table(data, filename)
    mapping = {}
    for header in headers:
        key = header.lower()
        key = TOPIC_HEADERS_VI.get(key, key)
        if key in TOPIC_HEADERS:
            mapping[header] = key
    missing = [h for h in ("subject", "grade", "chapter") if h not in mapping.values()]
    if missing:
        raise ValidationError(_("Thiếu cột bắt buộc: %(columns)s.", columns=", ".join(missing)),
                              {"missing_columns": missing, "found": [shorten(h, 40) for h in headers if h]},
                              code="bad_headers")
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
            problems.append(_("không rõ môn '%(subject)s'", subject=shorten(row.get("subject", ""))))
        if grade not in (6, 7, 8):
            problems.append(_("khối phải là 6, 7 hoặc 8"))
        if not chapter:
            problems.append(_("thiếu chương/chủ đề"))
        if order not in ("", None) and not TOPIC_ORDER_RE.match(str(order)):
            problems.append(_("thứ tự phải là số từ 0 đến 9999"))
        if len(chapter) > 300 or len(clean_line(row.get("lesson"))) > 300:  # the columns' width
            problems.append(_("tên chương hoặc bài dài quá 300 ký tự"))
        if problems:
            errors.append({"line": line, "message": "; ".join(problems)})
            continue
        parsed.append((subject, grade, int(order) if order not in ("", None) else None, chapter,
                       clean_line(row.get("lesson"))))
    if errors:
        raise ValidationError(_("Có %(count)s dòng lỗi; chưa nhập dòng nào.", count=len(errors)), {"rows": errors},
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
            result = import_topics(permissions.SYSTEM, handle.read(), path.rsplit("/", 1)[-1],
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


