"""Small real documents for the demo district, made at seed time: a PDF lesson sheet, a slide deck
(python-pptx) and a worksheet (python-docx), each with Vietnamese text that extraction and search
read back.

PDFs are drawn with pdfium and a TrueType font that has the Vietnamese letters (DejaVu, Noto,
Liberation 2, FreeSans, found on the system); the standard PDF fonts have no "ư" or "ậ". Without
such a font `pdf_font()` is None and the demo makes a worksheet instead of a PDF.
"""

import ctypes
import functools
import glob
import io
import os
import textwrap

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/arial.ttf",
)
PROBE = "Tiếng Việt: ă â đ ê ô ơ ư ạ ậ ặ ẹ ệ ị ọ ộ ợ ụ ự ỳ ỹ Đ Ư Ơ"
PAGE = (595, 842)  # A4 in points
MARGIN = 56


def _set_text(raw, obj, text):
    data = (text + "\0").encode("utf-16-le")
    buffer = ctypes.create_string_buffer(data, len(data))
    raw.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(raw.FPDF_WCHAR)))


def _draw(font_data, lines):
    """A PDF (bytes) of (size, text) lines, top to bottom, new pages as needed."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = pdfium.PdfDocument.new()
    data = (ctypes.c_uint8 * len(font_data)).from_buffer_copy(font_data)
    font = raw.FPDFText_LoadFont(pdf.raw, data, len(font_data), raw.FPDF_FONT_TRUETYPE, True)
    page, y = None, 0
    for size, text in lines:
        if page is None or y < MARGIN + size:
            if page is not None:
                raw.FPDFPage_GenerateContent(page.raw)
            page, y = pdf.new_page(*PAGE), PAGE[1] - MARGIN
        y -= size * 1.5
        if text:
            obj = raw.FPDFPageObj_CreateTextObj(pdf.raw, font, float(size))
            _set_text(raw, obj, text)
            raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, MARGIN, y)
            raw.FPDFPage_InsertObject(page.raw, obj)
    raw.FPDFPage_GenerateContent(page.raw)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _round_trips(font_data):
    """Whether text drawn with this font reads back the same (every Vietnamese letter present)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(_draw(font_data, [(12, PROBE)]))
        text = document[0].get_textpage().get_text_range()
    except Exception:  # a font pdfium cannot load is simply not used
        return False
    return text.strip() == PROBE


@functools.cache
def pdf_font():
    """The bytes of the first installed TrueType font that draws Vietnamese, or None."""
    try:
        import pypdfium2  # noqa: F401
    except ImportError:
        return None
    extra = sorted(glob.glob("/usr/share/fonts/**/DejaVuSans.ttf", recursive=True))
    for path in (*FONT_CANDIDATES, *extra):
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                data = handle.read()
            if _round_trips(data):
                return data
    return None


def pdf(title, subtitle, sections):
    """A lesson sheet: the title, a subtitle, then (heading, [paragraph, ...]) sections."""
    lines = [(18, title), (11, subtitle), (8, "")]
    for heading, paragraphs in sections:
        lines += [(8, ""), (13, heading)]
        for paragraph in paragraphs:
            lines += [(11, line) for line in textwrap.wrap(paragraph, 80)]
    return _draw(pdf_font(), lines)


def pptx(title, subtitle, slides):
    """A deck: a title slide, then (title, [bullet, ...]) slides."""
    from pptx import Presentation

    deck = Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[0])
    first.shapes.title.text = title
    first.placeholders[1].text = subtitle
    for heading, bullets in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = heading
        body = slide.placeholders[1].text_frame
        body.text = bullets[0]
        for bullet in bullets[1:]:
            body.add_paragraph().text = bullet
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def docx(title, subtitle, instructions, exercises, table=None, numbered=True):
    """A worksheet: title, subtitle, instructions, exercises ("Bài 1. …" when `numbered`), an
    optional table (a list of rows, the first one the header)."""
    import docx as python_docx

    document = python_docx.Document()
    document.add_heading(title, level=1)
    document.add_paragraph(subtitle)
    if instructions:
        document.add_paragraph(instructions)
    for number, exercise in enumerate(exercises, start=1):
        document.add_paragraph(f"Bài {number}. {exercise}" if numbered else exercise)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        grid.style = "Table Grid"
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.add_paragraph("Họ và tên: ................................  Lớp: ..........")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
