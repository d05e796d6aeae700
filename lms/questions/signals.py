"""What the question bank announces after a commit (core/events.py). Listeners: search indexing
(search/jobs.py); the removal of released files' bytes (questions/cleanup.py). State changes are announced by the review engine (review.signals)."""

from ..core.events import signal

questions_changed = signal("questions.questions-changed", "Questions were written or their metadata or "
                                                          "versions changed (payload: question_ids).")
files_released = signal("questions.files-released", "Stored files only a deleted import preview referred to "
                                                    "were deleted (payload: sha256s): their bytes may go.")
