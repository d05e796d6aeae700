"""The materials pages and API. gv.toan (the matrix's teacher) owns every material here; routes
that act get a material of their own, so no action changes what a later route reads.

`draft` is seen by its owner, the school's admin (bgh.thcs01) and the district admin (404 for
the others); `approved` (processed: thumbnail, image, HTML5 package) by every signed-in role.
The package route is authorised by its signed token (issued to a student), not by the session.
"""

from .foundation import ALL, everyone, only


def build_material_ids():
    import io
    import zipfile

    from lms.extensions import db
    from lms.materials import jobs, serving
    from tests.files import Make
    from tests.materials_support import make_material, user

    def processed(material):
        db.session.commit()
        jobs.process_material_version(material.latest_version.id)
        return material.id

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("index.html", "<!doctype html><p>Mô phỏng</p>")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        png = Make(Path(folder)).image("anh.png", "PNG").read_bytes()
    ids = {
        "draft": make_material("draft", title="Bản nháp").id,
        "draft_patch": make_material("draft", title="Sửa qua API").id,
        "draft_version": make_material("draft", title="Phiên bản qua API").id,
        "draft_submit": make_material("draft", title="Gửi qua API").id,
        "submitted_withdraw": make_material("submitted", title="Rút qua API").id,
        "submitted_claim": make_material("submitted", title="Nhận qua API").id,
        "in_review_release": make_material("in_review", title="Trả qua API").id,
        "in_review_review": make_material("in_review", title="Quyết định qua API").id,
        "approved": processed(make_material("approved", title="Đã duyệt")),
        "approved_image": processed(make_material("approved", title="Ảnh", data=png, filename="anh.png",
                                                  kind="image")),
    }
    package = make_material("approved", title="Mô phỏng", data=buffer.getvalue(), filename="mo-phong.zip",
                            kind="html5")
    ids["approved_package"] = processed(package)
    db.session.commit()
    ids["package_token"] = serving.package_token(package.latest_version, user("hs.6a1.01"))
    return {"materials": ids}


def url(template):
    return lambda ids: template.format(**ids["materials"])


# Who may see gv.toan's draft: the owner, the school's admin and the district admin.
SEE_DRAFT = {"teacher", "school_admin", "district_admin"}


def draft_only(owner_status, seers_status, anonymous=302):
    """The owner gets `owner_status`, the other roles that see drafts `seers_status`, the rest 404."""
    spec = {"anonymous": anonymous}
    for role in ALL:
        spec[role] = owner_status if role == "teacher" else seers_status if role in SEE_DRAFT else 404
    return spec


ROUTES = {
    # pages
    # "?grade=" (every grade): without arguments a student is sent on to their own grade.
    "materials.library": {"url": "/materials/?grade=", **everyone(200, 302)},
    "materials.mine": {"url": "/materials/mine", **only({"teacher"})},
    "materials.upload": {"url": "/materials/upload", **only({"teacher"})},
    "materials.detail": {"url": url("/materials/{draft}"), **draft_only(200, 200)},
    "materials.edit": {"url": url("/materials/{draft}/edit"), **draft_only(200, 403)},
    "materials.new_version": {"url": url("/materials/{draft}/versions/new"), **draft_only(200, 403)},
    "materials.file": {"url": url("/materials/{approved}/v/1/file"), **everyone(200, 302)},
    "materials.download": {"url": url("/materials/{approved}/v/1/download"), **everyone(200, 302)},
    "materials.thumbnail": {"url": url("/materials/{approved}/v/1/thumbnail"), **everyone(200, 302)},
    "materials.image": {"url": url("/materials/{approved_image}/v/1/image"), **everyone(200, 302)},
    "materials.package_member": {"url": url("/materials/package/{package_token}/index.html"),
                                 **everyone(200, 200)},
    # API
    "api.create_material": {"url": "/api/v1/materials", "method": "POST",
                            **only({"teacher"}, ok=422, anonymous=401)},  # no file: 422
    "api.list_materials": {"url": "/api/v1/materials", **everyone(200, 401)},
    "api.get_material": {"url": url("/api/v1/materials/{draft}"), **draft_only(200, 200, anonymous=401)},
    "api.update_material": {"url": url("/api/v1/materials/{draft_patch}"), "method": "PATCH",
                            **draft_only(200, 403, anonymous=401)},
    "api.add_material_version": {"url": url("/api/v1/materials/{draft_version}/versions"), "method": "POST",
                                 **draft_only(422, 403, anonymous=401)},  # no file: 422
    "api.material_version_file": {"url": url("/api/v1/materials/{approved}/versions/1/file"),
                                  **everyone(200, 401)},
    "api.materials_submit": {"url": url("/api/v1/materials/{draft_submit}/submit"), "method": "POST",
                             **draft_only(200, 403, anonymous=401)},
    "api.materials_withdraw": {"url": url("/api/v1/materials/{submitted_withdraw}/withdraw"), "method": "POST",
                               **{**draft_only(200, 403, anonymous=401), "reviewer": 403}},
    "api.materials_claim": {"url": url("/api/v1/materials/{submitted_claim}/claim"), "method": "POST",
                            **{**draft_only(403, 403, anonymous=401), "reviewer": 200, "district_admin": 200}},
    "api.materials_release": {"url": url("/api/v1/materials/{in_review_release}/release"), "method": "POST",
                              **{**draft_only(403, 403, anonymous=401), "reviewer": 200, "district_admin": 200}},
    # An empty body names no decision: 422 for everyone who may see the item.
    "api.materials_review": {"url": url("/api/v1/materials/{in_review_review}/review"), "method": "POST",
                             **{**draft_only(422, 422, anonymous=401), "reviewer": 422}},
    "api.materials_history": {"url": url("/api/v1/materials/{draft}/history"),
                              **draft_only(200, 200, anonymous=401)},
}
