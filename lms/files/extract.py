"""Plain text out of uploaded documents, for the full-text search index.

Each format yields its text piece by piece and the pieces are collected only up to ``max_chars``,
so a 500-page PDF or a spreadsheet with a million rows stops being parsed once the index has
enough. Every parser failure on a corrupt file becomes one ``ExtractionError`` with a message
that can be shown on the item ("không trích xuất được văn bản ...").

Pure Python, no Flask.
"""

from __future__ import annotations

import unicodedata
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date, datetime, time
from pathlib import Path

from .filetypes import label_for


class ExtractionError(Exception):
    """The document's text cannot be read; ``message`` is for the user."""

    code = "extraction_failed"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def extract_text(path: str | Path, kind_code: str, max_chars: int = 2_000_000) -> str:
    """Text of a pdf/docx/pptx/xlsx/odt/odp file, NFC-normalised, at most ``max_chars`` long.

    NFC because Vietnamese text arrives both precomposed and decomposed (macOS, some PDF
    producers), and search must match "số" however it was typed.
    """
    try:
        extractor = _EXTRACTORS[kind_code]
    except KeyError:
        raise ValueError(f"no text extractor for kind {kind_code!r}") from None
    try:
        with warnings.catch_warnings(), closing(extractor(Path(path))) as pieces:
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            text = _collect(pieces, max_chars)
    except (ExtractionError, MemoryError):
        raise
    except Exception as exc:  # parsers of hostile files raise anything: KeyError, zlib.error, ...
        raise ExtractionError(_corrupt_message(kind_code)) from exc
    return unicodedata.normalize("NFC", text).strip()[:max_chars]


EXTRACTABLE_KINDS = frozenset({"pdf", "docx", "pptx", "xlsx", "odt", "odp"})


def _corrupt_message(kind_code: str) -> str:
    return (f"Không trích xuất được văn bản từ {label_for(kind_code)}: "
            "tệp có thể bị hỏng hoặc được bảo vệ bằng mật khẩu.")


def _collect(pieces: Iterator[str], max_chars: int) -> str:
    """Join pieces line by line until ``max_chars`` is reached, then stop the parser.

    An empty piece is kept: it is the blank line that separates slides and pages.
    """
    parts: list[str] = []
    budget = max_chars
    for piece in pieces:
        parts.append(piece[:budget])
        budget -= len(piece) + 1
        if budget <= 0:
            break
    return "\n".join(parts)


# --------------------------------------------------------------------------- PDF


def _pdf_pieces(path: Path) -> Iterator[str]:
    """Page by page with pypdf; an empty user password (common for "protected" PDFs) is tried."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ExtractionError("Tệp PDF được bảo vệ bằng mật khẩu nên không trích xuất được văn bản.")
    for page in reader.pages:
        yield page.extract_text() or ""


# --------------------------------------------------------------------------- Word


def _docx_pieces(path: Path) -> Iterator[str]:
    """Paragraphs and tables in document order (tables hold much of a Vietnamese lesson plan)."""
    import docx

    document = docx.Document(str(path))
    yield from _docx_blocks(document)


def _docx_blocks(container) -> Iterator[str]:
    from docx.table import Table

    for block in container.iter_inner_content():
        if isinstance(block, Table):
            yield from _docx_table(block)
        else:
            yield block.text


def _docx_table(table) -> Iterator[str]:
    """One line per row; a merged cell appears once, not once per grid column it spans."""
    for row in table.rows:
        cells = []
        previous = None
        for cell in row.cells:
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            text = "\n".join(piece for piece in _docx_blocks(cell) if piece)
            if text:
                cells.append(text)
        yield "\t".join(cells)


# --------------------------------------------------------------------------- PowerPoint


def _pptx_pieces(path: Path) -> Iterator[str]:
    """All text frames and tables, slide by slide (groups included).

    Speaker notes are left out on purpose: teachers keep answers there, and extracted text is
    shown in search snippets.
    """
    from pptx import Presentation

    presentation = Presentation(str(path))
    for slide in presentation.slides:
        yield from _pptx_shapes(slide.shapes)
        yield ""


def _pptx_shapes(shapes) -> Iterator[str]:
    for shape in shapes:
        if getattr(shape, "shapes", None) is not None:  # a group shape
            yield from _pptx_shapes(shape.shapes)
        if shape.has_text_frame:
            yield shape.text_frame.text
        if shape.has_table:
            for row in shape.table.rows:
                yield "\t".join(cell.text for cell in row.cells if cell.text)


# --------------------------------------------------------------------------- Excel


def _xlsx_pieces(path: Path) -> Iterator[str]:
    """Cell values row by row (read-only mode streams the sheet XML instead of loading it).

    openpyxl warns about every Excel feature it does not model (data validation extensions are
    in most school templates); those warnings say nothing about the text, so ``extract_text``
    mutes them.
    Every visited cell costs at least one character of budget, so a sheet declaring a huge,
    empty range cannot keep the parser busy for free.
    """
    from openpyxl import load_workbook

    # An open file, not the path: stored blobs are named by their SHA-256, without the .xlsx
    # suffix that openpyxl insists on when given a file name.
    with open(path, "rb") as handle:
        workbook = load_workbook(handle, read_only=True, data_only=True)
        try:
            yield from _xlsx_rows(workbook)
        finally:
            workbook.close()


def _xlsx_rows(workbook) -> Iterator[str]:
    cells_left = 10_000_000
    for sheet in workbook.worksheets:
        yield sheet.title
        for row in sheet.iter_rows(values_only=True):
            cells_left -= len(row)
            if cells_left < 0:
                return
            yield "\t".join(_cell_text(value) for value in row if value is not None)


def _cell_text(value) -> str:
    """Spreadsheet numbers read as people typed them: 3.0 -> "3"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- OpenDocument

_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_DRAW_NS = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_BLOCKS = {f"{{{_TEXT_NS}}}p", f"{{{_TEXT_NS}}}h"}
_PAGE = f"{{{_DRAW_NS}}}page"
_SPACE = f"{{{_TEXT_NS}}}s"
_TAB = f"{{{_TEXT_NS}}}tab"
_LINE_BREAK = f"{{{_TEXT_NS}}}line-break"
_MAX_CONTENT_XML = 256 * 1024 * 1024
_MAX_SPACES = 100  # text:c is attacker-controlled; "c=10**9" must not allocate a gigabyte


def _odf_pieces(path: Path) -> Iterator[str]:
    """Paragraphs and headings of content.xml, streamed (ODT and ODP share the format).

    The XML is parsed with expat, which never fetches external entities and (2.4.1+) limits
    entity expansion, so a hostile content.xml cannot read files or explode in memory.
    """
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("content.xml")
        if info.file_size > _MAX_CONTENT_XML:
            raise ExtractionError("Nội dung tài liệu OpenDocument quá lớn để trích xuất văn bản.")
        with zf.open(info) as content:
            for _event, element in ET.iterparse(content, events=("end",)):
                if element.tag in _BLOCKS:
                    yield _odf_text(element)
                    element.clear()  # keeps memory flat; the tail belongs to the parent
                elif element.tag == _PAGE:
                    yield ""
                    element.clear()


def _odf_text(element: ET.Element) -> str:
    """Text of a paragraph, honouring <text:s text:c="3"/>, tabs and line breaks.

    ``itertext`` would glue words separated by <text:s/>, which LibreOffice writes for runs
    of spaces.
    """
    parts = [element.text or ""]
    for child in element:
        if child.tag == _SPACE:
            parts.append(" " * min(int(child.get(f"{{{_TEXT_NS}}}c", "1")), _MAX_SPACES))
        elif child.tag == _TAB:
            parts.append("\t")
        elif child.tag == _LINE_BREAK:
            parts.append("\n")
        else:
            parts.append(_odf_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


_EXTRACTORS: dict[str, Callable[[Path], Iterator[str]]] = {
    "pdf": _pdf_pieces,
    "docx": _docx_pieces,
    "pptx": _pptx_pieces,
    "xlsx": _xlsx_pieces,
    "odt": _odf_pieces,
    "odp": _odf_pieces,
}
