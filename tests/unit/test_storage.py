import hashlib
import io
import os
import sys
import time

import pytest
from PIL import Image

from lms.files import images as storage
from lms.files.images import ImageError, make_thumbnail, pdf_thumbnail, reencode_image
from lms.files.store import FileStore, StoredBlob, TooLargeError

MiB = 1024 * 1024


class EndlessStream:
    """A client that never stops sending; records every read size."""

    def __init__(self):
        self.reads: list[int] = []

    def read(self, size=-1):
        assert size > 0, "the store must never read without a bound"
        self.reads.append(size)
        return b"x" * size


class BrokenStream(io.BytesIO):
    """A client that disconnects halfway."""

    def read(self, size=-1):
        if self.tell() > 0:
            raise OSError("connection reset")
        return super().read(size)


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "files")


def stored_files(store):
    return sorted(p for p in store.root.rglob("*") if p.is_file() and store.tmp_dir not in p.parents)


# ---------------------------------------------------------------- the store


def test_save_stream_stores_by_content_address(store):
    data = "Phân số và số thập phân".encode() * 1000
    blob = store.save_stream(io.BytesIO(data), max_bytes=MiB, chunk_size=1000)
    digest = hashlib.sha256(data).hexdigest()
    assert isinstance(blob, StoredBlob)
    assert (blob.sha256, blob.size, blob.created) == (digest, len(data), True)
    assert blob.path == store.root / digest[:2] / digest[2:4] / digest
    assert blob.path.read_bytes() == data
    assert store.exists(digest)
    with store.open(digest) as fh:
        assert fh.read() == data
    assert list(store.tmp_dir.iterdir()) == []


def test_same_bytes_are_stored_once(store):
    first = store.save_stream(io.BytesIO(b"same worksheet"), max_bytes=100)
    second = store.save_stream(io.BytesIO(b"same worksheet"), max_bytes=100)
    assert first.sha256 == second.sha256
    assert (first.created, second.created) == (True, False)
    assert stored_files(store) == [first.path]
    assert list(store.tmp_dir.iterdir()) == []


def test_exactly_the_limit_is_accepted(store):
    blob = store.save_stream(io.BytesIO(b"a" * 100), max_bytes=100, chunk_size=30)
    assert blob.size == 100


def test_oversize_stream_is_refused_early_and_leaves_nothing(store):
    stream = EndlessStream()
    with pytest.raises(TooLargeError) as caught:
        store.save_stream(stream, max_bytes=3 * MiB, chunk_size=MiB)
    error = caught.value
    assert error.code == "payload_too_large"
    assert error.details == {"max_bytes": 3 * MiB}
    assert "3 MB" in error.message
    assert sum(stream.reads) == 3 * MiB + 1  # stopped on the first byte over the limit
    assert max(stream.reads) <= MiB
    assert list(store.tmp_dir.iterdir()) == []
    assert stored_files(store) == []


def test_limit_message_uses_a_decimal_comma(store):
    with pytest.raises(TooLargeError, match="1,5 MB"):
        store.save_stream(io.BytesIO(b"x" * (2 * MiB)), max_bytes=MiB + MiB // 2)


def test_failed_read_removes_the_temp_file(store):
    with pytest.raises(OSError, match="connection reset"):
        store.save_stream(BrokenStream(b"y" * 5000), max_bytes=MiB, chunk_size=1000)
    assert list(store.tmp_dir.iterdir()) == []


@pytest.mark.parametrize("bad", ["../../etc/passwd", "A" * 64, "abc", "0" * 63 + "/", "bài-giảng.pdf", None])
def test_path_for_accepts_only_hex_digests(store, bad):
    with pytest.raises(ValueError):
        store.path_for(bad)
    assert store.exists(bad) is False


def test_open_missing_blob(store):
    with pytest.raises(FileNotFoundError):
        store.open("0" * 64)


def test_delete_temp_leftovers_keeps_uploads_in_progress(store):
    store.tmp_dir.mkdir(parents=True)
    old = store.tmp_dir / "upload-old.part"
    fresh = store.tmp_dir / "upload-fresh.part"
    old.write_bytes(b"crashed")
    fresh.write_bytes(b"in progress")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    assert store.delete_temp_leftovers() == 1
    assert not old.exists()
    assert fresh.exists()
    assert FileStore(store.root / "nowhere").delete_temp_leftovers() == 0


# ---------------------------------------------------------------- images


def jpeg_with_exif(path, size=(40, 20), orientation=6):
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825)[2] = (21.0, 1.0, 30.0)  # GPS latitude
    Image.new("RGB", size, (10, 200, 10)).save(path, exif=exif, comment=b"home address")
    return path


def test_reencode_strips_metadata_and_applies_orientation(tmp_path):
    src = jpeg_with_exif(tmp_path / "photo.jpg")
    out = io.BytesIO()
    assert reencode_image(src, out) == "jpeg"
    data = out.getvalue()
    assert b"PhoneMaker" not in data and b"home address" not in data
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG"
        assert img.size == (20, 40)  # rotated as the camera meant
        assert dict(img.getexif()) == {}


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
def test_reencode_keeps_the_format(make, tmp_path, fmt):
    src = make.image(f"pic.{fmt.lower()}", fmt, size=(33, 21))
    dst = tmp_path / "out.bin"
    assert reencode_image(src, dst) == fmt.lower()
    with Image.open(dst) as img:
        assert (img.format, img.size) == (fmt, (33, 21))


def test_reencode_keeps_animation(tmp_path):
    src = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (16, 16), (i * 80, 0, 0)) for i in range(3)]
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0,
                   comment=b"secret")
    dst = tmp_path / "out.gif"
    reencode_image(src, dst)
    assert b"secret" not in dst.read_bytes()
    with Image.open(dst) as img:
        durations = []
        for index in range(img.n_frames):
            img.seek(index)
            durations.append(img.info["duration"])
    assert durations == [100, 200, 300]


def test_decompression_bomb_error_becomes_image_error(make, monkeypatch, tmp_path):
    src = make.image("big.png", "PNG", size=(100, 100))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 10,000 px is over twice the limit
    with pytest.raises(ImageError) as caught:
        reencode_image(src, tmp_path / "out.png")
    assert caught.value.code == "image_too_large"
    assert "quá lớn" in caught.value.message


def test_decompression_bomb_warning_becomes_image_error(make, monkeypatch):
    src = make.image("big.png", "PNG", size=(40, 40))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 1,600 px: Pillow only warns
    with pytest.raises(ImageError) as caught:
        make_thumbnail(src)
    assert caught.value.code == "image_too_large"


def test_bomb_guard_is_left_on():
    assert Image.MAX_IMAGE_PIXELS is not None


def test_eps_never_reaches_its_decoder(make, monkeypatch, tmp_path):
    from PIL import EpsImagePlugin

    opened = []
    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", lambda self: opened.append(self))
    src = make.raw("ghost.png", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n")
    with pytest.raises(ImageError, match="Không đọc được ảnh"):
        reencode_image(src, tmp_path / "out")
    assert opened == []  # Ghostscript is never even considered


def test_non_image_is_refused(make, tmp_path):
    with pytest.raises(ImageError, match="Không đọc được ảnh"):
        make_thumbnail(make.raw("text.png", b"not an image at all"))


def test_bmp_is_not_an_accepted_image(make, tmp_path):
    with pytest.raises(ImageError):
        reencode_image(make.image("pic.bmp", "BMP"), tmp_path / "out")


def test_truncated_image_is_refused(make, tmp_path):
    src = make.image("cut.png", "PNG", size=(300, 300))
    src.write_bytes(src.read_bytes()[:200])
    with pytest.raises(ImageError):
        reencode_image(src, tmp_path / "out.png")
    assert not (tmp_path / "out.png").exists()


def test_thumbnail_fits_the_box(make):
    data = make_thumbnail(make.image("wide.png", "PNG", size=(1000, 500)))
    fmt, mime = storage.thumbnail_format()
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == fmt
        assert img.size == (320, 160)
    assert mime in {"image/webp", "image/png"}


def test_thumbnail_keeps_transparency(make):
    src = make.path("alpha.png")
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(src)
    with Image.open(io.BytesIO(make_thumbnail(src, size=(10, 10)))) as img:
        assert img.mode == "RGBA"
        assert img.getpixel((0, 0))[3] == 0


def test_thumbnail_applies_exif_orientation(tmp_path):
    src = jpeg_with_exif(tmp_path / "photo.jpg", size=(400, 200))
    with Image.open(io.BytesIO(make_thumbnail(src))) as img:
        assert img.size == (160, 320)


# ---------------------------------------------------------------- PDF previews


def test_pdf_thumbnail_renders_the_first_page(make):
    data = pdf_thumbnail(make.pdf())
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == storage.thumbnail_format()[0]
        width, height = img.size
    assert max(width, height) <= 320
    assert height == 320  # a portrait page fills the box's height
    assert 240 <= width <= 250  # 612 x 792 pt keeps its aspect ratio


def test_pdf_thumbnail_of_a_corrupt_file(make):
    with pytest.raises(ImageError) as caught:
        pdf_thumbnail(make.raw("broken.pdf", b"%PDF-1.7\nnothing else"))
    assert caught.value.code == "invalid_pdf"


def test_pdf_thumbnail_of_a_pdf_whose_first_page_is_missing(make):
    path = make.pdf()
    path.write_bytes(path.read_bytes().replace(b"/Kids [ 4 0 R", b"/Kids [ 9 0 R", 1))
    with pytest.raises(ImageError) as caught:
        pdf_thumbnail(path)
    assert caught.value.code == "invalid_pdf"


def test_pdf_thumbnail_without_the_renderer(make, monkeypatch):
    monkeypatch.setitem(sys.modules, "pypdfium2", None)  # makes "import pypdfium2" fail
    with pytest.raises(ImageError) as caught:
        pdf_thumbnail(make.pdf())
    assert caught.value.code == "renderer_missing"
    assert "pypdfium2" in caught.value.message


def test_remove_deletes_one_blob(tmp_path):
    import io

    from lms.files.store import FileStore

    store = FileStore(tmp_path / "files")
    blob = store.save_stream(io.BytesIO(b"hai ba bon"), max_bytes=1024)
    assert store.exists(blob.sha256)
    assert store.remove(blob.sha256) is True
    assert not store.exists(blob.sha256)
    assert store.remove(blob.sha256) is False
