"""What homework announces after a commit (core/events.py). Listeners: the parents' notices
(parents/jobs.py)."""

from ..core.events import signal

grades_released = signal("assignments.grades-released", "A teacher released an assignment's marks "
                                                        "(payload: assignment_id).")
work_changed = signal("assignments.work-changed", "Students' work or what it is shown against changed "
                                                  "(payload: tags, see work_cache.py).")
