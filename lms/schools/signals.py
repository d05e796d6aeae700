"""What the schools feature announces after a commit (core/events.py)."""

from ..core.events import signal

import_confirmed = signal("schools.import-confirmed", "A school admin confirmed a student-import preview "
                                                      "(payload: import_id, upload_token).")
