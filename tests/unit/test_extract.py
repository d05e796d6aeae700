import unicodedata
import zipfile

import pytest

from lms.files.extract import EXTRACTABLE_KINDS, ExtractionError, extract_text

VI_TEXT = "Phân số và số thập phân"


@pytest.mark.parametrize("kind", ["pdf", "docx", "pptx", "xlsx", "odt", "odp"])
def test_vietnamese_text_from_every_document_type(make, kind):
    text = extract_text(getattr(make, kind)(f"file.{kind}"), kind)
    assert VI_TEXT in text
    assert unicodedata.is_normalized("NFC", text)


def test_extractable_kinds():
    assert EXTRACTABLE_KINDS == {"pdf", "docx", "pptx", "xlsx", "odt", "odp"}


def test_decomposed_input_comes_out_precomposed(make):
    decomposed = unicodedata.normalize("NFD", VI_TEXT)
    assert decomposed != VI_TEXT
    text = extract_text(make.docx(text=decomposed), "docx")
    assert VI_TEXT in text
    assert decomposed not in text


def test_docx_tables_in_order_with_merged_cells_once(make):
    text = extract_text(make.docx(), "docx")
    lines = text.splitlines()
    assert lines.index("Toán 6") < lines.index(VI_TEXT) < lines.index("Ô một\tÔ hai")
    assert text.count("Ô gộp") == 1


def test_pptx_tables_groups_and_no_speaker_notes(make):
    text = extract_text(make.pptx(), "pptx")
    assert "Bài 3" in text
    assert "Tử số" in text and "Mẫu số" in text
    assert "Trong nhóm" in text
    assert "Đáp án bí mật" not in text
    assert text.index("Bài 3") < text.index("Tử số")


def test_xlsx_all_sheets_and_tidy_numbers(make):
    text = extract_text(make.xlsx(), "xlsx")
    lines = text.splitlines()
    assert "Lớp 6A" in lines and "Ghi chú" in lines
    assert "Nguyễn Văn An\t8" in lines
    assert f"{VI_TEXT}\t7.5" in lines
    assert "Trang hai" in lines


def test_xlsx_feature_warnings_are_muted(make, tmp_path):
    # openpyxl warns about Excel features it drops; with filterwarnings=error that would fail.
    source = make.xlsx()
    patched = tmp_path / "validation.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(patched, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</worksheet>",
                    b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
                    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                    b'<x14:dataValidations count="0"/></ext></extLst></worksheet>',
                )
            zout.writestr(item, data)
    assert VI_TEXT in extract_text(patched, "xlsx")


def test_odt_spaces_tabs_and_spans(make):
    lines = extract_text(make.odt(), "odt").splitlines()
    assert lines[:2] == ["Chương 1", VI_TEXT]
    assert lines[2] == "Hai  dấu cách\ttab"


def test_odp_slides_are_separated(make):
    assert extract_text(make.odp(), "odp").split("\n\n")[:2] == [VI_TEXT, "Trang hai"]


def test_pdf_pages_in_order(make, tmp_path):
    from pypdf import PdfReader, PdfWriter

    first = make.pdf("one.pdf", text="Trang một")
    second = make.pdf("two.pdf", text=VI_TEXT)
    writer = PdfWriter()
    for path in (first, second):
        for page in PdfReader(path).pages:
            writer.add_page(page)
    combined = tmp_path / "combined.pdf"
    writer.write(combined)
    text = extract_text(combined, "pdf")
    assert text.index("Trang một") < text.index(VI_TEXT)


def test_pdf_with_empty_user_password_is_read(make, tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=make.pdf())
    writer.encrypt(user_password="", owner_password="chủ sở hữu", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    writer.write(path)
    assert VI_TEXT in extract_text(path, "pdf")


def test_pdf_with_a_password_is_refused(make, tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=make.pdf())
    writer.encrypt(user_password="bí mật", owner_password="x", algorithm="RC4-128")
    path = tmp_path / "locked.pdf"
    writer.write(path)
    with pytest.raises(ExtractionError, match="mật khẩu"):
        extract_text(path, "pdf")


def test_max_chars_stops_early(make):
    text = extract_text(make.xlsx(), "xlsx", max_chars=11)
    assert text == "Lớp 6A\nHọ t"


@pytest.mark.parametrize("kind", ["pdf", "docx", "pptx", "xlsx", "odt", "odp"])
def test_corrupt_files_raise_extraction_error(make, kind):
    path = make.raw(f"broken.{kind}", b"PK\x03\x04 this is not a document" if kind != "pdf" else b"%PDF-1.7 junk")
    with pytest.raises(ExtractionError) as caught:
        extract_text(path, kind)
    assert caught.value.message.startswith("Không trích xuất được văn bản")
    assert caught.value.code == "extraction_failed"


def test_docx_missing_its_main_part(make, tmp_path):
    path = tmp_path / "gutted.docx"
    with zipfile.ZipFile(make.docx()) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            if item.filename != "word/document.xml":
                zout.writestr(item, zin.read(item))
    with pytest.raises(ExtractionError, match="Word"):
        extract_text(path, "docx")


def test_odt_with_malformed_xml(make):
    path = make.odf("bad.odt", "application/vnd.oasis.opendocument.text", "<office:text><text:p>unclosed")
    with pytest.raises(ExtractionError):
        extract_text(path, "odt")


def test_kind_without_text_is_a_programming_error(make):
    with pytest.raises(ValueError):
        extract_text(make.image("a.png", "PNG"), "png")


def test_xlsx_without_a_suffix_is_read(make, tmp_path):
    """Stored blobs are named by their hash, with no extension; openpyxl must still read them."""
    source = make.xlsx("bang.xlsx")
    blob = tmp_path / "3f7a9c"
    blob.write_bytes(source.read_bytes())
    from lms.files.extract import extract_text

    assert "Phân số" in extract_text(blob, "xlsx")
