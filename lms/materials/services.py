"""Writes of the materials repository: upload, metadata, versions, and the processing job's work.

Every function takes the actor explicitly, flushes and never commits; the view or the job
commits once. The workflow itself (submit, claim, decide, withdraw) is the review engine's
(`lms.review.services`); a new version is its `revise` transition.
"""

from ..core import events
from ..core.errors import DomainError, Forbidden, ValidationError, _
from ..core.sanitize import clean_html
from ..core.text import clean_line, fold
from ..core.timeutil import utcnow
from ..extensions import db
from ..files import filetypes
from ..files import services as files
from ..files.services import Upload, accept_file, discard_unreferenced  # noqa: F401  (part of this interface)
from ..review import permissions as review_perms
from ..review import services as review_services
from ..review.workflow import Action, State, TransitionRefused
from ..schools import fields
from . import permissions, signals
from .models import (
    KIND_CATEGORIES,
    KIND_LABELS,
    KIND_NAMES,
    LICENSE_LABELS,
    SERIES_LABELS,
    Kind,
    License,
    Material,
    MaterialVersion,
    Processing,
    Series,
    VersionStatus,
)

MAX_TITLE = 300
MAX_DESCRIPTION = 20_000
MAX_NOTE = 2_000
FIELDS = ("title", "description", "subject", "grade", "topic", "series", "kind", "license", "author",
          "source", "uploader_is_author", "rights_confirmed")
_TRUE = {"1", "true", "on", "yes", "y"}
_FALSE = {"0", "false", "off", "no", "n", ""}


def _check_kind(kind, stored):
    allowed = KIND_CATEGORIES[Kind(kind)]
    category = filetypes.media_category(stored.kind_code)
    if allowed is not None and category not in allowed:
        message = _("Loại học liệu “%(kind)s” không nhận %(file_type)s.",
                    kind=_(KIND_NAMES[Kind(kind)]), file_type=filetypes.label_for(stored.kind_code))
        raise ValidationError(message, {"file": message, "kind": message})


# --- metadata --------------------------------------------------------------------------------

def _bool(value, name, errors):
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    errors[name] = _("Giá trị đúng/sai không hợp lệ.")
    return False


def _choice(value, enum_cls, name, errors, required=True):
    value = clean_line(value)
    if not value and not required:
        return None
    try:
        return enum_cls(value).value
    except ValueError:
        # Named as the page names them, not as codes (the API's document lists the codes).
        labels = {Kind: KIND_LABELS, Series: SERIES_LABELS, License: LICENSE_LABELS}[enum_cls]
        errors[name] = _("Chọn một trong: %(choices)s.", choices=", ".join(str(label) for label in labels.values()))
        return None


_subject = fields.subject  # the curriculum fields, shared with the other item types
_grade = fields.grade
_topic = fields.topic


def validate_metadata(data):
    """Clean every metadata field of `data` (a mapping with all of FIELDS) or raise
    ValidationError listing each bad field. Returns the values for the Material columns."""
    errors = {}
    title = clean_line(data.get("title"))
    if not title:
        errors["title"] = _("Cần tiêu đề.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("Tiêu đề tối đa %(max)s kí tự.", max=MAX_TITLE)
    description = clean_html(data.get("description"))
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = _("Mô tả tối đa %(max)s kí tự.", max=MAX_DESCRIPTION)
    subject = _subject(data.get("subject"), errors)
    grade = _grade(data.get("grade"), subject, errors)
    topic = _topic(data.get("topic"), subject, grade, errors)
    series = _choice(data.get("series") or Series.OTHER.value, Series, "series", errors)
    kind = _choice(data.get("kind"), Kind, "kind", errors)
    license_ = _choice(data.get("license"), License, "license", errors)
    author = clean_line(data.get("author"))[:200]
    source = clean_line(data.get("source"))[:500]
    # Absent means "yes" (API clients that omit it); the page sends an unticked box as "".
    uploader_is_author = data.get("uploader_is_author")
    uploader_is_author = True if uploader_is_author is None else _bool(uploader_is_author, "uploader_is_author",
                                                                         errors)
    if not uploader_is_author:
        # CC licences and Vietnamese copyright law both require naming who made the work.
        if not author:
            errors["author"] = _("Cần ghi tác giả khi bạn không phải là tác giả.")
        if not source:
            errors["source"] = _("Cần ghi nguồn khi bạn không phải là tác giả.")
    if not _bool(data.get("rights_confirmed"), "rights_confirmed", errors):
        errors.setdefault("rights_confirmed", _("Cần xác nhận bạn có quyền chia sẻ học liệu này."))
    if errors:
        raise ValidationError(_("Thông tin học liệu chưa hợp lệ."), errors)
    return {
        "title": title, "description": description, "subject": subject, "grade": grade,
        "topic": topic, "series": series, "kind": kind, "license": license_, "author": author,
        "source": source, "uploader_is_author": uploader_is_author, "rights_confirmed": True,
    }


def metadata_of(material):
    """The material's metadata as a `validate_metadata` input (the base a PATCH overlays)."""
    return {
        "title": material.title, "description": material.description, "subject": material.subject,
        "grade": material.grade, "topic": material.topic_id, "series": material.series,
        "kind": material.kind, "license": material.license, "author": material.author,
        "source": material.source, "uploader_is_author": material.uploader_is_author,
        "rights_confirmed": material.rights_confirmed,
    }


def _apply(material, values):
    for name, value in values.items():
        setattr(material, name, value)
    material.title_sort = fold(material.title)
    material.updated_at = utcnow()


# --- materials and versions ------------------------------------------------------------------

def create_material(owner, data, upload, note=None):
    """A new material in draft with its first version (the upload)."""
    if not permissions.can_upload(owner):
        raise Forbidden(_("Chỉ giáo viên tải học liệu lên kho."))
    try:
        values = validate_metadata(data)
    except ValidationError as error:
        if upload is None:
            error.details["file"] = _("Chọn tệp để tải lên.")
        raise
    if upload is None:
        raise ValidationError(_("Chọn tệp để tải lên."), {"file": _("Chọn tệp để tải lên.")})
    stored = accept_file(upload)
    _check_kind(values["kind"], stored)
    now = utcnow()
    material = Material(owner_id=owner.id, school_id=owner.school_id, state=State.DRAFT.value,
                        created_at=now, updated_at=now)
    _apply(material, values)
    material.versions.append(MaterialVersion(
        number=1, stored_file=stored, file_name=upload.filename,
        note=clean_line(note)[:MAX_NOTE] or "Phiên bản đầu tiên.", created_by_id=owner.id,
        created_at=now, status=VersionStatus.DRAFT.value, processing_state=Processing.PENDING.value))
    db.session.add(material)
    db.session.flush()
    events.announce(signals.version_created, material_id=material.id, version_id=material.versions[0].id)
    events.announce(signals.material_changed, material_id=material.id)
    return material


def update_metadata(material, actor, data):
    """Change the metadata fields present in `data` (the others keep their values)."""
    if not permissions.can_edit(actor, material):
        raise Forbidden(_("Chỉ tác giả sửa thông tin học liệu, khi học liệu không ở trong quy trình "
                          "thẩm định hay đang được công bố."))
    merged = metadata_of(material)
    merged.update({k: v for k, v in data.items() if k in FIELDS})
    values = validate_metadata(merged)
    if values["kind"] != material.kind and material.latest_version is not None:
        _check_kind(values["kind"], material.latest_version.stored_file)
    _apply(material, values)
    db.session.flush()
    events.announce(signals.material_changed, material_id=material.id)
    return material


def check_can_add_version(material, actor):
    """Raise 403/409 unless the workflow lets the actor revise the material now."""
    try:
        review_perms.check_transition(actor, material, Action.REVISE)
    except TransitionRefused as error:
        details = {"state": error.state.value, "action": error.action.value}
        if error.reason == "state":
            raise DomainError("invalid_transition",
                              _("Chỉ tải phiên bản mới khi học liệu không ở trong quy trình thẩm định "
                                "(hiện: %(state)s).", state=_(review_services.state_label(material.state))),
                              details, status=409) from None
        raise Forbidden(review_services.refusal_message(error.state, error.action, error.reason),
                        details) from None


def add_version(material, actor, upload, note):
    """A new immutable version with a note. The published version (if any) stays what students
    see until the new one is submitted and approved; an unpublished previous version is
    superseded at once."""
    check_can_add_version(material, actor)
    note = clean_line(note)
    if not note:
        raise ValidationError(_("Cần ghi chú cho phiên bản mới."), {"note": _("Ghi rõ điều đã thay đổi.")})
    stored = accept_file(upload)
    _check_kind(material.kind, stored)
    made = []

    def new_version():  # once the revise transition has won: two uploads at once make one version
        previous = material.latest_version
        if previous is not None and previous.status != VersionStatus.PUBLISHED:
            previous.status = VersionStatus.SUPERSEDED.value
        made.append(MaterialVersion(
            number=(previous.number if previous else 0) + 1, stored_file=stored, file_name=upload.filename,
            note=note[:MAX_NOTE], created_by_id=actor.id, created_at=utcnow(),
            status=VersionStatus.DRAFT.value, processing_state=Processing.PENDING.value))
        material.versions.append(made[0])
        material.updated_at = utcnow()
        db.session.flush()

    review_services.revise(material, actor, note, change=new_version)
    version = made[0]
    events.announce(signals.version_created, material_id=material.id, version_id=version.id)
    events.announce(signals.material_changed, material_id=material.id)
    return version


# --- processing (run by jobs.process_version) ------------------------------------------------

def process_version(version):
    """Extract the text (for search) and make the previews of a version (files.derive); record
    the outcome on the version in words."""
    if _reuse_processing(version):
        return version
    derived = files.derive(version.stored_file)
    for name in _DERIVED_FIELDS:
        setattr(version, name, getattr(derived, name))
    _finish(version, derived.errors)
    return version


_DERIVED_FIELDS = ("extracted_text", "thumbnail_sha256", "thumbnail_mime", "preview_sha256", "preview_mime")


def _reuse_processing(version):
    """Identical bytes processed for another version give identical results: copy them."""
    done = db.session.scalar(db.select(MaterialVersion).where(
        MaterialVersion.stored_file_id == version.stored_file_id, MaterialVersion.id != version.id,
        MaterialVersion.processing_state == Processing.OK.value).limit(1))
    if done is None:
        return False
    for name in _DERIVED_FIELDS:
        setattr(version, name, getattr(done, name))
    _finish(version, [])
    return True


def _finish(version, errors):
    version.processing_state = (Processing.FAILED if errors else Processing.OK).value
    version.processing_error = "\n".join(errors) or None
    version.processed_at = utcnow()
    db.session.flush()
    events.announce(signals.material_changed, material_id=version.material_id)


def record_processing_crash(version, error):
    """An unexpected failure (the job will retry): say so on the item rather than lose it."""
    version.processing_state = Processing.FAILED.value
    version.processing_error = f"Xử lí tệp thất bại do lỗi máy chủ ({type(error).__name__}); hệ thống sẽ thử lại."
    version.processed_at = utcnow()
    db.session.flush()
