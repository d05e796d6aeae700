"""Homework's background work: attempts left open past their deadline are submitted every minute
(Huey's periodic task; the consumer started by `make run` / `flask lms worker` runs it). The same
happens lazily whenever such an attempt is read or written (attempts.settle), so a student never
waits for the clock of the worker."""

from ..core.jobs import periodic_job
from ..extensions import db


@periodic_job(minute="*")
def submit_overdue_attempts():
    """Submit every attempt in progress past its deadline, with the answers saved until then."""
    from . import attempts

    done = attempts.auto_submit_overdue()
    db.session.commit()
    return done
