"""Background work on handed-in files (Huey; immediate mode in tests): the re-encoded copy of a
photo (EXIF orientation applied, metadata dropped) and its thumbnail, made by files.derive.
Started by the after-commit event of a submission, never by the request itself."""

from ..core.events import signal
from ..core.jobs import job
from ..extensions import db

files_received = signal("assignments.submission-files-received",
                        "A student handed in work with files (payload: submission_id).")

_DERIVED = ("preview_sha256", "preview_mime", "thumbnail_sha256", "thumbnail_mime")


def wants_rendition(stored):
    """Images are shown from their re-encoded copy (upright, no EXIF); PDFs get a thumbnail."""
    from ..files import filetypes

    return stored.kind_code == "pdf" or filetypes.media_category(stored.kind_code) == "image"


def process_files(submission_id):
    """Make the renditions of a submission's files that have none yet; failures are written on
    the file row (shown to the teacher in words), never raised."""
    from ..files import services as files
    from .models import SubmissionFile

    rows = db.session.scalars(db.select(SubmissionFile).where(SubmissionFile.submission_id == submission_id,
                                                              SubmissionFile.processed_at.is_(None))).all()
    for row in rows:
        if wants_rendition(row.file):
            done = db.session.scalar(db.select(SubmissionFile).where(
                SubmissionFile.file_id == row.file_id, SubmissionFile.processed_at.is_not(None),
                SubmissionFile.processing_error.is_(None)).limit(1))
            if done is not None:  # identical bytes handed in before: identical renditions
                for name in _DERIVED:
                    setattr(row, name, getattr(done, name))
            else:
                derived = files.derive(row.file)
                for name in _DERIVED:
                    setattr(row, name, getattr(derived, name))
                row.processing_error = "\n".join(derived.errors)[:500] or None
        from ..core.timeutil import utcnow

        row.processed_at = utcnow()
    db.session.flush()


@job()
def process_submission_files(submission_id):
    process_files(submission_id)
    db.session.commit()


@files_received.connect
def _process(_sender, submission_id, **_payload):
    process_submission_files(submission_id)
