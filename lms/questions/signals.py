"""What the question bank announces after a commit (core/events.py). Listener: search indexing
(search/jobs.py). State changes are announced by the review engine (review.signals)."""

from ..core.events import signal

questions_changed = signal("questions.questions-changed", "Questions were written or their metadata or "
                                                          "versions changed (payload: question_ids).")
