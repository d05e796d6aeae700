"""/api/v1/materials: the repository over the same services as the pages.

Uploads are multipart/form-data streamed into the file store (files.uploads), so a 500 MB
video never sits in memory; 413 and 415 come back in the JSON error shape.
"""

from dataclasses import dataclass

from flask import g, request, url_for

from ..core.authz import authorize
from ..core.errors import NotFound, ValidationError, _
from ..core.pagination import api_list, paginate
from ..core.timeutil import iso
from ..extensions import db
from ..files import services as files
from ..files import serving as file_serving
from ..materials import permissions, queries, services
from ..materials.models import Kind, License, Material, Series
from ..schools.reference import SUBJECTS
from .auth import api_route
from .etag import json_answer, json_bytes
from .openapi import MAX_ID, PAGING, enum, integer
from .review import register_workflow_api

ERRORS = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}
SUBJECT = enum(code for code, _name_vi, _name_en in SUBJECTS)
GRADE = integer(6, 8)
METADATA_FIELDS = {
    "title": "string", "description": "string", "subject": SUBJECT, "grade": GRADE,
    "topic": integer(1, MAX_ID), "series": enum(Series), "kind": enum(Kind), "license": enum(License),
    "author": "string", "source": "string", "attribution": "string", "uploader_is_author": "boolean",
    "rights_confirmed": "boolean",
}
UPLOAD_FIELDS = {
    "file!": "binary", "title!": "string", "subject!": SUBJECT, "grade!": GRADE, "kind!": enum(Kind),
    "license!": enum(License), "rights_confirmed!": enum(["true", "false"]),
    **{k: v for k, v in METADATA_FIELDS.items()
       if k not in ("title", "subject", "grade", "kind", "license", "rights_confirmed", "uploader_is_author")},
    "uploader_is_author": enum(["true", "false"]), "note": "string",
}
LIST_QUERY = {
    "subject": SUBJECT, "grade": GRADE, "kind": enum(Kind), "series": enum(Series),
    "school": integer(1, MAX_ID), "q": "string", "sort": enum(["newest", "title"]),
    "mine": enum(["1", "true"]), **PAGING,
}
UPLOAD_ERRORS = {413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid_fields"}


def load_material(material_id, user):
    """The material, or NotFound (404) when the user may not know it exists."""
    material = db.session.get(Material, material_id)
    if material is None or not permissions.can_view(user, material):
        raise NotFound()
    return material


def file_json(version):
    stored = version.stored_file
    return {
        "name": version.file_name,
        "size": stored.size,
        "mime": stored.mime,
        "sha256": stored.sha256,
        "url": url_for("api.material_version_file", material_id=version.material_id, number=version.number),
    }


def version_json(version):
    return {
        "number": version.number,
        "status": version.status,
        "note": version.note,
        "created_by_id": version.created_by_id,
        "created_at": iso(version.created_at),
        "processing_state": version.processing_state,
        "processing_error": version.processing_error,
        "file": file_json(version),
    }


def material_json(material, user):
    """API.md's material, seen by `user`: those who see it only because it is published get the
    published version alone (and `user=None` gives that answer, the one every reader gets)."""
    shown = permissions.visible_version(user, material)
    all_versions = permissions.sees_all_versions(user, material)
    # Readers' answers never touch `versions`: a list of them loads no version but the published.
    versions = material.versions if all_versions else (
        [material.published_version] if material.published_version_id is not None else [])
    return {
        "id": material.id,
        "title": material.title,
        "description": material.description,
        "subject": material.subject.code,
        "grade": material.grade,
        "topic": material.topic_id,
        "series": material.series,
        "kind": material.kind,
        "license": material.license,
        "author": material.author,
        "source": material.source,
        "uploader_is_author": material.uploader_is_author,
        "state": material.state,
        "lock_version": material.lock_version,
        "owner_id": material.owner_id,
        "school_id": material.school_id,
        "version": shown.number if shown else None,
        "published_version": material.published_version.number if material.is_published() else None,
        "versions": [version_json(v) for v in versions],
        "file": file_json(shown) if shown else None,
        "created_at": iso(material.created_at),
        "updated_at": iso(material.updated_at),
        "url": url_for("materials.detail", material_id=material.id),
    }


def _attribution(received):
    if "attribution" in received.form and not received.form.get("source"):
        received.form.setlist("source", received.form.getlist("attribution"))  # API.md's name


@api_route("/materials", methods=["POST"], tag="materials", multipart=UPLOAD_FIELDS,
           responses={201: "material", **ERRORS, **UPLOAD_ERRORS})
def create_material():
    """Upload a material (multipart: file, title, subject, grade, kind, license, rights_confirmed;
    optional description, topic, series, author, source/attribution, uploader_is_author, note)."""
    user = g.api_user
    authorize(permissions.can_upload(user), _("Chỉ giáo viên tải học liệu lên kho."))
    material = files.receive_and_apply(
        request, lambda r: services.create_material(user, r.form, files.upload_of(r), r.form.get("note")),
        prepare=_attribution)
    return material_json(material, user), 201


@api_route("/materials", tag="materials", query=LIST_QUERY,
           responses={200: "{items, total, page, per_page}", 304: "not modified (If-None-Match)",
                      401: "unauthenticated", 422: "invalid_fields"})
def list_materials():
    """The library of published materials (?subject=&grade=&kind=&series=&school=&q=&sort=newest|title);
    ?mine=1 lists the caller's own materials in every state instead. Answers carry an ETag."""
    user = g.api_user
    if request.args.get("mine") in ("1", "true"):
        # The owner's pages, kept per owner and query until one of their materials changes.
        return json_answer(queries.own_cache().get_or_set(
            queries.args_key(request.args, "api", user.id),
            lambda: json_bytes(api_list(queries.owned_by(user), lambda m: material_json(m, user)))))
    # The page as every reader sees it, computed once per process until a material changes;
    # someone who sees more of one of its materials (its owner, a reviewer...) gets their own.
    shared = queries.library_cache().get_or_set(queries.args_key(request.args, "api"), _library_page)
    if all(permissions.sees_only_published(user, owner_id, school_id) for owner_id, school_id in shared.owners):
        return json_answer(shared.body)
    select = queries.library(queries.LibraryFilters.from_args(request.args, strict=True))
    return api_list(select.options(queries.ALL_VERSIONS), lambda m: material_json(m, user))


@dataclass(frozen=True)
class SharedAnswer:
    """A JSON answer computed once for every reader, with the (owner, school) of each material in
    it: who may see more of one of them gets an answer of their own."""

    body: bytes
    owners: tuple


def _library_page():
    filters = queries.LibraryFilters.from_args(request.args, strict=True)
    page = paginate(queries.library(filters))
    return SharedAnswer(json_bytes(page.as_json(lambda m: material_json(m, None))),
                        tuple((m.owner_id, m.school_id) for m in page.items))


@api_route("/materials/<int:material_id>", tag="materials",
           responses={200: "material", 304: "not modified (If-None-Match)", **ERRORS})
def get_material(material_id):
    """One material as the caller may see it. The answer carries an ETag."""
    user = g.api_user
    # A published material as every reader sees it, computed once per process until it changes.
    region, key = queries.library_cache(), ("api-material", material_id)
    generation = region.generation()
    shared, material = region.get(key, generation), None
    if shared is None:
        material = queries.get_shown(material_id)
        if material is not None and material.is_published():
            shared = SharedAnswer(json_bytes(material_json(material, None)),
                                  ((material.owner_id, material.school_id),))
            region.put(key, shared, generation)
    if shared is not None and permissions.sees_only_published(user, *shared.owners[0]):
        return json_answer(shared.body)
    material = material or queries.get_shown(material_id)
    if material is None or not permissions.can_view(user, material):
        raise NotFound()
    return material_json(material, user)


@api_route("/materials/<int:material_id>", methods=["PATCH"], tag="materials",
           body=METADATA_FIELDS,
           responses={200: "material", **ERRORS, 409: "invalid_transition", 422: "invalid_fields"})
def update_material(material_id):
    """Change metadata fields (JSON); the owner, while the material is not under review or published."""
    user = g.api_user
    material = load_material(material_id, user)
    data = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    if not isinstance(data, dict):
        raise ValidationError(_("Cần một đối tượng JSON với các trường cần sửa."), {"body": "object"})
    if "attribution" in data and "source" not in data:
        data["source"] = data["attribution"]
    services.update_metadata(material, user, data)
    db.session.commit()
    return material_json(material, user)


@api_route("/materials/<int:material_id>/versions", methods=["POST"], tag="materials",
           multipart={"file!": "binary", "note!": "string"},
           responses={201: "material (version + 1)", **ERRORS, 409: "invalid_transition", **UPLOAD_ERRORS})
def add_material_version(material_id):
    """A new version (multipart: file, note). The published version stays visible until the new
    one is approved."""
    user = g.api_user
    material = load_material(material_id, user)
    services.check_can_add_version(material, user)
    def add(received):
        upload = files.upload_of(received)
        if upload is None:
            raise ValidationError(_("Chọn tệp cho phiên bản mới."), {"file": _("Bắt buộc.")})
        return services.add_version(material, user, upload, received.form.get("note"))

    files.receive_and_apply(request, add, prepare=_attribution)
    return material_json(material, user), 201


@api_route("/materials/<int:material_id>/versions/<int:number>/file", tag="materials",
           responses={200: "the file (attachment; Range supported)", **ERRORS})
def material_version_file(material_id, number):
    """Download one version's file (only the published one for those who see just that)."""
    user = g.api_user
    material = load_material(material_id, user)
    version = material.version(number)
    if not permissions.can_view_version(user, material, version):
        raise NotFound()
    return file_serving.send_download(version.stored_file, version.file_name)


register_workflow_api("materials", load_material, material_json)
