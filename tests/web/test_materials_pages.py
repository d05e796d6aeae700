"""The materials pages through the test client, signed in through the real login form."""

import io
import re

import pytest

from lms.extensions import db
from lms.files import uploads
from lms.files.models import StoredFile
from lms.materials.models import Material
from tests.conftest import DEMO_PASSWORD, csrf_from, login
from tests.materials_support import (
    make_material,
    metadata,
    pdf_bytes,
    reload,
    user,
)


@pytest.fixture
def world(app, demo, criteria):
    return demo


def form_data(client, url="/materials/upload", data=None, filename="bai-giang.pdf", **overrides):
    fields = {"csrf_token": csrf_from(client, url), **metadata(**overrides)}
    fields["uploader_is_author"] = "y"
    fields["rights_confirmed"] = "y"
    fields = {k: v for k, v in fields.items() if v is not None}
    if data is not False:
        fields["file"] = (io.BytesIO(data if data is not None else pdf_bytes("Trang")), filename)
    return fields


def blobs(app):
    store = uploads.file_store()
    return sorted(p.name for p in store.root.rglob("*") if p.is_file() and p.parent != store.tmp_dir)


def tmp_files(app):
    store = uploads.file_store()
    return list(store.tmp_dir.glob("*")) if store.tmp_dir.exists() else []


def test_upload_page_has_a_progress_bar_and_no_inline_script(world, login_as):
    client = login_as("gv.toan")
    page = client.get("/materials/upload").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'id="upload-progress"' in page and "/static/js/upload.js" in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    # the token is sent before the file, so it can be checked before anything is stored
    assert page.index('name="csrf_token"') < page.index('type="file"')
    assert 'data-limits="{&#34;default&#34;: 100, &#34;video&#34;: 500}"' in page


def test_teacher_uploads_through_the_form(world, login_as, app):
    client = login_as("gv.toan")
    response = client.post("/materials/upload", data=form_data(client, title="Ôn tập chương 1"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    material = db.session.scalar(db.select(Material).where(Material.title == "Ôn tập chương 1"))
    assert response.headers["Location"].endswith(f"/materials/{material.id}")
    assert material.latest_version.processing_state == "ok"  # the job ran (immediate mode)
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert "Đã tải lên" in page and 'id="wf-submit"' in page and 'id="preview-pdf"' in page
    assert not tmp_files(app)


def test_the_progress_script_gets_json(world, login_as):
    client = login_as("gv.toan")
    headers = {"X-Requested-With": "XMLHttpRequest"}
    ok = client.post("/materials/upload", data=form_data(client), headers=headers)
    assert ok.status_code == 200 and ok.get_json()["redirect"].startswith("/materials/")
    bad = client.post("/materials/upload", data=form_data(client, title=""), headers=headers)
    assert bad.status_code == 422
    assert bad.get_json()["error"]["details"]["title"] == "Cần tiêu đề."


def test_a_forged_upload_stores_nothing(world, login_as, app):
    client = login_as("gv.toan")
    data = form_data(client)
    data["csrf_token"] = "forged"
    response = client.post("/materials/upload", data=data)
    assert response.status_code == 400
    assert blobs(app) == [] and not tmp_files(app)


def test_invalid_fields_are_shown_on_the_form_and_the_file_is_dropped(world, login_as, app):
    client = login_as("gv.toan")
    response = client.post("/materials/upload", data=form_data(client, title="", subject="latin"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Cần tiêu đề." in page and "Thông tin học liệu chưa hợp lệ." in page
    assert blobs(app) == [] and db.session.scalar(db.select(db.func.count(StoredFile.id))) == 0


def test_a_file_is_required(world, login_as):
    client = login_as("gv.toan")
    response = client.post("/materials/upload", data=form_data(client, data=False))
    assert response.status_code == 422
    assert "Chọn tệp để tải lên." in response.get_data(as_text=True)


def test_a_wrong_type_is_named_in_a_flash(world, login_as, make, app):
    client = login_as("gv.toan")
    exe = make.exe().read_bytes()
    response = client.post("/materials/upload", data=form_data(client, data=exe, filename="de-kiem-tra.pdf"))
    assert response.status_code == 415
    page = response.get_data(as_text=True)
    assert "nội dung là tệp thực thi Windows (EXE)" in page
    assert blobs(app) == []


def test_my_materials_show_state_and_what_the_reviewer_asked(world, login_as):
    make_material("changes_requested", title="Cần sửa")
    make_material("approved", title="Đã duyệt")
    db.session.commit()
    page = login_as("gv.toan").get("/materials/mine").get_data(as_text=True)
    assert "Cần sửa" in page and "Đã duyệt" in page
    assert 'data-state="changes_requested"' in page and 'data-state="approved"' in page
    assert "Bản quyền và ghi nguồn: Thiếu nguồn ảnh." in page


def test_the_detail_page_tells_the_owner_what_was_asked(world, login_as):
    material = make_material("changes_requested")
    db.session.commit()
    page = login_as("gv.toan").get(f"/materials/{material.id}").get_data(as_text=True)
    assert 'id="review-request"' in page and "Thiếu nguồn ảnh." in page
    assert 'id="new-version"' in page and 'id="edit"' in page


def test_submit_claim_and_decide_from_the_detail_page(world, client, app):
    from tests.conftest import login

    material = make_material("draft")
    db.session.commit()
    url = f"/materials/{material.id}"
    login(client, "gv.toan")
    token = csrf_from(client, url)
    response = client.post(f"/reviews/items/material/{material.id}/submit", data={"csrf_token": token, "next": url})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert reload(material.id).state == "submitted"
    client.post("/logout", data={"csrf_token": token})

    reviewer = app.test_client()
    login(reviewer, "reviewer.toan")
    page = reviewer.get(url).get_data(as_text=True)
    assert 'id="wf-claim"' in page
    token = csrf_from(reviewer, url)
    reviewer.post(f"/reviews/items/material/{material.id}/claim", data={"csrf_token": token})
    page = reviewer.get(url).get_data(as_text=True)
    assert 'id="decision-form"' in page
    scores = {f"score_{c.code}": "3" for c in __import__("lms.review.queries", fromlist=["criteria"]).criteria()}
    reviewer.post(f"/reviews/items/material/{material.id}/review",
                  data={"csrf_token": token, "decision": "approve", "comment": "Tốt", **scores, "next": url})
    material = reload(material.id)
    assert material.state == "approved" and material.latest_version.status == "published"


def test_library_lists_published_materials_with_filters_and_sorting(world, login_as):
    make_material("approved", title="Bảng số liệu", grade="7")
    make_material("approved", title="Âm thanh bài hát", owner="gv.toan2")
    make_material("draft", title="Bản nháp riêng")
    make_material("approved", title="Năng lượng", subject="khtn", kind="slides")
    db.session.commit()
    client = login_as("hs.6a1.01")
    arrival = client.get("/materials/")  # a student starts at the grade of their class
    assert arrival.status_code == 302 and arrival.location.endswith("/materials/?grade=6")
    page = client.get("/materials/?grade=").get_data(as_text=True)
    assert "Bảng số liệu" in page and "Năng lượng" in page and "Bản nháp riêng" not in page

    def titles(query):
        html = client.get(f"/materials/?{query}").get_data(as_text=True)
        return re.findall(r'<h2 class="h6[^"]*"><a href="/materials/\d+">([^<]+)</a>', html)

    assert titles("subject=khtn") == ["Năng lượng"]
    assert titles("grade=7") == ["Bảng số liệu"]
    assert titles("kind=slides") == ["Năng lượng"]
    assert titles("series=ket_noi&sort=title") == ["Âm thanh bài hát", "Bảng số liệu", "Năng lượng"]
    thcs02 = user("gv.toan2").school_id
    assert titles(f"school={thcs02}") == ["Âm thanh bài hát"]
    assert titles("q=năng") == ["Năng lượng"]
    assert titles("sort=newest")[0] == "Năng lượng"


def test_assign_button_only_where_homework_can_be_given(world, login_as, app):
    """Issue 9.3 then 11.7: "Giao cho lớp" opens the real assignment form, prefilled with the
    material — on an approved material, for a teacher; never on someone else's draft, never for a
    student, and no leftover panel whatever the query string says."""
    approved = make_material("approved", owner="gv.toan2")
    draft = make_material("draft", owner="gv.toan2", title="Bản nháp")
    db.session.commit()
    client = login_as("gv.toan")
    page = client.get(f"/materials/{approved.id}?assign=1").get_data(as_text=True)
    assert f'href="/assignments/new?material={approved.id}"' in page and "Giao cho lớp" in page
    assert 'id="assign-panel"' not in page
    assert client.get(f"/materials/{draft.id}").status_code == 404  # another teacher's draft
    student = app.test_client()
    assert login(student, "hs.6a1.01", DEMO_PASSWORD).status_code == 302
    assert "Giao cho lớp" not in student.get(f"/materials/{approved.id}").get_data(as_text=True)


def test_edit_metadata(world, login_as):
    material = make_material("draft")
    db.session.commit()
    client = login_as("gv.toan")
    url = f"/materials/{material.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Phân số"' in page
    fields = {**metadata(title="Phân số — bản sửa", description="<p>Mới<script>x()</script></p>"),
              "csrf_token": csrf_from(client, url), "uploader_is_author": "y", "rights_confirmed": "y"}
    response = client.post(url, data=fields)
    assert response.status_code == 302
    material = reload(material.id)
    assert material.title == "Phân số — bản sửa" and material.description == "<p>Mới</p>"
    bad = client.post(url, data={**fields, "grade": "5"})
    assert bad.status_code == 422 and "Khối lớp là 6, 7 hoặc 8" in bad.get_data(as_text=True)


def test_new_version_through_the_form(world, login_as):
    material = make_material("approved")
    db.session.commit()
    client = login_as("gv.toan")
    url = f"/materials/{material.id}/versions/new"
    response = client.post(url, data={"csrf_token": csrf_from(client, url), "note": "Thêm đáp án",
                                      "file": (io.BytesIO(pdf_bytes("Bản hai")), "ban-hai.pdf")})
    assert response.status_code == 302
    material = reload(material.id)
    assert [v.status for v in material.versions] == ["published", "draft"]
    page = client.get(f"/materials/{material.id}").get_data(as_text=True)
    assert "Thêm đáp án" in page and 'id="wf-submit"' in page


def test_upload_form_preselects_what_the_teacher_teaches(app, demo):
    import re

    from tests.conftest import login

    for username, subject in (("gv.toan", "toan"), ("gv.van", "ngu_van")):
        client = app.test_client()
        login(client, username)
        page = client.get("/materials/upload").get_data(as_text=True)
        selected = re.findall(r'<option selected value="([^"]+)"|<option value="([^"]+)" selected', page)
        assert subject in {a or b for a, b in selected}, username
