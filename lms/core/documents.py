"""Bounded reading of uploaded documents: zip containers (XLSX, DOCX) and XML.

Every import reads its file through here (student lists and topic catalogues through
`spreadsheet.read_table`; Word and Moodle XML question banks through `open_zip`/`read_member` and
`parse_xml`), so a hostile file costs little memory and time and is refused with a 422 that names
the limit it broke, instead of growing a worker by gigabytes or ending in a 500:

- a zip's members are checked before anything parses them: how many there are (read from the
  end-of-central-directory record, before zipfile builds a ZipInfo per entry), what they declare
  they inflate to (all together at most ``IMPORT_MAX_UNCOMPRESSED_MB``), and what they really
  inflate to, by streaming each one through once and counting;
- XML may carry no DTD at all (``<!DOCTYPE``): entity expansion ("billion laughs") and external
  entities need one, and no file we import has a reason to. Every XML member of a zip is checked
  up to its root element before a library parses it, and `parse_xml` parses with defusedxml
  (which openpyxl also uses as soon as it is installed).

The limits are `ImportLimits`, read from the app's config (``IMPORT_MAX_*``, see lms/config.py).
Pure Python apart from that lookup: no request, no database.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

from flask import current_app, has_app_context

from ..config import Defaults
from .errors import DomainError, _

MiB = 1024 * 1024
MAX_MEMBERS = 2000
"""A spreadsheet has about ten members, a Word file a few dozen plus its pictures."""

_CHUNK = 64 * 1024
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_MAX_COMMENT = 0xFFFF


@dataclass(frozen=True)
class ImportLimits:
    """How much of an uploaded table or document we are willing to read."""

    max_rows: int = Defaults.IMPORT_MAX_ROWS  # data rows, the header row not counted
    max_columns: int = Defaults.IMPORT_MAX_COLUMNS
    max_cell_chars: int = Defaults.IMPORT_MAX_CELL_CHARS
    max_uncompressed_bytes: int = Defaults.IMPORT_MAX_UNCOMPRESSED_MB * MiB

    @classmethod
    def from_config(cls, config=None):
        """The limits of `config` (default: the current app's, or the defaults outside an app)."""
        if config is None:
            config = current_app.config if has_app_context() else {}
        default = cls()
        return cls(
            max_rows=int(config.get("IMPORT_MAX_ROWS", default.max_rows)),
            max_columns=int(config.get("IMPORT_MAX_COLUMNS", default.max_columns)),
            max_cell_chars=int(config.get("IMPORT_MAX_CELL_CHARS", default.max_cell_chars)),
            max_uncompressed_bytes=int(float(config.get("IMPORT_MAX_UNCOMPRESSED_MB",
                                                        default.max_uncompressed_bytes / MiB)) * MiB),
        )

    @property
    def max_uncompressed_mb(self):
        value = self.max_uncompressed_bytes / MiB
        return int(value) if value.is_integer() else round(value, 1)


class DocumentError(DomainError):
    """The file is not what it claims to be, or is broken (415)."""

    status = 415

    def __init__(self, message, details=None):
        super().__init__("unsupported_media_type", message, details)


class ImportLimitError(DomainError):
    """The file is readable but larger than we accept; `details["limit"]` names the setting."""

    status = 422

    def __init__(self, limit, message, details=None):
        super().__init__("import_limit_exceeded", message, {"limit": limit, **(details or {})})


class UnsafeXmlError(DomainError):
    """XML with a DTD: refused before any entity can be expanded or fetched."""

    status = 422

    def __init__(self, where=None):
        super().__init__(
            "xml_dtd_forbidden",
            _("Tệp có khai báo DTD hoặc thực thể XML (<!DOCTYPE …>), không được phép vì lý do an toàn. "
              "Hãy lưu lại tệp bằng Excel, Word hoặc LibreOffice rồi tải lên lại."),
            {"part": where} if where else None)


def limit_error_uncompressed(limits, member=None):
    return ImportLimitError(
        "IMPORT_MAX_UNCOMPRESSED_MB",
        _("Tệp vượt giới hạn dung lượng khi giải nén: tối đa %(mb)s MB.", mb=limits.max_uncompressed_mb),
        {"max": limits.max_uncompressed_mb, **({"member": member[:200]} if member else {})})


def _corrupt(reason=None):
    return DocumentError(_("Không đọc được tệp: tệp nén (zip) bị hỏng hoặc không đúng định dạng."),
                         {"reason": str(reason)[:200]} if reason else None)


# --------------------------------------------------------------------------- zip containers


def _declared_member_count(data: bytes) -> int:
    """Entries in the central directory, from its end record: read before zipfile parses the
    directory, which costs a ZipInfo (about 400 bytes) per entry."""
    tail = data[-(_EOCD_SIZE + _MAX_COMMENT):]
    position = tail.rfind(_EOCD)
    if position < 0 or len(tail) - position < _EOCD_SIZE:
        raise _corrupt("no end of central directory")
    return struct.unpack_from("<H", tail, position + 10)[0]  # 0xFFFF: more, in a zip64 record


def open_zip(data: bytes, limits: ImportLimits | None = None, inspect=None) -> zipfile.ZipFile:
    """A ZipFile over `data` whose every member has been inflated once, counted and, if it is
    XML, checked for a DTD. Afterwards any library may read it: together its members inflate to
    at most ``max_uncompressed_bytes`` and none carries a DTD.

    `inspect(name)`, if given, is called for each XML member and may return an object whose
    ``feed(chunk)`` sees the member's bytes during that one pass (and ``close()`` its end), so a
    reader can measure a part without inflating it again; it raises to refuse the file.

    Raises DocumentError (415) for a broken zip, ImportLimitError (422) past a limit and
    UnsafeXmlError (422) for a DTD.
    """
    limits = limits or ImportLimits.from_config()
    count = _declared_member_count(data)
    if count > MAX_MEMBERS:
        raise ImportLimitError("MAX_MEMBERS", _("Tệp nén có quá nhiều thành phần: tối đa %(max)s.",
                                                max=MAX_MEMBERS), {"max": MAX_MEMBERS})
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise _corrupt(error) from None
    if len(members) > MAX_MEMBERS:
        raise ImportLimitError("MAX_MEMBERS", _("Tệp nén có quá nhiều thành phần: tối đa %(max)s.",
                                                max=MAX_MEMBERS), {"max": MAX_MEMBERS})
    declared = 0
    for info in members:
        declared += info.file_size
        if declared > limits.max_uncompressed_bytes:
            raise limit_error_uncompressed(limits, info.filename)
    budget = limits.max_uncompressed_bytes
    for info in members:
        if not info.is_dir():
            budget -= _inflate_and_check(archive, info, budget, limits, inspect)
    return archive


def _inflate_and_check(archive, info, budget, limits, inspect=None) -> int:
    """Stream one member through, counting what it really inflates to (never trusting the size
    it declares) and checking its XML prolog; returns the inflated size."""
    scanner = inspector = None
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > info.file_size or size > budget:
                    raise limit_error_uncompressed(limits, info.filename)
                if scanner is None:
                    scanner = _PrologScanner(info.filename) if _looks_like_xml(chunk) else False
                    inspector = inspect(info.filename) if scanner and inspect else None
                if scanner:
                    scanner.feed(chunk)
                if inspector:
                    inspector.feed(chunk)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError) as error:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression.
        raise _corrupt(error) from None
    if scanner:
        scanner.close()
    if inspector:
        inspector.close()
    return size


def read_member(archive: zipfile.ZipFile, name: str, limits: ImportLimits | None = None) -> bytes:
    """The bytes of one member (``word/document.xml``, say) of an archive from `open_zip`,
    read with a cap so that it can never inflate past the limit whatever its header says.
    Raises DocumentError (415) when the member is missing."""
    limits = limits or ImportLimits.from_config()
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise DocumentError(_("Tệp thiếu phần %(part)s: không đúng định dạng.", part=name[:200]),
                            {"part": name[:200]}) from None
    if info.file_size > limits.max_uncompressed_bytes:
        raise limit_error_uncompressed(limits, name)
    try:
        with archive.open(info) as stream:
            data = stream.read(limits.max_uncompressed_bytes + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError) as error:
        raise _corrupt(error) from None
    if len(data) > limits.max_uncompressed_bytes:
        raise limit_error_uncompressed(limits, name)
    return data


def read_docx_document(data: bytes, limits: ImportLimits | None = None) -> bytes:
    """The main part (``word/document.xml``) of a Word file, after `open_zip`'s checks of the
    whole package; parse it with `parse_xml`."""
    limits = limits or ImportLimits.from_config()
    with open_zip(data, limits) as archive:
        return read_member(archive, "word/document.xml", limits)


# --------------------------------------------------------------------------- XML


def _looks_like_xml(chunk: bytes) -> bool:
    """XML starts with "<" after an optional byte-order mark and white space (in UTF-8 or
    UTF-16); pictures and other binary members do not."""
    head = chunk[:64]
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    stripped = head.lstrip(b" \t\r\n")
    return stripped.startswith((b"<", b"\x00<", b"<\x00"))


class _RootReached(Exception):
    pass


class _PrologScanner:
    """Feeds an XML document to expat until its root element starts, refusing a DTD on the way.

    A DTD can only come before the root element, so the rest of the document is not looked at;
    expat reads the encoding declaration and byte-order marks exactly as the real parser will.
    """

    def __init__(self, where):
        self.where = where
        self.done = False
        self.parser = expat.ParserCreate()
        self.parser.StartDoctypeDeclHandler = self._refuse
        self.parser.EntityDeclHandler = self._refuse
        self.parser.StartElementHandler = self._root

    def _refuse(self, *args):
        raise UnsafeXmlError(self.where)

    def _root(self, *args):
        raise _RootReached

    def feed(self, chunk, final=False):
        if self.done:
            return
        try:
            self.parser.Parse(chunk, final)
        except _RootReached:
            self.done = True
        except expat.ExpatError as error:
            self.done = True
            raise DocumentError(_("Không đọc được tệp: phần %(part)s không phải XML hợp lệ.",
                                  part=self.where[:200]), {"reason": str(error)[:200]}) from None

    def close(self):
        self.feed(b"", final=True)


def check_xml_prolog(data: bytes, where="xml"):
    """Refuse (UnsafeXmlError, 422) an XML document with a DTD; DocumentError (415) if it is
    not XML up to its root element."""
    scanner = _PrologScanner(where)
    for start in range(0, len(data), _CHUNK):
        scanner.feed(data[start:start + _CHUNK])
        if scanner.done:
            return
    scanner.close()


def parse_xml(data: bytes, limits: ImportLimits | None = None, where="xml"):
    """Parse a whole XML document (a Moodle XML export, a Word document part) safely: at most
    ``max_uncompressed_bytes``, no DTD, no entities, nothing fetched. Returns the root Element.

    Raises ImportLimitError, UnsafeXmlError (both 422) or DocumentError (415, not XML).
    """
    import defusedxml.ElementTree as safe_tree
    from defusedxml import DefusedXmlException

    limits = limits or ImportLimits.from_config()
    if len(data) > limits.max_uncompressed_bytes:
        raise limit_error_uncompressed(limits, where)
    check_xml_prolog(data, where)
    try:
        return safe_tree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise UnsafeXmlError(where) from None
    except safe_tree.ParseError as error:
        raise DocumentError(_("Không đọc được tệp: phần %(part)s không phải XML hợp lệ.", part=where[:200]),
                            {"reason": str(error)[:200]}) from None
