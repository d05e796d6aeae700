"""The materials services against a real database and file store: upload, dedup, versions,
supersede on approval, reasons, processing jobs, sanitised descriptions."""

import pytest

from lms.core.errors import DomainError, ValidationError
from lms.core.sanitize import clean_html
from lms.extensions import db
from lms.files import uploads
from lms.files.models import StoredFile
from lms.materials import jobs, permissions, queries, services
from lms.materials.models import MaterialVersion
from lms.review import services as review_services
from tests.materials_support import (
    approve,
    make_material,
    metadata,
    pdf_bytes,
    stored,
    user,
    walk,
)


@pytest.fixture
def world(app, demo, criteria):
    return demo


def test_upload_creates_a_draft_with_its_first_version(world):
    data = pdf_bytes("Bài 1. Tập hợp")
    material = services.create_material(user("gv.toan"), metadata(title="  Tập   hợp "), stored(data, "tap-hop.pdf"))
    db.session.commit()
    assert material.state == "draft"
    assert material.title == "Tập hợp"
    assert material.school_id == user("gv.toan").school_id
    version = material.latest_version
    assert (version.number, version.status, version.file_name) == (1, "draft", "tap-hop.pdf")
    assert version.stored_file.kind_code == "pdf" and version.stored_file.mime == "application/pdf"
    assert version.stored_file.size == len(data)
    assert uploads.file_store().exists(version.stored_file.sha256)
    assert not material.is_published()


def test_identical_bytes_are_stored_once_and_shared(world):
    data = pdf_bytes("Một nội dung")
    first = services.create_material(user("gv.toan"), metadata(title="A"), stored(data, "a.pdf"))
    second = services.create_material(user("gv.toan2"), metadata(title="B"), stored(data, "b.pdf"))
    db.session.commit()
    assert first.latest_version.stored_file_id == second.latest_version.stored_file_id
    assert db.session.scalar(db.select(db.func.count(StoredFile.id))) == 1
    assert (first.latest_version.file_name, second.latest_version.file_name) == ("a.pdf", "b.pdf")


def test_only_teachers_upload(world):
    with pytest.raises(DomainError) as refused:
        services.create_material(user("hs.6a1.01"), metadata(), stored(pdf_bytes(), "a.pdf"))
    assert refused.value.status == 403


@pytest.mark.parametrize("field, value, bad", [
    ("title", "", "title"),
    ("subject", "latin", "subject"),
    ("grade", "9", "grade"),
    ("kind", "poster", "kind"),
    ("license", "gpl", "license"),
    ("series", "sgk_cu", "series"),
    ("rights_confirmed", "", "rights_confirmed"),
    ("topic", "999999", "topic"),
])
def test_metadata_is_validated_field_by_field(world, field, value, bad):
    with pytest.raises(ValidationError) as refused:
        services.create_material(user("gv.toan"), metadata(**{field: value}), stored(pdf_bytes(), "a.pdf"))
    assert bad in refused.value.details


def test_attribution_required_when_the_uploader_is_not_the_author(world):
    with pytest.raises(ValidationError) as refused:
        services.create_material(user("gv.toan"), metadata(uploader_is_author=""), stored(pdf_bytes(), "a.pdf"))
    assert {"author", "source"} <= set(refused.value.details)
    material = services.create_material(
        user("gv.toan"), metadata(uploader_is_author="", author="Nhóm Toán 6", source="NXB Giáo dục"),
        stored(pdf_bytes(), "a.pdf"))
    assert (material.author, material.source, material.uploader_is_author) == ("Nhóm Toán 6", "NXB Giáo dục", False)


def test_topic_must_belong_to_the_subject_and_grade(world):
    from lms.schools.models import Subject, Topic

    khtn = db.session.scalar(db.select(Subject).where(Subject.code == "khtn"))
    topic = db.session.scalar(db.select(Topic).where(Topic.subject_id == khtn.id, Topic.grade == 6).limit(1))
    with pytest.raises(ValidationError) as refused:
        services.create_material(user("gv.toan"), metadata(topic=str(topic.id)), stored(pdf_bytes(), "a.pdf"))
    assert "topic" in refused.value.details
    material = services.create_material(user("gv.toan"), metadata(subject="khtn", topic=str(topic.id)),
                                        stored(pdf_bytes(), "a.pdf"))
    assert material.topic_id == topic.id


def test_the_kind_must_fit_the_file(world, make):
    with pytest.raises(ValidationError) as refused:
        services.create_material(user("gv.toan"), metadata(kind="video"), stored(pdf_bytes(), "a.pdf"))
    assert "kind" in refused.value.details
    clip = make.mp4("clip.mp4").read_bytes()
    material = services.create_material(user("gv.toan"), metadata(kind="video"), stored(clip, "clip.mp4"))
    assert material.latest_version.stored_file.kind_code == "mp4"


def test_description_is_cleaned(world):
    material = services.create_material(
        user("gv.toan"),
        metadata(description='<p onclick="x()">Bài <img src=x onerror=alert(1)><script>alert(1)</script>'
                             '<a href="javascript:alert(2)">xấu</a> <a href="https://vi.wikipedia.org">tốt</a></p>'),
        stored(pdf_bytes(), "a.pdf"))
    html = material.description
    for bad in ("<script", "onerror", "onclick", "javascript:", "<img", "alert(1)"):
        assert bad not in html
    assert '<a href="https://vi.wikipedia.org" rel="noopener nofollow">tốt</a>' in html


def test_clean_html_allow_list():
    assert clean_html("<h3>Mục</h3><table><tr><td>1</td></tr></table>") == \
        "<h3>Mục</h3><table><tbody><tr><td>1</td></tr></tbody></table>"
    assert clean_html('<a href="mailto:gv@truong.edu.vn" target="_blank">thư</a>') == \
        '<a href="mailto:gv@truong.edu.vn" rel="noopener nofollow">thư</a>'
    assert clean_html("<style>p{color:red}</style><iframe src=x></iframe><p style='x'>ok</p>") == "<p>ok</p>"
    assert clean_html(None) == ""


# --- versions ---------------------------------------------------------------------------------

def test_a_new_file_is_a_new_version_with_a_note(world):
    material = make_material("draft")
    first = material.latest_version
    version = services.add_version(material, user("gv.toan"), stored(pdf_bytes("v2"), "v2.pdf"), "Sửa lỗi chính tả")
    db.session.commit()
    assert version.number == 2 and version.note == "Sửa lỗi chính tả" and version.status == "draft"
    assert first.status == "superseded"
    assert [e.action for e in queries.history(material)] == ["revise"]
    assert queries.history(material)[0].version_number == 2


def test_a_new_version_needs_a_note(world):
    material = make_material("draft")
    with pytest.raises(ValidationError) as refused:
        services.add_version(material, user("gv.toan"), stored(pdf_bytes("v2"), "v2.pdf"), "  ")
    assert "note" in refused.value.details


@pytest.mark.parametrize("state", ["submitted", "in_review", "rejected"])
def test_no_new_version_while_under_review_or_rejected(world, state):
    material = make_material(state)
    with pytest.raises(DomainError) as refused:
        services.add_version(material, user("gv.toan"), stored(pdf_bytes("v2"), "v2.pdf"), "Bản mới")
    assert refused.value.status == 409


def test_only_the_owner_adds_versions(world):
    material = make_material("draft")
    with pytest.raises(DomainError) as refused:
        services.add_version(material, user("gv.van"), stored(pdf_bytes("v2"), "v2.pdf"), "Bản mới")
    assert refused.value.status == 403


def test_the_approved_version_stays_visible_until_the_new_one_is_approved(world):
    material = make_material("approved")
    v1 = material.latest_version
    assert (v1.status, material.published_version_id) == ("published", v1.id)
    student = user("hs.6a1.01")
    v2 = services.add_version(material, user("gv.toan"), stored(pdf_bytes("v2"), "v2.pdf"), "Thêm bài tập")
    assert material.state == "approved" and v1.status == "published" and v2.status == "draft"
    review_services.submit(material, user("gv.toan"))
    assert material.state == "submitted" and v2.status == "under_review"
    assert material.is_published()
    assert permissions.visible_version(student, material) is v1
    assert permissions.visible_version(user("gv.toan"), material) is v2
    assert not permissions.can_view_version(student, material, v2)
    review_services.claim(material, user("reviewer.toan"))
    approve(material)
    db.session.commit()
    assert (v1.status, v2.status) == ("superseded", "published")
    assert material.published_version_id == v2.id
    assert permissions.visible_version(student, material) is v2
    assert [e.version_number for e in queries.history(material) if e.action == "approve"] == [1, 2]


def test_a_refused_new_version_keeps_the_old_one_published(world):
    material = make_material("approved")
    v1 = material.latest_version
    services.add_version(material, user("gv.toan"), stored(pdf_bytes("v2"), "v2.pdf"), "Bản mới")
    walk(material, "rejected")
    assert material.state == "rejected" and material.is_published()
    assert v1.status == "published" and material.latest_version.status == "current"


def test_withdrawing_an_approved_material_unpublishes_it(world):
    material = make_material("withdrawn")
    assert material.state == "withdrawn" and not material.is_published()
    assert material.published_version_id is None
    assert material.latest_version.status == "current"
    assert permissions.visible_version(user("hs.6a1.01"), material) is None


def test_decisions_other_than_approval_need_a_reason_and_a_note(world):
    material = make_material("in_review")
    with pytest.raises(ValidationError) as refused:
        review_services.decide(material, user("reviewer.toan"), "request_changes", "", reason_code=None)
    assert {"reason_code", "comment"} <= set(refused.value.details)
    with pytest.raises(ValidationError):
        review_services.decide(material, user("reviewer.toan"), "approve", "ok", {"content_accuracy": 3})
    review_services.decide(material, user("reviewer.toan"), "request_changes", "Ghi nguồn hình 2.",
                           reason_code="licensing")
    assert material.state == "changes_requested"
    assert material.latest_version.status == "current"
    request = queries.latest_request(material)
    assert (request.reason_code, request.comment) == ("licensing", "Ghi nguồn hình 2.")


def test_metadata_edits_only_while_the_material_is_with_its_owner(world):
    material = make_material("draft")
    services.update_metadata(material, user("gv.toan"), {"title": "Phân số (sửa)", "grade": "7"})
    assert (material.title, material.grade, material.kind) == ("Phân số (sửa)", 7, "worksheet")
    with pytest.raises(DomainError) as refused:
        services.update_metadata(material, user("gv.van"), {"title": "x"})
    assert refused.value.status == 403
    walk(material, "submitted")
    with pytest.raises(DomainError):
        services.update_metadata(material, user("gv.toan"), {"title": "x"})


# --- processing jobs --------------------------------------------------------------------------

def test_processing_extracts_text_and_makes_a_pdf_thumbnail(world):
    material = make_material("draft", data=pdf_bytes("Phân số thập phân"))
    db.session.commit()
    jobs.process_material_version(material.latest_version.id)
    version = db.session.get(MaterialVersion, material.latest_version.id)
    assert version.processing_state == "ok", version.processing_error
    assert "Phân số thập phân" in version.extracted_text
    assert version.thumbnail_sha256 and uploads.file_store().exists(version.thumbnail_sha256)


@pytest.mark.parametrize("builder, name, kind", [
    ("docx", "bai.docx", "worksheet"), ("pptx", "bai.pptx", "slides"), ("xlsx", "bang.xlsx", "worksheet"),
    ("odt", "bai.odt", "worksheet"), ("odp", "bai.odp", "slides"),
])
def test_processing_extracts_office_documents(world, make, builder, name, kind):
    data = getattr(make, builder)(name).read_bytes()
    material = make_material("draft", data=data, filename=name, kind=kind)
    db.session.commit()
    jobs.process_material_version(material.latest_version.id)
    version = db.session.get(MaterialVersion, material.latest_version.id)
    assert version.processing_state == "ok", version.processing_error
    assert "Phân số" in version.extracted_text


def test_images_are_reencoded_and_thumbnailed(world, make):
    data = make.image("anh.png", "PNG", size=(800, 600)).read_bytes()
    material = make_material("draft", data=data, filename="anh.png", kind="image")
    db.session.commit()
    jobs.process_material_version(material.latest_version.id)
    version = db.session.get(MaterialVersion, material.latest_version.id)
    assert version.processing_state == "ok"
    assert version.preview_mime == "image/png" and version.preview_sha256 != version.stored_file.sha256
    assert version.thumbnail_sha256


def test_a_processing_failure_is_shown_in_words(world, make):
    broken = pdf_bytes("Hỏng")[:400]  # truncated: sniffs as PDF, parses as nothing
    material = make_material("draft", data=broken, filename="hong.pdf")
    db.session.commit()
    jobs.process_material_version(material.latest_version.id)
    version = db.session.get(MaterialVersion, material.latest_version.id)
    assert version.processing_state == "failed"
    assert "Trích xuất văn bản thất bại" in version.processing_error or \
        "Tạo ảnh xem trước thất bại" in version.processing_error


def test_identical_files_reuse_the_processing(world):
    data = pdf_bytes("Dùng lại")
    first = make_material("draft", data=data)
    db.session.commit()
    jobs.process_material_version(first.latest_version.id)
    second = make_material("draft", data=data, owner="gv.toan2")
    db.session.commit()
    jobs.process_material_version(second.latest_version.id)
    version = db.session.get(MaterialVersion, second.latest_version.id)
    assert version.processing_state == "ok" and "Dùng lại" in version.extracted_text
