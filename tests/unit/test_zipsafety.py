import stat
import struct
import zipfile
from pathlib import Path

import pytest

from lms.files.zipsafety import UnsafeZipError, check_zip, find_index, guess_member_mime, open_member

PACKAGE = {"index.html": "<html><script src='js/app.js'></script></html>", "js/app.js": "var x = 1;"}


def patch_central_entry(path: Path, member: str, offset: int, fmt: str, value: int) -> None:
    """Overwrite one field of a member's central-directory header (what zipfile trusts)."""
    data = bytearray(path.read_bytes())
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        name_length = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + name_length].decode() == member:
            struct.pack_into(fmt, data, pos + offset, value)
            path.write_bytes(bytes(data))
            return
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{member} not in central directory")


def refused(path, **limits) -> UnsafeZipError:
    with pytest.raises(UnsafeZipError) as caught:
        check_zip(path, **limits)
    assert caught.value.message  # always a user-facing Vietnamese sentence
    return caught.value


# ---------------------------------------------------------------- accepted packages


def test_package_with_root_index(make):
    assert check_zip(make.zip("ok.zip", PACKAGE)) == "index.html"


def test_package_in_one_folder_returns_nested_index(make):
    path = make.zip("ok.zip", {f"Bai 1/{name}": data for name, data in PACKAGE.items()})
    assert check_zip(path) == "Bai 1/index.html"


def test_index_lookup_ignores_case_but_returns_stored_name(make):
    with zipfile.ZipFile(make.zip("ok.zip", {"lesson/Index.HTML": "x", "lesson/a.css": ""})) as zf:
        assert find_index(zf) == "lesson/Index.HTML"


def test_small_highly_compressible_file_is_fine(make):
    path = make.zip("ok.zip", {**PACKAGE, "blank.txt": " " * 200_000})
    assert check_zip(path) == "index.html"


# ---------------------------------------------------------------- refused names


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("../evil", "path_traversal"),
        ("lesson/../../evil.sh", "path_traversal"),
        ("a\\..\\..\\evil.bat", "path_traversal"),
        ("/etc/cron.d/evil", "absolute_path"),
        ("\\\\server\\share\\evil", "absolute_path"),
        ("C:/Windows/evil.dll", "absolute_path"),
        ("c:evil", "absolute_path"),
    ],
)
def test_escaping_names_are_refused(make, name, code):
    error = refused(make.zip("bad.zip", {**PACKAGE, name: "x"}))
    assert error.code == code
    assert error.details["member"] == name


def test_symlink_member_is_refused(make, tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("index.html", "x")
        link = zipfile.ZipInfo("js/app.js")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    error = refused(path)
    assert error.code == "symlink_member"
    assert "symlink" in error.message


def test_encrypted_member_is_refused(make):
    path = make.zip("enc.zip", PACKAGE)
    patch_central_entry(path, "js/app.js", 8, "<H", 0x1)
    assert refused(path).code == "encrypted_member"


def test_unknown_compression_method_is_refused(make):
    path = make.zip("aes.zip", PACKAGE)
    patch_central_entry(path, "js/app.js", 10, "<H", 99)
    assert refused(path).code == "unsupported_compression"


def test_duplicate_names_are_refused(tmp_path):
    path = tmp_path / "dup.zip"
    with zipfile.ZipFile(path, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("index.html", "safe")
        zf.writestr("index.html", "other")
    assert refused(path).code == "duplicate_member"


# ---------------------------------------------------------------- bombs and sizes


def test_ten_thousand_members_are_refused(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("index.html", "x")
        for number in range(10_000):
            zf.writestr(f"f/{number}.txt", "")
    error = refused(path)
    assert error.code == "too_many_members"
    assert error.details["max_members"] == 2000
    assert error.details["members"] >= 10_000


def test_member_limit_is_configurable(make):
    assert refused(make.zip("ok.zip", PACKAGE), max_members=1).code == "too_many_members"


def test_member_declaring_a_huge_size_is_refused(make):
    path = make.zip("huge.zip", PACKAGE)
    patch_central_entry(path, "js/app.js", 24, "<I", 0xFFFFFFF0)  # declares ~4 GiB from 10 bytes
    error = refused(path)
    assert error.code == "compression_ratio"
    assert error.details["member"] == "js/app.js"


def test_total_declared_size_is_limited(make):
    path = make.zip("big.zip", {**PACKAGE, "v1.mp4": "a", "v2.mp4": "b"})
    for member in ("v1.mp4", "v2.mp4"):  # 300 MiB each, plausibly compressed
        patch_central_entry(path, member, 20, "<I", 300 * 1024 * 1024)
        patch_central_entry(path, member, 24, "<I", 300 * 1024 * 1024)
    error = refused(path)
    assert error.code == "too_large_uncompressed"
    assert error.details["total_uncompressed"] > 600 * 1024 * 1024
    assert "500 MB" in error.message


def test_real_compression_bomb_is_refused(make):
    path = make.zip("bomb.zip", {**PACKAGE, "zeros.bin": b"\x00" * (8 * 1024 * 1024)})
    error = refused(path)
    assert error.code == "compression_ratio"
    assert error.details["ratio"] > 200


def test_not_a_zip(make):
    assert refused(make.raw("x.zip", b"PK\x03\x04 not really")).code == "invalid_zip"


def test_missing_index(make):
    path = make.zip("noindex.zip", {"a/index.html": "x", "b/other.html": "y"})
    error = refused(path)
    assert error.code == "missing_index"
    assert "index.html" in error.message
    assert check_zip(path, require_index=False) is None


# ---------------------------------------------------------------- serving members


def test_open_member_streams_without_extracting(make, tmp_path):
    path = make.zip("ok.zip", {f"lesson/{name}": data for name, data in PACKAGE.items()})
    before = sorted(p.name for p in tmp_path.iterdir())
    with open_member(path, "lesson/js/app.js") as stream:
        assert stream.size == len("var x = 1;")
        assert stream.read(3) == b"var"
        assert stream.read() == b" x = 1;"
    assert stream.closed
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize("name", ["lesson/../lesson/index.html", "../ok.zip", "/lesson/index.html",
                                  "LESSON/INDEX.HTML", "lesson/missing.js", "lesson/"])
def test_open_member_refuses_anything_but_an_exact_file_member(make, name):
    path = make.zip("ok.zip", {"lesson/index.html": "x"})
    with zipfile.ZipFile(path, "a") as zf:
        zf.mkdir("lesson")
    with pytest.raises(UnsafeZipError) as caught:
        open_member(path, name)
    assert caught.value.code == "member_not_found"


def test_open_member_refuses_symlinks(tmp_path):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as zf:
        link = zipfile.ZipInfo("data.txt")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(UnsafeZipError):
        open_member(path, "data.txt")


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("index.html", "text/html"),
        ("a/b/STYLE.CSS", "text/css"),
        ("js/app.js", "application/javascript"),
        ("data.json", "application/json"),
        ("img/logo.png", "image/png"),
        ("img/photo.JPG", "image/jpeg"),
        ("img/icon.svg", "image/svg+xml"),
        ("fonts/a.woff2", "font/woff2"),
        ("sound/click.mp3", "audio/mpeg"),
        ("video/intro.mp4", "video/mp4"),
        ("Makefile", "application/octet-stream"),
        ("tool.exe", "application/octet-stream"),
    ],
)
def test_guess_member_mime(name, mime):
    assert guess_member_mime(name) == mime


def test_damaged_member_data_reads_as_os_error(make):
    path = make.zip("ok.zip", {"index.html": "x", "a.js": "var answer = 42;" * 50})
    data = bytearray(path.read_bytes())
    start = data.find(b"a.js") + len("a.js")  # the first local header's name ends, data begins
    data[start + 5:start + 15] = b"\xff" * 10
    path.write_bytes(bytes(data))
    with open_member(path, "a.js") as stream, pytest.raises(OSError):
        stream.read()
