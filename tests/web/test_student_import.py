"""Bulk student import: the city's export, previewed, imported all-or-nothing, passwords handed back."""

import datetime as dt
import io

import pytest
from PIL import Image

from lms.accounts.models import Role, User
from lms.core.errors import ValidationError
from lms.core.spreadsheet import SpreadsheetError
from lms.extensions import db
from lms.schools import importing, queries
from lms.schools.models import Classroom, Enrollment
from tests.conftest import login
from tests.web import conftest_admin
from tests.web.conftest_admin import form_post, read_xlsx, student_rows, upload, user_named, xlsx_bytes

school_admin = conftest_admin.school_admin  # a fixture

IMPORT_URL = "/admin/students/import"

GOOD = student_rows(
    ("7900000001", "Nguyễn Văn An", "05/09/2013", "Nam", "6A1", 6),
    ("7900000002", "Trần Thị Bình", dt.datetime(2013, 1, 2), "Nữ", "6A1", "6"),  # a real date cell
    ("7900000003", "Lê Minh Châu", "12/11/2012", "nữ", "7a1", "Khối 7"),
    ("7900000004", "Phạm Đức Dũng", "1/2/2011", "Nam", "8A3", 8),  # no 8A3 yet: created
)


def thcs01():
    return queries.school_by_code("THCS01")


def students_count():
    return db.session.scalar(db.select(db.func.count(User.id)).where(User.role == Role.STUDENT))


def classroom_of(user):
    return db.session.scalar(db.select(Classroom).join(Enrollment).where(Enrollment.student_id == user.id))


def preview_and_confirm(client, data, filename="danh-sach.xlsx"):
    page = upload(client, IMPORT_URL, data, filename)
    assert page.status_code == 200, page.get_data(as_text=True)[-2000:]
    html = page.get_data(as_text=True)
    token = html.split('name="token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    return form_post(client, "/admin/students/import/confirm", {"token": token})


def test_good_file_preview_confirm_and_passwords_sheet(app, school_admin, tmp_path):
    client = school_admin
    before = students_count()
    page = upload(client, IMPORT_URL, xlsx_bytes(tmp_path, GOOD), "danh-sach.xlsx")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "annv.6a1.0001" in html and "chaulm.7a1.0003" in html
    assert "8A3" in html and "Sẽ tạo lớp mới" in html
    assert students_count() == before  # a preview writes nothing

    token = html.split('name="token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    response = form_post(client, "/admin/students/import/confirm", {"token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/students/import/result")
    assert "Tài khoản mới: 4" in client.get("/admin/students/import/result").get_data(as_text=True)

    db.session.expire_all()
    assert students_count() == before + 4
    an = user_named("annv.6a1.0001")
    assert (an.student_code, an.birth_date, an.gender, an.must_change_password) == \
        ("7900000001", dt.date(2013, 9, 5), "Nam", True)
    assert user_named("binhtt.6a1.0002").birth_date == dt.date(2013, 1, 2)
    assert classroom_of(user_named("chaulm.7a1.0003")).name == "7A1"
    assert classroom_of(user_named("dungpd.8a3.0004")).name == "8A3"

    sheet = client.get("/admin/students/import/passwords.xlsx")
    assert sheet.status_code == 200
    assert sheet.headers["Content-Disposition"].startswith("attachment")
    assert sheet.headers["Cache-Control"] == "no-store"
    rows = read_xlsx(sheet.data)
    assert rows[0] == ["Tên đăng nhập", "Họ tên", "Lớp", "Mật khẩu"]
    by_username = {r[0]: r for r in rows[1:]}
    assert set(by_username) == {"annv.6a1.0001", "binhtt.6a1.0002", "chaulm.7a1.0003", "dungpd.8a3.0004"}
    assert by_username["dungpd.8a3.0004"][1:3] == ["Phạm Đức Dũng", "8A3"]
    assert all(len(r[3]) >= 8 for r in rows[1:])

    # Once only: the sheet is gone from the instance folder after the download.
    again = client.get("/admin/students/import/passwords.xlsx")
    assert again.status_code == 302
    assert not any((tmp_path / "instance" / "tmp" / "student-imports").iterdir())

    # The first password from the sheet signs the student in.
    other = app.test_client()
    assert login(other, "annv.6a1.0001", by_username["annv.6a1.0001"][3]).status_code == 302


def test_second_import_updates_instead_of_duplicating(app, school_admin, tmp_path):
    client = school_admin
    assert preview_and_confirm(client, xlsx_bytes(tmp_path, GOOD)).status_code == 302
    db.session.expire_all()
    before = students_count()
    first_hash = user_named("annv.6a1.0001").password_hash

    changed = student_rows(
        ("7900000001", "Nguyễn Văn Ân", "06/09/2013", "Nam", "6A2", 6),  # renamed, moved to 6A2
        ("7900000002", "Trần Thị Bình", "02/01/2013", "Nữ", "6A1", 6),
        ("7900000003", "Lê Minh Châu", "12/11/2012", "Nữ", "7A1", 7),
        ("7900000004", "Phạm Đức Dũng", "01/02/2011", "Nam", "8A3", 8),
        ("7900000005", "Võ Thanh Em", "03/03/2013", "Nữ", "6A2", 6),
    )
    page = upload(client, IMPORT_URL, xlsx_bytes(tmp_path, changed, name="lan-2.xlsx"), "lan-2.xlsx")
    assert "cập nhật" in page.get_data(as_text=True)
    assert preview_and_confirm(client, xlsx_bytes(tmp_path, changed, name="lan-2.xlsx")).status_code == 302

    db.session.expire_all()
    assert students_count() == before + 1
    an = user_named("annv.6a1.0001")  # the username is stable even though name and class changed
    assert an.full_name == "Nguyễn Văn Ân" and an.birth_date == dt.date(2013, 9, 6)
    assert an.password_hash == first_hash  # an update keeps the password
    assert classroom_of(an).name == "6A2"
    assert db.session.scalar(db.select(db.func.count(Enrollment.id)).where(Enrollment.student_id == an.id)) == 1
    assert user_named("emvt.6a2.0005") is not None
    rows = read_xlsx(client.get("/admin/students/import/passwords.xlsx").data)
    assert [r[0] for r in rows[1:]] == ["emvt.6a2.0005"]  # only the new account has a first password


def test_file_with_bad_rows_writes_nothing_and_lists_each_line(app, school_admin, tmp_path):
    other = user_named("hs2.6a1.01")
    other.student_code = "7922222222"
    teacher = user_named("gv.toan")
    teacher.student_code = "7933333333"
    db.session.commit()
    rows = student_rows(
        ("7900000001", "Nguyễn Văn An", "05/09/2013", "Nam", "6A1", 6),    # line 2: fine
        ("790000001", "Thiếu Số", "05/09/2013", "Nam", "6A1", 6),          # line 3: 9 digits
        ("79000000AB", "Có Chữ", "05/09/2013", "Nam", "6A1", 6),           # line 4: letters
        ("7900000005", "", "05/09/2013", "Nam", "6A1", 6),                  # line 5: no name
        ("7900000006", "Sai Ngày", "31/02/2013", "Nam", "6A1", 6),         # line 6: no 31 February
        ("7900000007", "Sai Giới", "05/09/2013", "X", "6A1", 6),           # line 7: gender
        ("7900000008", "Sai Khối", "05/09/2013", "Nữ", "6A1", 7),          # line 8: class vs grade
        ("7900000009", "Khối Chín", "05/09/2013", "Nữ", "9A1", 9),         # line 9: grade 9
        ("7922222222", "Trường Khác", "05/09/2013", "Nữ", "6A1", 6),       # line 10: other school
        ("7933333333", "Giáo Viên", "05/09/2013", "Nữ", "6A1", 6),         # line 11: not a student
    )
    data = xlsx_bytes(tmp_path, rows)
    before = students_count()
    page = upload(school_admin, IMPORT_URL, data, "danh-sach.xlsx")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Có 10 dòng lỗi" not in html and "Có 9 dòng lỗi" in html
    for line, reason in [(3, "đúng 10 chữ số"), (4, "đúng 10 chữ số"), (5, "thiếu họ tên"),
                         (6, "ngày sinh &#39;31/02/2013&#39; không hợp lệ"), (7, "phải là Nam hoặc Nữ"),
                         (8, "không thuộc khối 7"), (9, "phải là 6, 7 hoặc 8"), (10, "trường khác"),
                         (11, "không phải học sinh")]:
        assert f"Dòng {line}" in html and reason in html, (line, reason)
    assert 'name="token"' not in html  # nothing to confirm
    assert not (tmp_path / "instance" / "tmp" / "student-imports").exists()

    with pytest.raises(ValidationError) as caught:
        importing.import_students(thcs01(), data, "danh-sach.xlsx")
    assert caught.value.code == "import_rejected"
    assert [r["line"] for r in caught.value.details["rows"]] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    db.session.rollback()
    assert students_count() == before
    assert user_named("annv.6a1.0001") is None


def test_duplicate_identifiers_within_the_file(app, school_admin, tmp_path):
    rows = student_rows(
        ("7900000001", "Nguyễn Văn An", "05/09/2013", "Nam", "6A1", 6),
        ("7900000002", "Trần Thị Bình", "05/09/2013", "Nữ", "6A1", 6),
        ("7900000001", "Nguyễn Văn An", "05/09/2013", "Nam", "6A2", 6),
    )
    html = upload(school_admin, IMPORT_URL, xlsx_bytes(tmp_path, rows), "x.xlsx").get_data(as_text=True)
    assert "Dòng 2 (Nguyễn Văn An): mã định danh trùng với dòng 4" in html
    assert "Dòng 4 (Nguyễn Văn An): mã định danh trùng với dòng 2" in html
    assert "Dòng 3" not in html.split('id="import-error"')[1].split("</div>")[0]
    with pytest.raises(ValidationError):
        importing.import_students(thcs01(), xlsx_bytes(tmp_path, rows), "x.xlsx")


def test_wrong_headers_are_named(app, school_admin, tmp_path):
    headers = ["STT", "Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp học"]
    data = xlsx_bytes(tmp_path, [[1, "7900000001", "An", "05/09/2013", "Nam", "6A1"]], headers=headers)
    page = upload(school_admin, IMPORT_URL, data, "x.xlsx")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "Thiếu cột bắt buộc: Mã định danh Bộ GD&amp;ĐT, Họ tên, Khối học." in html
    with pytest.raises(ValidationError) as caught:
        importing.preview_students(thcs01(), data, "x.xlsx")
    assert caught.value.details["missing_columns"] == ["Mã định danh Bộ GD&ĐT", "Họ tên", "Khối học"]


def test_headers_match_without_diacritics_and_csv_works(app, school_admin):
    csv = ("Ma dinh danh Bo GD&DT;Ho ten;Ngay sinh;Gioi tinh;Lop hoc;Khoi hoc\n"
           "7900000001;Nguyễn Văn An;05/09/2013;Nam;6A1;6\n").encode("utf-8-sig")
    assert preview_and_confirm(school_admin, csv, "danh-sach.csv").status_code == 302
    db.session.expire_all()
    assert classroom_of(user_named("annv.6a1.0001")).name == "6A1"


def test_non_spreadsheet_files_are_refused_with_415(app, school_admin, tmp_path):
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    for content in (png.getvalue(), pdf):
        page = upload(school_admin, IMPORT_URL, content, "danh-sach.xlsx")
        assert page.status_code == 415
        assert "không phải bảng tính Excel hợp lệ" in page.get_data(as_text=True)
    page = upload(school_admin, IMPORT_URL, png.getvalue(), "danh-sach.csv")
    assert page.status_code == 415
    with pytest.raises(SpreadsheetError):
        importing.preview_students(thcs01(), png.getvalue(), "anh.png")


def test_username_collision_takes_more_digits(app, demo, tmp_path):
    from lms.schools import services

    services.create_account("annv.6a1.0001", "Người Khác", Role.TEACHER, thcs01())
    rows = student_rows(("7900000001", "Nguyễn Văn An", "05/09/2013", "Nam", "6A1", 6),
                        ("7911110001", "Ngô Văn An", "05/09/2013", "Nam", "6A1", 6))
    result = importing.import_students(thcs01(), xlsx_bytes(tmp_path, rows), "x.xlsx")
    assert [u.username for u, _ in result.created] == ["annv.6a1.00001", "annv.6a1.10001"]


def test_confirm_without_a_preview_or_with_a_stale_token(app, school_admin, tmp_path):
    response = form_post(school_admin, "/admin/students/import/confirm", {"token": "x" * 32})
    assert response.status_code == 302 and response.headers["Location"].endswith(IMPORT_URL)
    upload(school_admin, IMPORT_URL, xlsx_bytes(tmp_path, GOOD), "a.xlsx")
    stale = form_post(school_admin, "/admin/students/import/confirm", {"token": "y" * 32})
    assert stale.status_code == 302
    db.session.expire_all()
    assert user_named("annv.6a1.0001") is None


def test_unit_rules():
    assert importing.parse_birth_date("05/09/2013") == dt.date(2013, 9, 5)
    assert importing.parse_birth_date("5-9-2013") == dt.date(2013, 9, 5)
    assert importing.parse_birth_date(dt.datetime(2013, 9, 5, 0, 0)) == dt.date(2013, 9, 5)
    assert importing.parse_birth_date("2013/09/05") is None
    assert importing.parse_grade("Khối 6") == 6 and importing.parse_grade(7) == 7
    assert importing.username_base("Đặng Thị Ánh Tuyết", "6A1") == "tuyetdta.6a1"
    assert importing.username_base("Nguyễn Văn An", "7A2") == "annv.7a2"


def test_cli_import_users(app, demo, runner, tmp_path):
    xlsx_bytes(tmp_path, GOOD, name="thcs01.xlsx")
    result = runner.invoke(args=["lms", "import-users", str(tmp_path / "thcs01.xlsx"), "--school", "THCS01"])
    assert result.exit_code == 0, result.output
    assert "Imported 4 students (0 updated)" in result.output
    rows = read_xlsx((tmp_path / "thcs01-mat-khau.xlsx").read_bytes())
    assert len(rows) == 5
    db.session.expire_all()
    assert classroom_of(user_named("dungpd.8a3.0004")).school.code == "THCS01"

    again = runner.invoke(args=["lms", "import-users", str(tmp_path / "thcs01.xlsx"), "--school", "THCS01"])
    assert "Imported 0 students (4 updated)" in again.output

    bad = student_rows(("123", "An", "05/09/2013", "Nam", "6A1", 6))
    xlsx_bytes(tmp_path, bad, name="bad.xlsx")
    failed = runner.invoke(args=["lms", "import-users", str(tmp_path / "bad.xlsx"), "--school", "THCS01"])
    assert failed.exit_code != 0 and "Có 1 dòng lỗi" in failed.output
