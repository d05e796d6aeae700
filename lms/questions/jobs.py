"""The question bank's background work: previews never confirmed are deleted after a day, with
the pictures and files only they kept (questions/cleanup.py)."""

from ..core.jobs import periodic_job
from ..extensions import db
from . import cleanup


@periodic_job(minute="23")
def sweep_stale_previews():
    """Every hour: previews left unconfirmed for cleanup.PREVIEW_MAX_AGE, the oldest first, a batch
    per run (their files' bytes leave the store once this commits)."""
    deleted = cleanup.sweep_previews()
    db.session.commit()
    return deleted
