"""File safety: sniffed types, size limits while streaming, hostile zips, and how bytes are
served back (never as active content of our origin)."""

import io
import os
import re
import zipfile

import pytest

from lms.extensions import db
from lms.files import uploads
from lms.files.models import StoredFile
from lms.files.store import FileStore
from lms.materials import jobs
from lms.materials.models import Material
from tests.conftest import api_token, base_config, bearer, csrf_from, login
from tests.materials_support import (
    make_material,
    metadata,
    multipart,
    pdf_bytes,
    reload,
)

LIMIT_MB = 1


@pytest.fixture
def app_config(tmp_path, database_url):
    """Small limits, so oversize uploads are cheap to build."""
    return {**base_config(tmp_path, database_url), "UPLOAD_LIMITS_MB": {"video": 2, "default": LIMIT_MB},
            "PACKAGE_MAX_UNCOMPRESSED_MB": 1}


@pytest.fixture
def world(app, demo, criteria):
    return demo


@pytest.fixture
def teacher(client, world):
    return bearer(api_token(client, "gv.toan"))


def post_file(client, headers, data, filename, **fields):
    body, content_type = multipart(metadata(**fields), {"file": (data, filename)})
    return client.post("/api/v1/materials", data=body, content_type=content_type, headers=headers)


def store_contents(app):
    store = uploads.file_store()
    blobs = [p for p in store.root.rglob("*") if p.is_file() and p.parent != store.tmp_dir]
    temps = list(store.tmp_dir.glob("*")) if store.tmp_dir.exists() else []
    return blobs, temps


def html5_zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


# --- types --------------------------------------------------------------------------------------

def test_a_renamed_executable_is_refused_with_its_real_type(client, teacher, make, app):
    response = post_file(client, teacher, make.exe().read_bytes(), "bai-tap.pdf")
    assert response.status_code == 415
    error = response.get_json()["error"]
    assert error["code"] == "unsupported_media_type"
    assert "tệp thực thi Windows (EXE)" in error["message"]
    assert error["details"]["detected"] == "exe"
    assert store_contents(app) == ([], [])
    assert db.session.scalar(db.select(db.func.count(Material.id))) == 0


@pytest.mark.parametrize("filename", ["hinh.svg", "hinh.png"])
def test_svg_is_never_accepted_as_an_upload(client, teacher, make, filename):
    response = post_file(client, teacher, make.svg().read_bytes(), filename, kind="image")
    assert response.status_code == 415
    assert store_contents(client.application)[0] == []


def test_an_unknown_extension_is_refused(client, teacher):
    response = post_file(client, teacher, b"hello", "ghi-chu.txt")
    assert response.status_code == 415
    assert ".txt" in response.get_json()["error"]["message"]


# --- sizes --------------------------------------------------------------------------------------

def test_oversize_upload_is_refused_while_streaming_and_leaves_nothing(client, teacher, app):
    big = pdf_bytes("Lớn") + b"%" + os.urandom(LIMIT_MB * 1024 * 1024)
    response = post_file(client, teacher, big, "lon.pdf")
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large" and "1 MB" in error["message"]
    assert store_contents(app) == ([], [])


def test_oversize_upload_on_the_page_is_a_flash(login_as, world, app):
    client = login_as("gv.toan")
    body, content_type = multipart({"csrf_token": csrf_from(client, "/materials/upload"), **metadata()},
                                   {"file": (b"%PDF-1.4\n" + os.urandom(LIMIT_MB * 1024 * 1024 + 10), "lon.pdf")})
    response = client.post("/materials/upload", data=body, content_type=content_type)
    assert response.status_code == 413
    assert "Tệp quá lớn: dung lượng tối đa cho phép là 1 MB." in response.get_data(as_text=True)
    assert store_contents(app) == ([], [])


def test_video_has_its_own_limit(client, teacher, make, app):
    clip = make.mp4("clip.mp4").read_bytes()
    padded = clip + os.urandom(int(1.5 * 1024 * 1024))  # over the default 1 MB, under video's 2 MB
    response = post_file(client, teacher, padded, "clip.mp4", kind="video")
    assert response.status_code == 201, response.get_json()


def test_a_declared_body_far_over_the_limit_is_refused_before_reading(app, world, monkeypatch):
    """Content-Length alone tells: the file part is refused before a byte of it is stored."""
    client = app.test_client()
    headers = bearer(api_token(client, "gv.toan"))
    saved = []
    monkeypatch.setattr(FileStore, "save_stream", lambda *a, **k: saved.append(a))
    body, content_type = multipart(metadata(), {"file": (b"%PDF-" + b"0" * (4 * 1024 * 1024), "a.pdf")})
    response = client.post("/api/v1/materials", data=body, content_type=content_type, headers=headers)
    assert response.status_code == 413
    assert saved == [] and store_contents(app) == ([], [])


# --- zips ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("members, code", [
    ({"index.html": "<p>x</p>", "../../etc/cron.d/x": "boom"}, "path_traversal"),
    ({"index.html": "<p>x</p>", "/abs.js": "x"}, "absolute_path"),
    ({"index.html": "<p>x</p>", **{f"f/{n}.txt": "" for n in range(10_000)}}, "too_many_members"),
    ({"index.html": "<p>x</p>", **{f"{n}.bin": b"\0" * 600_000 for n in range(3)}}, "too_large_uncompressed"),
    ({"index.html": "<p>x</p>", "bomb.txt": b"\0" * (20 * 1024 * 1024)}, "compression_ratio"),
])
def test_hostile_packages_are_refused(client, teacher, app, members, code):
    response = post_file(client, teacher, html5_zip(members), "mo-phong.zip", kind="html5")
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["code"] == code
    assert store_contents(app) == ([], [])


def test_a_symlink_in_a_package_is_refused(client, teacher):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("index.html", "<p>x</p>")
        link = zipfile.ZipInfo("secret")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    response = post_file(client, teacher, buffer.getvalue(), "mo-phong.zip", kind="html5")
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "symlink_member"


def test_a_zip_without_index_html_is_not_a_package(client, teacher):
    response = post_file(client, teacher, html5_zip({"main.html": "x"}), "goi.zip", kind="html5")
    assert response.status_code == 415
    assert "index.html" in response.get_json()["error"]["message"]


# --- serving ------------------------------------------------------------------------------------

def upload_approved(data, filename, kind="worksheet"):
    material = make_material("approved", data=data, filename=filename, kind=kind)
    db.session.commit()
    jobs.process_material_version(material.latest_version.id)
    return reload(material.id)


def test_pdf_is_served_inline_in_a_sandbox_with_ranges(world, login_as):
    material = upload_approved(pdf_bytes("Xem trực tiếp"), "xem.pdf")
    client = login_as("hs.6a1.01")
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    src = re.search(r'<iframe id="preview-pdf" data-src="([^"]+)"', page).group(1)
    response = client.get(src, buffered=True)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    partial = client.get(src, headers={"Range": "bytes=0-4"}, buffered=True)
    assert partial.status_code == 206 and partial.data == b"%PDF-"


def test_downloads_are_attachments_with_the_original_name(world, login_as):
    material = upload_approved(pdf_bytes("Tải về"), "Bài 1 – Phân số.pdf")
    client = login_as("hs.6a1.01")
    response = client.get(f"/materials/{material.id}/v/1/download", buffered=True)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''B%C3%A0i%201%20%E2%80%93%20Ph%C3%A2n%20s%E1%BB%91.pdf" in disposition
    assert response.headers["Content-Security-Policy"] == "sandbox"


def test_video_and_audio_play_in_html5_players_with_ranges(world, login_as, make):
    clip = make.mp4("clip.mp4").read_bytes()
    material = upload_approved(clip, "clip.mp4", kind="video")
    client = login_as("hs.6a1.01")
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert '<video id="preview-video"' in page
    response = client.get(f"/materials/{material.id}/v/1/file", headers={"Range": "bytes=4-7"}, buffered=True)
    assert response.status_code == 206 and response.data == b"ftyp"
    assert response.headers["Content-Type"] == "video/mp4"
    audio = upload_approved(make.raw("a.mp3", make.mp3_frames(4)).read_bytes(), "bai-hat.mp3", kind="audio")
    assert '<audio id="preview-audio"' in client.get(f"/materials/{audio.id}").get_data(as_text=True)


def test_images_are_shown_reencoded_never_as_uploaded(world, login_as, make):
    original = make.image("anh.jpg", "JPEG", size=(64, 48), comment=b"<script>alert(1)</script>").read_bytes()
    material = upload_approved(original, "anh.jpg", kind="image")
    client = login_as("hs.6a1.01")
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert 'id="preview-image"' in page
    response = client.get(f"/materials/{material.id}/v/1/image", buffered=True)
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg"
    assert response.data != original and b"<script>" not in response.data
    assert client.get(f"/materials/{material.id}/v/1/file").status_code == 404  # not an inline kind


def test_html5_packages_run_in_a_sandboxed_iframe_from_the_zip(world, login_as, app):
    package = html5_zip({
        "lesson/index.html": "<!doctype html><script src='app.js'></script><img src='img/hinh.svg'>",
        "lesson/app.js": "document.title = 'ok';",
        "lesson/img/hinh.svg": "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    })
    material = upload_approved(package, "mo-phong.zip", kind="html5")
    assert material.latest_version.stored_file.package_index == "lesson/index.html"
    client = login_as("hs.6a1.01")
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    src = re.search(r'<iframe id="preview-package" sandbox="allow-scripts" src="([^"]+)"', page).group(1)
    assert src.endswith("/lesson/index.html")
    index = app.test_client().get(src, buffered=True)  # the signed link works without the session cookie
    assert index.status_code == 200 and index.headers["Content-Type"].startswith("text/html")
    assert index.headers["Content-Security-Policy"].startswith("sandbox allow-scripts;")
    assert index.headers["X-Content-Type-Options"] == "nosniff"
    base = src.rsplit("/", 1)[0]
    script = client.get(f"{base}/app.js", buffered=True)
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert script.data == b"document.title = 'ok';"
    svg = client.get(f"{base}/img/hinh.svg", buffered=True)
    assert svg.headers["Content-Disposition"] == "attachment"  # never rendered inline
    assert "sandbox" in svg.headers["Content-Security-Policy"]
    assert client.get(f"{base}/missing.js").status_code == 404
    assert client.get(f"{base}/../../etc/passwd").status_code == 404
    token = src.split("/")[3]
    forged = src.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert client.get(forged).status_code == 404


def test_a_package_link_stops_working_when_its_user_loses_access(world, login_as, app):
    material = upload_approved(html5_zip({"index.html": "<p>Mô phỏng</p>"}), "goi.zip", kind="html5")
    client = login_as("hs.6a1.01")
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    src = re.search(r'sandbox="allow-scripts" src="([^"]+)"', page).group(1)
    assert app.test_client().get(src, buffered=True).status_code == 200
    from lms.review import services as review_services
    from tests.materials_support import user

    review_services.withdraw(reload(material.id), user("gv.toan"), "Gỡ")
    db.session.commit()
    assert app.test_client().get(src, buffered=True).status_code == 404


def test_file_routes_check_visibility_first(world, login_as):
    material = make_material("draft")
    db.session.commit()
    jobs.process_material_version(material.latest_version.id)
    client = login_as("hs.6a1.01")
    for route in ("file", "download", "thumbnail", "image"):
        assert client.get(f"/materials/{material.id}/v/1/{route}", buffered=True).status_code == 404
    owner = client.application.test_client()
    login(owner, "gv.toan")
    assert owner.get(f"/materials/{material.id}/v/1/thumbnail", buffered=True).status_code == 200


def test_students_get_only_the_published_version_file(world, login_as):
    from lms.materials import services
    from tests.materials_support import stored, user

    material = make_material("approved")
    services.add_version(material, user("gv.toan"), stored(pdf_bytes("Bản 2"), "ban2.pdf"), "Bản 2")
    db.session.commit()
    client = login_as("hs.6a1.01")
    assert client.get(f"/materials/{material.id}/v/1/download", buffered=True).status_code == 200
    assert client.get(f"/materials/{material.id}/v/2/download", buffered=True).status_code == 404
    assert client.get(f"/materials/{material.id}?v=2").status_code == 404


def test_dedup_keeps_one_row_per_content(client, teacher):
    data = pdf_bytes("Trùng")
    assert post_file(client, teacher, data, "a.pdf", title="A").status_code == 201
    assert post_file(client, teacher, data, "b.pdf", title="B").status_code == 201
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == 1
