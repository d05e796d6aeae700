"""Bulk student import: the city's export, previewed, imported all-or-nothing, passwords handed back."""

import datetime as dt
import io
import os
import re
import time

import pytest
from PIL import Image

from lms.accounts import services as account_services
from lms.accounts.models import Role, User
from lms.core.errors import ValidationError
from lms.core.spreadsheet import SpreadsheetError
from lms.core.stash import TempStash
from lms.extensions import db
from lms.schools import importing, queries
from lms.schools.models import Classroom, Enrollment, ImportState, StudentImport
from tests.conftest import DEMO_PASSWORD, login
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


STATUS_RE = re.compile(r"/admin/students/import/(\d+)$")
REFRESH = '<meta http-equiv="refresh" content="2">'


def preview_and_confirm(client, data, filename="danh-sach.xlsx"):
    page = upload(client, IMPORT_URL, data, filename)
    assert page.status_code == 200, page.get_data(as_text=True)[-2000:]
    html = page.get_data(as_text=True)
    token = html.split('name="token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    return form_post(client, "/admin/students/import/confirm", {"token": token})


def status_url(confirmed):
    """The status page a confirmation redirects to (the job already ran: immediate mode)."""
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)[-2000:]
    location = confirmed.headers["Location"]
    assert STATUS_RE.search(location), location
    return location


def import_record(url):
    db.session.expire_all()
    return db.session.get(StudentImport, int(STATUS_RE.search(url).group(1)))


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
    url = status_url(form_post(client, "/admin/students/import/confirm", {"token": token}))
    status = client.get(url)
    html = status.get_data(as_text=True)
    assert status.status_code == 200 and status.headers["Cache-Control"] == "no-store"
    assert 'data-state="done"' in html and REFRESH not in html  # finished: no more reloading
    assert "Tài khoản mới: 4" in html and "Lớp mới: 8A3" in html
    record = import_record(url)
    assert (record.state, record.counts["created"], record.counts["updated"]) == ("done", 4, 0)
    assert record.finished_at is not None and record.errors is None

    db.session.expire_all()
    assert students_count() == before + 4
    an = user_named("annv.6a1.0001")
    assert (an.student_code, an.birth_date, an.gender, an.must_change_password) == \
        ("7900000001", dt.date(2013, 9, 5), "Nam", True)
    assert user_named("binhtt.6a1.0002").birth_date == dt.date(2013, 1, 2)
    assert classroom_of(user_named("chaulm.7a1.0003")).name == "7A1"
    assert classroom_of(user_named("dungpd.8a3.0004")).name == "8A3"

    download = f"{url}/passwords.xlsx"
    assert f'href="{download}"' in html
    sheet = client.get(download)
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
    again = client.get(download)
    assert again.status_code == 302 and again.headers["Location"].endswith(url)
    assert not any((tmp_path / "instance" / "tmp" / "student-imports").iterdir())
    assert import_record(url).passwords_token is None
    after = client.get(url).get_data(as_text=True)
    assert "đã được tải về" in after and download not in after

    # The first password from the sheet signs the student in.
    other = app.test_client()
    assert login(other, "annv.6a1.0001", by_username["annv.6a1.0001"][3]).status_code == 302


def test_second_import_updates_instead_of_duplicating(app, school_admin, tmp_path):
    client = school_admin
    assert import_record(status_url(preview_and_confirm(client, xlsx_bytes(tmp_path, GOOD)))).state == "done"
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
    url = status_url(preview_and_confirm(client, xlsx_bytes(tmp_path, changed, name="lan-2.xlsx")))

    db.session.expire_all()
    assert students_count() == before + 1
    an = user_named("annv.6a1.0001")  # the username is stable even though name and class changed
    assert an.full_name == "Nguyễn Văn Ân" and an.birth_date == dt.date(2013, 9, 6)
    assert an.password_hash == first_hash  # an update keeps the password
    assert classroom_of(an).name == "6A2"
    assert db.session.scalar(db.select(db.func.count(Enrollment.id)).where(Enrollment.student_id == an.id)) == 1
    assert user_named("emvt.6a2.0005") is not None
    assert import_record(url).counts == {"created": 1, "updated": 4, "classes_created": [],
                                         "parents_created": 0, "parents_linked": 0}  # 6A2 exists
    rows = read_xlsx(client.get(f"{url}/passwords.xlsx").data)
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
        importing.import_students(user_named("bgh.thcs01"), thcs01(), data, "danh-sach.xlsx")
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
        importing.import_students(user_named("bgh.thcs01"), thcs01(), xlsx_bytes(tmp_path, rows), "x.xlsx")


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
    assert import_record(status_url(preview_and_confirm(school_admin, csv, "danh-sach.csv"))).state == "done"
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

    services.create_account(user_named("bgh.thcs01"), "annv.6a1.0001", "Người Khác", Role.TEACHER, thcs01())
    rows = student_rows(("7900000001", "Nguyễn Văn An", "05/09/2013", "Nam", "6A1", 6),
                        ("7911110001", "Ngô Văn An", "05/09/2013", "Nam", "6A1", 6))
    result = importing.import_students(user_named("bgh.thcs01"), thcs01(), xlsx_bytes(tmp_path, rows), "x.xlsx")
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

    bad = student_rows(("123", "An", "05/09/2013", "Nam", "6A1", 6),
                       ("7900000009", "Bình", "31/02/2013", "Nữ", "6A1", 6))
    xlsx_bytes(tmp_path, bad, name="bad.xlsx")
    failed = runner.invoke(args=["lms", "import-users", str(tmp_path / "bad.xlsx"), "--school", "THCS01"])
    assert failed.exit_code != 0 and "Có 2 dòng lỗi" in failed.output
    lines = failed.output.splitlines()
    assert any(line.startswith("dòng 2: mã định danh '123' phải gồm đúng 10 chữ số") for line in lines)
    assert "dòng 3: ngày sinh '31/02/2013' không hợp lệ (cần dd/mm/yyyy)" in lines
    assert "{'line'" not in failed.output  # not the raw list any more


# --- the import runs as a job; its status page follows it ---------------------------------------

def test_data_changed_after_the_preview_fails_the_job_and_writes_nothing(app, school_admin, tmp_path):
    """The job checks the file again: here two identifiers were given to other accounts between
    the preview and the confirmation, so the whole import is refused, each row with its line."""
    client = school_admin
    page = upload(client, IMPORT_URL, xlsx_bytes(tmp_path, GOOD), "danh-sach.xlsx")
    token = page.get_data(as_text=True).split('name="token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    user_named("gv.toan").student_code = "7900000002"
    user_named("hs2.6a1.01").student_code = "7900000003"
    db.session.commit()
    before = students_count()

    url = status_url(form_post(client, "/admin/students/import/confirm", {"token": token}))
    status = client.get(url)
    html = status.get_data(as_text=True)
    assert status.status_code == 200
    assert 'data-state="failed"' in html and REFRESH not in html
    assert "Có 2 dòng lỗi; chưa nhập dòng nào." in html
    assert "Dòng 3: mã định danh đã gắn với tài khoản gv.toan, không phải học sinh" in html
    assert "Dòng 4: mã định danh đã gắn với một tài khoản của trường khác" in html
    assert "passwords.xlsx" not in html
    record = import_record(url)
    assert record.state == "failed" and record.passwords_token is None and record.counts is None
    assert [e["line"] for e in record.errors] == [3, 4]

    db.session.expire_all()
    assert students_count() == before and user_named("annv.6a1.0001") is None
    assert not db.session.scalar(db.select(Classroom).where(Classroom.name == "8A3"))  # no class either
    assert not any((tmp_path / "instance" / "tmp" / "student-imports").iterdir())  # upload consumed


def test_an_unexpected_error_is_recorded_logged_and_rolled_back(app, school_admin, tmp_path, monkeypatch,
                                                                caplog):
    real_import = importing.import_students

    def crashing(actor, school, data, filename):
        real_import(actor, school, data, filename)  # the accounts are flushed, then ...
        raise RuntimeError("disk full\n[SQL: INSERT INTO user ...]")

    monkeypatch.setattr(importing, "import_students", crashing)
    before = students_count()
    url = status_url(preview_and_confirm(school_admin, xlsx_bytes(tmp_path, GOOD)))
    html = school_admin.get(url).get_data(as_text=True)
    assert "Lỗi không mong đợi: RuntimeError: disk full" in html and "INSERT" not in html
    assert import_record(url).state == "failed"
    assert "Student import" in caplog.text and "disk full" in caplog.text
    db.session.expire_all()
    assert students_count() == before  # rolled back


def test_status_page_reloads_itself_while_the_job_has_not_finished(app, school_admin):
    record = StudentImport(school_id=thcs01().id, actor_id=user_named("bgh.thcs01").id,
                           filename="danh-sach.xlsx", state=ImportState.QUEUED.value)
    db.session.add(record)
    db.session.commit()
    url = f"/admin/students/import/{record.id}"
    html = school_admin.get(url).get_data(as_text=True)
    assert REFRESH in html and 'data-state="queued"' in html and "Đang chờ" in html
    assert "<script" not in html.split("<body", 1)[0]  # the CSP allows no inline script

    record.state = ImportState.RUNNING.value
    db.session.commit()
    html = school_admin.get(url).get_data(as_text=True)
    assert REFRESH in html and 'data-state="running"' in html
    assert school_admin.get(f"{url}/passwords.xlsx").status_code == 302  # nothing to download yet


def test_another_schools_admin_gets_404(app, school_admin, tmp_path):
    url = status_url(preview_and_confirm(school_admin, xlsx_bytes(tmp_path, GOOD)))
    account_services.create_user("bgh.thcs02", "Hiệu trưởng THCS02", Role.SCHOOL_ADMIN, DEMO_PASSWORD,
                                 school=queries.school_by_code("THCS02"))
    db.session.commit()
    other = app.test_client()
    assert login(other, "bgh.thcs02").status_code == 302
    assert other.get(url).status_code == 404
    assert other.get(f"{url}/passwords.xlsx").status_code == 404
    assert import_record(url).passwords_token is not None  # the sheet is still there for THCS01
    assert other.get("/admin/students/import/999999").status_code == 404


def test_temp_stash(tmp_path):
    stash = TempStash(tmp_path / "stash")
    token = stash.put(b"abc", ".XLSX")
    assert TempStash.valid_token(token) and len(token) == 32
    names = [p.name for p in (tmp_path / "stash").iterdir()]
    assert len(names) == 1 and names[0].endswith(".xlsx") and token not in names[0]  # named by a hash
    assert stash.peek(token) == b"abc" and stash.peek(token) == b"abc"
    assert stash.take(token) == b"abc" and stash.take(token) is None and stash.peek(token) is None
    for bad in ("../../etc/passwd", "x" * 31, "x" * 32 + "/", "*" * 32, None, 42):
        assert stash.take(bad) is None and stash.peek(bad) is None
    assert stash.put(b"", "/../x") and {p.suffix for p in (tmp_path / "stash").iterdir()} == {".bin"}

    old = stash.put(b"old")
    path = next(p for p in (tmp_path / "stash").iterdir() if stash.peek(old) and p.read_bytes() == b"old")
    past = time.time() - 7200
    os.utime(path, (past, past))
    assert stash.purge(older_than_seconds=3600) == 1 and stash.peek(old) is None
