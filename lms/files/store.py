"""The content-addressed file store: every read and write of a stored file goes through it.

Files are stored once per distinct content, under ``root/ab/cd/<sha256>``: the path is derived
from the digest, never from a user's file name, so no name can point outside the store, and two
teachers uploading the same worksheet share one copy. Writes go through a temporary file in
``root/tmp`` (same file system, so ``os.replace`` is atomic) and are fsynced, so a crash never
leaves a half-written blob under its final name.

Pure Python, no Flask: limits come in as arguments.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MiB = 1024 * 1024

_DIGEST = re.compile(r"[0-9a-f]{64}")


class TooLargeError(Exception):
    """An upload went over its size limit; shaped like DomainError (code, message, details)."""

    def __init__(self, max_bytes: int):
        self.code = "payload_too_large"
        self.message = f"Tệp quá lớn: dung lượng tối đa cho phép là {format_megabytes(max_bytes)} MB."
        self.details = {"max_bytes": max_bytes}
        super().__init__(self.message)


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

    def open_package_member(self, sha256: str, member: str):
        """A member of a stored zip package, as a readable stream (zipsafety.open_member: it
        raises UnsafeZipError for a member that is not there or not safe)."""
        from .zipsafety import open_member

        return open_member(self.path_for(sha256), member)

    def stat(self, sha256: str) -> os.stat_result:
        """Size and modification time of a stored blob (FileNotFoundError if it is not stored)."""
        return self.path_for(sha256).stat()

    def save_bytes(self, data: bytes, max_bytes: int | None = None) -> StoredBlob:
        """Store bytes the server made itself (a thumbnail, a re-encoded image, a generated file)."""
        import io

        return self.save_stream(io.BytesIO(data), max_bytes if max_bytes is not None else len(data))

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


def file_store() -> FileStore:
    """The application's store (FILES_DIR), for code running in an app context."""
    from flask import current_app

    return FileStore(current_app.config["FILES_DIR"])
