"""Background work of the schools feature (Huey; immediate mode in tests). Enqueue after commit."""

from flask import current_app

from ..core.errors import DomainError, _
from ..core.jobs import job
from ..core.timeutil import utcnow
from ..extensions import db
from . import signals


@job(retries=0)
def run_student_import(import_id, upload_token):
    """Run a confirmed student import: the stashed file is checked again (accounts may have
    changed since the preview) and imported all rows or none, in one transaction.

    Never retried: a failure is recorded on the StudentImport row (every bad row with its line,
    or the failure in words) and the admin uploads again; re-running blindly could import a file
    the admin no longer means. Nothing is raised, an unexpected error is logged.
    """
    from . import importing
    from .models import ImportState, StudentImport

    record = db.session.get(StudentImport, import_id)
    if record is None or record.state != ImportState.QUEUED:
        return  # gone, or already picked up: an import never runs twice
    record.state = ImportState.RUNNING.value
    db.session.commit()

    stash = importing.stash()
    data = stash.take(upload_token)
    if data is None:
        _failed(import_id, _("Tệp đã tải lên không còn (quá hạn). Hãy tải tệp lên lại."))
        return
    sheet_token = None
    try:
        result = importing.import_students(record.actor, record.school, data, record.filename)
        if result.created or result.parents_created:
            sheet_token = stash.put(importing.passwords_sheet(result), ".xlsx")
        record.state = ImportState.DONE.value
        record.counts = result.summary()
        record.passwords_token = sheet_token
        record.finished_at = utcnow()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        stash.discard(sheet_token)
        _failed(import_id, error.message, (error.details or {}).get("rows"))
    except Exception as error:
        db.session.rollback()
        stash.discard(sheet_token)
        current_app.logger.exception("Student import %s failed", import_id)
        _failed(import_id, _("Lỗi không mong đợi: %(error)s", error=_first_line(error)))


def _first_line(error):
    """The exception in one short line: a database error's later lines hold the SQL and its
    parameters (password hashes among them), which belong in the log, not on the page."""
    text = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {text}"[:300]


def _failed(import_id, message, rows=None):
    from .models import ImportState, StudentImport

    record = db.session.get(StudentImport, import_id)
    record.state = ImportState.FAILED.value
    record.message = message
    rows = rows if isinstance(rows, list) else []  # "too_many_rows" puts a count there
    record.errors = [{"line": r.get("line"), "message": r.get("message", "")} for r in rows
                     if isinstance(r, dict)]
    record.finished_at = utcnow()
    db.session.commit()


@signals.import_confirmed.connect
def _queue_import(_sender, import_id, upload_token, **_payload):
    """Queue the confirmed import. If the queue refuses it, say so on the record rather than leave
    it "queued" for ever."""
    try:
        run_student_import(import_id, upload_token)
    except Exception:  # noqa: BLE001 - any failure of the queue itself
        current_app.logger.exception("Could not queue student import %s", import_id)
        db.session.rollback()
        from . import importing
        from .models import ImportState, StudentImport

        importing.stash().discard(upload_token)
        record = db.session.get(StudentImport, import_id)
        if record is not None and record.state == ImportState.QUEUED:
            record.state, record.finished_at = ImportState.FAILED.value, utcnow()
            record.message = "Không đưa được việc nhập vào hàng đợi. Hãy tải tệp lên lại sau ít phút."
            db.session.commit()
