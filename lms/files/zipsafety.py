"""Decide whether an uploaded ZIP (an HTML5 simulation package) is safe to keep and serve.

Packages are never extracted to disk: each member is streamed out of the archive on request
(``open_member``), so path tricks cannot write anywhere. The checks here still refuse archives
that are hostile or broken on their face (traversal names, symlinks, zip bombs, encryption),
because such a package cannot be a genuine lesson and may be extracted by other tools later.

Pure Python, no Flask: limits come in as arguments.
"""

from __future__ import annotations

import io
import lzma
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path

MiB = 1024 * 1024

_MAX_DIRECTORY_BYTES_PER_MEMBER = 1024
"""Real central-directory entries are ~100-300 bytes; this bounds memory before zipfile parses."""

_RATIO_MIN_SIZE = MiB
"""Small members may compress absurdly well (a blank page of spaces) and cost nothing to inflate."""

_SUPPORTED_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}

_JUNK_PREFIXES = ("__MACOSX/",)
_JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"


class UnsafeZipError(Exception):
    """The archive is refused; shaped like DomainError (code, message, details)."""

    def __init__(self, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


# --------------------------------------------------------------------------- package layout


def _is_junk(name: str) -> bool:
    """Files that macOS/Windows add when zipping a folder; they must not hide the real layout."""
    return name.startswith(_JUNK_PREFIXES) or name.rsplit("/", 1)[-1] in _JUNK_NAMES


def find_index(zf: zipfile.ZipFile) -> str | None:
    """The member name of the package's ``index.html``: at the root, or inside one top folder.

    "Compress this folder" in Windows and macOS produces ``lesson/index.html``; zipping the
    folder's contents produces ``index.html``. Both are the same package. The match ignores case
    (``Index.html`` from Windows tools) but returns the exact stored name.
    """
    names = [name for name in zf.namelist() if not _is_junk(name)]
    for name in names:
        if name.lower() == "index.html":
            return name
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) != 1 or not all("/" in name for name in names):
        return None
    wanted = f"{tops.pop()}/index.html".lower()
    return next((name for name in names if name.lower() == wanted), None)


# --------------------------------------------------------------------------- checks


def check_zip(
    path: str | Path,
    max_members: int = 2000,
    max_total_uncompressed: int = 500 * MiB,
    max_ratio: float = 200,
    require_index: bool = True,
) -> str | None:
    """Refuse a hostile or broken archive; return the ``index.html`` member name (or None).

    Sizes are the ones declared in the central directory. They can be trusted as upper bounds
    because Python's zipfile stops a member's stream at its declared size and fails its CRC.
    """
    _precheck_directory(Path(path), max_members)
    zf = _open_zip(path)
    with zf:
        infos = zf.infolist()
        if len(infos) > max_members:
            raise _too_many(len(infos), max_members)
        seen: set[str] = set()
        total = 0
        for info in infos:
            _check_member(info, max_ratio)
            if info.filename in seen:
                raise UnsafeZipError("duplicate_member", f"Tệp ZIP chứa hai mục trùng tên: {info.filename}.",
                                     {"member": info.filename})
            seen.add(info.filename)
            total += info.file_size
        if total > max_total_uncompressed:
            raise UnsafeZipError(
                "too_large_uncompressed",
                f"Nội dung giải nén của tệp ZIP quá lớn (tối đa {max_total_uncompressed // MiB} MB).",
                {"total_uncompressed": total, "max_total_uncompressed": max_total_uncompressed},
            )
        index = find_index(zf)
    if require_index and index is None:
        raise UnsafeZipError(
            "missing_index",
            "Gói HTML5 phải có tệp index.html ở thư mục gốc hoặc trong một thư mục duy nhất ở cấp trên cùng.",
            {},
        )
    return index


def _open_zip(path: str | Path) -> zipfile.ZipFile:
    """Open an archive, turning every parser failure into one clean refusal."""
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise UnsafeZipError("invalid_zip", "Tệp ZIP bị hỏng hoặc không đọc được.", {}) from exc


def _too_many(count: int, max_members: int) -> UnsafeZipError:
    return UnsafeZipError(
        "too_many_members",
        f"Tệp ZIP có quá nhiều tệp ({count}); tối đa {max_members} tệp.",
        {"members": count, "max_members": max_members},
    )


def _precheck_directory(path: Path, max_members: int) -> None:
    """Read the end-of-central-directory record before zipfile builds a ZipInfo per entry.

    A 100 MB upload can declare millions of empty entries, and zipfile would hold them all in
    memory; the record tells the count and directory size up front.
    """
    with path.open("rb") as fh:
        fh.seek(0, io.SEEK_END)
        file_size = fh.tell()
        tail_start = max(0, file_size - (22 + 65535))
        fh.seek(tail_start)
        tail = fh.read()
        pos = tail.rfind(_EOCD)
        if pos < 0 or len(tail) - pos < 22:
            return  # not a zip: _open_zip reports it
        entries_disk, entries, directory_size = struct.unpack("<HHI", tail[pos + 8:pos + 16])
        count = max(entries_disk, entries)
        if count == 0xFFFF or directory_size == 0xFFFFFFFF:
            count, directory_size = _zip64_counts(fh, tail_start + pos, count, directory_size)
    if count > max_members or directory_size > max_members * _MAX_DIRECTORY_BYTES_PER_MEMBER:
        raise _too_many(count, max_members)


def _zip64_counts(fh, eocd_offset: int, count: int, directory_size: int) -> tuple[int, int]:
    """Follow the ZIP64 locator to the real entry count and directory size."""
    if eocd_offset < 20:
        return count, directory_size
    fh.seek(eocd_offset - 20)
    locator = fh.read(20)
    if not locator.startswith(_ZIP64_LOCATOR):
        return count, directory_size
    (record_offset,) = struct.unpack("<Q", locator[8:16])
    fh.seek(record_offset)
    record = fh.read(56)
    if len(record) < 56 or not record.startswith(_ZIP64_EOCD):
        return count, directory_size
    entries_disk, entries, size = struct.unpack("<QQQ", record[24:48])
    return max(entries_disk, entries), size


def unsafe_name_reason(name: str) -> str | None:
    """Why a member name could escape a folder when extracted ("absolute_path", ...), or None."""
    if "\x00" in name:
        return "unsafe_name"
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return "absolute_path"
    if ".." in re.split(r"[\\/]", name):
        return "path_traversal"
    return None


_NAME_MESSAGES = {
    "unsafe_name": "Tệp ZIP chứa tên tệp không hợp lệ: {name}.",
    "absolute_path": "Tệp ZIP chứa đường dẫn tuyệt đối: {name}.",
    "path_traversal": "Tệp ZIP chứa đường dẫn thoát ra ngoài thư mục (..): {name}.",
}


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    """Unix tools store the file mode in the high 16 bits of external_attr."""
    return stat.S_ISLNK(info.external_attr >> 16)


def _check_member(info: zipfile.ZipInfo, max_ratio: float) -> None:
    """Refuse one member for its name, type, encryption, compression method or ratio."""
    name = info.filename
    reason = unsafe_name_reason(name)
    if reason:
        raise UnsafeZipError(reason, _NAME_MESSAGES[reason].format(name=name), {"member": name})
    if _is_symlink(info):
        raise UnsafeZipError("symlink_member", f"Tệp ZIP chứa liên kết tượng trưng (symlink): {name}.",
                             {"member": name})
    if info.flag_bits & 0x1:
        raise UnsafeZipError("encrypted_member", f"Tệp ZIP có tệp được mã hoá bằng mật khẩu: {name}.",
                             {"member": name})
    if info.compress_type not in _SUPPORTED_COMPRESSION:
        raise UnsafeZipError("unsupported_compression",
                             f"Tệp ZIP dùng kiểu nén không được hỗ trợ: {name}.",
                             {"member": name, "compress_type": info.compress_type})
    _check_ratio(info, max_ratio)


def _check_ratio(info: zipfile.ZipInfo, max_ratio: float) -> None:
    """A member that inflates far beyond any real file's ratio is a zip bomb."""
    if info.file_size < _RATIO_MIN_SIZE:
        return
    ratio = info.file_size / info.compress_size if info.compress_size else float("inf")
    if ratio > max_ratio:
        raise UnsafeZipError(
            "compression_ratio",
            f"Tệp ZIP có tỉ lệ nén bất thường ở {info.filename} (nghi là bom nén).",
            {"member": info.filename, "ratio": round(ratio, 1) if ratio != float("inf") else None,
             "max_ratio": max_ratio},
        )


# --------------------------------------------------------------------------- serving


class MemberStream(io.RawIOBase):
    """A read-only stream of one member that also closes the archive it came from."""

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo):
        super().__init__()
        self._zf = zf
        self._member = zf.open(info)
        self.name = info.filename
        self.size = info.file_size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        """Damaged compressed data surfaces as OSError, the error every file reader expects."""
        try:
            data = self._member.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError) as exc:
            raise OSError(f"corrupt zip member {self.name}") from exc
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self._member.close()
            finally:
                self._zf.close()
        super().close()


def open_member(zip_path: str | Path, member_name: str) -> MemberStream:
    """Stream one member out of the archive without extracting anything.

    The name is looked up exactly as stored (the zip's own directory is the whitelist), so a
    request path such as ``lesson/../secret`` matches nothing; unsafe names are refused anyway.
    """
    if unsafe_name_reason(member_name):
        raise _not_found(member_name)
    zf = _open_zip(zip_path)
    try:
        info = zf.getinfo(member_name)
    except KeyError:
        zf.close()
        raise _not_found(member_name) from None
    if info.is_dir() or _is_symlink(info) or info.flag_bits & 0x1:
        zf.close()
        raise _not_found(member_name)
    try:
        return MemberStream(zf, info)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
        zf.close()  # e.g. the local header disagrees with the central directory
        raise UnsafeZipError("invalid_zip", "Tệp ZIP bị hỏng hoặc không đọc được.", {}) from exc


def _not_found(name: str) -> UnsafeZipError:
    return UnsafeZipError("member_not_found", "Không tìm thấy tệp này trong gói bài giảng.", {"member": name})


_MEMBER_MIMES = {
    "html": "text/html", "htm": "text/html",
    "css": "text/css",
    "js": "application/javascript", "mjs": "application/javascript",
    "json": "application/json", "map": "application/json",
    "xml": "application/xml", "txt": "text/plain", "csv": "text/csv", "vtt": "text/vtt",
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "webp": "image/webp", "avif": "image/avif", "bmp": "image/bmp", "ico": "image/x-icon",
    "svg": "image/svg+xml",
    "mp3": "audio/mpeg", "m4a": "audio/mp4", "ogg": "audio/ogg", "oga": "audio/ogg",
    "wav": "audio/wav", "mp4": "video/mp4", "m4v": "video/mp4", "webm": "video/webm",
    "ogv": "video/ogg",
    "woff": "font/woff", "woff2": "font/woff2", "ttf": "font/ttf", "otf": "font/otf",
    "wasm": "application/wasm", "pdf": "application/pdf",
}


def guess_member_mime(name: str) -> str:
    """MIME type for serving a package member, from a fixed table.

    Not ``mimetypes``: that module reads the host's /etc/mime.types, so two servers could label
    the same file differently. SVG keeps ``image/svg+xml``; the caller serves every member from
    the sandbox origin with a restrictive CSP, so its scripts cannot reach the app.
    """
    base = name.rsplit("/", 1)[-1]
    ext = base.rsplit(".", 1)[-1].lower() if "." in base else ""
    return _MEMBER_MIMES.get(ext, "application/octet-stream")
