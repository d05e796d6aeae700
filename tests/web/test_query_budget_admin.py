"""The administration lists cost a fixed number of SQL statements, whatever their length (issue 8):
users, schools, subject groups and their members, topics, a school's classes, teachers, students
and teaching assignments, a class's students. Each is counted with few rows, then with 50 more,
added through the services."""

import re

import pytest

from lms.accounts.models import Role
from lms.extensions import db
from lms.schools import services
from lms.schools.models import School, Subject
from lms.schools.permissions import SYSTEM
from tests.conftest import login
from tests.materials_support import user
from tests.query_budget import same_for_more_rows

MORE = 50


@pytest.fixture
def world(app, demo):
    return demo


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def shown(pattern, at_least):
    def check(body):
        found = len(re.findall(pattern, body))
        assert found >= at_least, f"{found} rows of {pattern!r} shown, {at_least} expected"
    return check


def school(code="THCS01"):
    return db.session.scalar(db.select(School).where(School.code == code))


def subject(code):
    return db.session.scalar(db.select(Subject).where(Subject.code == code))


def accounts(count, role, prefix, school_code="THCS01", start=0):
    made = []
    for n in range(start, start + count):
        account, _password = services.create_account(
            SYSTEM, f"{prefix}.{n:03d}", f"Nguyễn Văn {prefix.title()} {n}", role,
            school=school(school_code) if school_code else None)
        made.append(account)
    db.session.commit()
    return made


def new_schools(count):
    for n in range(count):
        services.create_school(SYSTEM, f"THCS{n + 10:02d}", f"Trường THCS số {n + 10}")
    db.session.commit()


def test_users(app, world):
    admin = signed_in(app, "admin")

    def more():
        new_schools(5)
        for n in range(MORE):  # a teacher in each of several schools: each row shows its school
            services.create_account(SYSTEM, f"gv.them.{n:03d}", f"Giáo viên {n}", Role.TEACHER,
                                    school=school(f"THCS{10 + n % 5:02d}"))
        db.session.commit()

    same_for_more_rows(admin, "/admin/users?role=teacher&q=them", more, limit=6, check=shown(r"<code>gv\.them\.", 50))


def test_users_of_a_school(app, world):
    bgh = signed_in(app, "bgh.thcs01")
    same_for_more_rows(bgh, "/admin/users?role=teacher&q=them", lambda: accounts(MORE, Role.TEACHER, "gv.them"),
                       limit=6, check=shown(r"<code>gv\.them\.", 50))


def test_schools(app, world):
    admin = signed_in(app, "admin")
    same_for_more_rows(admin, "/admin/schools", lambda: new_schools(MORE), limit=4,
                       check=shown(r"THCS\d\d", 50))


def test_groups(app, world):
    admin = signed_in(app, "admin")

    def more():
        reviewers = accounts(MORE, Role.REVIEWER, "reviewer.them", school_code=None)
        for n, code in enumerate(("ngu_van", "tieng_anh", "lich_su_dia_li", "gdcd", "tin_hoc", "cong_nghe")):
            group = services.group_for(SYSTEM, subject(code))
            services.set_group_members(SYSTEM, group, reviewers[n * 8:(n + 1) * 8])
        db.session.commit()

    same_for_more_rows(admin, "/admin/groups", more, limit=6, check=shown(r"Nguyễn Văn Reviewer\.Them", 48))


def test_group_members(app, world):
    admin = signed_in(app, "admin")
    group = services.group_for(SYSTEM, subject("toan"))
    db.session.commit()

    def more():
        services.set_group_members(SYSTEM, group, [user("reviewer.toan"),
                                                   *accounts(MORE, Role.REVIEWER, "reviewer.them", school_code=None)])
        db.session.commit()

    same_for_more_rows(admin, f"/admin/groups/{group.id}", more, limit=7,
                       check=shown(r"Nguyễn Văn Reviewer\.Them", 50))


def test_topics(app, world):
    admin = signed_in(app, "admin")

    def more():
        for n in range(MORE):
            services.create_topic(SYSTEM, subject("toan"), 6, f"Chương thêm {n}", f"Bài thêm {n}")
        db.session.commit()

    same_for_more_rows(admin, "/admin/topics?subject=toan&grade=6", more, limit=5,
                       check=shown(r"Bài thêm \d+", 50))


def test_classrooms(app, world):
    bgh = signed_in(app, "bgh.thcs01")

    def more():
        year = services.current_school_year()
        for n in range(MORE):
            services.create_classroom(SYSTEM, school(), f"{6 + n % 3}B{n}", year)
        db.session.commit()

    same_for_more_rows(bgh, "/admin/classrooms", more, limit=6, check=shown(r"\dB\d+", 50))


def test_teachers(app, world):
    bgh = signed_in(app, "bgh.thcs01")

    def more():
        year = services.current_school_year()
        rooms = [services.create_classroom(SYSTEM, school(), f"7C{n}", year) for n in range(5)]
        for n, teacher in enumerate(accounts(MORE, Role.TEACHER, "gv.them")):
            services.assign_teaching(SYSTEM, teacher, rooms[n % 5], subject("toan" if n % 2 else "ngu_van"))
        db.session.commit()

    same_for_more_rows(bgh, "/admin/teachers", more, limit=5, check=shown(r"gv\.them\.", 50))


def test_students(app, world):
    bgh = signed_in(app, "bgh.thcs01")

    def more():
        year = services.current_school_year()
        rooms = [services.create_classroom(SYSTEM, school(), f"8D{n}", year) for n in range(5)]
        for n, student in enumerate(accounts(MORE, Role.STUDENT, "hs.them")):
            services.enroll(SYSTEM, student, rooms[n % 5])
        db.session.commit()

    same_for_more_rows(bgh, "/admin/students?q=them", more, limit=7, check=shown(r"hs\.them\.", 50))


def test_teachings(app, world):
    bgh = signed_in(app, "bgh.thcs01")

    def more():
        year = services.current_school_year()
        rooms = [services.create_classroom(SYSTEM, school(), f"6E{n}", year) for n in range(10)]
        teachers = accounts(5, Role.TEACHER, "gv.them")
        for n in range(MORE):
            services.assign_teaching(SYSTEM, teachers[n % 5], rooms[n % 10],
                                     subject(("toan", "ngu_van", "khtn", "tieng_anh", "gdcd")[n // 10]))
        db.session.commit()

    same_for_more_rows(bgh, "/admin/teachings", more, limit=4, check=shown(r"6E\d", 50))


def test_students_of_a_class(app, world):
    bgh = signed_in(app, "bgh.thcs01")
    year = services.current_school_year()
    room = services.create_classroom(SYSTEM, school(), "8Z1", year)
    services.enroll(SYSTEM, accounts(1, Role.STUDENT, "hs.dau")[0], room)
    db.session.commit()

    def more():
        for student in accounts(MORE, Role.STUDENT, "hs.them"):
            services.enroll(SYSTEM, student, room)
        db.session.commit()

    same_for_more_rows(bgh, f"/admin/classrooms/{room.id}", more, limit=8, check=shown(r"hs\.them\.", 50))
