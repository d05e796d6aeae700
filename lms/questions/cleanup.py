"""What an import preview leaves behind when it is never confirmed: its pictures and its uploaded
file, stored through lms/files when the file was read (questions/images.py, services.preview_import).

A preview that is cancelled, replaced by the file uploaded again, or left unconfirmed for
PREVIEW_MAX_AGE (the periodic job in questions/jobs.py) is deleted, and with it each of those
files that nothing else refers to. Files are shared by identical bytes (one StoredFile per
SHA-256), so a file is kept while anything refers to it:

- a foreign key to stored_file.id in any table (another import's file, a material's version, a
  student's submission, a report's evidence);
- a picture marker `](file:ID)` in any question version's text or in another import's preview;
- its SHA-256 as any feature's derived file (a column named …_sha256: a material's re-encoded
  picture can be the very same bytes).

The rows go in the caller's transaction; the bytes leave the store after it commits (the
`files_released` event), each only if no StoredFile row or derived column names it by then.
"""

from datetime import timedelta

from ..core import events
from ..core.timeutil import utcnow
from ..extensions import db
from ..files.models import StoredFile
from ..files.store import file_store
from . import images, signals
from .models import ImportState, QuestionImport, QuestionVersion

PREVIEW_MAX_AGE = timedelta(hours=24)
SWEEP_BATCH = 100


def files_of(record):
    """The StoredFile ids an import's preview brought: its pictures and the uploaded file."""
    return {*record.image_ids, *([record.file_id] if record.file_id else [])}


def delete_previews(records):
    """Delete these imports if they are still previews (one conditional DELETE; a confirmation
    that won the race keeps its record) and release the files only they referred to. Returns the
    ids of the imports deleted."""
    wanted = {record.id: record for record in records}
    if not wanted:
        return []
    candidates = {record.id: files_of(record) for record in records}
    deleted = db.session.scalars(
        db.delete(QuestionImport).where(QuestionImport.id.in_(wanted),
                                        QuestionImport.state == ImportState.PREVIEW.value)
        .returning(QuestionImport.id).execution_options(synchronize_session=False)).all()
    for record_id in deleted:  # gone from the database: gone from the session too
        if wanted[record_id] in db.session:
            db.session.expunge(wanted[record_id])
    release_files(set().union(*(candidates[i] for i in deleted)) if deleted else set())
    return list(deleted)


def release_files(file_ids):
    """Delete the StoredFile rows among `file_ids` that nothing refers to (see the module's
    docstring); their bytes are removed once the transaction commits. Returns the ids deleted."""
    file_ids = set(file_ids)
    if not file_ids:
        return set()
    db.session.flush()
    rows = db.session.scalars(db.select(StoredFile).where(StoredFile.id.in_(file_ids))
                              .with_for_update()).all()
    unreferenced = {row.id for row in rows} - _referenced({row.id for row in rows}, rows)
    if not unreferenced:
        return set()
    released = [row.sha256 for row in rows if row.id in unreferenced]
    db.session.execute(db.delete(StoredFile).where(StoredFile.id.in_(unreferenced))
                       .execution_options(synchronize_session="fetch"))
    events.announce(signals.files_released, sha256s=released)
    return unreferenced


def _referenced(file_ids, rows):
    """The ids among `file_ids` that a row refers to: by a foreign key, or by a picture marker in a
    question version or an import's preview written since the oldest of these files was stored
    (a text cannot name a picture stored after it)."""
    found = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == StoredFile.__tablename__ for fk in column.foreign_keys):
                found.update(db.session.scalars(db.select(column).where(column.in_(file_ids)).distinct()))
    since = min(row.created_at for row in rows)
    marker = "](file:"
    versions = db.session.execute(
        db.select(QuestionVersion.stem, QuestionVersion.data, QuestionVersion.explanation)
        .where(QuestionVersion.created_at >= since,
               db.or_(QuestionVersion.stem.contains(marker, autoescape=True),
                      QuestionVersion.explanation.contains(marker, autoescape=True),
                      db.cast(QuestionVersion.data, db.Text).contains(marker, autoescape=True))))
    for stem, data, explanation in versions:
        found |= images.ids_in(stem, data, explanation) & file_ids
    previews = db.session.scalars(db.select(QuestionImport.result).where(QuestionImport.created_at >= since))
    for result in previews:
        found |= set((result or {}).get("images") or ()) & file_ids
    return found


def sweep_previews(now=None, max_age=PREVIEW_MAX_AGE, batch=SWEEP_BATCH):
    """Delete the previews left unconfirmed longer than `max_age` (the oldest `batch` of them) with
    the files only they referred to. Returns how many were deleted; the caller commits."""
    cutoff = (now or utcnow()) - max_age
    stale = db.session.scalars(db.select(QuestionImport).where(
        QuestionImport.state == ImportState.PREVIEW.value, QuestionImport.created_at < cutoff)
        .order_by(QuestionImport.created_at).limit(batch)).all()
    return len(delete_previews(stale))


def digests(record):
    """The SHA-256 of each file an import's preview brought (before a rollback forgets its rows)."""
    ids = files_of(record) if record is not None else set()
    if not ids:
        return []
    return list(db.session.scalars(db.select(StoredFile.sha256).where(StoredFile.id.in_(ids))))


def release_digests(sha256s):
    """After the rollback of a preview that is not kept (the API's dry run or a refused file): the
    rows of its files that outlived the rollback (on SQLite a first SAVEPOINT's release commits
    it: files.services._row_for) are released like a cancelled preview's. The caller commits,
    then calls remove_bytes for the bytes whose rows the rollback took."""
    if sha256s:
        release_files(set(db.session.scalars(db.select(StoredFile.id).where(StoredFile.sha256.in_(sha256s)))))


@signals.files_released.connect
def _remove_released(_sender, sha256s, **_payload):
    remove_bytes(sha256s)


def remove_bytes(sha256s):
    """After the commit (or the rollback of a preview that is not kept: the API's dry run): the
    bytes of these files, unless a row names them by now."""
    for sha256 in sha256s:
        if db.session.scalar(db.select(StoredFile.id).where(StoredFile.sha256 == sha256)) is None \
                and not _derived_uses(sha256):
            file_store().remove(sha256)


def _derived_uses(sha256):
    """Whether a feature's derived file (a column named …_sha256) is these bytes."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.name.endswith("_sha256") and db.session.scalar(
                    db.select(db.literal(1)).select_from(table).where(column == sha256).limit(1)):
                return True
    return False
