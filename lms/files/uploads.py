"""Multipart uploads streamed straight into the file store, never held in memory whole.

`request.files` would first spool the file into a temporary file of its own (or memory, below
500 KB) and the store would then copy it again. Here the multipart body is decoded as it arrives
(werkzeug's sans-IO MultipartDecoder) and the file part is handed to `FileStore.save_stream` as a
readable stream: one pass, one chunk of memory, hashed on the way, the size limit enforced while
streaming (the store stops reading one byte past it and removes its temporary file).

The limit depends on the file's media kind, known from its name as soon as the part's headers
arrive; the content is sniffed afterwards, and must agree with that name (filetypes.check_upload).
"""

import io
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from ..core.errors import DomainError
from ..core.text import nfc
from . import filetypes
from .store import StoredBlob, TooLargeError, file_store, format_megabytes

MiB = 1024 * 1024
READ_CHUNK = MiB
MAX_FIELDS = 100
MAX_FIELD_BYTES = 256 * 1024  # a long description with markup; titles are far shorter
MAX_FIELDS_TOTAL = MiB
DRAIN_LIMIT = 1024 * MiB  # read (and drop) at most this much after a refusal, so clients see it


class UploadError(DomainError):
    """A refused upload: 400 (malformed), 413 (too large) or 415 (type not accepted)."""


def limit_bytes(filename):
    """The size limit for a file of this name: per media category (UPLOAD_LIMITS_MB), else default."""
    limits = current_app.config["UPLOAD_LIMITS_MB"]
    kind = filetypes.ACCEPTED.get(filetypes.extension_of(filename or ""))
    category = filetypes.media_category(kind) if kind else None
    return int(limits.get(category, limits["default"]) * MiB)


def too_large(max_bytes):
    return UploadError("payload_too_large",
                       _("Tệp quá lớn: dung lượng tối đa cho phép là %(mb)s MB.",
                         mb=format_megabytes(max_bytes)),
                       {"file": _("Tệp vượt quá %(mb)s MB.", mb=format_megabytes(max_bytes)),
                        "max_bytes": max_bytes}, status=413)


def malformed(message=None):
    return UploadError("bad_request", message or _("Dữ liệu tải lên không hợp lệ hoặc bị cắt ngang."),
                       status=400)


@dataclass
class Received:
    """The text fields of the form (NFC) and, when a file was sent, its stored blob and name."""

    form: MultiDict = field(default_factory=MultiDict)
    blob: StoredBlob | None = None
    filename: str | None = None


class _Events:
    """Pull multipart events from the request body, reading only when the decoder needs data."""

    def __init__(self, stream, boundary):
        self._stream = stream
        self._decoder = MultipartDecoder(boundary, max_form_memory_size=4 * READ_CHUNK, max_parts=MAX_FIELDS + 5)
        self.bytes_read = 0

    def next(self):
        while True:
            try:
                event = self._decoder.next_event()
            except ValueError as error:
                raise malformed() from error
            if not isinstance(event, NeedData):
                return event
            data = self._stream.read(READ_CHUNK)
            self.bytes_read += len(data)
            self._decoder.receive_data(data or None)


class _FilePart(io.RawIOBase):
    """The data of the current file part as a readable stream (for FileStore.save_stream)."""

    def __init__(self, events):
        super().__init__()
        self._events = events
        self._pending = memoryview(b"")
        self.finished = False

    def readable(self):
        return True

    def readinto(self, buffer):
        while not self._pending and not self.finished:
            event = self._events.next()
            if not isinstance(event, Data):
                raise malformed()
            self._pending = memoryview(event.data)
            self.finished = not event.more_data
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def drain(self):
        while self.readinto(bytearray(READ_CHUNK)):
            pass


def receive(request, file_field="file", before_file=None):
    """Parse the request's form; stream the `file_field` part into the store.

    `before_file(form)` runs when the file part begins, with the fields sent before it (the page
    checks its CSRF token there, so nothing is written for a forged request). A urlencoded or
    empty body gives the form without a file. Raises UploadError (400/413/415).
    """
    mimetype, options = parse_options_header(request.headers.get("Content-Type", ""))
    if mimetype != "multipart/form-data":
        return Received(form=MultiDict(request.form.items(multi=True)))
    boundary = options.get("boundary", "").encode("latin-1", "replace")
    if not boundary:
        raise malformed()
    received = Received()
    events = _Events(request.stream, boundary)
    try:
        _parse(events, received, file_field, before_file, request.content_length)
    except TooLargeError as error:
        _drain(request)
        raise too_large(error.details["max_bytes"]) from None
    except RequestEntityTooLarge:
        raise malformed(_("Biểu mẫu có quá nhiều trường hoặc trường quá dài.")) from None
    except ClientDisconnected:
        raise malformed() from None
    except UploadError:
        _drain(request)
        raise
    return received


def _parse(events, received, file_field, before_file, content_length):
    fields_bytes = 0
    current_name, chunks = None, []
    while True:
        event = events.next()
        if isinstance(event, Epilogue):
            return
        if isinstance(event, Field):
            current_name, chunks = event.name, []
            if len(received.form) >= MAX_FIELDS:
                raise malformed(_("Biểu mẫu có quá nhiều trường."))
        elif isinstance(event, Data):
            fields_bytes += len(event.data)
            chunks.append(event.data)
            if fields_bytes > MAX_FIELDS_TOTAL or sum(map(len, chunks)) > MAX_FIELD_BYTES:
                raise malformed(_("Biểu mẫu có trường quá dài."))
            if not event.more_data and current_name is not None:
                received.form.add(nfc(current_name), nfc(b"".join(chunks).decode("utf-8", "replace")))
                current_name, chunks = None, []
        elif isinstance(event, File):
            part = _FilePart(events)
            if event.name != file_field or received.blob is not None or not event.filename:
                part.drain()  # an unexpected or empty file input: ignore its bytes
                continue
            if before_file is not None:
                before_file(received.form)
            filename = nfc(event.filename.replace("\\", "/").rsplit("/", 1)[-1])[:255]
            max_bytes = limit_bytes(filename)
            # A declared body far beyond the limit is refused before a byte is written.
            if content_length is not None and content_length > max_bytes + MAX_FIELDS_TOTAL + 64 * 1024:
                raise TooLargeError(max_bytes)
            received.blob = file_store().save_stream(part, max_bytes)
            received.filename = filename
            if not part.finished:
                part.drain()


def _drain(request):
    """Read what is left of a refused body (up to DRAIN_LIMIT) so the client gets our answer
    instead of a reset connection; beyond that the connection is simply closed."""
    remaining = request.content_length
    if remaining is not None and remaining > DRAIN_LIMIT:
        return
    stream = request.stream
    try:
        read = 0
        while read < DRAIN_LIMIT:
            chunk = stream.read(READ_CHUNK)
            if not chunk:
                return
            read += len(chunk)
    except (OSError, ClientDisconnected):
        return
