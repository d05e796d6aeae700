"""What the materials repository announces after a commit (core/events.py). Listeners: the
processing job (materials/jobs.py); later search indexing and cached lists."""

from ..core.events import signal

version_created = signal("materials.version-created", "A file was uploaded as a new version "
                                                      "(payload: material_id, version_id).")
material_changed = signal("materials.material-changed", "A material's metadata, versions or "
                                                        "processing changed (payload: material_id).")
