"""The bounded document reader (lms/core/documents.py) that Word and Moodle XML imports build on."""

import io
import zipfile

import pytest

from lms.core.documents import (
    MAX_MEMBERS,
    DocumentError,
    ImportLimitError,
    ImportLimits,
    UnsafeXmlError,
    open_zip,
    parse_xml,
    read_docx_document,
    read_member,
)
from tests import hostile_files as hostile

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}"><w:body>'
            '<w:p><w:r><w:t>Câu 1. Phân số nào lớn nhất?</w:t></w:r></w:p></w:body></w:document>')
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><quiz>&c;</quiz>')
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE quiz SYSTEM "file:///etc/passwd"><quiz/>'
SMALL = ImportLimits(max_uncompressed_bytes=64 * 1024)


def test_limits_come_from_the_config_in_megabytes():
    limits = ImportLimits.from_config({"IMPORT_MAX_ROWS": "7", "IMPORT_MAX_UNCOMPRESSED_MB": 2})
    assert (limits.max_rows, limits.max_uncompressed_bytes, limits.max_uncompressed_mb) == (7, 2 * 1024 * 1024, 2)
    assert ImportLimits.from_config({}) == ImportLimits()  # outside an app: the defaults of lms/config.py
    assert ImportLimits().max_rows == 5000


def test_a_word_document_is_read_and_parsed():
    data = hostile.docx(DOCUMENT)
    xml = read_docx_document(data)
    root = parse_xml(xml, where="word/document.xml")
    assert root.tag == f"{{{W_NS}}}document"
    assert "".join(root.itertext()) == "Câu 1. Phân số nào lớn nhất?"
    with open_zip(data) as archive:
        assert read_member(archive, "_rels/.rels").startswith(b"<?xml")
        with pytest.raises(DocumentError) as caught:
            read_member(archive, "word/missing.xml")
        assert caught.value.status == 415


def test_a_word_document_with_a_dtd_is_refused_before_any_parser_sees_it():
    for document in (LAUGHS, EXTERNAL):
        with pytest.raises(UnsafeXmlError) as caught:
            read_docx_document(hostile.docx(document))
        assert caught.value.status == 422 and caught.value.details == {"part": "word/document.xml"}


def test_the_inflated_size_is_bounded_by_declaration_and_by_reading():
    big = hostile.docx(DOCUMENT, extra={"word/media/padding.xml": ["<p>" + "a" * 100_000 + "</p>"]})
    with pytest.raises(ImportLimitError) as caught:
        open_zip(big, SMALL)
    assert caught.value.details["limit"] == "IMPORT_MAX_UNCOMPRESSED_MB"
    assert caught.value.message == "Tệp vượt giới hạn dung lượng khi giải nén: tối đa 0.1 MB."
    assert caught.value.details["member"] == "word/media/padding.xml"

    # A member that claims to be small but inflates to more: never read past its claim.
    lying = hostile.lying_sizes(big, "word/media/padding.xml", 1000)
    with pytest.raises(DocumentError) as caught:
        open_zip(lying, SMALL)
    assert caught.value.status == 415

    # read_member caps what it returns even on an archive opened with larger limits.
    with open_zip(big) as archive, pytest.raises(ImportLimitError):
        read_member(archive, "word/media/padding.xml", SMALL)


def test_too_many_members_are_refused_from_the_directory_end_record():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for number in range(MAX_MEMBERS + 1):
            archive.writestr(f"m/{number}.txt", b"")
    with pytest.raises(ImportLimitError) as caught:
        open_zip(out.getvalue())
    assert caught.value.details == {"limit": "MAX_MEMBERS", "max": MAX_MEMBERS}


def test_not_a_zip_is_415():
    for data in (b"", b"plain text", b"PK\x03\x04" + b"\x00" * 50):
        with pytest.raises(DocumentError) as caught:
            open_zip(data)
        assert caught.value.status == 415


def test_binary_members_are_counted_but_not_parsed():
    data = hostile.docx(DOCUMENT, extra={"word/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10})
    assert read_docx_document(data).startswith(b"<?xml")


def test_parse_xml_refuses_dtds_entities_and_oversize_input():
    for document in (LAUGHS, EXTERNAL, '<!DOCTYPE quiz><quiz/>'):
        with pytest.raises(UnsafeXmlError):
            parse_xml(document.encode())
    utf16 = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE q [<!ENTITY a "b">]><q>&a;</q>'.encode("utf-16")
    with pytest.raises(UnsafeXmlError):
        parse_xml(utf16)
    with pytest.raises(ImportLimitError):
        parse_xml(b"<quiz>" + b" " * (SMALL.max_uncompressed_bytes) + b"</quiz>", SMALL)
    for broken in (b"<quiz>", b"not xml", b""):
        with pytest.raises(DocumentError) as caught:
            parse_xml(broken)
        assert caught.value.status == 415
    quiz = parse_xml('<quiz><question type="multichoice"><name><text>Phân số</text></name></question></quiz>'
                     .encode())
    assert quiz.find("question/name/text").text == "Phân số"
