"""The file pipeline every feature uses: receive an upload into the store, accept it (sniffed type,
safe packages), discard what a refused request left behind, and derive what the server shows
(extracted text, thumbnails, re-encoded images).

Materials, questions (images, imported files) and assignments (students' submissions) all store
files through here, and none of them imports another to do it.
"""

import io
from dataclasses import dataclass, field

from flask import current_app

from ..core.errors import DomainError
from ..core.rows import insert_unless_present
from ..core.timeutil import utcnow
from ..extensions import db
from . import extract, filetypes, images, uploads, zipsafety
from .models import StoredFile
from .store import StoredBlob, TooLargeError, file_store


@dataclass(frozen=True)
class Upload:
    """A file that the request streamed into the store, with the name it was sent under."""

    blob: StoredBlob
    filename: str


def upload_from_bytes(data, filename):
    """An Upload of a file the server made itself (the demo's generated lessons), stored as a
    request's file would be and under the same size limit; `accept_file` still checks it."""
    limit = uploads.limit_bytes(filename)
    try:
        blob = file_store().save_bytes(data, limit)
    except TooLargeError:
        raise uploads.too_large(limit) from None
    return Upload(blob, filename)


def upload_of(received):
    """The Upload in a received multipart form, or None when no file was sent."""
    return Upload(received.blob, received.filename) if received.blob is not None else None


def receive_and_apply(request, apply, before_file=None, prepare=None):
    """The one sequence every upload route runs: stream the multipart body into the store, call
    `apply(received)` (a service, which flushes), commit; on a refusal roll back, remove the blob
    this request stored if no committed row refers to it, and re-raise the DomainError.

    `before_file(form)` runs once the text fields before the file have arrived (the pages check
    their CSRF token there, before a byte of the file is written); `prepare(received)` may adjust
    the received form before the service sees it. Work that follows (processing the file,
    indexing) hangs on the service's after-commit events, never on the caller.
    """
    received = None
    try:
        received = uploads.receive(request, before_file=before_file)
        if prepare is not None:
            prepare(received)
        result = apply(received)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        discard_unreferenced(received.blob if received else None)
        error.received = received  # the typed fields, so a page can show them again
        raise
    return result


def accept_file(upload):
    """Check a stored upload's content and return its StoredFile row (shared by identical bytes).

    The type is sniffed from the bytes and must agree with the extension (415 naming what the
    content is); an HTML5 package must be a safe zip with an index.html (422 otherwise).
    """
    path = upload.blob.path
    try:
        detected = filetypes.check_upload(path, upload.filename)
    except filetypes.FileTypeError as error:
        raise DomainError(error.code, error.message, {"file": error.message, **error.details},
                          status=415) from None
    index = None
    if detected.kind_code == "html5zip":
        config = current_app.config
        try:
            index = zipsafety.check_zip(path, max_members=config["PACKAGE_MAX_MEMBERS"],
                                        max_total_uncompressed=config["PACKAGE_MAX_UNCOMPRESSED_MB"] * 1024 * 1024)
        except zipsafety.UnsafeZipError as error:
            raise DomainError(error.code, error.message, {"file": error.message, **error.details},
                              status=422) from None
    return _stored_row(upload.blob, mime=detected.mime, kind_code=detected.kind_code,
                       original_name=upload.filename, package_index=index)


def discard_unreferenced(blob):
    """Remove a blob this request created when its upload was refused and no row points at it.

    Call after the rollback: only committed rows keep the bytes.
    """
    if blob is None or not blob.created:
        return
    if db.session.scalar(db.select(StoredFile.id).where(StoredFile.sha256 == blob.sha256)) is None:
        file_store().remove(blob.sha256)


# --- derived files (run by the owning feature's processing job) ------------------------------

_IMAGE_MIMES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}
_DERIVED_MAX_BYTES = 1024 * 1024 * 1024


@dataclass
class Derived:
    """What processing made of a stored file; `errors` are Vietnamese sentences for the owner."""

    extracted_text: str | None = None
    thumbnail_sha256: str | None = None
    thumbnail_mime: str | None = None
    preview_sha256: str | None = None
    preview_mime: str | None = None
    errors: list = field(default_factory=list)


def derive(stored):
    """Extract the text (for search) and make the previews of a stored file: for an image a
    re-encoded copy (what is shown, never the upload) and a thumbnail; for a PDF a thumbnail of its
    first page. Failures are reported in `errors`, not raised. Messages are Vietnamese, the
    district's language (this runs in the worker, where no user's language is known)."""
    store = file_store()
    path = store.path_for(stored.sha256)
    result = Derived()
    if stored.kind_code in extract.EXTRACTABLE_KINDS:
        try:
            result.extracted_text = extract.extract_text(path, stored.kind_code)
        except extract.ExtractionError as error:
            result.errors.append(f"Trích xuất văn bản thất bại: {error.message}")
    try:
        thumbnail = None
        if filetypes.media_category(stored.kind_code) == "image":
            buffer = io.BytesIO()
            fmt = images.reencode_image(path, buffer)
            result.preview_sha256 = store.save_bytes(buffer.getvalue(), _DERIVED_MAX_BYTES).sha256
            result.preview_mime = _IMAGE_MIMES[fmt]
            thumbnail = images.make_thumbnail(path)
        elif stored.kind_code == "pdf":
            thumbnail = images.pdf_thumbnail(path)
        if thumbnail is not None:
            result.thumbnail_sha256 = store.save_bytes(thumbnail, _DERIVED_MAX_BYTES).sha256
            result.thumbnail_mime = images.thumbnail_format()[1]
    except images.ImageError as error:
        result.errors.append(f"Tạo ảnh xem trước thất bại: {error.message}")
    return result


# --- files a feature has read itself (question files and their pictures) --------------------

class NotAnImage(DomainError):
    """Bytes that were to be a picture are something else (422); `label` names what they are."""

    def __init__(self, label):
        super().__init__("not_an_image", f"nội dung là {label}, không phải ảnh PNG, JPEG, GIF hay WebP",
                         {"detected": label}, status=422)
        self.label = label


def _row_for(blob, mime, kind_code, filename):
    """The StoredFile of a stored blob (shared by identical bytes), as accept_file makes it."""
    return _stored_row(blob, mime=mime, kind_code=kind_code, original_name=(filename or "tep")[:255])


def _stored_row(blob, **values):
    """The one StoredFile row of these bytes: found, or inserted (two uploads of the same bytes at
    once: one row wins, and both get it). Part of the caller's transaction: its rollback removes
    the row too (core.rows: no savepoint)."""
    def existing():
        return db.session.scalar(db.select(StoredFile).where(StoredFile.sha256 == blob.sha256))

    row = existing()
    if row is None:
        insert_unless_present(StoredFile, {"sha256": blob.sha256, "size": blob.size,
                                           "created_at": utcnow(), **values}, StoredFile.sha256)
        row = existing()
    return row


def store_bytes(data, filename, mime, kind_code, max_bytes=None):
    """Keep a file whose content the calling feature has already read and checked (a question
    file its importer parsed): stored as it is, under its own kind. Returns the StoredFile."""
    try:
        blob = file_store().save_bytes(data, max_bytes if max_bytes is not None else len(data))
    except TooLargeError:
        raise uploads.too_large(max_bytes) from None
    return _row_for(blob, mime, kind_code, filename)


def store_image(data, filename):
    """Keep a picture that is shown in pages (a question's image): its type is sniffed from the
    bytes (PNG, JPEG, GIF or WebP, never SVG), and what is stored is the re-encoded copy (no
    metadata, no appended payload), so the StoredFile can be served as it is. Raises NotAnImage
    naming what the bytes are, or a 422 DomainError for an image Pillow cannot decode safely."""
    limit = uploads.limit_bytes("x.png")
    try:
        blob = file_store().save_bytes(data, limit)
    except TooLargeError:
        raise uploads.too_large(limit) from None
    try:
        found = filetypes.sniff(blob.path)
        try:
            category = filetypes.media_category(found.kind_code)
        except ValueError:
            category = None
        if category != "image" or found.kind_code == "svg":
            raise NotAnImage(found.label)
        buffer = io.BytesIO()
        try:
            fmt = images.reencode_image(blob.path, buffer)
        except images.ImageError as error:
            raise DomainError(error.code, error.message, {"file": error.message}, status=422) from None
    finally:
        discard_unreferenced(blob)  # the upload itself is never kept, only its re-encoded copy
    stem = (filename or "hinh").rsplit(".", 1)[0][:200] or "hinh"
    extension = "jpg" if fmt == "jpeg" else fmt
    copy = file_store().save_bytes(buffer.getvalue(), _DERIVED_MAX_BYTES)
    return _row_for(copy, _IMAGE_MIMES[fmt], fmt, f"{stem}.{extension}")
