"""Uploaded tables in, formula-safe tables out.

Reading: `read_table` is the one place that parses an uploaded XLSX or CSV (the student import,
the topic import), so every import reports bad files the same way and every one is bounded by
the same `ImportLimits` (``IMPORT_MAX_ROWS``, ``IMPORT_MAX_COLUMNS``, ``IMPORT_MAX_CELL_CHARS``,
``IMPORT_MAX_UNCOMPRESSED_MB``): an XLSX goes through `documents.open_zip` (sizes, DTDs), its
shared strings and first sheet are scanned with expat, counting, before openpyxl reads them in
streaming (read-only) mode, and a CSV is counted as it is read. A file past a limit is refused
with a 422 that names it, having cost little memory and time.

Writing: `write_xlsx` and `write_csv` are the only writers of spreadsheets, and both neutralise
text that a spreadsheet program would take for a formula (OWASP "CSV injection").
"""

import csv
import datetime as dt
import io
import re
from xml.parsers import expat

from .documents import DocumentError, ImportLimitError, ImportLimits, UnsafeXmlError, open_zip
from .errors import DomainError, _
from .text import clean_line

EXCEL_MAX_COLUMNS = 16384
EXCEL_MAX_ROWS = 1_048_576
MAIN_NS_PREFIX = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "  # expat's "namespace name"
PREVIEW_CHARS = 80
"""How much of a cell a preview or an error message echoes."""


class SpreadsheetError(DocumentError):
    """Not a spreadsheet we can read (415)."""


def shorten(value, limit=PREVIEW_CHARS):
    """A cell's text cut to `limit` characters with an ellipsis, for previews and messages."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --------------------------------------------------------------------------- reading


def read_table(data, filename, limits=None):
    """Return (headers, rows) where rows are (line_number, {header: value}); empty rows are skipped.

    `data` is bytes. The format is decided from the content: an XLSX is a zip; anything else must
    decode as UTF-8 (with or without BOM) CSV text. Headers are NFC-normalised and whitespace-collapsed.
    Raises SpreadsheetError (415) for what is not a readable table, ImportLimitError (422) past a
    limit and UnsafeXmlError (422) for an XLSX with a DTD.
    """
    limits = limits or ImportLimits.from_config()
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04":
        table = _read_xlsx(data, limits)
    elif name.endswith((".xlsx", ".xlsm")):
        raise SpreadsheetError(_("Tệp có đuôi .xlsx nhưng không phải bảng tính Excel hợp lệ."))
    else:
        table = _read_csv(data, limits)
    if not table:
        raise SpreadsheetError(_("Tệp không có dữ liệu."), {"file": shorten(filename, 120)})
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


def column_letter(index):
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _too_many_rows(limits, line):
    return ImportLimitError(
        "IMPORT_MAX_ROWS",
        _("Tệp vượt giới hạn số dòng: tối đa %(max)s dòng dữ liệu (không kể dòng tiêu đề); "
          "dữ liệu kéo dài tới dòng %(line)s.", max=limits.max_rows, line=line),
        {"max": limits.max_rows, "line": line})


def _too_many_columns(limits, cell):
    return ImportLimitError(
        "IMPORT_MAX_COLUMNS",
        _("Tệp vượt giới hạn số cột: tối đa %(max)s cột; ô %(cell)s nằm ngoài giới hạn.",
          max=limits.max_columns, cell=cell),
        {"max": limits.max_columns, "cell": cell})


def _cell_too_long(limits, cell=None):
    if cell is None:
        message = _("Tệp có ô dài quá giới hạn: tối đa %(max)s ký tự một ô.", max=limits.max_cell_chars)
    else:
        message = _("Ô %(cell)s dài quá giới hạn: tối đa %(max)s ký tự một ô.", cell=cell,
                    max=limits.max_cell_chars)
    return ImportLimitError("IMPORT_MAX_CELL_CHARS", message,
                            {"max": limits.max_cell_chars, **({"cell": cell} if cell else {})})


def _max_row_elements(limits):
    """Rows the sheet may hold in all, empty ones included (Excel keeps a row that only has a
    format); past this the file is refused even if the extra rows are empty."""
    return 10 * (limits.max_rows + 1)


def _read_xlsx(data, limits):
    import openpyxl
    from defusedxml import DefusedXmlException

    scans = {}

    def inspect(name):
        scans[name] = _PartScan(limits, name)
        return scans[name]

    open_zip(data, limits, inspect).close()
    # Every part has now been measured, so openpyxl (which, loading a read-only workbook, already
    # parses a sheet to its end when it has no <dimension>) stays within bounds.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except DefusedXmlException:
        raise UnsafeXmlError() from None
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on broken parts; none is a 500
        raise _unreadable(error) from None
    try:
        return _read_first_sheet(workbook, scans, limits)
    except DefusedXmlException:
        raise UnsafeXmlError() from None
    except DomainError:
        raise
    except Exception as error:  # noqa: BLE001 - as above
        raise _unreadable(error) from None
    finally:
        workbook.close()


def _read_first_sheet(workbook, scans, limits):
    if not workbook.worksheets:
        return []
    sheet = workbook.worksheets[0]
    # The part openpyxl streams (a read-only sheet keeps its name in _worksheet_path).
    scan = scans.get(sheet._worksheet_path)
    if scan is None or scan.broken:  # not XML, or XML that breaks off: openpyxl must not guess
        raise _unreadable(f"the sheet {sheet._worksheet_path[:100]} is not well-formed XML")
    if not scan.last_row:
        return []
    sheet.reset_dimensions()  # the file's own <dimension> may lie; the scan does not
    table = []
    rows = sheet.iter_rows(min_row=1, max_row=scan.last_row, max_col=max(scan.max_column, 1),
                           values_only=True)
    for line, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise _cell_too_long(limits, f"{column_letter(column)}{line}")
        table.append((line, list(values)))
    return table


def _unreadable(error):
    return SpreadsheetError(_("Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx."),
                            {"reason": str(error)[:200]})


class _PartScan:
    """Walks one XML part of a workbook with expat, once, while `open_zip` inflates it, and
    refuses the file as soon as it goes past a limit: rows and cells of a sheet (numbered as
    openpyxl numbers them: by their `r` reference, or one past the previous when it has none),
    the length of each value, and the number and length of shared strings (all of which openpyxl
    loads into one list). For a sheet it also finds how far openpyxl must read: the last row and
    the last column that hold a value.

    Any part is scanned, whatever its name, since openpyxl follows the workbook's relationships
    rather than names. A part that expat cannot parse is left where it breaks: openpyxl's
    parser (expat too) stops at the same place and the file is refused as broken.
    """

    _CELL_REF = re.compile(r"^([A-Za-z]{1,3})(\d*)$")

    def __init__(self, limits, part):
        self.limits = limits
        self.part = part
        self.max_strings = (limits.max_rows + 1) * limits.max_columns
        self.strings = 0
        self.in_string = False
        self.row = self.rows_seen = self.cells_in_row = self.column = 0
        self.in_cell = self.in_value = False
        self.value_length = 0
        self.last_row = self.max_column = 0
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.buffer_text = True
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text
        self.broken = False

    def feed(self, chunk, final=False):
        if self.broken:
            return
        try:
            self.parser.Parse(chunk, final)
        except expat.ExpatError:
            self.broken = True

    def close(self):
        self.feed(b"", final=True)

    def cell(self):
        return f"{column_letter(self.column)}{self.row}"

    def start(self, name, attrs):
        if not name.startswith(MAIN_NS_PREFIX):
            return
        local = name[len(MAIN_NS_PREFIX):]
        if local == "row":
            self.rows_seen += 1
            if self.rows_seen > _max_row_elements(self.limits):
                raise _too_many_rows(self.limits, self.row + 1)
            self.row = self._number(attrs.get("r"), self.row)
            self.cells_in_row = self.column = 0
        elif local == "c":
            self.cells_in_row += 1
            if self.cells_in_row > EXCEL_MAX_COLUMNS:
                raise _too_many_columns(self.limits, self.cell())
            self.column = self._column(attrs.get("r"))
            self.in_cell = True
        elif self.in_cell and local in ("v", "is", "f"):
            if self.row > self.limits.max_rows + 1:
                raise _too_many_rows(self.limits, self.row)
            if self.column > self.limits.max_columns:
                raise _too_many_columns(self.limits, self.cell())
            self.last_row = max(self.last_row, self.row)
            self.max_column = max(self.max_column, self.column)
            if local != "is":
                self.in_value, self.value_length = True, 0
        elif local == "si":
            self.strings += 1
            if self.strings > self.max_strings:
                raise ImportLimitError(
                    "IMPORT_MAX_ROWS",
                    _("Tệp có quá nhiều ô chữ: tối đa %(max)s (%(rows)s dòng × %(columns)s cột).",
                      max=self.max_strings, rows=self.limits.max_rows + 1, columns=self.limits.max_columns),
                    {"max": self.max_strings})
            self.in_string, self.value_length = True, 0
        elif local == "t" and (self.in_cell or self.in_string):
            self.in_value = True

    def end(self, name):
        if not name.startswith(MAIN_NS_PREFIX):
            return
        local = name[len(MAIN_NS_PREFIX):]
        if local == "c":
            self.in_cell, self.value_length = False, 0
        elif local in ("v", "f"):
            self.in_value, self.value_length = False, 0
        elif local == "t":
            self.in_value = False  # the runs of a rich string add up: keep the length
        elif local == "si":
            self.in_string, self.value_length = False, 0

    def text(self, data):
        if self.in_value:
            self.value_length += len(data)
            if self.value_length > self.limits.max_cell_chars:
                raise _cell_too_long(self.limits, self.cell() if self.in_cell else None)

    def _number(self, value, previous):
        if value is None:
            number = previous + 1
        else:
            try:
                number = float(value)
            except ValueError:
                raise _unreadable(f"bad row number {value[:20]!r}") from None
            if not number.is_integer():
                raise _unreadable(f"bad row number {value[:20]!r}")
            number = int(number)
        if not 1 <= number <= EXCEL_MAX_ROWS:
            raise _unreadable(f"row number {number} out of range")
        return number

    def _column(self, reference):
        if reference is None:
            return self.column + 1
        match = self._CELL_REF.match(reference)
        if not match:
            raise _unreadable(f"bad cell reference {reference[:20]!r}")
        number = 0
        for letter in match.group(1).upper():
            number = number * 26 + ord(letter) - 64
        if number > EXCEL_MAX_COLUMNS:
            raise _unreadable(f"cell reference {reference[:20]!r} out of range")
        return number


def _read_csv(data, limits):
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
    table, number = [], 0
    try:
        for row in reader:
            number += 1
            if number > _max_row_elements(limits):
                raise _too_many_rows(limits, reader.line_num)
            while row and not row[-1].strip():  # Excel writes ";;;;" for formatted empty cells
                row.pop()
            if not row:
                table.append((reader.line_num, row))
                continue
            if number > limits.max_rows + 1:
                raise _too_many_rows(limits, reader.line_num)
            if len(row) > limits.max_columns:
                raise _too_many_columns(limits, _("ở dòng %(line)s, cột %(column)s", line=reader.line_num,
                                                  column=len(row)))
            for column, value in enumerate(row, start=1):
                if len(value) > limits.max_cell_chars:
                    raise _cell_too_long(limits, _("ở dòng %(line)s, cột %(column)s", line=reader.line_num,
                                                   column=column))
            table.append((reader.line_num, row))
    except csv.Error as error:
        if "field larger than field limit" in str(error):  # the csv module's own cap, 128 KiB
            raise _cell_too_long(limits, _("ở dòng %(line)s", line=reader.line_num)) from None
        raise SpreadsheetError(_("Không đọc được tệp CSV: %(reason)s (dòng %(line)s).",
                                 reason=str(error)[:200], line=reader.line_num)) from None
    while table and not table[-1][1]:
        table.pop()
    return table


# --------------------------------------------------------------------------- writing

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what XLSX cannot hold (openpyxl refuses it)


def formula_safe(value):
    """A value as written to an export: text that starts with = + - @, tab or carriage return is
    prefixed with a single quote so that no spreadsheet program runs it as a formula (OWASP, CSV
    injection: `=HYPERLINK(...)` in a student's name could otherwise read the password column).
    Control characters that XLSX cannot hold are dropped first. Numbers and dates stay as they are."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def write_xlsx(headers, rows, title="Sheet1"):
    """Build an XLSX in memory (hand-back sheets such as first passwords, report exports).

    Every text cell is written as a string (never a formula), neutralised by `formula_safe`.
    """
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in [headers, *rows]:
        sheet.append([formula_safe(value) for value in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_xlsx_sheets(sheets):
    """An XLSX of several sheets, each (title, headers, rows), neutralised as `write_xlsx` does
    (report exports: a cover sheet, then one sheet per table). The header row is bold and frozen."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    # Write-only: rows stream to the file (a year-end workbook of 10,000 rows in a second, not
    # minutes: a normal sheet measures itself on every access by row).
    workbook = openpyxl.Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title)
        sheet.freeze_panes = "A2"
        for number, row in enumerate([headers, *rows]):
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=formula_safe(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                if number == 0:
                    cell.font = bold
                cells.append(cell)
            sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_csv(headers, rows, delimiter=","):
    """Build a CSV (UTF-8 with a byte-order mark, so that Excel reads Vietnamese) in memory,
    every cell neutralised by `formula_safe`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in [headers, *rows]:
        writer.writerow(["" if value is None else formula_safe(value) for value in row])
    return out.getvalue().encode("utf-8-sig")
