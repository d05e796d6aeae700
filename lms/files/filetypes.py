"""Decide what an uploaded file really is from its bytes, never from its name.

A file name is typed by whoever uploads it; the bytes are what a browser, an office suite or an
operating system will act on. So the upload check sniffs the content (magic numbers, zip member
lists, MP4 track handlers, the EBML DocType) and refuses a file whose extension and content
disagree: an ``.exe`` renamed ``.pdf`` or an SVG (which can carry script) renamed ``.png``.

Pure Python, no Flask: callers pass paths and names and turn ``FileTypeError`` into a 415 reply.
"""

from __future__ import annotations

import lzma
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from .zipsafety import find_index

HEAD_BYTES = 8192
"""Enough for every magic number used here, and for an EBML header."""

TEXT_SNIFF_BYTES = 65536
"""SVG may open with a long licence comment before ``<svg``; look this far for it."""

_CONTENT_TYPES_LIMIT = 1024 * 1024
"""[Content_Types].xml is a few KiB in real files; never inflate more than this to read it."""


@dataclass(frozen=True)
class Detected:
    """What the bytes say the file is: a short code, the MIME type and a Vietnamese label."""

    kind_code: str
    mime: str
    label: str


class FileTypeError(Exception):
    """The upload is refused because of its type; shaped like DomainError (code, message, details)."""

    def __init__(self, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


# kind_code -> (mime, label). Labels read naturally after "nội dung là ...".
KINDS: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "tài liệu PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "tài liệu Word (DOCX)"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             "bài trình chiếu PowerPoint (PPTX)"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "bảng tính Excel (XLSX)"),
    "docm": ("application/vnd.ms-word.document.macroEnabled.12", "tài liệu Word có macro (DOCM)"),
    "pptm": ("application/vnd.ms-powerpoint.presentation.macroEnabled.12",
             "bài trình chiếu PowerPoint có macro (PPTM)"),
    "xlsm": ("application/vnd.ms-excel.sheet.macroEnabled.12", "bảng tính Excel có macro (XLSM)"),
    "odt": ("application/vnd.oasis.opendocument.text", "văn bản OpenDocument (ODT)"),
    "odp": ("application/vnd.oasis.opendocument.presentation", "bài trình chiếu OpenDocument (ODP)"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "bảng tính OpenDocument (ODS)"),
    "epub": ("application/epub+zip", "sách điện tử EPUB"),
    "mp4": ("video/mp4", "video MP4"),
    "m4a": ("audio/mp4", "âm thanh M4A"),
    "mov": ("video/quicktime", "video QuickTime (MOV)"),
    "heic": ("image/heic", "ảnh HEIC"),
    "avif": ("image/avif", "ảnh AVIF"),
    "webm": ("video/webm", "video WebM"),
    "mkv": ("video/x-matroska", "video Matroska (MKV)"),
    "mp3": ("audio/mpeg", "âm thanh MP3"),
    "aac": ("audio/aac", "âm thanh AAC"),
    "ogg": ("audio/ogg", "âm thanh OGG"),
    "wav": ("audio/wav", "âm thanh WAV"),
    "avi": ("video/x-msvideo", "video AVI"),
    "png": ("image/png", "ảnh PNG"),
    "jpeg": ("image/jpeg", "ảnh JPEG"),
    "webp": ("image/webp", "ảnh WebP"),
    "gif": ("image/gif", "ảnh GIF"),
    "svg": ("image/svg+xml", "ảnh vector SVG (có thể chứa mã lệnh)"),
    "html": ("text/html", "trang web HTML"),
    "html5zip": ("application/zip", "gói bài giảng HTML5 (ZIP có index.html)"),
    "zip": ("application/zip", "tệp nén ZIP"),
    "exe": ("application/vnd.microsoft.portable-executable", "tệp thực thi Windows (EXE)"),
    "elf": ("application/x-executable", "tệp thực thi Linux (ELF)"),
    "script": ("text/x-script", "tệp kịch bản lệnh (script)"),
    "empty": ("application/octet-stream", "tệp rỗng"),
    "unknown": ("application/octet-stream", "loại tệp không xác định"),
}

ACCEPTED: dict[str, str] = {
    "pdf": "pdf",
    "docx": "docx",
    "pptx": "pptx",
    "xlsx": "xlsx",
    "odt": "odt",
    "odp": "odp",
    "mp4": "mp4",
    "webm": "webm",
    "mp3": "mp3",
    "m4a": "m4a",
    "ogg": "ogg",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "webp": "webp",
    "gif": "gif",
    "zip": "html5zip",
}
"""Extension (lower case, no dot) -> the kind its content must sniff as."""

_ALSO_ACCEPTED: dict[str, frozenset[str]] = {
    # An audio-only MP4 is still a valid .mp4 (screen recorders, exported lectures); the
    # stored kind stays "m4a" so it is played in an <audio> element.
    "mp4": frozenset({"m4a"}),
}

_CATEGORIES: dict[str, str] = {
    "mp4": "video", "webm": "video",
    "mp3": "audio", "m4a": "audio", "ogg": "audio",
    "png": "image", "jpeg": "image", "webp": "image", "gif": "image", "svg": "image",
    "pdf": "document", "docx": "document", "pptx": "document", "xlsx": "document",
    "odt": "document", "odp": "document",
    "html5zip": "package", "zip": "package",
}


def detected(kind_code: str) -> Detected:
    """Build the Detected record for a kind code from the KINDS table."""
    mime, label = KINDS[kind_code]
    return Detected(kind_code, mime, label)


def label_for(kind_code: str) -> str:
    """Vietnamese name of a kind, for messages written by other modules."""
    return KINDS.get(kind_code, KINDS["unknown"])[1]


def media_category(kind_code: str) -> str:
    """Group a kind into video/audio/image/document/package, the unit of per-kind size limits."""
    try:
        return _CATEGORIES[kind_code]
    except KeyError:
        raise ValueError(f"no media category for kind {kind_code!r}") from None


# --------------------------------------------------------------------------- sniffing


def sniff(path: str | Path) -> Detected:
    """Identify a file by its content: magic bytes first, then zip members or text markers."""
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head:
        return detected("empty")
    for probe in (_sniff_binary, _sniff_mpeg_audio):
        kind = probe(head)
        if kind:
            return detected(kind)
    if head[4:8] == b"ftyp":
        kind = _sniff_iso_bmff(path)
        if kind:
            return detected(kind)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return detected(_sniff_zip(path))
    if head.startswith(b"ID3"):
        return detected(_sniff_after_id3(path, head))
    return detected(_sniff_text(path))


def _sniff_binary(head: bytes) -> str | None:
    """Fixed magic numbers at offset 0 (or RIFF/EBML containers that name their format)."""
    simple = (
        (b"%PDF-", "pdf"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"\xff\xd8\xff", "jpeg"),
        (b"GIF87a", "gif"),
        (b"GIF89a", "gif"),
        (b"OggS", "ogg"),
        (b"MZ", "exe"),
        (b"\x7fELF", "elf"),
    )
    for magic, kind in simple:
        if head.startswith(magic):
            return kind
    if head.startswith(b"RIFF") and len(head) >= 12:
        return {b"WEBP": "webp", b"WAVE": "wav", b"AVI ": "avi"}.get(head[8:12], "unknown")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        doctype = _ebml_doctype(head)
        return {"webm": "webm", "matroska": "mkv"}.get(doctype or "", "unknown")
    return None


# ---- EBML (WebM / Matroska)


def _read_vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int, int]:
    """Read an EBML variable-length integer; returns (value, new position)."""
    if pos >= len(data) or data[pos] == 0:
        raise ValueError("bad vint")
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if pos + length > len(data):
        raise ValueError("truncated vint")
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for byte in data[pos + 1:pos + length]:
        value = (value << 8) | byte
    return value, pos + length


def _ebml_doctype(head: bytes) -> str | None:
    """Return the DocType string of the EBML header ("webm", "matroska"), or None."""
    try:
        _, pos = _read_vint(head, 0, keep_marker=True)
        size, pos = _read_vint(head, pos, keep_marker=False)
        end = min(pos + size, len(head))
        while pos < end:
            element_id, pos = _read_vint(head, pos, keep_marker=True)
            length, pos = _read_vint(head, pos, keep_marker=False)
            if element_id == 0x4282:
                return head[pos:pos + length].rstrip(b"\x00").decode("ascii", "replace")
            pos += length
    except ValueError:
        return None
    return None


# ---- MP3 / AAC

_MPEG_BITRATES_KBPS = {
    # (version is MPEG-1, layer) -> table indexed by bitrate index
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MPEG_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mpeg_frame_length(header: bytes) -> int | None:
    """Length in bytes of the MPEG audio frame starting here, or None if it is no frame header."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 3
    layer_bits = (header[1] >> 1) & 3
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 3
    if version == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    layer = 4 - layer_bits
    mpeg1 = version == 3
    bitrate = _MPEG_BITRATES_KBPS[(mpeg1, layer)][bitrate_index] * 1000
    rate = _MPEG_SAMPLE_RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    samples_factor = 144 if (layer == 2 or mpeg1) else 72
    return samples_factor * bitrate // rate + padding


def _is_adts(header: bytes) -> bool:
    """AAC ADTS shares MP3's sync word but has layer bits 00."""
    return len(header) >= 2 and header[0] == 0xFF and header[1] & 0xF6 == 0xF0


def _sniff_mpeg_audio(head: bytes) -> str | None:
    """A bare MPEG audio stream: two consecutive valid frame headers, so random 0xFF bytes fail."""
    if _is_adts(head):
        return "aac"
    length = _mpeg_frame_length(head)
    if length is None:
        return None
    following = head[length:length + 4]
    if len(following) < 4 or _mpeg_frame_length(following) is not None:
        return "mp3"
    return None


def _sniff_after_id3(path: Path, head: bytes) -> str:
    """An ID3 tag is nearly always MP3, but AAC files may carry one too: look past the tag."""
    size_bytes = head[6:10]
    if len(size_bytes) < 4:
        return "mp3"
    size = 0
    for byte in size_bytes:
        size = (size << 7) | (byte & 0x7F)
    with path.open("rb") as fh:
        fh.seek(10 + size)
        window = fh.read(4096)
    for pos in range(0, max(len(window) - 3, 0)):
        if window[pos] != 0xFF:
            continue
        if _is_adts(window[pos:]):
            return "aac"
        if _mpeg_frame_length(window[pos:pos + 4]) is not None:
            return "mp3"
    return "mp3"


# ---- ISO base media (MP4, M4A, MOV, HEIC, AVIF)

_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_IMAGE_BRANDS = {b"heic": "heic", b"heix": "heic", b"heim": "heic", b"heis": "heic",
                 b"hevc": "heic", b"mif1": "heic", b"msf1": "heic",
                 b"avif": "avif", b"avis": "avif"}
_MAX_BOXES = 10_000


def _sniff_iso_bmff(path: Path) -> str | None:
    """Tell MP4 video from M4A audio (and images/QuickTime) by brand, then by track handlers.

    The brand alone is not enough: phone recorders write ".m4a" files with the generic "isom"
    or "mp42" brand, so an MP4 whose tracks are all sound is reported as audio.
    """
    with path.open("rb") as fh:
        ftyp = _read_box_header(fh)
        if ftyp is None or ftyp[0] != b"ftyp" or ftyp[1] < 16:
            return None
        body = fh.read(min(ftyp[1] - ftyp[2], 4096))
        major, compatible = body[:4], {body[i:i + 4] for i in range(8, len(body) - 3, 4)}
        if major in _IMAGE_BRANDS:
            return _IMAGE_BRANDS[major]
        if major in _AUDIO_BRANDS:
            return "m4a"
        if major == b"qt  ":
            return "mov"
        handlers = _track_handlers(fh, ftyp[1])
    if b"vide" in handlers:
        return "mp4"
    if b"soun" in handlers:
        return "m4a"
    if compatible & _AUDIO_BRANDS:
        return "m4a"
    return "mp4"


def _read_box_header(fh) -> tuple[bytes, int, int] | None:
    """Read (type, total size, header size) of the box at the current position."""
    raw = fh.read(8)
    if len(raw) < 8:
        return None
    size, box_type = struct.unpack(">I4s", raw)
    header = 8
    if size == 1:
        large = fh.read(8)
        if len(large) < 8:
            return None
        size = struct.unpack(">Q", large)[0]
        header = 16
    elif size == 0:
        current = fh.tell()
        fh.seek(0, 2)
        size = fh.tell() - current + 8
        fh.seek(current)
    if size < header:
        return None
    return box_type, size, header


def _track_handlers(fh, start: int) -> set[bytes]:
    """Walk moov/trak/mdia/hdlr (seeking past mdat, which may come first) and collect handlers."""
    handlers: set[bytes] = set()
    containers = {b"moov", b"trak", b"mdia"}
    stack = [(start, None)]  # (position, end) pairs; None end means end of file
    fh.seek(0, 2)
    file_end = fh.tell()
    budget = _MAX_BOXES
    while stack and budget:
        pos, end = stack.pop()
        end = file_end if end is None else end
        while pos + 8 <= end and budget:
            budget -= 1
            fh.seek(pos)
            header = _read_box_header(fh)
            if header is None:
                break
            box_type, size, header_size = header
            if box_type in containers:
                stack.append((pos + header_size, pos + size))
            elif box_type == b"hdlr":
                body = fh.read(12)
                if len(body) == 12:
                    handlers.add(body[8:12])
            pos += size
    return handlers


# ---- ZIP containers

_OOXML_DIRS = (("word/", "docx"), ("ppt/", "pptx"), ("xl/", "xlsx"))
_MACRO_KINDS = {"docx": "docm", "pptx": "pptm", "xlsx": "xlsm"}
_ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/epub+zip": "epub",
}


_ZIP_READ_ERRORS = (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError,
                    zlib.error, lzma.LZMAError)
"""What reading a damaged or encrypted archive can raise (zlib.error is no OSError)."""


def _sniff_zip(path: Path) -> str:
    """Office documents, ODF, EPUB and HTML5 packages are all zips; their members tell them apart."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                odf = _ODF_MIMETYPES.get(_read_small(zf, "mimetype", 200).strip())
                if odf:
                    return odf
            if "[Content_Types].xml" in names:
                ooxml = _ooxml_kind(zf, names)
                if ooxml:
                    return ooxml
            return "html5zip" if find_index(zf) else "zip"
    except _ZIP_READ_ERRORS:
        return "unknown"


def _read_small(zf: zipfile.ZipFile, name: str, limit: int) -> str:
    """Read at most ``limit`` bytes of a member as text: never inflate a zip bomb to sniff it."""
    with zf.open(name) as member:
        return member.read(limit).decode("utf-8", "replace")


def _ooxml_kind(zf: zipfile.ZipFile, names: set[str]) -> str | None:
    """docx/pptx/xlsx by their part folder; macro-enabled variants are reported separately."""
    for prefix, kind in _OOXML_DIRS:
        if any(name.startswith(prefix) for name in names):
            content_types = _read_small(zf, "[Content_Types].xml", _CONTENT_TYPES_LIMIT)
            if "macroenabled" in content_types.lower() or any(
                name.endswith("vbaProject.bin") for name in names
            ):
                return _MACRO_KINDS[kind]
            return kind
    return None


# ---- text formats

_SVG_PREAMBLE = re.compile(
    r"""\s*(?:<\?xml.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)""",
    re.DOTALL | re.IGNORECASE,
)


def _sniff_text(path: Path) -> str:
    """SVG, HTML and scripts are text; decode the start and look at the first real tag."""
    with path.open("rb") as fh:
        raw = fh.read(TEXT_SNIFF_BYTES)
    text = _decode_text(raw)
    if text is None:
        return "unknown"
    if text.startswith("#!"):
        return "script"
    pos = 0
    while True:
        match = _SVG_PREAMBLE.match(text, pos)
        if not match:
            break
        pos = match.end()
    rest = text[pos:].lstrip()
    if re.match(r"<(?:\w+:)?svg[\s>/]", rest):
        return "svg"
    if re.match(r"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|script[\s>])", rest, re.IGNORECASE):
        return "html"
    return "unknown"


def _decode_text(raw: bytes) -> str | None:
    """Decode by BOM (UTF-8/UTF-16) or as UTF-8; None for binary data."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw, encoding = raw[3:], "utf-8"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    if b"\x00" in raw and encoding == "utf-8":
        return None
    # A window may cut a multi-byte character in half; "ignore" only drops that tail.
    return raw.decode(encoding, "ignore")


# --------------------------------------------------------------------------- upload check


def extension_of(filename: str) -> str:
    """Lower-case extension without the dot ("" when there is none)."""
    suffix = Path(filename.replace("\\", "/")).suffix
    return suffix[1:].lower()


def check_upload(path: str | Path, filename: str) -> Detected:
    """Sniff ``path`` and accept it only if the extension is allowed and matches the content."""
    found = sniff(path)
    ext = extension_of(filename)
    details = {"extension": ext, "detected": found.kind_code}
    expected = ACCEPTED.get(ext)
    if expected is None:
        raise FileTypeError("unsupported_media_type", _unsupported_message(ext), details)
    if found.kind_code == expected or found.kind_code in _ALSO_ACCEPTED.get(ext, ()):
        return found
    raise FileTypeError("unsupported_media_type", _mismatch_message(ext, expected, found), details)


def _unsupported_message(ext: str) -> str:
    """Tell the user which extensions are allowed, since theirs is not."""
    allowed = ", ".join(f".{e}" for e in ACCEPTED)
    if not ext:
        return f"Tệp không có đuôi nên không xác định được loại tệp. Các loại được chấp nhận: {allowed}."
    return f"Không hỗ trợ tệp có đuôi .{ext}. Các loại được chấp nhận: {allowed}."


def _mismatch_message(ext: str, expected: str, found: Detected) -> str:
    """Name both what the extension promised and what the content is."""
    if expected == "html5zip" and found.kind_code == "zip":
        return ("Tệp ZIP không phải gói bài giảng HTML5: không tìm thấy index.html ở thư mục gốc "
                "hoặc trong một thư mục duy nhất ở cấp trên cùng.")
    if found.kind_code == "unknown":
        return f"Tệp có đuôi .{ext} nhưng nội dung không phải {label_for(expected)}."
    return f"Tệp có đuôi .{ext} nhưng nội dung là {found.label}."
