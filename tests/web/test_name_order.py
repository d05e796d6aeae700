"""Lists of people in Vietnamese order (issue 9, point 8): given name, then middle names, then
family name, in the Vietnamese alphabet with tones after letters. Pages that page in SQL order
by user.name_sort (person_sort_key of the name, kept in step with it); the others sort in Python
by the same key. Run on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

import unicodedata

from lms.accounts import services as account_services
from lms.accounts.models import Role, User
from lms.core.text import person_sort_key
from lms.extensions import db
from lms.schools import importing, queries, services
from lms.schools.permissions import SYSTEM
from tests.conftest import login
from tests.web import conftest_admin
from tests.web.conftest_admin import read_xlsx, student_rows, upload, user_named, xlsx_bytes

school_admin = conftest_admin.school_admin  # a fixture

# In the order a Vietnamese class list shows them (by given name, then middle, then family name).
IN_ORDER = [
    "Nguyễn Thị A",        # "A" before every longer given name
    "Vũ Thị Ạ",            # same letters: the tone decides (a à á ả ã ạ)
    "Lê An",               # no middle name before any middle name
    "Dương Văn An",        # D before Đ ...
    "Đặng Văn An",         # ... although "Dang" < "Duong" once the marks are stripped
    "Hồ Văn An",           # O before U: Hồ < Huỳnh
    "Huỳnh Văn An",
    "Trần Thị Ánh",        # An < Ánh (letters before tones), Ánh < Ân (a < â)
    "Phạm Minh Ân",
    "Bùi Thị Hà",
    "Lò Thị Hai",          # Hà < Hai < Hải < Hạnh
    "Ngô Thị Hải",
    "Đỗ Thị Hạnh",
    "Lý Ngọc Ơn",          # o < ô < ơ < p
    "Mai Văn Phúc",
    "Tạ Thị Ư",            # u < ư < v
    "Võ Văn Vinh",
]


def shown_order(html, names):
    """The names in the order the page shows them (each must appear exactly once)."""
    for name in names:
        assert html.count(name) == 1, (name, html.count(name))
    return sorted(names, key=html.index)


def add_class(names, class_name="8A9"):
    """A class of the demo's THCS01 with these students, created in a shuffled order."""
    school = queries.school_by_code("THCS01")
    room = services.add_classroom(SYSTEM, school, class_name)
    for n, name in enumerate(sorted(names, key=lambda s: s[::-1])):  # neither in order nor by family name
        student = account_services.create_user(f"hs.{class_name.lower()}.{n:02d}", name, Role.STUDENT,
                                               "mat-khau-8", school=school)
        services.enroll(SYSTEM, student, room)
    db.session.commit()
    return room


def test_the_expected_order_is_the_sort_key_order():
    assert sorted(reversed(IN_ORDER), key=person_sort_key) == IN_ORDER


def test_class_list_page(school_admin):
    room = add_class(IN_ORDER)
    page = school_admin.get(f"/admin/classrooms/{room.id}")
    assert page.status_code == 200
    table = page.get_data(as_text=True).split('id="students"', 1)[1].split("</table>", 1)[0]
    assert shown_order(table, IN_ORDER) == IN_ORDER


def test_student_list_pages_in_sql_in_this_order(school_admin):
    """The school's student list pages in SQL (50 a page): the order must come from the database,
    across pages, not from sorting one page in Python."""
    names = [f"{family} Văn {given}" for given in ("Đạt", "Dũng", "Ân", "An", "Ơn", "Ôn", "Hạnh", "Hải")
             for family in ("Đặng", "Dương", "Hồ", "Huỳnh", "Lê", "Vũ", "Ngô")]  # 56 names, two pages
    room = add_class(names)
    expected = sorted(names, key=person_sort_key)
    assert expected[:3] == ["Dương Văn An", "Đặng Văn An", "Hồ Văn An"]
    shown = []
    for page_number in (1, 2):
        page = school_admin.get(f"/admin/students?classroom={room.id}&page={page_number}")
        table = page.get_data(as_text=True).split('id="students"', 1)[1].split("</table>", 1)[0]
        shown += [n for n in sorted(names, key=lambda n: table.find(n)) if n in table]
    assert shown == expected


def test_other_people_lists(app, school_admin):
    """Teachers of a school, the reviewers to add to a group, the users list within a role."""
    school = queries.school_by_code("THCS01")
    for n, name in enumerate(["Huỳnh Thị Lan", "Hồ Thị Lan", "Đặng Văn Bình", "Dương Văn Bình"]):
        account_services.create_user(f"gv.thu{n}", name, Role.TEACHER, "mat-khau-8", school=school)
        account_services.create_user(f"rv.thu{n}", name, Role.REVIEWER, "mat-khau-8")
    db.session.commit()
    teachers = ["Dương Văn Bình", "Đặng Văn Bình", "Hồ Thị Lan", "Huỳnh Thị Lan"]
    html = school_admin.get("/admin/teachers").get_data(as_text=True)
    assert shown_order(html, teachers) == teachers
    assert [u.full_name for u in queries.teachers_in(school) if u.full_name in teachers] == teachers
    reviewers = teachers
    assert [u.full_name for u in queries.reviewers() if u.full_name in reviewers] == reviewers
    district_admin = app.test_client()
    assert login(district_admin, "admin").status_code == 302
    html = district_admin.get("/admin/users?role=reviewer").get_data(as_text=True)
    assert shown_order(html, reviewers) == reviewers


def test_name_sort_follows_every_change_of_the_name(demo):
    student = user_named("hs.6a1.01")
    services.update_account(SYSTEM, student, "Đặng Thị Ánh", Role.STUDENT, student.school, True)
    db.session.commit()
    db.session.expire_all()
    assert user_named("hs.6a1.01").name_sort == person_sort_key("Đặng Thị Ánh")
    # Written directly, in NFD: the NFC guard normalises the name, the key is the same.
    student = user_named("hs.6a1.01")
    student.full_name = unicodedata.normalize("NFD", "Hồ Thị Ánh")
    db.session.commit()
    stored = db.session.execute(db.select(User.full_name, User.name_sort).where(User.id == student.id)).one()
    assert stored == (unicodedata.normalize("NFC", "Hồ Thị Ánh"), person_sort_key("Hồ Thị Ánh"))


def test_import_preview_and_first_passwords_sheet(app, school_admin, tmp_path):
    rows = student_rows(*[(f"79000000{n:02d}", name, "05/09/2013", "Nam", "6A1", 6)
                          for n, name in enumerate(reversed(IN_ORDER), start=1)])
    data = xlsx_bytes(tmp_path, rows)
    page = upload(school_admin, "/admin/students/import", data, "danh-sach.xlsx")
    table = page.get_data(as_text=True).split('id="preview-rows"', 1)[1].split("</table>", 1)[0]
    assert shown_order(table, IN_ORDER) == IN_ORDER

    result = importing.import_students(SYSTEM, queries.school_by_code("THCS01"), data, "danh-sach.xlsx")
    sheet = read_xlsx(importing.passwords_sheet(result))
    assert [row[1] for row in sheet[1:]] == IN_ORDER
    db.session.rollback()
