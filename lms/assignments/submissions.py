"""Written and file submissions: a student hands in text and/or a file (a photo of paper work, a
document) through the shared file pipeline.

Rules (issue 11):
- Nothing is accepted before the assignment opens, nor after its cut-off (`Assignment.cutoff`:
  the cut-off time, or the due time when there is none): 409 with the cut-off in words.
- A first submission after the due time (and before the cut-off) is accepted and marked late.
- A resubmission replaces the text and files of the previous one (count + 1) until the due
  time. After the due time a resubmission is refused (409) and the work handed in stays as it
  was: "resubmission is allowed until the due time", and a late replacement would silently turn
  an on-time submission into a late one. Work the teacher has already marked is not replaced
  either (409): the mark would no longer be the mark of what is shown.
- The text is sanitised HTML (core.sanitize), NFC like every text.
- Files go through files.accept_file (type sniffed from the bytes, 415 naming what the content
  is); HTML5 packages are not homework. Photos are shown from the copy the processing job
  re-encodes with the EXIF orientation applied (files.derive), so a phone photo taken sideways
  shows upright and without its GPS position; the upload itself is only ever downloaded.
- Everything is one transaction: a refused file leaves no row, and the route's
  files.receive_and_apply removes the blob it stored.
"""

import re
from html import escape as html_escape

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ..core import events
from ..core.errors import Conflict, DomainError, Forbidden, ValidationError, _
from ..core.sanitize import clean_html, plain_text
from ..core.text import nfc
from ..core.timeutil import as_utc, utcnow
from ..extensions import db
from ..files import filetypes
from ..files.services import accept_file
from . import permissions, work_jobs
from .models import AssignmentKind, Submission, SubmissionFile

MAX_TEXT = 50_000
MAX_FILES = 10


def local_time(value):
    """A moment as the district reads it: "21:00 ngày 05/12/2026" (Asia/Ho_Chi_Minh)."""
    from zoneinfo import ZoneInfo

    value = as_utc(value).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    return _("%(time)s ngày %(date)s", time=value.strftime("%H:%M"), date=value.strftime("%d/%m/%Y"))


def check_open(assignment, now=None):
    """Refuse (409) work handed in before the assignment opens or after its cut-off."""
    now = as_utc(now) or utcnow()
    if now < as_utc(assignment.open_at):
        raise Conflict("not_open", _("Bài tập chưa mở: em có thể nộp bài từ %(time)s.",
                                     time=local_time(assignment.open_at)),
                       {"open_at": as_utc(assignment.open_at).isoformat()})
    if now > as_utc(assignment.cutoff):
        raise Conflict("past_cutoff", _("Đã hết hạn nhận bài lúc %(time)s nên bài không được nộp nữa. "
                                        "Em hãy liên hệ giáo viên nếu có lí do chính đáng.",
                                        time=local_time(assignment.cutoff)),
                       {"cutoff_at": as_utc(assignment.cutoff).isoformat()})


def is_late(assignment, when):
    return as_utc(when) > as_utc(assignment.due_at)


def closed_reason(assignment, submission=None, now=None):
    """Why the student cannot hand in (or replace) work now, in words; None when they can."""
    now = as_utc(now) or utcnow()
    try:
        check_open(assignment, now)
    except Conflict as error:
        return error.message
    if submission is not None:
        if is_late(assignment, now):
            return _("Đã quá hạn nộp (%(due)s) nên không nộp lại được; bài em đã nộp được giữ nguyên.",
                     due=local_time(assignment.due_at))
        if submission.graded_at is not None:
            return _("Bài đã được chấm nên không nộp lại được.")
    return None


def accepts(assignment, submission=None, now=None):
    return closed_reason(assignment, submission, now) is None


def submission_of(assignment, student):
    return db.session.scalar(db.select(Submission).where(
        Submission.assignment_id == assignment.id, Submission.student_id == student.id))


def _as_html(text):
    """Text typed in a plain text box (no tags) as paragraphs, its line breaks kept; HTML (a rich
    editor, the API) as it is. Either way core.sanitize cleans it afterwards."""
    text = nfc(str(text or "")).strip()
    if re.search(r"<[a-zA-Z/!]", text):
        return text
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join("<p>" + "<br>".join(html_escape(line) for line in p.strip().split("\n")) + "</p>"
                   for p in paragraphs)


def _clean_text(text):
    html = clean_html(_as_html(text))
    if len(html) > MAX_TEXT:
        message = _("Bài viết dài quá %(n)s kí tự; hãy rút gọn hoặc đính kèm tệp.", n=f"{MAX_TEXT:,}".replace(",", "."))
        raise ValidationError(message, {"text": message})
    return html if plain_text(html).strip() else ""


def _accept(uploads):
    stored = []
    for upload in uploads:
        row = accept_file(upload)  # 415 with the pipeline's message
        if filetypes.media_category(row.kind_code) == "package":
            message = _("Bài nộp không nhận gói bài giảng HTML5; hãy nộp ảnh, PDF hoặc tài liệu văn bản.")
            raise DomainError("unsupported_media_type", message, {"file": message}, status=415)
        stored.append((row, upload.filename))
    return stored


def submit_work(assignment, student, text, uploads=(), now=None):
    """Hand in (or replace) `student`'s work for a submission assignment: `text` (HTML or plain,
    sanitised) and/or `uploads` (files.services.Upload). Returns the Submission; flushes."""
    if not permissions.can_do(student, assignment):
        raise Forbidden(_("Bài tập này không được giao cho em."))
    if assignment.kind != AssignmentKind.SUBMISSION:
        raise Conflict("not_a_submission", _("Bài tập này không nhận bài nộp dạng văn bản hay tệp."))
    now = as_utc(now) or utcnow()
    check_open(assignment, now)
    uploads = [u for u in (uploads or ()) if u is not None]
    if len(uploads) > MAX_FILES:
        message = _("Mỗi lần nộp tối đa %(n)s tệp.", n=MAX_FILES)
        raise ValidationError(message, {"file": message})
    html = _clean_text(text)
    files = _accept(uploads)
    if not html and not files:
        message = _("Hãy viết bài làm hoặc đính kèm ít nhất một tệp (ảnh chụp bài làm, PDF, Word...).")
        raise ValidationError(message, {"text": message, "file": message})
    late = is_late(assignment, now)
    existing = submission_of(assignment, student)
    if existing is None:
        submission = _first(assignment, student, html, files, now, late)
    else:
        submission = _replace(existing, html, files, now, late)
    if files:  # the photos' upright copies and thumbnails, made after the commit
        events.announce(work_jobs.files_received, submission_id=submission.id)
    return submission


def _attach(submission, files):
    submission.files = [SubmissionFile(file_id=row.id, file=row, position=i, name=name[:255])
                        for i, (row, name) in enumerate(files)]


def _first(assignment, student, html, files, now, late):
    submission = Submission(assignment_id=assignment.id, student_id=student.id, text=html, submitted_at=now,
                            late=late, count=1)
    _attach(submission, files)
    try:
        with db.session.begin_nested():  # the same student submitting twice at once: one row wins
            db.session.add(submission)
    except IntegrityError:
        raise Conflict("submitted_elsewhere", _("Bài vừa được nộp từ một thiết bị khác. Hãy tải lại trang để "
                                                "xem bài đã nộp.")) from None
    return submission


def _replace(submission, html, files, now, late):
    """A resubmission: allowed until the due time, and while the work is not marked."""
    assignment = submission.assignment
    if late:
        raise Conflict("resubmission_closed", _(
            "Đã quá hạn nộp (%(due)s) nên không nộp lại được; bài em nộp lúc %(at)s được giữ nguyên.",
            due=local_time(assignment.due_at), at=local_time(submission.submitted_at)))
    if submission.graded_at is not None:
        raise Conflict("already_graded", _("Bài của em đã được chấm nên không nộp lại được. Hãy hỏi giáo viên "
                                           "nếu em cần sửa bài."))
    expected = submission.lock_version
    done = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.lock_version == expected,
               Submission.graded_at.is_(None))
        .values(text=html, submitted_at=now, late=late, count=Submission.count + 1,
                lock_version=Submission.lock_version + 1)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict("stale", _("Bài vừa được nộp lại hoặc được chấm ở nơi khác. Hãy tải lại trang."))
    db.session.refresh(submission)
    _attach(submission, files)
    db.session.flush()
    return submission
