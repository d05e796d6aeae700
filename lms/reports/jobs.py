"""The reports' background work: the statistics' summary rows computed again after work, an
assignment or a class list changed (summary.py says which rows and how).

The request that changed the work only announces it: the worker computes the rows, so a quiz
submit never waits for a class's summary, and a change the listener cannot tell apart (a
full rebuild: tens of seconds at city size) never runs inside a request.
"""

from ..core.jobs import job
from ..extensions import db
from . import summary


@job()
def refresh_summary(touched):
    try:
        summary.refresh(touched)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the work itself is committed; `flask lms rebuild-report-summary` mends the rows
        raise


@summary.summary_stale.connect
def _on_stale(_sender, touched, **_payload):
    if touched:
        refresh_summary(touched)
