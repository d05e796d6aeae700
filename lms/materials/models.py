"""The materials repository: stored files, materials and their immutable versions.

A material carries its metadata and review state (ReviewableMixin); every upload of a file makes a
new MaterialVersion that points at a StoredFile (lms/files). Files are content-addressed, so two
materials (or two versions) with the same bytes share one StoredFile row and one blob on disk.

Version statuses:
- draft: the newest version, not (yet) submitted since it was uploaded;
- under_review: the newest version, submitted and waiting or being reviewed;
- published: the one version students and teachers see (Material.published_version_id);
- current: the newest version, back with its owner after a decision or a withdrawal;
- superseded: replaced, by a newer approved version or by a newer upload before any approval.
"""

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, UniqueConstraint

from ..core.timeutil import utcnow
from ..extensions import db
from ..files.models import StoredFile  # noqa: F401  (the relationship below names it)
from ..review.models import ReviewableMixin
from ..review.registry import register_item_type
from ..review.versions import VERSION_STATUS_LABELS, VersionedItemMixin, VersionStatus  # noqa: F401  (re-exported)

__all__ = ["Material", "MaterialVersion"]


class Series(enum.StrEnum):
    KET_NOI = "ket_noi"
    CHAN_TROI = "chan_troi"
    CANH_DIEU = "canh_dieu"
    OTHER = "other"


class Kind(enum.StrEnum):
    SLIDES = "slides"
    WORKSHEET = "worksheet"
    ETEXTBOOK = "etextbook"
    VIDEO = "video"
    AUDIO = "audio"
    IMAGE = "image"
    HTML5 = "html5"
    OTHER = "other"


class License(enum.StrEnum):
    CC_BY = "cc_by"
    CC_BY_SA = "cc_by_sa"
    CC_BY_NC = "cc_by_nc"
    CC_BY_NC_SA = "cc_by_nc_sa"
    CC0 = "cc0"
    SCHOOL_ONLY = "school_only"


class Processing(enum.StrEnum):
    PENDING = "pending"
    OK = "ok"
    FAILED = "failed"


# Plain Vietnamese names, for service messages written outside a request (no locale to pick).
KIND_NAMES = {
    Kind.SLIDES: "Bài giảng (trình chiếu)",
    Kind.WORKSHEET: "Phiếu học tập",
    Kind.ETEXTBOOK: "Sách điện tử",
    Kind.VIDEO: "Video",
    Kind.AUDIO: "Âm thanh",
    Kind.IMAGE: "Hình ảnh",
    Kind.HTML5: "Mô phỏng HTML5",
    Kind.OTHER: "Khác",
}
SERIES_LABELS = {
    Series.KET_NOI: _l("Kết nối tri thức với cuộc sống"),
    Series.CHAN_TROI: _l("Chân trời sáng tạo"),
    Series.CANH_DIEU: _l("Cánh Diều"),
    Series.OTHER: _l("Khác"),
}
KIND_LABELS = {
    Kind.SLIDES: _l("Bài giảng (trình chiếu)"),
    Kind.WORKSHEET: _l("Phiếu học tập"),
    Kind.ETEXTBOOK: _l("Sách điện tử"),
    Kind.VIDEO: _l("Video"),
    Kind.AUDIO: _l("Âm thanh"),
    Kind.IMAGE: _l("Hình ảnh"),
    Kind.HTML5: _l("Mô phỏng HTML5"),
    Kind.OTHER: _l("Khác"),
}
LICENSE_LABELS = {
    License.CC_BY: "CC BY 4.0",
    License.CC_BY_SA: "CC BY-SA 4.0",
    License.CC_BY_NC: "CC BY-NC 4.0",
    License.CC_BY_NC_SA: "CC BY-NC-SA 4.0",
    License.CC0: "CC0",
    License.SCHOOL_ONLY: _l("Chỉ dùng trong nhà trường — bảo lưu mọi quyền"),
}
PROCESSING_LABELS = {
    Processing.PENDING: _l("Đang xử lí"),
    Processing.OK: _l("Đã xử lí"),
    Processing.FAILED: _l("Xử lí thất bại"),
}

# The media categories (filetypes.media_category) a material kind accepts; None means any.
KIND_CATEGORIES = {
    Kind.SLIDES: {"document"},
    Kind.WORKSHEET: {"document"},
    Kind.ETEXTBOOK: {"document"},
    Kind.VIDEO: {"video"},
    Kind.AUDIO: {"audio"},
    Kind.IMAGE: {"image"},
    Kind.HTML5: {"package"},
    Kind.OTHER: None,
}


def _in(column, enum_cls):
    return f"{column} IN ({', '.join(repr(m.value) for m in enum_cls)})"


class Material(VersionedItemMixin, ReviewableMixin, db.Model):
    __tablename__ = "material"
    __table_args__ = (
        CheckConstraint("grade BETWEEN 6 AND 8", name="grade_thcs"),
        CheckConstraint(_in("series", Series), name="series_known"),
        CheckConstraint(_in("kind", Kind), name="kind_known"),
        CheckConstraint(_in("license", License), name="license_known"),
    )

    ITEM_TYPE = "material"

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(300), nullable=False)
    # Folded title (text.fold) for sorting: databases order "Âm" after "Bảng" by code point.
    title_sort = db.Column(db.String(300), nullable=False, default="", index=True)
    description = db.Column(db.Text, nullable=False, default="")  # cleaned HTML (core.sanitize)
    topic_id = db.Column(db.Integer, db.ForeignKey("topic.id"), nullable=True, index=True)
    series = db.Column(db.String(20), nullable=False, default=Series.OTHER.value)
    kind = db.Column(db.String(20), nullable=False)
    license = db.Column(db.String(20), nullable=False)
    author = db.Column(db.String(200), nullable=False, default="")
    source = db.Column(db.String(500), nullable=False, default="")
    uploader_is_author = db.Column(db.Boolean, nullable=False, default=True)
    rights_confirmed = db.Column(db.Boolean, nullable=False, default=False)
    published_version_id = db.Column(
        db.Integer, db.ForeignKey("material_version.id", use_alter=True, ondelete="SET NULL"),
        nullable=True)
    published_at = db.Column(db.DateTime(timezone=True), nullable=True, index=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    topic = db.relationship("Topic")
    versions = db.relationship("MaterialVersion", back_populates="material",
                               foreign_keys="MaterialVersion.material_id",
                               order_by="MaterialVersion.number", cascade="all, delete-orphan")
    published_version = db.relationship("MaterialVersion", foreign_keys=[published_version_id],
                                        post_update=True)

    @property
    def latest_version(self):
        return self.versions[-1] if self.versions else None

    def version_by_id(self, version_id):
        return next((v for v in self.versions if v.id == version_id), None)

    @property
    def series_label(self):
        return SERIES_LABELS[Series(self.series)]

    @property
    def kind_label(self):
        return KIND_LABELS[Kind(self.kind)]

    @property
    def license_label(self):
        return LICENSE_LABELS[License(self.license)]

    # --- review hooks ---------------------------------------------------------------------

    @classmethod
    def list_options(cls):
        return (*super().list_options(), db.selectinload(cls.versions))

    def title_for_queue(self):
        return self.title

    def item_url(self):
        return f"/materials/{self.id}"


register_item_type(Material)


class MaterialVersion(db.Model):
    """One immutable upload of a material's file, with the note that explains it."""

    __tablename__ = "material_version"
    __table_args__ = (
        UniqueConstraint("material_id", "number"),
        CheckConstraint(_in("status", VersionStatus), name="status_known"),
        CheckConstraint(_in("processing_state", Processing), name="processing_known"),
    )

    id = db.Column(db.Integer, primary_key=True)
    material_id = db.Column(db.Integer, db.ForeignKey("material.id", ondelete="CASCADE"), nullable=False,
                            index=True)
    number = db.Column(db.Integer, nullable=False)
    stored_file_id = db.Column(db.Integer, db.ForeignKey("stored_file.id"), nullable=False, index=True)
    file_name = db.Column(db.String(255), nullable=False)  # as this uploader named it
    note = db.Column(db.Text, nullable=False, default="")
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    status = db.Column(db.String(20), nullable=False, default=VersionStatus.DRAFT.value)
    # Background processing (text extraction, thumbnails), shown on the item in words.
    processing_state = db.Column(db.String(20), nullable=False, default=Processing.PENDING.value)
    processing_error = db.Column(db.Text, nullable=True)
    processed_at = db.Column(db.DateTime(timezone=True), nullable=True)
    # The text of a 20-page PDF: loaded when asked for (search indexing), never with a list.
    extracted_text = db.deferred(db.Column(db.Text, nullable=True))
    thumbnail_sha256 = db.Column(db.String(64), nullable=True)
    thumbnail_mime = db.Column(db.String(40), nullable=True)
    preview_sha256 = db.Column(db.String(64), nullable=True)  # images: the re-encoded copy shown
    preview_mime = db.Column(db.String(40), nullable=True)

    material = db.relationship("Material", back_populates="versions", foreign_keys=[material_id])
    stored_file = db.relationship("StoredFile")
    created_by = db.relationship("User")

    @property
    def status_label(self):
        return VERSION_STATUS_LABELS[VersionStatus(self.status)]

    @property
    def processing_label(self):
        return PROCESSING_LABELS[Processing(self.processing_state)]
