"""Pages of the materials repository: the library, my materials, upload, detail, edit, new
version, and the routes that serve files.

Handlers load (404 unless the user may see the material), authorise (403), call a service,
commit once, then render or redirect. The workflow buttons and the decision form post to the
review engine's item routes (/reviews/items/material/<id>/...), which come back here.

Uploads are streamed into the file store as they arrive (uploads.receive), so the upload routes
are exempt from CSRFProtect (it would parse, and spool, the whole body first) and check the
token themselves before the first byte of the file is written.
"""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError as CSRFValidationError

from ..accounts.models import User
from ..core.authz import require
from ..core.cache import render_block
from ..core.errors import DomainError, Forbidden, ValidationError
from ..core.pagination import paginate
from ..extensions import csrf, db
from ..files import services as files
from ..files import serving as file_serving
from ..files.filetypes import ACCEPTED
from ..files.store import format_megabytes
from ..review import queries as review_queries
from ..review.registry import register_item_page
from ..schools import queries as school_queries
from . import permissions, queries, services, serving
from .forms import MaterialForm, UploadForm, VersionForm
from .models import KIND_LABELS, SERIES_LABELS, Material

bp = Blueprint("materials", __name__, template_folder="templates", url_prefix="/materials")

for _name, _predicate in permissions.PREDICATES.items():
    bp.add_app_template_global(_predicate, _name)


@bp.app_template_filter("filesize")
def filesize(num_bytes):
    """1536 -> "2 KB", 1572864 -> "1,5 MB" (Vietnamese decimal comma)."""
    if num_bytes is None:
        return ""
    if num_bytes < 1024 * 1024:
        return f"{max(1, round(num_bytes / 1024))} KB"
    return f"{format_megabytes(num_bytes)} MB"


# --- helpers ----------------------------------------------------------------------------------

def _load(material_id):
    material = db.session.get(Material, material_id)
    if material is None or not permissions.can_view(current_user, material):
        abort(404)
    return material


def _load_version(material_id, number):
    material = _load(material_id)
    version = material.version(number)
    if not permissions.can_view_version(current_user, material, version):
        abort(404)
    return material, version


def _wants_json():
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _check_csrf(form):
    try:
        validate_csrf(form.get("csrf_token") or request.headers.get("X-CSRFToken"))
    except CSRFValidationError as error:
        raise CSRFError(str(error)) from None


def _checked(received):
    """The posted fields once received: CSRF checked (before the file when one was sent, by
    `before_file`; here when none was), unticked boxes made explicit."""
    if received.blob is None:
        _check_csrf(received.form)
    _unticked_boxes(received.form)


def _form_of(error):
    """The fields typed into a refused upload, to show them again."""
    received = getattr(error, "received", None)
    return received.form if received is not None else None


def _unticked_boxes(form):
    """A browser leaves an unticked checkbox out; the services read an absent field as the default."""
    for name in ("uploader_is_author", "rights_confirmed"):
        if name not in form:
            form[name] = ""


def _accept_attr():
    return ",".join(f".{ext}" for ext in ACCEPTED)


def _upload_context():
    limits = current_app.config["UPLOAD_LIMITS_MB"]
    video_exts = [ext for ext, kind in ACCEPTED.items() if kind in ("mp4", "webm")]
    return {"accept": _accept_attr(), "limits": limits, "video_exts": ",".join(video_exts)}


def _refused(error, template, status_form, **context):
    """A refused upload or edit: JSON for the progress-bar script, else the page with a flash."""
    if _wants_json():
        response = jsonify({"error": {"code": error.code, "message": error.message, "details": error.details}})
        return response, error.status
    flash(error.message, "danger")
    status_form.put_errors(error.details)
    return render_template(template, form=status_form, **context), error.status


def _done(target, message):
    flash(message, "success")
    if _wants_json():
        return jsonify({"redirect": target})
    return redirect(target)


# --- lists ------------------------------------------------------------------------------------

@bp.route("/")
@require(permissions.can_browse_library)
def library():
    """The library is the same for every reader: the content block of materials/library.html
    (filters, results, pages) is rendered once per query string and language and kept until a
    material changes (queries.library_cache); the rest of the page is the reader's own."""
    if not request.args:
        # A student starts at their own grade; choosing "—" (grade=) shows every grade.
        defaults = queries.library_defaults(current_user)
        if defaults:
            return redirect(url_for("materials.library", **defaults))
    key = queries.args_key(request.args, "page", str(get_locale()))
    content = queries.library_cache().get_or_set(key, _library_content)
    return render_template("materials/library_page.html", library_content=content)


def _library_content():
    filters = queries.LibraryFilters.from_args(request.args)
    found = paginate(queries.library(filters), per_page=20)
    return render_block("materials/library.html", "content", materials=found.items, total=found.total,
                        page=found.page, per_page=found.per_page, filters=filters,
                        subjects=school_queries.subjects(), schools=school_queries.schools(),
                        kinds=KIND_LABELS, series=SERIES_LABELS)


@bp.route("/mine")
@require(permissions.can_upload)
def mine():
    """The teacher's own materials: the content block of materials/mine.html is rendered once per
    owner, query string and language and kept until one of their materials changes
    (queries.own_cache)."""
    key = queries.args_key(request.args, "page", current_user.id, str(get_locale()))
    content = queries.own_cache().get_or_set(key, _mine_content)
    return render_template("materials/mine_page.html", mine_content=content)


def _mine_content():
    found = paginate(queries.owned_by(current_user))  # 20 a page, as the API's ?mine=1
    requests = review_queries.latest_requests([m for m in found.items
                                               if m.state in ("changes_requested", "rejected")])
    return render_block("materials/mine.html", "content", materials=found.items, requests=requests, found=found)


# --- upload and edit --------------------------------------------------------------------------

@bp.route("/upload", methods=["GET", "POST"])
@csrf.exempt
@require(permissions.can_upload)
def upload():
    if request.method == "GET":
        form = UploadForm(data=queries.upload_defaults(current_user))
        return render_template("materials/upload.html", form=form, **_upload_context())
    try:
        material = files.receive_and_apply(
            request, lambda r: services.create_material(current_user, r.form, files.upload_of(r),
                                                        r.form.get("note")),
            before_file=_check_csrf, prepare=_checked)
    except DomainError as error:
        form = UploadForm(formdata=_form_of(error))
        return _refused(error, "materials/upload.html", form, **_upload_context())
    return _done(url_for("materials.detail", material_id=material.id),
                 _("Đã tải lên “%(title)s”. Hãy kiểm tra rồi gửi thẩm định.", title=material.title))


@bp.route("/<int:material_id>/versions/new", methods=["GET", "POST"])
@csrf.exempt
@login_required
def new_version(material_id):
    material = _load(material_id)
    if not permissions.can_add_version(current_user, material):
        if material.owner_id != current_user.id:
            raise Forbidden()
        services.check_can_add_version(material, current_user)  # says why (409)
    context = {"material": material, **_upload_context()}
    if request.method == "GET":
        return render_template("materials/new_version.html", form=VersionForm(), **context)
    def add(received):
        upload = files.upload_of(received)
        if upload is None:
            raise ValidationError(_("Chọn tệp cho phiên bản mới."),
                                  {"file": _("Chọn tệp cho phiên bản mới.")})
        return services.add_version(material, current_user, upload, received.form.get("note"))

    try:
        version = files.receive_and_apply(request, add, before_file=_check_csrf, prepare=_checked)
    except DomainError as error:
        form = VersionForm(formdata=_form_of(error))
        material = db.session.get(Material, material_id)
        return _refused(error, "materials/new_version.html", form, **{**context, "material": material})
    return _done(url_for("materials.detail", material_id=material.id),
                 _("Đã tạo phiên bản %(n)s. Gửi thẩm định khi sẵn sàng.", n=version.number))


@bp.route("/<int:material_id>/edit", methods=["GET", "POST"])
@login_required
def edit(material_id):
    material = _load(material_id)
    if not permissions.can_edit(current_user, material):
        raise Forbidden(_("Chỉ tác giả sửa thông tin học liệu, khi học liệu không ở trong quy trình "
                          "thẩm định hay đang được công bố."))
    if request.method == "GET":
        form = MaterialForm(data={**services.metadata_of(material), "subject": material.subject.code,
                                  "grade": str(material.grade), "topic": str(material.topic_id or "")})
        return render_template("materials/edit.html", form=form, material=material)
    form = MaterialForm()
    if not form.validate_on_submit():  # only the CSRF token: the rules are the service's
        return render_template("materials/edit.html", form=form, material=material), 400
    try:
        data = request.form.copy()
        _unticked_boxes(data)
        services.update_metadata(material, current_user, data)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        material = db.session.get(Material, material_id)
        flash(error.message, "danger")
        form.put_errors(error.details)
        return render_template("materials/edit.html", form=form, material=material), error.status
    flash(_("Đã lưu thông tin học liệu."), "success")
    return redirect(url_for("materials.detail", material_id=material.id))


# --- detail -----------------------------------------------------------------------------------

@bp.route("/<int:material_id>")
@login_required
def detail(material_id):
    wanted = request.args.get("v", type=int)
    material = None
    if wanted is None:
        page, material = _reader_page(material_id)
        if page is not None:
            return page
    material = material or queries.get_shown(material_id)  # what the page shows, in two statements
    if material is None or not permissions.can_view(current_user, material):
        abort(404)
    version = permissions.visible_version(current_user, material)
    if wanted is not None:
        version = material.version(wanted)
        if not permissions.can_view_version(current_user, material, version):
            abort(404)
    return _detail_page(material, version)


def _reader_page(material_id):
    """A published material's page for a reader, who sees only its published version: its content
    block is the same for every reader of one kind (students and parents; staff also see how it
    was made), so it is rendered once per material, language and kind and kept in the library
    cache until the material changes. HTML5 packages are left out (their link names the reader).
    Returns (the page or None, the material if it had to be loaded)."""
    region = queries.library_cache()
    key = ("page-material", material_id, str(get_locale()), permissions.sees_version_details(current_user))
    generation = region.generation()
    entry, material = region.get(key, generation), None
    if entry is None:
        material = queries.get_shown(material_id)
        if (material is None or not material.is_published()
                or not permissions.sees_only_published(current_user, material.owner_id, material.school_id)
                or file_serving.preview_kind(material.published_version.stored_file) == "package"):
            return None, material
        entry = (material.owner_id, material.school_id, material.title,
                 render_block("materials/detail.html", "content", **_detail_context(material)))
        region.put(key, entry, generation)
    owner_id, school_id, title, content = entry
    if not permissions.sees_only_published(current_user, owner_id, school_id):
        return None, material
    return render_template("materials/detail_page.html", material={"title": title},
                           material_content=content), material


def _detail_page(material, version=None, decision=None):
    """The material's page; `decision` puts a refused decision form back as the reviewer typed it
    (the review engine calls this through its registry, see review.registry.register_item_page)."""
    return render_template("materials/detail.html", **_detail_context(material, version, decision))


def _detail_context(material, version=None, decision=None):
    if version is None:
        version = permissions.visible_version(current_user, material)
    all_versions = permissions.sees_all_versions(current_user, material)
    versions = material.versions if all_versions else [v for v in material.versions
                                                       if v.id == material.published_version_id]
    package_url = None
    if version is not None and file_serving.preview_kind(version.stored_file) == "package" \
            and version.stored_file.package_index:
        package_url = serving.package_url(version, current_user, version.stored_file.package_index)
    return dict(
        material=material, version=version, versions=versions,
        preview=file_serving.preview_kind(version.stored_file) if version else None, package_url=package_url,
        events=review_queries.history(material) if all_versions else [],
        request_review=review_queries.latest_request(material) if all_versions else None,
        criteria=review_queries.criteria() if all_versions else [], decision=decision)


register_item_page(Material.ITEM_TYPE, _detail_page)


# --- files ------------------------------------------------------------------------------------

@bp.route("/<int:material_id>/v/<int:number>/file")
@login_required
def file(material_id, number):
    """The file itself, inline: PDF (in the page's iframe), video and audio (HTML5 players)."""
    _material, version = _load_version(material_id, number)
    if not file_serving.is_inline(version.stored_file):
        abort(404)
    return file_serving.send_inline(version.stored_file, version.file_name)


@bp.route("/<int:material_id>/v/<int:number>/download")
@login_required
def download(material_id, number):
    _material, version = _load_version(material_id, number)
    return file_serving.send_download(version.stored_file, version.file_name)


@bp.route("/<int:material_id>/v/<int:number>/image")
@login_required
def image(material_id, number):
    """An image material as re-encoded by the processing job (never the uploaded bytes)."""
    _material, version = _load_version(material_id, number)
    if not version.preview_sha256:
        abort(404)
    return file_serving.send_derived(version.preview_sha256, version.preview_mime)


@bp.route("/<int:material_id>/v/<int:number>/thumbnail")
@login_required
def thumbnail(material_id, number):
    _material, version = _load_version(material_id, number)
    if not version.thumbnail_sha256:
        abort(404)
    return file_serving.send_derived(version.thumbnail_sha256, version.thumbnail_mime)


@bp.route("/package/<token>/<path:member>")
def package_member(token, member):
    """A member of an HTML5 package, for the sandboxed iframe. The signed token names the
    material, the version and the user it was issued to; that user must still see the version."""
    found = serving.read_package_token(token)
    if found is None:
        abort(404)
    material_id, version_id, user_id = found
    material = db.session.get(Material, material_id)
    user = db.session.get(User, user_id)
    version = material.version_by_id(version_id) if material is not None else None
    if material is None or user is None or not user.is_active \
            or not permissions.can_view_version(user, material, version):
        abort(404)
    if file_serving.preview_kind(version.stored_file) != "package":
        abort(404)
    response = file_serving.send_package_member(version.stored_file, member, serving.package_base(token))
    if response is None:
        abort(404)
    return response
