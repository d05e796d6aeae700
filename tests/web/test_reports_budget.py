"""The reports cost a fixed number of SQL statements however many schools, teachers, students and
pieces of work there are (DESIGN.md): each page and export counted with the hand-built district,
then again with a third school and more of everything."""

import datetime as dt
from decimal import Decimal

import pytest

from lms.accounts import services as account_services
from lms.accounts.models import Role
from lms.extensions import db
from lms.reports.models import DxEntry
from lms.schools.models import Classroom, Enrollment, School, Subject, Teaching
from tests.conftest import api_token, bearer, login
from tests.query_budget import same_for_more_rows
from tests.reports_support import YEAR, _assignment, _attempt, _event, _material, _user, at, build_world

PAGES = [
    (f"/reports/?year={YEAR}", 16),
    (f"/reports/?year={YEAR}&subject=toan&grade=6", 17),
    (f"/reports/dx?year={YEAR}", 13),
    (f"/reports/export.xlsx?year={YEAR}", 15),
    (f"/reports/export.csv?year={YEAR}&table=assignments", 15),
    (f"/reports/year-end.xlsx?year={YEAR}", 21),
]
API = [(f"/api/v1/reports/schools?year={YEAR}", 11), (f"/api/v1/reports/dx-indicators?year={YEAR}", 11)]


def more_of_everything(world):
    """A third school with two teachers, a class of three, two assignments with attempts, an
    approved material and a DX entry; and more work in the first school."""
    def add():
        rc = School(office_id=world.schools["ra"].office_id, code="RC", name="Trường THCS Hừng Sáng")
        db.session.add(rc)
        db.session.flush()
        toan = db.session.scalar(db.select(Subject).where(Subject.code == "toan"))
        teachers = [_user(world, f"c{n}", Role.TEACHER, rc) for n in range(2)]
        students = [_user(world, f"cs{n}", Role.STUDENT, rc) for n in range(3)]
        room = Classroom(school_id=rc.id, school_year_id=world.year.id, grade=6, name="6C")
        db.session.add(room)
        db.session.flush()
        db.session.add(Teaching(teacher_id=teachers[0].id, classroom_id=room.id, subject_id=toan.id))
        for s in students:
            db.session.add(Enrollment(student_id=s.id, classroom_id=room.id))
        material = _material(world, "mc", teachers[0], rc, toan, world.topics[1], "approved", at(2024, 9, 1),
                             published=at(2024, 9, 3))
        _event(material, "submit", "draft", "submitted", teachers[0], at(2024, 9, 1, 1))
        _event(material, "approve", "in_review", "approved", teachers[1], at(2024, 9, 3))
        for n in range(2):
            a = _assignment(world, f"c{n}", "quiz", teachers[n], rc, toan, [room], at(2024, 9, 10 + n),
                            at(2024, 9, 20 + n))
            for s in students:
                _attempt(a, s, 1, "submitted", at(2024, 9, 15 + n), mark="7.5")
        extra = _assignment(world, "a9", "quiz", world.users["t3"], world.schools["ra"],
                            toan, [world.classes["6A"]], at(2024, 11, 1), at(2024, 11, 5))
        _attempt(extra, world.users["s4"], 1, "submitted", at(2024, 11, 2), mark="4.0")
        db.session.add(DxEntry(school_id=rc.id, school_year_id=world.year.id, criterion_code="1.3.1",
                               points=Decimal("3"), entered_by_id=teachers[0].id,
                               entered_at=dt.datetime.now(dt.UTC)))
        db.session.commit()
    return add


@pytest.fixture
def office(app, client):
    world = build_world()
    account_services.create_user("r.office", "Phòng GD", Role.DISTRICT_ADMIN, "hoclieu-demo")
    db.session.commit()
    assert login(client, "r.office", "hoclieu-demo").status_code == 302
    return world


@pytest.mark.parametrize(("url", "limit"), PAGES)
def test_report_pages_cost_the_same_for_more_schools(office, client, url, limit):
    same_for_more_rows(client, url, more_of_everything(office), limit)


@pytest.mark.parametrize(("url", "limit"), API)
def test_report_api_costs_the_same_for_more_schools(office, client, url, limit):
    headers = bearer(api_token(client, "r.office", "hoclieu-demo"))
    same_for_more_rows(client, url, more_of_everything(office), limit, headers=headers)
