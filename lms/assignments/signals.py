"""What homework announces after a commit (core/events.py). Listeners: the parents' notices
(parents/jobs.py)."""

from ..core.events import signal

grades_released = signal("assignments.grades-released", "A teacher released an assignment's marks "
                                                        "(payload: assignment_id).")
