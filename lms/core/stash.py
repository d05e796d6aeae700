"""A temporary stash: bytes kept for a short while under a random token (an upload between its
preview and its confirmation, a generated sheet until its one download).

Not the file store (lms/files): nothing here is content-addressed or referenced by a row; it lives
in core so that lower features (the student import in schools) can use it.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
import time
from pathlib import Path

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
