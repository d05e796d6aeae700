"""School and account services take the actor and ask the predicates of schools/permissions.py
(issue 6, point 3): a caller other than the pages (the coming API, a script) cannot do what the
pages would refuse. The account rules live in accounts/services.py, one message each."""

import io

import pytest
from openpyxl import Workbook

from lms.accounts import services as account_services
from lms.accounts.models import Role, User
from lms.core.errors import Forbidden, ValidationError
from lms.extensions import db
from lms.schools import importing, permissions, queries, services
from lms.schools.models import Classroom, Enrollment, School, StudentImport, SubjectGroup, Teaching, Topic
from lms.schools.permissions import SYSTEM


def user(username):
    return db.session.scalar(db.select(User).where(User.username == username))


def school(code):
    return queries.school_by_code(code)


def classroom(code, name):
    return db.session.scalar(db.select(Classroom).join(School).where(School.code == code, Classroom.name == name))


def teaching_of(username):
    return db.session.scalar(db.select(Teaching).where(Teaching.teacher_id == user(username).id))


def topic():
    return db.session.scalar(db.select(Topic).order_by(Topic.id.desc()).limit(1))


def topics_csv():
    return "subject,grade,chapter\ntin_hoc,6,Chủ đề thêm\n".encode()


def students_xlsx():
    book = Workbook()
    book.active.append(["Mã định danh Bộ GD&ĐT", "Họ tên", "Ngày sinh", "Giới tính", "Lớp học", "Khối học"])
    book.active.append(["7900000001", "Nguyễn Văn An", "05/09/2013", "Nam", "6A1", 6])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# (what, call(actor)): every write of schools/services.py (and the two import entry points), each
# aimed at something the refused actors below may not touch.
WRITES = [
    ("create_school", lambda a: services.create_school(a, "THCS77", "Trường thử")),
    ("rename_school", lambda a: services.rename_school(a, school("THCS02"), "Tên mới")),
    ("create_classroom", lambda a: services.create_classroom(a, school("THCS02"), "6B9")),
    ("add_classroom", lambda a: services.add_classroom(a, school("THCS02"), "6B9")),
    ("enroll", lambda a: services.enroll(a, user("hs2.6a1.01"), classroom("THCS02", "7A1"))),
    ("unenroll", lambda a: services.unenroll(a, user("hs2.6a1.01"), classroom("THCS02", "6A1"))),
    ("assign_teaching", lambda a: services.assign_teaching(a, user("gv.toan2"), classroom("THCS02", "7A1"),
                                                           services.subject_by_code("toan"))),
    ("remove_teaching", lambda a: services.remove_teaching(a, teaching_of("gv.toan2"))),
    ("group_for", lambda a: services.group_for(a, services.subject_by_code("tin_hoc"))),
    ("create_group", lambda a: services.create_group(a, services.subject_by_code("tin_hoc"))),
    ("set_group_members", lambda a: services.set_group_members(
        a, services.group_for(SYSTEM, services.subject_by_code("toan")), [])),
    ("add_group_member", lambda a: services.add_group_member(
        a, services.group_for(SYSTEM, services.subject_by_code("khtn")), user("reviewer.toan"))),
    ("remove_group_member", lambda a: services.remove_group_member(
        a, services.group_for(SYSTEM, services.subject_by_code("toan")), user("reviewer.toan"))),
    ("create_account", lambda a: services.create_account(a, "gv.moi", "Lê Mới", Role.TEACHER, school("THCS02"))),
    ("update_account", lambda a: services.update_account(a, user("gv.toan2"), "Phạm Đức Trọng", Role.TEACHER,
                                                         school("THCS02"), False)),
    ("reset_password", lambda a: services.reset_password(a, user("gv.toan2"))),
    ("create_topic", lambda a: services.create_topic(a, services.subject_by_code("tin_hoc"), 6, "Chủ đề mới")),
    ("update_topic", lambda a: services.update_topic(a, topic(), topic().subject, topic().grade, "Đổi tên")),
    ("delete_topic", lambda a: services.delete_topic(a, topic())),
    ("import_topics", lambda a: services.import_topics(a, topics_csv(), "chu-de.csv")),
    ("import_students", lambda a: importing.import_students(a, school("THCS02"), students_xlsx(), "ds.xlsx")),
    ("confirm_import", lambda a: importing.confirm_import(a, school("THCS02"), "t" * 32, "ds.xlsx")),
]

TABLES = (User, School, Classroom, Enrollment, Teaching, SubjectGroup, Topic, StudentImport)


def snapshot():
    """What a refused call must leave as it was: row counts, and the rows it would have changed."""
    db.session.expire_all()
    counts = {t.__name__: db.session.scalar(db.select(db.func.count()).select_from(t)) for t in TABLES}
    trong = user("gv.toan2")
    return (counts, school("THCS02").name, trong.active, trong.password_hash,
            [u.username for u in services.group_for(SYSTEM, services.subject_by_code("toan")).members],
            topic().chapter)


REFUSED = ["gv.toan", "bgh.thcs01", "hs.6a1.01", "reviewer.toan", None]


def test_every_write_refuses_who_may_not_do_it(demo):
    """A teacher, a student, a reviewer, another school's admin, and nobody at all (None is not
    the system): 403, nothing written. (One test over every write, to seed the demo once.)"""
    before, wrong = snapshot(), []
    for what, call in WRITES:
        for refused in REFUSED:
            try:
                call(user(refused) if refused else None)
                wrong.append(f"{what} as {refused}: allowed")
            except Forbidden as error:
                if error.status != 403:
                    wrong.append(f"{what} as {refused}: {error.status}")
            except Exception as error:  # noqa: BLE001 - report every write, not only the first
                wrong.append(f"{what} as {refused}: {type(error).__name__}: {error}")
            db.session.rollback()
            if snapshot() != before:
                wrong.append(f"{what} as {refused}: wrote something")
    assert not wrong, "\n".join(wrong)


def test_the_district_admin_and_the_system_may(demo):
    """The same calls go through for those the predicates allow (the district admin administers
    every school); SYSTEM is what the CLI and the demo seeding act as (a confirmation on the web
    is always a person's)."""
    wrong = []
    for what, call in WRITES:
        for actor in (user("admin"), SYSTEM):
            if actor is SYSTEM and what == "confirm_import":
                try:
                    call(actor)
                    wrong.append("confirm_import as SYSTEM: allowed (a confirmation is a person's)")
                except Forbidden:
                    pass
                continue
            try:
                call(actor)
            except Exception as error:  # noqa: BLE001
                wrong.append(f"{what} as {actor!r}: {type(error).__name__}: {error}")
            db.session.rollback()
    assert not wrong, "\n".join(wrong)


def test_a_school_admin_acts_in_their_own_school(demo):
    admin, thcs01 = user("bgh.thcs01"), school("THCS01")
    room = services.add_classroom(admin, thcs01, "8A9")
    student, _password = services.create_account(admin, "hs.moi", "Lê Thị Mới", Role.STUDENT, thcs01, "0123456789")
    services.enroll(admin, student, room)
    services.assign_teaching(admin, user("gv.van"), room, services.subject_by_code("ngu_van"))
    assert services.reset_password(admin, student)
    services.update_account(admin, student, "Lê Thị Mới", Role.STUDENT, thcs01, True)
    services.unenroll(admin, student, room)
    services.remove_teaching(admin, db.session.scalar(db.select(Teaching).where(Teaching.classroom_id == room.id)))
    # ... but gives no role beyond students and teachers, even in their own school.
    with pytest.raises(Forbidden):
        services.create_account(admin, "bgh.hai", "Phó Hiệu Trưởng", Role.SCHOOL_ADMIN, thcs01)
    with pytest.raises(Forbidden):
        services.update_account(admin, student, "Lê Thị Mới", Role.SCHOOL_ADMIN, thcs01, True)


def test_the_import_job_acts_as_the_admin_who_confirmed(demo):
    """The job re-checks with the record's actor: an admin moved to another school meanwhile no
    longer imports into the old one."""
    admin = user("bgh.thcs01")
    assert importing.import_students(admin, school("THCS01"), students_xlsx(), "ds.xlsx").created
    db.session.rollback()
    admin.school = school("THCS02")
    with pytest.raises(Forbidden):
        importing.import_students(admin, school("THCS01"), students_xlsx(), "ds.xlsx")


def test_predicates_are_the_ones_the_pages_use():
    """The predicate that was defined and never used now decides who creates classes."""
    assert services.create_classroom.__code__.co_varnames[0] == "actor"
    assert permissions.can_manage_classrooms(None, None) is False
    assert permissions.allows(permissions.can_manage_schools, SYSTEM)
    assert not permissions.allows(permissions.can_manage_schools, None)


# --- the account rules: one place (accounts/services.py), one message each -----------------------

RULES = [
    # (role, school code, student code, message, error code)
    ("teacher", None, None, "Vai trò này cần thuộc một trường.", "invalid_fields"),
    ("student", "THCS01", "123", "Mã định danh học sinh gồm đúng 10 chữ số.", "invalid_student_code"),
    ("student", "THCS01", "٠١٢٣٤٥٦٧٨٩", "Mã định danh học sinh gồm đúng 10 chữ số.", "invalid_student_code"),
    ("teacher", "THCS01", "0123456789", "Chỉ học sinh mới có mã định danh học sinh.", "student_code_not_student"),
    ("student", "THCS01", "1000000001", "Mã định danh 1000000001 đã gắn với một tài khoản khác.",
     "duplicate_student_code"),
]


@pytest.mark.parametrize("role, code, student_code, message, error_code", RULES)
def test_account_rules_say_the_same_whoever_creates_the_account(demo, role, code, student_code, message,
                                                                error_code):
    user("hs.6a1.01").student_code = "1000000001"
    db.session.flush()
    attempts = [
        lambda n: account_services.create_user(f"u.{n}", "Lê An", role, "mat-khau-8", school=school(code) if code
                                               else None, student_code=student_code),
        lambda n: services.create_account(SYSTEM, f"v.{n}", "Lê An", role, school(code) if code else None,
                                          student_code),
    ]
    for n, attempt in enumerate(attempts):
        with pytest.raises(ValidationError) as caught:
            attempt(n)
        assert (caught.value.message, caught.value.code) == (message, error_code)


def test_district_roles_belong_to_no_school(demo):
    reviewer = account_services.create_user("rv.moi", "Lê Duyệt", Role.REVIEWER, "mat-khau-8",
                                            school=school("THCS01"))
    assert reviewer.school is None
    with pytest.raises(ValidationError, match="Họ tên là bắt buộc."):
        account_services.create_user("rv.khong.ten", "  ", Role.REVIEWER, "mat-khau-8")
