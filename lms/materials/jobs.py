"""Background work on uploaded versions (Huey; immediate mode in tests), started by the
after-commit event of a new version, never by a view."""

from ..core.jobs import job
from ..extensions import db
from . import signals


@job()
def process_material_version(version_id):
    """Text extraction and previews for one version; any failure is written on the version."""
    from . import services
    from .models import MaterialVersion

    version = db.session.get(MaterialVersion, version_id)
    if version is None:  # deleted before the worker got to it
        return
    try:
        services.process_version(version)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        version = db.session.get(MaterialVersion, version_id)
        if version is not None:
            services.record_processing_crash(version, error)
            db.session.commit()
        raise  # Huey retries; a later success overwrites the message


@signals.version_created.connect
def _process_new_version(_sender, material_id, version_id, **_payload):
    process_material_version(version_id)
