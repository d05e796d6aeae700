"""The gradebook of one assignment as a spreadsheet: one row per assigned student with the
ministry's student identifier (User.student_code, "Mã định danh Bộ GD&ĐT" as the student import
calls it), Vietnamese headers whatever the reader's language (the sheet goes to the school's
records), written only through core.spreadsheet's formula-neutralising writers."""

from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from ..core.errors import ValidationError, _
from ..core.spreadsheet import write_csv, write_xlsx
from ..core.timeutil import as_utc
from .models import AssignmentKind

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
FORMATS = ("xlsx", "csv")
STATUS_LABELS = {
    "not_started": _l("Chưa làm"),
    "viewed": _l("Đã xem"),
    "in_progress": _l("Đang làm"),
    "submitted": _l("Đã nộp"),
    "late": _l("Nộp muộn"),
    "graded": _l("Đã chấm"),
    "missing": _l("Không nộp"),
}
KIND_LABELS = {
    AssignmentKind.MATERIAL.value: _l("Xem học liệu"),
    AssignmentKind.QUIZ.value: _l("Bài kiểm tra"),
    AssignmentKind.SUBMISSION.value: _l("Nộp bài"),
}
# The sheet's own words: the same in every language of the interface.
SHEET_STATUS = {
    "not_started": "Chưa làm", "viewed": "Đã xem", "in_progress": "Đang làm", "submitted": "Đã nộp",
    "late": "Nộp muộn", "graded": "Đã chấm", "missing": "Không nộp",
}
HEADERS = ("STT", "Mã định danh Bộ GD&ĐT", "Họ và tên", "Lớp", "Trạng thái", "Điểm", "Nộp lúc", "Nộp muộn",
           "Số lần nộp", "Nhận xét")
MATERIAL_HEADERS = ("Mở học liệu lúc", "Xem trước hạn", "Thời gian xem (phút)")


def local_time(value):
    """dd/mm/yyyy HH:MM in the district's zone, or an empty cell."""
    value = as_utc(value)
    return value.astimezone(ZONE).strftime("%d/%m/%Y %H:%M") if value is not None else ""


def table(tracked):
    """(headers, rows) of a queries.Tracking."""
    material = tracked.assignment.kind == AssignmentKind.MATERIAL.value
    headers = list(HEADERS) + (list(MATERIAL_HEADERS) if material else [])
    rows = []
    for number, row in enumerate(tracked.rows, start=1):
        work = row.work
        cells = [number, row.student.student_code or "", row.student.full_name, row.classroom.name,
                 SHEET_STATUS[work.status], work.mark if work.mark is not None else "",
                 local_time(work.submitted_at), "Có" if work.late and work.done else "",
                 work.attempts or "", work.feedback]
        if material:
            cells += [local_time(work.viewed_at), "Có" if work.viewed_before_due else "",
                      round(work.view_seconds / 60, 1) if work.views else ""]
        rows.append(cells)
    return headers, rows


def export(tracked, fmt):
    """(bytes, mimetype, filename) of the gradebook in `fmt` (xlsx or csv); 422 for another format."""
    fmt = (fmt or "xlsx").lower()
    if fmt not in FORMATS:
        message = _("Định dạng tệp là xlsx hoặc csv.")
        raise ValidationError(message, {"format": message})
    headers, rows = table(tracked)
    name = f"bang-diem-bai-{tracked.assignment.id}"
    if fmt == "csv":
        return write_csv(headers, rows), "text/csv; charset=utf-8", f"{name}.csv"
    return (write_xlsx(headers, rows, title="Bảng điểm"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{name}.xlsx")
