"""How uploaded bytes leave the server: never as active content of our origin.

- Inline files (PDF, video, audio) carry `Content-Security-Policy: sandbox`, so a PDF's scripts or
  an HTML polyglot run, if at all, in an opaque origin without our cookies; Range requests are
  answered (send_file(conditional=True)) so players can seek.
- Images are shown from the copy re-encoded by the processing job, never from the upload.
- HTML5 packages are streamed member by member out of the zip (nothing is extracted) with
  `Content-Security-Policy: sandbox allow-scripts` and every source limited to the package's own
  files (no outside connections), inside `<iframe sandbox="allow-scripts">`, optionally from a
  separate content hostname. Their URLs carry a signed, short-lived token (the owning feature's)
  instead of relying on the session cookie, because a sandboxed frame has an opaque origin and
  browsers do not send SameSite cookies from it.
- Downloads are `Content-Disposition: attachment` with the uploader's file name (RFC 5987).
- SVG is never rendered inline from our origin (package members are sent as attachments, which
  an <img> still displays but a navigation downloads).
Every response says `X-Content-Type-Options: nosniff`.
"""

import io

from flask import Response, request, send_file

from . import filetypes, zipsafety
from .store import file_store

INLINE_CATEGORIES = {"video", "audio"}
INLINE_KINDS = {"pdf"}


def is_inline(stored):
    return stored.kind_code in INLINE_KINDS or filetypes.media_category(stored.kind_code) in INLINE_CATEGORIES


def preview_kind(stored):
    """How the detail page previews a file: pdf, video, audio, image, package or None."""
    if stored.kind_code == "pdf":
        return "pdf"
    category = filetypes.media_category(stored.kind_code)
    return category if category in {"video", "audio", "image", "package"} else None


def _harden(response, csp="sandbox", same_origin_only=True):
    response.headers["Content-Security-Policy"] = csp
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    if same_origin_only:
        # Not for package members: their requests come from the sandbox's opaque origin.
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def send_inline(stored, name):
    """A stored file shown in the page (PDF in a sandboxed frame, a player), named `name`."""
    return _harden(_send(stored.sha256, stored.mime, name, as_attachment=False))


def send_download(stored, name):
    """A stored file as an attachment named `name` (the uploader's file name, RFC 5987)."""
    return _harden(_send(stored.sha256, stored.mime, name, as_attachment=True))


def send_derived(sha256, mime):
    """A file the server made itself (a re-encoded image or a thumbnail)."""
    return _harden(_send(sha256, mime, None, as_attachment=False))


def _send(sha256, mime, download_name, as_attachment):
    """send_file with ETag = digest, conditional requests and Range (players seek with it)."""
    store = file_store()
    stat = store.stat(sha256)
    response = send_file(_LazyFile(store, sha256), mimetype=mime, as_attachment=as_attachment,
                         download_name=download_name, conditional=False, etag=sha256, max_age=0,
                         last_modified=stat.st_mtime)
    response.content_length = stat.st_size
    return response.make_conditional(request.environ, accept_ranges=True, complete_length=stat.st_size)


class _LazyFile(io.RawIOBase):
    """A file opened at the first read: a response that is never sent (a HEAD request, a client
    gone before the body) holds no file handle."""

    def __init__(self, store, sha256):
        super().__init__()
        self._store = store
        self._sha256 = sha256
        self._file = None
        self._position = 0

    def _open(self):
        if self._file is None:
            self._file = self._store.open(self._sha256)  # closed in close()
            self._file.seek(self._position)
        return self._file

    def readable(self):
        return True

    def seekable(self):
        return True

    def readinto(self, buffer):
        return self._open().readinto(buffer)

    def seek(self, offset, whence=io.SEEK_SET):
        if self._file is None and whence == io.SEEK_SET:
            self._position = offset
            return offset
        return self._open().seek(offset, whence)

    def tell(self):
        return self._position if self._file is None else self._file.tell()

    def close(self):
        if self._file is not None:
            self._file.close()
        super().close()


# --- HTML5 packages ---------------------------------------------------------------------------

def package_csp(base_url):
    """A package member's policy: scripts run (sandboxed, in an opaque origin), but every fetch,
    script, style, image, font and frame must come from the package's own files (`base_url`,
    the link's path prefix), and nothing connects anywhere else: no tracking, no phishing form."""
    own = base_url
    return (f"sandbox allow-scripts; default-src {own}; script-src {own} 'unsafe-inline' 'unsafe-eval'; "
            f"style-src {own} 'unsafe-inline'; img-src {own} data: blob:; media-src {own} data: blob:; "
            f"font-src {own} data:; connect-src {own}; frame-src {own}; worker-src {own} blob:; "
            "form-action 'none'; base-uri 'none'; object-src 'none'")


def send_package_member(stored, member, base_url):
    """One member of an HTML5 package, streamed out of the zip (None if it is not there)."""
    store = file_store()
    try:
        with store.open_package_member(stored.sha256, member) as probe:
            size = probe.size
    except zipsafety.UnsafeZipError:
        return None
    mime = zipsafety.guess_member_mime(member)
    response = Response(_member_chunks(store, stored.sha256, member), mimetype=mime, direct_passthrough=True)
    response.content_length = size
    if mime == "image/svg+xml":
        response.headers["Content-Disposition"] = "attachment"
        return _harden(response, "sandbox; script-src 'none'", same_origin_only=False)
    return _harden(response, package_csp(base_url), same_origin_only=False)


def _member_chunks(store, sha256, member, size=64 * 1024):
    """The member's bytes; the archive is opened only when the body is actually sent."""
    with store.open_package_member(sha256, member) as stream:
        while chunk := stream.read(size):
            yield chunk
