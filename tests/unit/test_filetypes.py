import pytest

from lms.files.filetypes import (
    ACCEPTED,
    Detected,
    FileTypeError,
    check_upload,
    media_category,
    sniff,
)

# ---------------------------------------------------------------- sniff: documents


@pytest.mark.parametrize(
    ("builder", "kind"),
    [("pdf", "pdf"), ("docx", "docx"), ("pptx", "pptx"), ("xlsx", "xlsx"), ("odt", "odt"), ("odp", "odp")],
)
def test_sniffs_documents(make, builder, kind):
    found = sniff(getattr(make, builder)(f"file.{kind}"))
    assert isinstance(found, Detected)
    assert found.kind_code == kind
    assert found.mime != "application/octet-stream"


def test_name_plays_no_part_in_sniffing(make):
    assert sniff(make.docx("innocent.png")).kind_code == "docx"


def test_macro_enabled_word_file_is_not_docx(make):
    content_types = ('<Types><Override PartName="/word/document.xml" ContentType="application/'
                     'vnd.ms-word.document.macroEnabled.main+xml"/></Types>')
    path = make.zip("macro.docx", {"[Content_Types].xml": content_types, "word/document.xml": "<w/>",
                                   "word/vbaProject.bin": b"\x00" * 10})
    assert sniff(path).kind_code == "docm"


# ---------------------------------------------------------------- sniff: media


def test_mp4_with_video_track(make):
    assert sniff(make.mp4()).kind_code == "mp4"


def test_m4a_by_brand(make):
    path = make.raw("a.m4a", make.ftyp(b"M4A ", (b"M4A ", b"mp42")) + make.moov(b"soun"))
    found = sniff(path)
    assert (found.kind_code, found.mime) == ("m4a", "audio/mp4")


def test_generic_brand_with_only_sound_track_is_m4a(make):
    # Android voice recorders write the "mp42" brand on .m4a files; moov comes after mdat.
    assert sniff(make.mp4("rec.m4a", handlers=(b"soun",), major=b"mp42")).kind_code == "m4a"


def test_heic_photo_is_not_mp4(make):
    assert sniff(make.raw("photo.jpg", make.ftyp(b"heic", (b"mif1", b"heic")) + make.mp4_box(b"meta"))).kind_code == "heic"


def test_webm_and_matroska_are_told_apart(make):
    assert sniff(make.raw("a.webm", make.ebml_header(b"webm"))).kind_code == "webm"
    assert sniff(make.raw("b.webm", make.ebml_header(b"matroska"))).kind_code == "mkv"


def test_mp3_by_frame_sync(make):
    assert sniff(make.raw("a.mp3", make.mp3_frames())).kind_code == "mp3"


def test_mp3_with_id3_tag(make):
    tag = b"ID3\x04\x00\x00" + bytes([0, 0, 0, 20]) + b"\x00" * 20
    assert sniff(make.raw("a.mp3", tag + make.mp3_frames())).kind_code == "mp3"


def test_random_bytes_with_ff_start_are_not_mp3(make):
    path = make.raw("noise.mp3", b"\xff\xfb\x90\x00" + b"\x00" * 413 + b"\x12\x34\x56\x78" * 100)
    assert sniff(path).kind_code == "unknown"


def test_adts_aac_is_not_mp3(make):
    assert sniff(make.raw("a.mp3", b"\xff\xf1\x50\x80" + b"\x00" * 100)).kind_code == "aac"


def test_ogg(make):
    assert sniff(make.raw("a.ogg", b"OggS\x00\x02" + b"\x00" * 60)).kind_code == "ogg"


@pytest.mark.parametrize(("fmt", "kind"), [("PNG", "png"), ("JPEG", "jpeg"), ("WEBP", "webp"), ("GIF", "gif")])
def test_images(make, fmt, kind):
    found = sniff(make.image(f"pic.{kind}", fmt))
    assert found.kind_code == kind
    assert found.mime == f"image/{kind}"


def test_svg_behind_bom_xml_declaration_comment_and_doctype(make):
    found = sniff(make.svg())
    assert (found.kind_code, found.mime) == ("svg", "image/svg+xml")


def test_html_is_recognised(make):
    assert sniff(make.raw("page.pdf", b"<!DOCTYPE html><html><body>x</body></html>")).kind_code == "html"


def test_executables(make):
    assert sniff(make.exe()).kind_code == "exe"
    assert sniff(make.raw("a.out", b"\x7fELF\x02\x01\x01" + b"\x00" * 60)).kind_code == "elf"


def test_empty_and_unknown(make):
    assert sniff(make.raw("empty.pdf", b"")).kind_code == "empty"
    assert sniff(make.raw("noise.bin", bytes(range(1, 256)) * 4)).kind_code == "unknown"


# ---------------------------------------------------------------- sniff: zip packages


def test_html5_package_with_index_at_root(make):
    path = make.zip("lesson.zip", {"index.html": "<html></html>", "js/app.js": "1"})
    assert sniff(path).kind_code == "html5zip"


def test_html5_package_in_single_folder_made_on_macos(make):
    path = make.zip("lesson.zip", {"bai1/index.html": "<html></html>", "bai1/css/a.css": "",
                                   "__MACOSX/bai1/._index.html": b"\x00", "bai1/.DS_Store": b"\x00"})
    assert sniff(path).kind_code == "html5zip"


def test_zip_without_usable_index_is_plain_zip(make):
    two_folders = make.zip("a.zip", {"a/index.html": "x", "b/page.html": "y"})
    too_deep = make.zip("b.zip", {"a/b/index.html": "x"})
    assert sniff(two_folders).kind_code == "zip"
    assert sniff(too_deep).kind_code == "zip"


def test_corrupt_zip_is_unknown(make):
    assert sniff(make.raw("broken.zip", b"PK\x03\x04" + b"\x00" * 40)).kind_code == "unknown"


def test_zip_with_damaged_compressed_data_is_unknown(make):
    path = make.zip("bad.docx", {"[Content_Types].xml": "<Types>" + "<Default/>" * 500, "word/document.xml": "<w/>"})
    data = bytearray(path.read_bytes())
    start = data.find(b"[Content_Types].xml") + len("[Content_Types].xml")
    data[start + 2:start + 12] = b"\xff" * 10
    path.write_bytes(bytes(data))
    assert sniff(path).kind_code == "unknown"


# ---------------------------------------------------------------- check_upload


def test_renamed_executable_is_refused_and_named(make):
    path = make.exe("bai-giang.pdf")
    with pytest.raises(FileTypeError) as caught:
        check_upload(path, "bai-giang.pdf")
    error = caught.value
    assert error.code == "unsupported_media_type"
    assert error.message == "Tệp có đuôi .pdf nhưng nội dung là tệp thực thi Windows (EXE)."
    assert error.details == {"extension": "pdf", "detected": "exe"}


def test_svg_renamed_png_is_refused(make):
    with pytest.raises(FileTypeError) as caught:
        check_upload(make.svg("logo.png"), "logo.png")
    assert caught.value.details["detected"] == "svg"
    assert "SVG" in caught.value.message


def test_docx_renamed_pptx_is_refused(make):
    with pytest.raises(FileTypeError) as caught:
        check_upload(make.docx("slides.pptx"), "slides.pptx")
    assert caught.value.details == {"extension": "pptx", "detected": "docx"}
    assert "Word (DOCX)" in caught.value.message


def test_extension_not_accepted(make):
    with pytest.raises(FileTypeError) as caught:
        check_upload(make.exe(), "setup.exe")
    assert caught.value.code == "unsupported_media_type"
    assert ".exe" in caught.value.message
    with pytest.raises(FileTypeError, match="không có đuôi"):
        check_upload(make.pdf(), "README")


def test_genuine_files_pass_whatever_the_case_of_the_extension(make):
    assert check_upload(make.pdf(), "Đề KIỂM TRA.PDF").kind_code == "pdf"
    jpeg = make.image("p.jpg", "JPEG")
    assert check_upload(jpeg, "p.jpg").kind_code == "jpeg"
    assert check_upload(jpeg, "p.jpeg").kind_code == "jpeg"
    assert check_upload(make.mp4(), "clip.mp4").mime == "video/mp4"


def test_audio_only_mp4_is_accepted_as_mp4_but_video_is_not_m4a(make):
    audio = make.mp4("lecture.mp4", handlers=(b"soun",))
    assert check_upload(audio, "lecture.mp4").kind_code == "m4a"
    with pytest.raises(FileTypeError):
        check_upload(make.mp4("video.m4a"), "video.m4a")


def test_zip_upload_must_be_an_html5_package(make):
    package = make.zip("sim.zip", {"index.html": "<html></html>"})
    assert check_upload(package, "sim.zip").kind_code == "html5zip"
    plain = make.zip("photos.zip", {"a.jpg": b"x"})
    with pytest.raises(FileTypeError, match="index.html"):
        check_upload(plain, "photos.zip")


def test_office_file_renamed_zip_is_refused(make):
    with pytest.raises(FileTypeError) as caught:
        check_upload(make.xlsx("data.zip"), "data.zip")
    assert caught.value.details["detected"] == "xlsx"


def test_unrecognised_content_names_what_was_expected(make):
    with pytest.raises(FileTypeError) as caught:
        check_upload(make.raw("x.pdf", b"just some text"), "x.pdf")
    assert caught.value.message == "Tệp có đuôi .pdf nhưng nội dung không phải tài liệu PDF."


def test_matroska_renamed_webm_is_refused(make):
    with pytest.raises(FileTypeError, match="Matroska"):
        check_upload(make.raw("v.webm", make.ebml_header(b"matroska")), "v.webm")


# ---------------------------------------------------------------- tables


def test_accepted_extensions():
    assert set(ACCEPTED) == {"pdf", "docx", "pptx", "xlsx", "odt", "odp", "mp4", "webm", "mp3", "m4a",
                             "ogg", "png", "jpg", "jpeg", "webp", "gif", "zip"}
    assert ACCEPTED["jpg"] == ACCEPTED["jpeg"] == "jpeg"
    assert ACCEPTED["zip"] == "html5zip"


def test_every_accepted_kind_has_a_category():
    expected = {"mp4": "video", "webm": "video", "mp3": "audio", "m4a": "audio", "ogg": "audio",
                "png": "image", "jpeg": "image", "pdf": "document", "odp": "document",
                "html5zip": "package"}
    for kind, category in expected.items():
        assert media_category(kind) == category
    assert {media_category(kind) for kind in ACCEPTED.values()} == {
        "video", "audio", "image", "document", "package"}
    with pytest.raises(ValueError):
        media_category("exe")

