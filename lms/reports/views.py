"""Pages of the oversight reports: the statistics dashboard (the office sees every school side by
side, a school admin their own school), the digital-transformation indicators with the school
admin's entries, the office's indicator file, and the spreadsheet exports.

Handlers parse the filters, authorise (403 for roles without reports, 404 for another school),
run the read-only queries and render. The evidence upload is streamed into the file store as the
materials' uploads are, so its route checks the CSRF token itself before the file is written.
"""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError as CSRFValidationError

from ..core.authz import require
from ..core.errors import DomainError
from ..extensions import csrf, db
from ..files import services as files
from ..files import serving as file_serving
from . import charts, indicators, permissions, queries, services, tables
from . import summary as _summary  # noqa: F401  (keeps the statistics' summary rows)
from .models import DxEntry

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

EXPORTABLE = ("schools", "online", "trends", "assignments", "review", "items", "teachers", "dx", "dx_criteria")
DASHBOARD_TABLES = ("schools", "online", "trends", "assignments", "review", "items", "teachers")
YEAR_END_TABLES = ("schools", "online", "trends", "assignments", "review", "items", "teachers", "dx",
                   "dx_criteria")


# --- template filters --------------------------------------------------------------------------

@bp.app_template_filter("percent")
def percent_filter(value):
    return f"{value * 100:.1f}%".replace(".", ",") if value is not None else "—"


@bp.app_template_filter("number")
def number_filter(value):
    if value is None:
        return ""
    value = float(value)
    return f"{value:g}".replace(".", ",") if value != int(value) else str(int(value))


@bp.app_template_filter("cell")
def cell_filter(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        return number_filter(round(value, 2))
    return value


@bp.app_template_filter("metric")
def metric_filter(value, measure):
    if value is None:
        return "0"
    if measure.get("metric", "").endswith("_share"):
        return percent_filter(value)
    return number_filter(value)


# --- helpers -------------------------------------------------------------------------------------

def scoped_filters(strict=False):
    """The request's filters with the school the user may see: a school admin's own school
    always; for the office, ?school= if it names a school (404 otherwise), else every school."""
    f = queries.Filters.from_args(request.args, strict=strict)
    user = current_user
    if permissions.sees_all_schools(user):
        if f.school_id is not None and not queries.schools(f.school_id):
            abort(404)
        return f
    if f.school_id is not None and not permissions.can_view_school(user, f.school_id):
        abort(404)
    return f.with_school(user.school_id)


def _context(f):
    years, subjects, school_choices = queries.filter_choices()
    schools = [s for s in school_choices if f.school_id is None or s.id == f.school_id]
    all_schools = permissions.sees_all_schools(current_user)
    return {
        "filters": f, "years": years, "subject_choices": subjects, "school_choices": school_choices,
        "subjects": {s.id: s for s in subjects}, "schools": schools, "all_schools": all_schools,
        "school": schools[0] if f.school_id is not None and schools else None,
    }


# --- the dashboard -------------------------------------------------------------------------------

@bp.route("/")
@require(permissions.can_view_reports)
def dashboard():
    f = scoped_filters()
    context = _context(f)
    report = tables.build(f, context["schools"], context["subjects"], with_dx=False,
                          teachers_listed=f.school_id is not None)
    return render_template("reports/dashboard.html", report=report, **context)


def _send(data, mimetype, name):
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/export.<any(xlsx, csv):fmt>")
@require(permissions.can_view_reports)
def export(fmt):
    """The dashboard's tables: XLSX (a cover sheet, then one sheet per table; ?table= for one),
    or CSV of one table (?table=, default the schools table)."""
    f = scoped_filters()
    context = _context(f)
    key = request.args.get("table") or None
    if key is not None and key not in EXPORTABLE:
        abort(404)
    with_dx = key in ("dx", "dx_criteria")
    report = tables.build(f, context["schools"], context["subjects"], with_dx=with_dx)
    if fmt == "csv":
        table = report.tables.get(key or "schools")
        if table is None:
            abort(404)
        return _send(tables.csv_of(table), "text/csv; charset=utf-8", tables.filename(report, table.key, "csv"))
    keys = (key,) if key else DASHBOARD_TABLES
    title = report.tables[key].title if key and key in report.tables else "Báo cáo thống kê"
    return _send(tables.workbook(report, keys, title), XLSX, tables.filename(report, key or "bao-cao", "xlsx"))


@bp.route("/year-end.xlsx")
@require(permissions.can_view_reports)
def year_end():
    """One click at the end of the year: every table of the school year and the DX indicators,
    for the department's report (no subject or grade filter)."""
    f = scoped_filters()
    f = queries.Filters(f.year, None, None, f.school_id)
    context = _context(f)
    report = tables.build(f, context["schools"], context["subjects"], with_dx=True)
    return _send(tables.workbook(report, YEAR_END_TABLES, f"Báo cáo cuối năm học {f.year.name}"), XLSX,
                 tables.filename(report, "bao-cao-cuoi-nam", "xlsx"))


# --- digital-transformation indicators ----------------------------------------------------------

def _dx_page(f, status=200, **extra):
    context = _context(queries.Filters(f.year, None, None, f.school_id))
    report = tables.Report(context["filters"], context["schools"], context["subjects"])
    tables.add_dx(report)
    group_charts = []
    if report.indicator_set is not None and context["school"] is None:
        for i, group in enumerate(report.indicator_set.groups):
            group_charts.append((charts.bars([
                (s.name, report.dx[s.id].groups[i].score / group.max_points,
                 f"{report.dx[s.id].groups[i].score:g}".replace(".", ","))
                for s in context["schools"]]), _("Nhóm %(code)s: điểm các trường", code=group.code)))
    school = context["school"]
    can_enter = school is not None and permissions.can_enter_dx(current_user, school.id)
    return render_template("reports/dx.html", report=report, group_charts=group_charts, can_enter=can_enter,
                           can_manage_indicators=permissions.can_manage_indicators(current_user),
                           **context, **extra), status


@bp.route("/dx")
@require(permissions.can_view_reports)
def dx():
    return _dx_page(scoped_filters())


def _check_csrf(form):
    try:
        validate_csrf(form.get("csrf_token") or request.headers.get("X-CSRFToken"))
    except CSRFValidationError as error:
        raise CSRFError(str(error)) from None


def _checked(received):
    if received.blob is None:
        _check_csrf(received.form)


@bp.route("/dx/<code>", methods=["POST"])
@csrf.exempt
@require(permissions.can_view_reports)
def dx_entry(code):
    """The school admin's entry for one criterion: points (or met) with a note and evidence file."""
    f = scoped_filters()
    if not permissions.can_enter_dx(current_user, f.school_id):
        abort(403)
    try:
        files.receive_and_apply(
            request, lambda r: services.save_entry(current_user, f.school_id, f.year, code, r.form, files.upload_of(r)),
            before_file=_check_csrf, prepare=_checked)
    except DomainError as error:
        received = getattr(error, "received", None)
        if error.status == 404:
            abort(404)
        flash(error.message, "danger")
        return _dx_page(f, status=error.status, form_code=code, form_errors=error.details,
                        form_values=received.form if received is not None else {})
    flash(_("Đã lưu tiêu chí %(code)s.", code=code), "success")
    return redirect(url_for("reports.dx", year=f.year.name) + f"#criterion-{code.replace('.', '-')}")


@bp.route("/dx/evidence/<int:entry_id>")
@require(permissions.can_view_reports)
def evidence(entry_id):
    entry = db.session.get(DxEntry, entry_id)
    if entry is None or entry.evidence_file is None or not permissions.can_see_evidence(current_user, entry):
        abort(404)
    return file_serving.send_download(entry.evidence_file, entry.evidence_name or entry.evidence_file.original_name)


@bp.route("/dx/indicators", methods=["GET", "POST"])
@require(permissions.can_manage_indicators)
def indicator_file():
    """The office's indicator file: download it, upload a replacement (validated whole: a bad
    file changes nothing), or go back to the default."""
    error = None
    if request.method == "POST":
        try:
            if request.form.get("action") == "reset":
                services.reset_indicator_file(current_user)
                flash(_("Đã dùng lại bộ chỉ số mặc định."), "success")
                return redirect(url_for("reports.indicator_file"))
            upload = request.files.get("file")
            data = upload.read(indicators.MAX_FILE_BYTES + 1) if upload is not None else b""
            if not data:
                raise indicators.IndicatorFileError([_("Hãy chọn tệp JSON của bộ chỉ số.")])
            services.replace_indicator_file(current_user, data)
        except indicators.IndicatorFileError as refused:
            error = refused
        else:
            flash(_("Đã cập nhật bộ chỉ số. Điểm và mức của các trường được tính lại theo bộ mới."), "success")
            return redirect(url_for("reports.indicator_file"))
    try:
        indicator_set = indicators.load()
    except indicators.IndicatorFileError as broken:
        indicator_set, error = None, error or broken
    count = sum(len(g.criteria) for g in indicator_set.groups) if indicator_set else 0
    return render_template("reports/indicator_file.html", indicator_set=indicator_set, error=error,
                           is_default=indicators.is_default(), criteria_count=count), 422 if error else 200


@bp.route("/dx/indicators.json")
@require(permissions.can_manage_indicators)
def indicator_file_download():
    return _send(indicators.current_bytes(), "application/json", "dx-indicators.json")



