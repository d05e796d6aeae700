"""The content-addressed file store, the temporary stash, and the only place that decodes images.

Files are stored once per distinct content, under ``root/ab/cd/<sha256>``: the path is derived
from the digest, never from a user's file name, so no name can point outside the store, and two
teachers uploading the same worksheet share one copy. Writes go through a temporary file in
``root/tmp`` (same file system, so ``os.replace`` is atomic) and are fsynced, so a crash never
leaves a half-written blob under its final name.

Pure Python, no Flask: limits come in as arguments.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError, features

MiB = 1024 * 1024

_DIGEST = re.compile(r"[0-9a-f]{64}")


class TooLargeError(Exception):
    """An upload went over its size limit; shaped like DomainError (code, message, details)."""

    def __init__(self, max_bytes: int):
        self.code = "payload_too_large"
        self.message = f"Tệp quá lớn: dung lượng tối đa cho phép là {format_megabytes(max_bytes)} MB."
        self.details = {"max_bytes": max_bytes}
        super().__init__(self.message)


class ImageError(Exception):
    """An image (or PDF preview) cannot be decoded safely; ``message`` is for the user."""

    def __init__(self, message: str, code: str = "invalid_image", details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


@dataclass(frozen=True)
class StoredBlob:
    """A stored file: its digest, byte size and final path; ``created`` is False for a duplicate."""

    sha256: str
    size: int
    path: Path
    created: bool = True


def format_megabytes(num_bytes: int) -> str:
    """Megabytes with a Vietnamese decimal comma: 1572864 -> "1,5"."""
    value = num_bytes / MiB
    if value == int(value):
        return str(int(value))
    return f"{value:.1f}".replace(".", ",")


# --------------------------------------------------------------------------- the store


class FileStore:
    """Blobs named by the SHA-256 of their bytes, under one root folder."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.tmp_dir = self.root / "tmp"

    def path_for(self, sha256: str) -> Path:
        """The blob's path; refuses anything but a lower-case hex digest (never a file name)."""
        if not isinstance(sha256, str) or not _DIGEST.fullmatch(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        """True if the blob is stored; a malformed digest simply is not."""
        try:
            return self.path_for(sha256).is_file()
        except ValueError:
            return False

    def remove(self, sha256: str) -> bool:
        """Delete a blob (the caller checked that no row refers to it); False if it was not there."""
        try:
            self.path_for(sha256).unlink()
        except FileNotFoundError:
            return False
        return True

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored blob for reading (FileNotFoundError if it is not stored)."""
        return self.path_for(sha256).open("rb")

    def save_stream(self, stream: BinaryIO, max_bytes: int, chunk_size: int = MiB) -> StoredBlob:
        """Copy a stream into the store chunk by chunk, hashing as it goes.

        Reading stops as soon as the limit is passed, so an oversize upload costs at most
        ``max_bytes + 1`` bytes of disk and one chunk of memory.
        """
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp_dir, prefix="upload-", suffix=".part")
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                digest, size = _copy_limited(stream, out, max_bytes, chunk_size)
                out.flush()
                os.fsync(out.fileno())
            return self._commit(tmp_path, digest, size)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise

    def _commit(self, tmp_path: Path, sha256: str, size: int) -> StoredBlob:
        """Move the temp file to its content address, or drop it if those bytes are stored."""
        final = self.path_for(sha256)
        if final.is_file():
            tmp_path.unlink()
            return StoredBlob(sha256, size, final, created=False)
        created_dirs = _make_dirs(final.parent)
        os.replace(tmp_path, final)
        for directory in [final.parent, *created_dirs]:
            _fsync_dir(directory)
        return StoredBlob(sha256, size, final, created=True)

    def delete_temp_leftovers(self, older_than_seconds: float = 3600) -> int:
        """Remove temp files left by crashed uploads; returns how many were removed.

        Only old ones: a fresh temp file may belong to an upload running in another worker.
        """
        if not self.tmp_dir.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for entry in self.tmp_dir.iterdir():
            try:
                if entry.is_file() and entry.stat().st_mtime < cutoff:
                    entry.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # another worker cleaned it first
        return removed


def _copy_limited(stream: BinaryIO, out: BinaryIO, max_bytes: int, chunk_size: int) -> tuple[str, int]:
    """Copy at most ``max_bytes`` bytes; raise TooLargeError on the first byte beyond."""
    hasher = hashlib.sha256()
    size = 0
    while True:
        chunk = stream.read(min(chunk_size, max_bytes - size + 1))
        if not chunk:
            return hasher.hexdigest(), size
        size += len(chunk)
        if size > max_bytes:
            raise TooLargeError(max_bytes)
        hasher.update(chunk)
        out.write(chunk)


def _make_dirs(directory: Path) -> list[Path]:
    """mkdir -p that returns the parents whose entries changed (they need an fsync too)."""
    missing = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    directory.mkdir(parents=True, exist_ok=True)
    return [path.parent for path in missing]


def _fsync_dir(directory: Path) -> None:
    """Persist a directory entry (the rename) so a power cut cannot lose a stored blob."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- the temporary stash

_STASH_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")  # what secrets.token_urlsafe(24) returns
_STASH_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


class TempStash:
    """Bytes kept for a short while under a random token: an upload between its preview and its
    confirmation, a generated sheet until its one download.

    The token is a capability handed to one user (or one job); on disk the entry is named by
    the SHA-256 of the token, never by the token itself, so a token is checked against the
    ``token_urlsafe`` alphabet and only ever hashed, and the folder listing reveals no token.
    ``take`` claims an entry with an atomic rename, so of two concurrent takes exactly one gets
    the bytes. Entries older than ``max_age`` seconds are purged on the next ``put``.
    """

    def __init__(self, root: str | Path, max_age: float = 3600):
        self.root = Path(root)
        self.max_age = max_age

    @staticmethod
    def valid_token(token: object) -> bool:
        return isinstance(token, str) and _STASH_TOKEN.fullmatch(token) is not None

    def _stem(self, token: object) -> str | None:
        if not self.valid_token(token):
            return None
        return hashlib.sha256(token.encode("ascii")).hexdigest()

    def _find(self, token: object) -> Path | None:
        stem = self._stem(token)
        if stem is None:
            return None
        for entry in self.root.glob(f"{stem}.*"):  # the stem is hex: no glob metacharacters
            if _STASH_SUFFIX.fullmatch(entry.name[len(stem):]):
                return entry
        return None

    def put(self, data: bytes, suffix: str = ".bin") -> str:
        """Store ``data``; returns its token. ``suffix`` (".xlsx") only helps whoever looks in the
        folder; anything but a short lower-case extension becomes ".bin"."""
        suffix = (suffix or "").lower()
        if not _STASH_SUFFIX.fullmatch(suffix):
            suffix = ".bin"
        self.root.mkdir(parents=True, exist_ok=True)
        self.purge(self.max_age)
        token = secrets.token_urlsafe(24)
        # Written under a temporary name, then renamed; readable by this user only (passwords).
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".put-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, self.root / f"{self._stem(token)}{suffix}")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return token

    def peek(self, token: object) -> bytes | None:
        """The bytes under ``token``, left in place; None if gone, never there, or malformed."""
        path = self._find(token)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def take(self, token: object) -> bytes | None:
        """The bytes under ``token``, deleted as they are read (once only); None as for ``peek``."""
        path = self._find(token)
        if path is None:
            return None
        claimed = self.root / f".take-{secrets.token_hex(8)}"
        try:
            os.replace(path, claimed)  # atomic: a concurrent take finds nothing
            return claimed.read_bytes()
        except FileNotFoundError:  # taken (or purged) by another worker first
            return None
        finally:
            claimed.unlink(missing_ok=True)

    def discard(self, token: object) -> None:
        path = self._find(token)
        if path is not None:
            path.unlink(missing_ok=True)

    def purge(self, older_than_seconds: float = 3600) -> int:
        """Remove entries (and leftovers of crashed writes) older than that; returns how many."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for entry in self.root.iterdir():
            try:
                if entry.is_file() and entry.stat().st_mtime < cutoff:
                    entry.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # taken or purged by another worker meanwhile
        return removed


# --------------------------------------------------------------------------- images

ALLOWED_IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
"""Only these decoders ever see uploaded bytes: Pillow would otherwise also try EPS (which runs
Ghostscript), PSD, TIFF and other rarely-audited parsers."""

MAX_FRAMES = 1000
"""An animated GIF/WebP is re-encoded frame by frame; bound the work."""

_SAVE_OPTIONS = {
    "JPEG": {"quality": 90, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 90},
    "GIF": {},
}

_BOMB_MESSAGE = "Ảnh có kích thước quá lớn (nghi là “bom giải nén”), không thể xử lý."
_BAD_IMAGE_MESSAGE = "Không đọc được ảnh: tệp bị hỏng hoặc không phải định dạng PNG, JPEG, WebP hay GIF."


@contextmanager
def _open_image(src_path: str | Path) -> Iterator[Image.Image]:
    """Open an upload with Pillow's bomb guard as an error and only the allowed decoders.

    ``catch_warnings`` swaps the process-wide filter list; concurrent threads can only ever see
    the extra "error for DecompressionBombWarning" entry, which is what every caller wants.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(src_path, formats=ALLOWED_IMAGE_FORMATS) as img:
                if getattr(img, "n_frames", 1) > MAX_FRAMES:
                    raise ImageError(f"Ảnh động có quá nhiều khung hình (tối đa {MAX_FRAMES}).")
                img.load()
                yield img
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(_BOMB_MESSAGE, code="image_too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(_BAD_IMAGE_MESSAGE) from exc


_KEPT_INFO = {"transparency", "duration", "loop", "background", "icc_profile", "dpi"}
"""What a re-encoded image keeps besides pixels; Pillow's encoders copy e.g. "comment" otherwise."""


def _strip_metadata(img: Image.Image) -> None:
    img.info = {key: value for key, value in img.info.items() if key in _KEPT_INFO}


def _is_animated(img: Image.Image) -> bool:
    return bool(getattr(img, "is_animated", False))


def reencode_image(src_path: str | Path, dst: str | Path | BinaryIO) -> str:
    """Decode and re-encode an image in its own format; returns the kind ("png", "jpeg", ...).

    Re-encoding drops everything that is not pixels: EXIF (a student's photo carries the GPS
    position of their home), comments, and any payload appended to make a polyglot file. The
    EXIF orientation is applied first, or phone photos would turn sideways.
    """
    with _open_image(src_path) as img:
        fmt = img.format
        options = dict(_SAVE_OPTIONS[fmt])
        if _is_animated(img):
            options["save_all"] = True  # frames keep their own durations
            out = img
        else:
            out = ImageOps.exif_transpose(img)
        _strip_metadata(out)
        try:
            out.save(dst, format=fmt, **options)
        except (OSError, ValueError) as exc:
            raise ImageError(_BAD_IMAGE_MESSAGE) from exc
    return fmt.lower()


def thumbnail_format() -> tuple[str, str]:
    """(Pillow format, MIME) of thumbnails: WebP when Pillow was built with it, else PNG."""
    if features.check("webp"):
        return "WEBP", "image/webp"
    return "PNG", "image/png"


def make_thumbnail(src_path: str | Path, size: tuple[int, int] = (320, 320)) -> bytes:
    """A small preview (first frame, orientation applied) encoded as WebP or PNG."""
    with _open_image(src_path) as img:
        img.seek(0)
        frame = ImageOps.exif_transpose(img)
        return _encode_thumbnail(frame, size)


def _encode_thumbnail(img: Image.Image, size: tuple[int, int]) -> bytes:
    """Shrink in place of a copy and encode; keeps transparency, drops palettes and CMYK."""
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    img = img.convert("RGBA" if has_alpha else "RGB")
    img.thumbnail(size)
    fmt, _ = thumbnail_format()
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **({"quality": 80} if fmt == "WEBP" else {"optimize": True}))
    return buffer.getvalue()


# --------------------------------------------------------------------------- PDF previews

_PDFIUM_LOCK = threading.Lock()
"""PDFium is not thread-safe; one render at a time per process."""

_MAX_RENDER_SCALE = 4.0


def _load_pdfium():
    """Import pypdfium2 lazily, so the app runs (without PDF previews) where it is missing."""
    try:
        import pypdfium2
    except ImportError as exc:
        raise ImageError(
            "Máy chủ chưa cài bộ dựng hình PDF (pypdfium2) nên không tạo được ảnh xem trước.",
            code="renderer_missing",
        ) from exc
    return pypdfium2


def pdf_thumbnail(path: str | Path, size: tuple[int, int] = (320, 320)) -> bytes:
    """Render the first page of a PDF to a thumbnail (WebP or PNG)."""
    pdfium = _load_pdfium()
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(str(path))
            try:
                image = _render_first_page(pdf, size)
            finally:
                pdf.close()
        except pdfium.PdfiumError as exc:
            raise ImageError("Không mở được tệp PDF để tạo ảnh xem trước (tệp hỏng hoặc có mật khẩu).",
                             code="invalid_pdf") from exc
    return _encode_thumbnail(image, size)


def _render_first_page(pdf, size: tuple[int, int]) -> Image.Image:
    """Render page 1 at the scale that fits ``size`` (bounded, since page sizes are user data)."""
    if len(pdf) == 0:
        raise ImageError("Tệp PDF không có trang nào.", code="invalid_pdf")
    page = pdf[0]
    try:
        width, height = page.get_size()
        if width <= 0 or height <= 0:
            raise ImageError("Trang đầu của tệp PDF có kích thước không hợp lệ.", code="invalid_pdf")
        scale = min(size[0] / width, size[1] / height, _MAX_RENDER_SCALE)
        bitmap = page.render(scale=scale)
        try:
            return bitmap.to_pil().copy()
        finally:
            bitmap.close()
    finally:
        page.close()
