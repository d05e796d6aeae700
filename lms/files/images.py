"""The only place that decodes images (Pillow) and renders PDF pages: re-encoding uploads,
thumbnails. Pure Python, no Flask."""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError, features


class ImageError(Exception):
    """An image (or PDF preview) cannot be decoded safely; ``message`` is for the user."""

    def __init__(self, message: str, code: str = "invalid_image", details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


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
