"""Builders for real files of every accepted type, generated on the fly in tmp_path."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

from PIL import Image

VI_TEXT = "Phân số và số thập phân"

ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)


def mp4_box(box_type: bytes, payload: bytes = b"") -> bytes:
    """One ISO-BMFF box."""
    return struct.pack(">I4s", 8 + len(payload), box_type) + payload


def hdlr(handler: bytes) -> bytes:
    return mp4_box(b"hdlr", b"\x00" * 8 + handler + b"\x00" * 12 + b"\x00")


def ftyp(major: bytes, compatible: tuple[bytes, ...] = (b"isom",)) -> bytes:
    return mp4_box(b"ftyp", major + b"\x00\x00\x02\x00" + b"".join(compatible))


def moov(*handlers: bytes) -> bytes:
    traks = b"".join(mp4_box(b"trak", mp4_box(b"mdia", hdlr(h))) for h in handlers)
    return mp4_box(b"moov", mp4_box(b"mvhd", b"\x00" * 100) + traks)


def mp3_frames(count: int = 3) -> bytes:
    """MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417-byte frames."""
    header = b"\xff\xfb\x90\x00"
    return (header + b"\x00" * (417 - 4)) * count


def ebml_header(doctype: bytes) -> bytes:
    body = b"\x42\x86\x81\x01" + b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(body)]) + body + b"\x18\x53\x80\x67\x01" + b"\x00" * 64


def pdf_with_text(path: Path, text: str, blank_first: bool = True) -> Path:
    """A real PDF whose text page uses a font with a ToUnicode map, so Vietnamese round-trips.

    The standard 14 fonts cannot encode "ố" or "ậ"; one-byte codes mapped through ToUnicode can.
    """
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    chars = sorted(set(text))
    codes = {char: 0x21 + i for i, char in enumerate(chars)}
    cmap = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
        "1 begincodespacerange", "<00> <FF>", "endcodespacerange", f"{len(chars)} beginbfchar",
        *(f"<{codes[c]:02X}> <{ord(c):04X}>" for c in chars),
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ]
    writer = PdfWriter()
    if blank_first:
        writer.add_blank_page(612, 792)
    page = writer.add_blank_page(612, 792)
    to_unicode = DecodedStreamObject()
    to_unicode.set_data("\n".join(cmap).encode())
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/ToUnicode"): writer._add_object(to_unicode),
        NameObject("/FirstChar"): NumberObject(0x21),
        NameObject("/LastChar"): NumberObject(0x20 + len(chars)),
        NameObject("/Widths"): ArrayObject([NumberObject(500)] * len(chars)),
    })
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    content = DecodedStreamObject()
    hex_text = "".join(f"{codes[c]:02X}" for c in text)
    content.set_data(f"BT /F1 24 Tf 72 700 Td <{hex_text}> Tj ET".encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    writer.write(path)
    return path


class Make:
    """File builders; each returns the path of a file written under tmp_path."""

    # byte-level builders, reachable from tests through the fixture
    mp4_box = staticmethod(mp4_box)
    ftyp = staticmethod(ftyp)
    moov = staticmethod(moov)
    mp3_frames = staticmethod(mp3_frames)
    ebml_header = staticmethod(ebml_header)

    def __init__(self, root: Path):
        self.root = root

    def path(self, name: str) -> Path:
        return self.root / name

    def raw(self, name: str, data: bytes) -> Path:
        path = self.path(name)
        path.write_bytes(data)
        return path

    # documents
    def pdf(self, name: str = "doc.pdf", text: str = VI_TEXT) -> Path:
        return pdf_with_text(self.path(name), text)

    def docx(self, name: str = "doc.docx", text: str = VI_TEXT) -> Path:
        import docx

        document = docx.Document()
        document.add_heading("Toán 6", level=1)
        document.add_paragraph(text)
        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).text = "Ô một"
        table.cell(0, 1).text = "Ô hai"
        merged = table.cell(1, 0).merge(table.cell(1, 1))
        merged.text = "Ô gộp"
        path = self.path(name)
        document.save(str(path))
        return path

    def pptx(self, name: str = "deck.pptx", text: str = VI_TEXT) -> Path:
        from pptx import Presentation
        from pptx.util import Inches

        presentation = Presentation()
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])
        slide.shapes.title.text = "Bài 3"
        box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(6), Inches(1))
        box.text_frame.text = text
        slide2 = presentation.slides.add_slide(presentation.slide_layouts[6])
        rows = slide2.shapes.add_table(2, 2, Inches(1), Inches(1), Inches(4), Inches(2)).table
        rows.cell(0, 0).text = "Tử số"
        rows.cell(1, 1).text = "Mẫu số"
        group = slide2.shapes.add_group_shape()
        group.shapes.add_textbox(Inches(1), Inches(4), Inches(3), Inches(1)).text_frame.text = "Trong nhóm"
        slide2.notes_slide.notes_text_frame.text = "Đáp án bí mật"
        path = self.path(name)
        presentation.save(str(path))
        return path

    def xlsx(self, name: str = "book.xlsx", text: str = VI_TEXT) -> Path:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Lớp 6A"
        sheet.append(["Họ tên", "Điểm"])
        sheet.append(["Nguyễn Văn An", 8.0])
        sheet.append([text, 7.5])
        other = workbook.create_sheet("Ghi chú")
        other["B3"] = "Trang hai"
        path = self.path(name)
        workbook.save(path)
        return path

    def odf(self, name: str, mimetype: str, body: str) -> Path:
        path = self.path(name)
        content = f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS}>' \
                  f"<office:body>{body}</office:body></office:document-content>"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
            zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
            zf.writestr("META-INF/manifest.xml", "<manifest/>")
        return path

    def odt(self, name: str = "doc.odt", text: str = VI_TEXT) -> Path:
        body = (f"<office:text><text:h>Chương 1</text:h>"
                f"<text:p>{text.replace(' và ', ' <text:span>và</text:span> ')}</text:p>"
                f'<text:p>Hai<text:s text:c="2"/>dấu cách<text:tab/>tab</text:p></office:text>')
        return self.odf(name, "application/vnd.oasis.opendocument.text", body)

    def odp(self, name: str = "deck.odp", text: str = VI_TEXT) -> Path:
        def page(paragraph: str) -> str:
            return (f"<draw:page><draw:frame><draw:text-box><text:p>{paragraph}</text:p>"
                    "</draw:text-box></draw:frame></draw:page>")

        body = f"<office:presentation>{page(text)}{page('Trang hai')}</office:presentation>"
        return self.odf(name, "application/vnd.oasis.opendocument.presentation", body)

    # images
    def image(self, name: str, fmt: str, size=(40, 30), mode="RGB", **save) -> Path:
        path = self.path(name)
        Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 1).save(path, format=fmt, **save)
        return path

    def svg(self, name: str = "pic.svg") -> Path:
        return self.raw(name, b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- drawn by hand -->\n'
                              b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd">\n'
                              b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')

    # executables and media
    def exe(self, name: str = "setup.exe") -> Path:
        return self.raw(name, b"MZ\x90\x00\x03" + b"\x00" * 59 + b"This program cannot be run in DOS mode.")

    def mp4(self, name: str = "clip.mp4", handlers=(b"vide", b"soun"), major=b"isom") -> Path:
        return self.raw(name, ftyp(major) + mp4_box(b"mdat", b"\x00" * 64) + moov(*handlers))

    def zip(self, name: str, members: dict[str, bytes | str]) -> Path:
        path = self.path(name)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for member, data in members.items():
                zf.writestr(member, data)
        return path
