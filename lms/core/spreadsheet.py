"""Read the first sheet of an XLSX or a CSV into rows keyed by header, with sheet line numbers.

The one place that parses uploaded tables, so every import reports bad files the same way.
"""

import csv
import datetime as dt
import io
import zipfile

from .errors import DomainError, _
from .text import clean_line


class SpreadsheetError(DomainError):
    status = 415

    def __init__(self, message, details=None):
        super().__init__("unsupported_media_type", message, details)


def read_table(data, filename):
    """Return (headers, rows) where rows are (line_number, {header: value}); empty rows are skipped.

    `data` is bytes. The format is decided from the content: an XLSX is a zip; anything else must
    decode as UTF-8 (with or without BOM) CSV text. Headers are NFC-normalised and whitespace-collapsed.
    """
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04":
        table = _read_xlsx(data)
    elif name.endswith((".xlsx", ".xlsm")):
        raise SpreadsheetError(_("Tệp có đuôi .xlsx nhưng không phải bảng tính Excel hợp lệ."))
    else:
        table = _read_csv(data)
    if not table:
        raise SpreadsheetError(_("Tệp không có dữ liệu."), {"file": filename})
    header_line, headers = table[0]
    headers = [clean_line(h) for h in headers]
    rows = []
    for line, values in table[1:]:
        cells = [_clean_cell(v) for v in values]
        if not any(c not in ("", None) for c in cells):
            continue
        rows.append((line, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers) if h}))
    return headers, rows


def _clean_cell(value):
    if value is None:
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_line(value)


def _read_xlsx(data):
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise SpreadsheetError(_("Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx."),
                               {"reason": str(error)[:200]}) from None
    try:
        sheet = workbook.worksheets[0]
        return [(i, list(row)) for i, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()


def _read_csv(data):
    if b"\x00" in data[:4096]:
        raise SpreadsheetError(_("Tệp không phải bảng tính (.xlsx) hay văn bản CSV."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpreadsheetError(
            _("Tệp CSV phải được lưu với bảng mã UTF-8. Hãy lưu lại bằng 'CSV UTF-8' hoặc dùng tệp .xlsx.")
        ) from None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    return [(reader.line_num, row) for row in reader]


def write_xlsx(headers, rows, title="Sheet1"):
    """Build an XLSX in memory (small hand-back sheets such as first passwords)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
