"""The reports as tables: what the pages show, the XLSX/CSV exports write and the end-of-year
workbook gathers, built once from the queries (so a page and its export can never disagree).

Rates are percentages with one decimal; an empty rate (nothing to divide by) is left blank."""

import datetime as dt
from dataclasses import dataclass, field

from flask import current_app

from ..core.timeutil import utcnow
from ..review.workflow import STATE_LABELS, State
from . import indicators, queries
from .queries import ONLINE_TARGET, ZONE

ITEM_LABELS = {"material": "Học liệu", "question": "Câu hỏi"}


def pct(value):
    return round(value * 100, 1) if value is not None else None


def hours(value):
    return round(value, 1) if value is not None else None


@dataclass
class Table:
    key: str
    title: str
    headers: list
    rows: list
    note: str = ""


@dataclass
class Report:
    filters: queries.Filters
    schools: list
    subjects: dict
    tables: dict = field(default_factory=dict)
    charts: dict = field(default_factory=dict)
    dx: dict = field(default_factory=dict)  # school_id -> indicators.SchoolResult
    indicator_set: object = None
    indicator_error: str = ""
    review: object = None
    online_overall: object = None

    def table(self, key):
        return self.tables[key]


def subject_name(subjects, subject_id):
    subject = subjects.get(subject_id)
    return subject.name_vi if subject is not None else ""


def build(f, schools, subjects, with_dx=True, teachers_listed=True):
    """Every table of the dashboard for `f` (one school when f.school_id is set)."""
    from . import charts

    names = {s.id: s.name for s in schools}
    report = Report(f, schools, subjects)
    teacher_rows = queries.teacher_activity(f)
    by_school, _total = queries.teacher_summary(teacher_rows)
    items = queries.items_by_state(f)
    decided, queued = queries.review_stats(f), queries.queue_stats(f)
    class_rows = queries.assignment_stats(f)
    totals = queries.assignment_school_totals(f, class_rows)
    topic_totals, covered = queries.topic_totals(f), queries.covered_counts(f)
    trends = queries.monthly_trends(f)

    approved = {}
    for row in items:
        if row.state == State.APPROVED.value:
            key = (row.school_id, row.item_type)
            approved[key] = approved.get(key, 0) + row.n

    shares = {s.id: queries.online_share(topic_totals, covered, s.id)[1] for s in schools}
    school_rows = []
    for school in schools:
        t = by_school.get(school.id, queries.TeacherSummary())
        a = totals.get(school.id)
        share = shares[school.id]
        school_rows.append([
            school.name, t.teachers, pct(t.share("uploaded")), pct(t.share("authored")), pct(t.share("assigned")),
            approved.get((school.id, "material"), 0), approved.get((school.id, "question"), 0),
            a.assignments if a else 0, a.students if a else 0, a.reached if a else 0,
            pct(a.completion_rate) if a else None, pct(a.on_time_rate) if a else None,
            a.average_mark if a else None, pct(share.share)])
    report.tables["schools"] = Table("schools", "Tổng hợp theo trường", [
        "Trường", "Số giáo viên", "GV tải học liệu (%)", "GV soạn câu hỏi (%)", "GV giao bài (%)",
        "Học liệu được duyệt", "Câu hỏi được duyệt", "Bài đã giao", "Học sinh được giao", "Học sinh tham gia",
        "Tỉ lệ hoàn thành (%)", "Tỉ lệ đúng hạn (%)", "Điểm trung bình", "Tỉ lệ chủ đề trực tuyến (%)"],
        school_rows)
    report.charts["teachers_active"] = charts.bars(
        [(s.name, by_school.get(s.id, queries.TeacherSummary()).share("active"),
          _pct_text(by_school.get(s.id, queries.TeacherSummary()).share("active"))) for s in schools])
    report.charts["completion"] = charts.bars(
        [(s.name, totals[s.id].completion_rate if s.id in totals else None,
          _pct_text(totals[s.id].completion_rate if s.id in totals else None)) for s in schools])
    report.charts["online_schools"] = charts.bars(
        [(s.name, shares[s.id].share, _pct_text(shares[s.id].share)) for s in schools], target=ONLINE_TARGET)

    if teachers_listed:
        report.tables["teachers"] = Table("teachers", "Hoạt động của giáo viên", [
            "Trường", "Giáo viên", "Học liệu tải lên", "Câu hỏi đã soạn", "Bài đã giao"],
            [[names.get(r.school_id, ""), r.full_name, r.uploaded, r.authored, r.assigned] for r in teacher_rows])

    states = [s.value for s in State]
    counts = {}
    for row in items:
        key = (row.item_type, row.subject_id, row.grade)
        counts.setdefault(key, dict.fromkeys(states, 0))[row.state] += row.n
    report.tables["items"] = Table("items", "Học liệu và câu hỏi theo trạng thái", [
        "Loại", "Môn", "Khối", *[STATE_LABELS[State(s)] for s in states], "Tổng"],
        [[ITEM_LABELS[t], subject_name(subjects, s), g, *[c[x] for x in states], sum(c.values())]
         for (t, s, g), c in sorted(counts.items(), key=lambda kv: (kv[0][0], _subject_pos(subjects, kv[0][1]),
                                                                      kv[0][2]))])

    report.review, grouped = queries.review_tables(decided, queued)
    review_rows = []
    for (t, s, g), summary in sorted(grouped.items(), key=lambda kv: (kv[0][0], _subject_pos(subjects, kv[0][1]),
                                                                     kv[0][2])):
        review_rows.append(_review_row([ITEM_LABELS[t], subject_name(subjects, s), g], summary))
    review_rows.append(_review_row(["Tất cả", "", ""], report.review))
    report.tables["review"] = Table("review", "Thẩm định", [
        "Loại", "Môn", "Khối", "Số quyết định", "Được duyệt", "Tỉ lệ duyệt (%)",
        "Trung vị gửi → quyết định (giờ)", "Phân vị 90 (giờ)", "Đang chờ", "Chờ lâu nhất (ngày)"], review_rows)

    subject_names = {k: subject_name(subjects, k) for k in {r.subject_id for r in class_rows}}  # 6,000 rows
    report.tables["assignments"] = Table("assignments", "Bài giao theo lớp và môn", [
        "Trường", "Lớp", "Môn", "Bài đã giao", "Học sinh", "Học sinh tham gia", "Tỉ lệ hoàn thành (%)",
        "Tỉ lệ đúng hạn (%)", "Điểm trung bình"],
        [[names.get(r.school_id, ""), r.classroom, subject_names.get(r.subject_id, ""), r.assignments, r.students,
          r.reached, pct(r.completion_rate), pct(r.on_time_rate), r.average_mark] for r in class_rows])

    share_rows, overall = queries.online_share(topic_totals, covered, f.school_id)
    report.online_overall = overall
    report.tables["online"] = Table("online", "Tỉ lệ chủ đề học trực tuyến (mục tiêu 35%)", [
        "Môn", "Khối", "Số chủ đề", "Chủ đề có học liệu hoặc bài giao", "Tỉ lệ (%)", "Đạt mục tiêu 35%"],
        [[subject_name(subjects, r.subject_id), r.grade, r.topics, r.covered, pct(r.share),
          "Đạt" if r.meets_target else "Chưa đạt"] for r in sorted(
              share_rows, key=lambda r: (_subject_pos(subjects, r.subject_id), r.grade)) if r.topics]
        + [["Tất cả", "", overall.topics, overall.covered, pct(overall.share),
            "Đạt" if overall.meets_target else "Chưa đạt"]])
    report.charts["online_gauge"] = charts.gauge(overall.share, ONLINE_TARGET)

    months = queries.months_of(f)
    report.tables["trends"] = Table("trends", "Theo tháng", [
        "Tháng", "Bài đã giao", "Học liệu được duyệt", "Bài kiểm tra đã nộp"],
        [[f"{m[5:]}/{m[:4]}", trends["assignments"].get(m, 0), trends["approvals"].get(m, 0),
          trends["attempts"].get(m, 0)] for m in months])
    report.charts["trend_assignments"] = charts.columns(months, trends["assignments"])
    report.charts["trend_approvals"] = charts.columns(months, trends["approvals"])

    if with_dx:
        add_dx(report, teacher_rows)
    return report


def _subject_pos(subjects, subject_id):
    subject = subjects.get(subject_id)
    return (subject.position if subject is not None else 0, subject_id or 0)


def _pct_text(value):
    return f"{value * 100:.1f}%".replace(".", ",") if value is not None else "—"


def _review_row(head, s):
    return [*head, s.decisions, s.approved, pct(s.approval_rate), hours(s.median_hours), hours(s.p90_hours),
            s.waiting, hours(s.oldest_days)]


def add_dx(report, teacher_rows=None):
    """The DX indicator scores of the report's schools, and their table."""
    try:
        indicator_set = indicators.load()
    except indicators.IndicatorFileError as error:
        report.indicator_error = error.message
        return
    report.indicator_set = indicator_set
    f = report.filters
    metrics = queries.dx_metrics(f, teacher_rows if f.subject is None and f.grade is None else None)
    entries = queries.dx_entries(f)
    for school in report.schools:
        report.dx[school.id] = indicators.score_school(indicator_set, metrics.get(school.id, {}),
                                                       entries.get(school.id, {}))
    groups = indicator_set.groups
    headers = ["Trường"]
    for g in groups:
        headers += [f"Nhóm {g.code}: điểm (/{g.catalogued_points:g} đã liệt kê)", f"Nhóm {g.code}: mức"]
    headers += ["Mức của trường", "Điều kiện bắt buộc chưa đạt", "Tiêu chí còn thiếu"]
    rows = []
    for school in report.schools:
        result = report.dx[school.id]
        row = [school.name]
        for g in result.groups:
            row += [g.score, g.level]
        row += [result.level, ", ".join(r.criterion.code for g in result.groups for r in g.mandatory_unmet),
                len(result.missing)]
        rows.append(row)
    note = "" if indicator_set.verified else indicator_set.note_vi
    report.tables["dx"] = Table("dx", "Chỉ số chuyển đổi số (QĐ 4725/QĐ-BGDĐT)", headers, rows, note)
    detail = []
    for school in report.schools:
        for g in report.dx[school.id].groups:
            for r in g.criteria:
                c = r.criterion
                detail.append([school.name, c.code, c.name_vi, c.points, r.points,
                               "Đo từ Học liệu" if c.measured else ("Điều kiện bắt buộc" if c.mandatory else "Trường nhập"),
                               ("Đạt" if r.met else "Chưa đạt") if c.mandatory else "",
                               r.entry.evidence_name if r.entry is not None else "",
                               "Còn thiếu" if r.missing else ""])
    report.tables["dx_criteria"] = Table("dx_criteria", "Chỉ số chuyển đổi số theo tiêu chí", [
        "Trường", "Mã", "Tiêu chí", "Điểm tối đa", "Điểm", "Nguồn", "Điều kiện bắt buộc", "Minh chứng", "Ghi chú"],
        detail, note)


# --------------------------------------------------------------------------- exports

SHEET_TITLE_MAX = 31


def cover_rows(report, title):
    f = report.filters
    school = next((s.name for s in report.schools if s.id == f.school_id), "Tất cả các trường")
    now = utcnow().astimezone(ZONE)
    rows = [
        ["Báo cáo", title],
        ["Đơn vị", current_app.config.get("OFFICE_NAME", "")],
        ["Năm học", f.year.name],
        ["Trường", school],
        ["Môn", f.subject.name_vi if f.subject is not None else "Tất cả"],
        ["Khối", f.grade if f.grade is not None else "Tất cả"],
        ["Lập lúc", now.strftime("%d/%m/%Y %H:%M")],
        ["Mục tiêu dạy học trực tuyến", "35% chủ đề của chương trình"],
    ]
    if report.indicator_set is not None and not report.indicator_set.verified:
        rows.append(["Bộ chỉ số chuyển đổi số", report.indicator_set.note_vi])
    rows.append(["Cách tính", "Xem lms/reports/queries.py: năm học tính từ 1/8 đến 31/7; hoàn thành và đúng hạn "
                              "chỉ tính các bài đã đến hạn."])
    return rows


def workbook(report, keys, title):
    """An XLSX: a cover sheet (filters and date), then one sheet per table, through the
    formula-neutralising writer."""
    from ..core.spreadsheet import write_xlsx_sheets

    sheets = [("Thông tin", ["Mục", "Nội dung"], cover_rows(report, title))]
    for key in keys:
        if key in report.tables:
            table = report.tables[key]
            rows = list(table.rows)
            if table.note:
                rows.append([])
                rows.append([table.note])
            sheets.append((_sheet_title(table.title), table.headers, rows))
    return write_xlsx_sheets(sheets)


def _sheet_title(title):
    for bad in "[]:*?/\\":
        title = title.replace(bad, " ")
    return title[:SHEET_TITLE_MAX].strip()


def csv_of(table):
    from ..core.spreadsheet import write_csv

    return write_csv(table.headers, table.rows)


def filename(report, stem, extension):
    f = report.filters
    parts = [stem, f.year.name]
    if f.school_id is not None:
        parts.append(next((s.code for s in report.schools if s.id == f.school_id), str(f.school_id)))
    return "-".join(parts) + "." + extension


def local_date(value):
    return value.astimezone(ZONE).date() if isinstance(value, dt.datetime) else value
