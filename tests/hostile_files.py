"""Builders for hostile spreadsheets and documents: small on disk, huge or nasty once read.

Each XLSX is written part by part with zipfile so that a test controls exactly what a reader
meets (a shared string of 300 MB, a million rows, a DTD); the large parts are streamed into the
archive in chunks, so building them costs little memory.
"""

from __future__ import annotations

import io
import struct
import zipfile

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHARED_STRINGS_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '{shared}'
    '</Types>'
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL_NS}">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL_NS}">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '{shared}</Relationships>'
)
SHEET_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN_NS}"><sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inline_cell(ref: str, text) -> str:
    if isinstance(text, int):
        return f'<c r="{ref}"><v>{text}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{_escape(str(text))}</t></is></c>'


def column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_rows(rows, start: int = 1) -> str:
    """Rows of values as sheet XML (inline strings), row numbers from `start`."""
    out = []
    for number, values in enumerate(rows, start=start):
        cells = "".join(inline_cell(f"{column_letter(col)}{number}", value)
                        for col, value in enumerate(values, start=1) if value not in ("", None))
        out.append(f'<row r="{number}">{cells}</row>')
    return "".join(out)


def xlsx(sheet_body, shared_strings=None, *, sheet_prolog: str = "", extra=None) -> bytes:
    """A minimal real XLSX: `sheet_body` is the XML inside <sheetData> (a str, or an iterable of
    str chunks streamed into the archive); `shared_strings`, if given, the whole sharedStrings part
    (a str or an iterable of chunks). `sheet_prolog` goes before the root (a DOCTYPE, say)."""
    shared = shared_strings is not None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        ct_override = (f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_CT}"/>'
                       if shared else "")
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(shared=ct_override))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        rel = ('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
               'relationships/sharedStrings" Target="sharedStrings.xml"/>') if shared else ""
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(shared=rel))
        head = SHEET_HEAD
        if sheet_prolog:
            head = head.replace("?><worksheet", "?>" + sheet_prolog + "<worksheet", 1)
        _write_streamed(archive, "xl/worksheets/sheet1.xml", [head, sheet_body, SHEET_TAIL])
        if shared:
            _write_streamed(archive, "xl/sharedStrings.xml", [shared_strings])
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _write_streamed(archive, name, pieces):
    with archive.open(name, "w", force_zip64=True) as handle:
        for piece in pieces:
            chunks = [piece] if isinstance(piece, (str, bytes)) else piece
            for chunk in chunks:
                handle.write(chunk.encode() if isinstance(chunk, str) else chunk)


def shared_string_bomb(megabytes: int = 300, header=("Họ tên",), column: int = 1) -> bytes:
    """A header row of inline strings, then a row whose cell in `column` is one shared string of
    `megabytes` MB of "A" (about 1 KB per MB once deflated)."""
    chunk = "A" * (1024 * 1024)

    def strings():
        yield (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>')
        for _ in range(megabytes):
            yield chunk
        yield "</t></si></sst>"

    ref = f"{column_letter(column)}2"
    body = sheet_rows([header]) + f'<row r="2"><c r="{ref}" t="s"><v>0</v></c></row>'
    return xlsx(body, strings())


def million_rows(rows: int = 1_000_000, header=("Họ tên",)) -> bytes:
    """A header row, then `rows` short rows without row numbers (26 bytes each unpacked)."""
    def body():
        yield sheet_rows([header])
        chunk = "<row><c><v>1</v></c></row>" * 10_000
        for _ in range(rows // 10_000):
            yield chunk
    return xlsx(body())


def dtd_entity_xlsx(part: str = "sheet") -> bytes:
    """A "billion laughs" entity in the worksheet (or the shared strings, or the workbook)."""
    dtd = ('<!DOCTYPE worksheet [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
           '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    if part == "sheet":
        body = '<row r="1"><c r="A1" t="inlineStr"><is><t>&c;</t></is></c></row>'
        return xlsx(body, sheet_prolog=dtd)
    if part == "shared":
        strings = (f'<?xml version="1.0" encoding="UTF-8"?>{dtd.replace("worksheet", "sst")}'
                   f'<sst xmlns="{MAIN_NS}"><si><t>&c;</t></si></sst>')
        return xlsx('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', strings)
    raise ValueError(part)


def lying_sizes(data: bytes, member: str, declared: int) -> bytes:
    """The same zip with `member`'s uncompressed size rewritten (local header and central
    directory) to `declared`: the archive lies about how much the member inflates to."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    local = info.header_offset
    assert out[local:local + 4] == b"PK\x03\x04"
    _patch_size(out, local, 22, declared, info)
    central = _find_central(out, member)
    _patch_size(out, central, 24, declared, info)
    return bytes(out)


def _find_central(out: bytearray, member: str) -> int:
    name = member.encode()
    position = out.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", out, position + 28)[0]
        if out[position + 46:position + 46 + name_length] == name:
            return position
        position = out.find(b"PK\x01\x02", position + 4)
    raise KeyError(member)


def _patch_size(out: bytearray, offset: int, field: int, declared: int, info) -> None:
    """Write `declared` as the uncompressed size at header `offset` (field offset 22 in a local
    header, 24 in a central one), or in its zip64 extra field when the header defers to it."""
    if struct.unpack_from("<I", out, offset + field)[0] != 0xFFFFFFFF:
        struct.pack_into("<I", out, offset + field, declared)
        return
    # Zip64: the extra field (id 1) holds the sizes, uncompressed first.
    name_length, extra_length = struct.unpack_from("<HH", out, offset + (26 if field == 22 else 28))
    start = offset + (30 if field == 22 else 46) + name_length
    position = start
    while position < start + extra_length:
        kind, size = struct.unpack_from("<HH", out, position)
        if kind == 1:
            struct.pack_into("<Q", out, position + 4, declared)
            return
        position += 4 + size
    raise ValueError("no zip64 extra field")


def csv_bytes(rows, delimiter=";") -> bytes:
    import csv

    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return text.getvalue().encode("utf-8-sig")


def docx(document_xml: str | bytes, extra=None) -> bytes:
    """A minimal Word package around `document_xml` (word/document.xml)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>'))
        _write_streamed(archive, "word/document.xml", [document_xml])
        for name, content in (extra or {}).items():
            _write_streamed(archive, name, [content])
    return buffer.getvalue()
