"""Issue 14.1: parent accounts linked to students — by hand, by the bulk import (siblings across
classes and schools, one account per parent recognised by name and phone), and unlinked."""

import pytest

from lms.accounts.models import Role, User
from lms.core.errors import Forbidden, ValidationError
from lms.extensions import db
from lms.schools import guardians, importing, queries, services
from lms.schools.permissions import SYSTEM
from tests.conftest import DEMO_PASSWORD, login
from tests.web.conftest_admin import STUDENT_HEADERS, form_post, read_xlsx, user_named, xlsx_bytes

PARENT_HEADERS = [*STUDENT_HEADERS, "Họ tên cha", "Họ tên mẹ", "SĐT liên hệ"]


def rows(*rows):
    return [[n, *row[:6], "Kinh", *row[6:]] for n, row in enumerate(rows, start=1)]


def children_names(parent):
    return [child.username for child, _classroom in guardians.children_of(parent)]


@pytest.fixture
def admin2(demo):
    """A school admin of THCS02."""
    user, _password = services.create_account(SYSTEM, "bgh.thcs02", "Hiệu trưởng Mai Văn Tư", Role.SCHOOL_ADMIN,
                                              queries.school_by_code("THCS02"))
    user.set_password(DEMO_PASSWORD)
    db.session.commit()
    return user


def test_normal_phone():
    assert guardians.normal_phone("+84 912.345.678") == "0912345678"
    assert guardians.normal_phone("84912345678") == "0912345678"
    assert guardians.normal_phone(" 0912 345 678 ") == "0912345678"
    assert guardians.normal_phone("") == ""
    with pytest.raises(ValidationError, match="không hợp lệ"):
        guardians.normal_phone("12345")


def test_by_hand_siblings_share_one_account_across_schools(app, demo, admin2):
    bgh = user_named("bgh.thcs01")
    an, binh = user_named("hs.6a1.10"), user_named("hs.6a2.10")
    parent, password = guardians.add_parent(bgh, an, "Nguyễn Văn Hải", "0987 654 321")
    assert parent.role == Role.PARENT and parent.username == "ph.hs.6a1.10" and parent.phone == "0987654321"
    assert password and parent.must_change_password
    # The sibling in 6A2: the same name (typed differently) and phone find the same account.
    again, no_password = guardians.add_parent(bgh, binh, "  nguyễn văn  hải ", "+84987654321")
    assert again.id == parent.id and no_password is None
    # A sibling in THCS02, linked by that school's admin.
    cuong = user_named("hs2.6a1.10")
    third, _none = guardians.add_parent(admin2, cuong, "Nguyễn Văn Hải", "0987654321")
    assert third.id == parent.id
    db.session.commit()
    assert sorted(children_names(parent)) == ["hs.6a1.10", "hs.6a2.10", "hs2.6a1.10"]
    assert guardians.is_parent_of(parent, an.id) and not guardians.is_parent_of(parent, user_named("hs.6a1.11").id)
    # Linking twice changes nothing; another school's admin may not link or unlink this school's student.
    guardians.link(bgh, parent, an)
    assert len(guardians.parents_of(an)) == 1
    with pytest.raises(Forbidden):
        guardians.link(admin2, parent, an)
    with pytest.raises(Forbidden):
        guardians.unlink(admin2, parent, an)
    guardians.unlink(bgh, parent, an)
    db.session.commit()
    assert sorted(children_names(parent)) == ["hs.6a2.10", "hs2.6a1.10"]
    # The first password signs the parent in.
    assert login(app.test_client(), parent.username, password).status_code == 302


def test_only_parent_accounts_link_and_a_phone_is_needed(app, demo):
    bgh = user_named("bgh.thcs01")
    with pytest.raises(ValidationError, match="phụ huynh"):
        guardians.link(bgh, user_named("gv.toan"), user_named("hs.6a1.10"))
    with pytest.raises(ValidationError, match="số điện thoại"):
        guardians.add_parent(bgh, user_named("hs.6a1.10"), "Trần Thị Mai", "")


def test_the_user_page_links_and_unlinks_and_keeps_what_was_typed(app, demo, login_as):
    client = login_as("bgh.thcs01")
    student = user_named("hs.6a1.12")
    page = f"/admin/users/{student.id}/edit"
    html = client.get(page).get_data(as_text=True)
    assert "Chưa liên kết phụ huynh nào." in html and 'id="parent-form"' in html
    refused = form_post(client, f"/admin/users/{student.id}/parents",
                        {"full_name": "Lê Thị Hồng", "phone": "12ab"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "không hợp lệ" in html and 'value="Lê Thị Hồng"' in html and 'value="12ab"' in html
    created = form_post(client, f"/admin/users/{student.id}/parents",
                        {"full_name": "Lê Thị Hồng", "phone": "0909 111 222"})
    assert created.status_code == 200 and "ph.hs.6a1.12" in created.get_data(as_text=True)  # the password page
    parent = user_named("ph.hs.6a1.12")
    html = client.get(page).get_data(as_text=True)
    assert "Lê Thị Hồng" in html and "0909111222" in html
    # The parent's own account page lists the child.
    assert "hs.6a1.12" in client.get(f"/admin/users/{parent.id}/edit").get_data(as_text=True)
    removed = form_post(client, f"/admin/users/{student.id}/parents/{parent.id}/remove")
    assert removed.status_code == 302
    assert guardians.parents_of(student) == []
    # Unlinking what is not linked is 404; another school's student is 404 on the page itself.
    assert form_post(client, f"/admin/users/{student.id}/parents/{parent.id}/remove").status_code == 404
    other = user_named("hs2.6a1.01")
    assert client.get(f"/admin/users/{other.id}/edit").status_code == 404
    assert form_post(client, f"/admin/users/{other.id}/parents",
                     {"full_name": "X Y", "phone": "0909111333"}).status_code == 404


def test_import_links_parents_siblings_once_with_passwords(app, demo, tmp_path):
    school = queries.school_by_code("THCS01")
    known = user_named("hs.6a1.01")  # the demo links ph.6a1.01 to this student
    demo_parent = user_named("ph.6a1.01")
    data = xlsx_bytes(tmp_path, rows(
        ("7900000101", "Đỗ Minh Khôi", "05/09/2013", "Nam", "6A1", 6, "Đỗ Văn Tài", "Ngô Thị Lựu", "0912 000 111"),
        ("7900000102", "Đỗ Minh Khang", "05/09/2012", "Nam", "7A1", 7, "Đỗ Văn Tài", "", "0912000111"),  # a sibling
        ("7900000103", "Bùi Thu Hà", "01/01/2013", "Nữ", "6A1", 6, "Bùi Văn Nam", "", ""),  # no phone: a note
        # A new student whose mother is the demo parent of hs.6a1.01 (same name and phone).
        ("7900000104", "Hồ Gia Bảo", "02/02/2013", "Nam", "6A2", 6, "", demo_parent.full_name, demo_parent.phone),
    ), headers=PARENT_HEADERS)
    preview = importing.preview_students(school, data, "ds.xlsx")
    assert preview.ok, preview.errors()
    assert [p.full_name for p in preview.new_parents] == ["Đỗ Văn Tài", "Ngô Thị Lựu"]
    assert preview.parent_links == 4
    khoi, khang, ha, bao = sorted(preview.rows, key=lambda r: r.line)
    assert khoi.parents[0].username == khang.parents[0].username == "ph.khoidm.6a1.0101"
    assert khoi.parents[1].username == "ph.khoidm.6a1.0101.2"
    assert ha.parents == [] and ha.notes
    assert bao.parents[0].existing.id == demo_parent.id

    result = importing.import_students(SYSTEM, school, data, "ds.xlsx")
    db.session.commit()
    assert result.summary()["parents_created"] == 2 and result.summary()["parents_linked"] == 4
    father = user_named("ph.khoidm.6a1.0101")
    assert (father.full_name, father.phone, father.role) == ("Đỗ Văn Tài", "0912000111", "parent")
    assert sorted(children_names(father)) == ["khangdm.7a1.0102", "khoidm.6a1.0101"]
    assert sorted(children_names(demo_parent)) == sorted(["hs.6a1.01", "hs.6a2.01", "baohg.6a2.0104"])
    assert known.id in [c.id for c, _ in guardians.children_of(demo_parent)]
    sheet = read_xlsx(importing.passwords_sheet(result))
    parent_rows = [r for r in sheet[1:] if r[0].startswith("ph.")]
    assert [(r[0], r[1], r[2]) for r in parent_rows] == [  # in Vietnamese name order: Lựu before Tài
        ("ph.khoidm.6a1.0101.2", "Ngô Thị Lựu (phụ huynh)", "6A1"), ("ph.khoidm.6a1.0101", "Đỗ Văn Tài (phụ huynh)", "6A1")]

    # A second import of the same file links nothing new and creates no one.
    again = importing.import_students(SYSTEM, school, data, "ds.xlsx")
    assert again.summary()["parents_created"] == 0 and again.summary()["parents_linked"] == 0


def test_import_with_a_bad_phone_refuses_the_row(app, demo, tmp_path):
    data = xlsx_bytes(tmp_path, rows(
        ("7900000201", "Đỗ Minh Khôi", "05/09/2013", "Nam", "6A1", 6, "Đỗ Văn Tài", "", "abc"),
    ), headers=PARENT_HEADERS)
    preview = importing.preview_students(queries.school_by_code("THCS01"), data, "ds.xlsx")
    assert not preview.ok and "SĐT liên hệ 'abc' không hợp lệ" in preview.errors()[0]["message"]
    count = db.session.scalar(db.select(db.func.count(User.id)).where(User.role == Role.PARENT))
    with pytest.raises(ValidationError):
        importing.import_students(SYSTEM, queries.school_by_code("THCS01"), data, "ds.xlsx")
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(User.id)).where(User.role == Role.PARENT)) == count


def test_demo_parents(app, demo):
    parent = user_named("ph.6a1.01")
    assert parent.role == Role.PARENT
    assert sorted(children_names(parent)) == ["hs.6a1.01", "hs.6a2.01"]
    assert children_names(user_named("ph.6a1.02")) == ["hs.6a1.02"]
    assert login(app.test_client(), "ph.6a1.03", DEMO_PASSWORD).status_code == 302
