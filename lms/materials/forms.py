"""Forms of the materials pages. They render and re-populate the fields; the rules live in
`services.validate_metadata`, shared with the API, whose errors are put back on the fields.

The fields the service requires carry `required` (the browser says it first). Options carry what
upload.js needs to follow the user without a reload: each topic its subject and grade, each
licence its one-line explanation.
"""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..core.forms import put_errors
from ..schools import queries as school_queries
from .models import KIND_LABELS, LICENSE_LABELS, SERIES_LABELS, License

REQUIRED = {"required": True}
# One Vietnamese line per licence: what a colleague may do with the material.
LICENSE_HELP = {
    License.CC_BY: _l("Ai cũng được dùng, sửa và chia sẻ lại, kể cả để kinh doanh, miễn là ghi tên tác giả."),
    License.CC_BY_SA: _l("Được dùng, sửa và chia sẻ lại nếu ghi tên tác giả; bản sửa phải chia sẻ theo "
                         "đúng giấy phép này."),
    License.CC_BY_NC: _l("Được dùng, sửa và chia sẻ lại nếu ghi tên tác giả và không dùng để kiếm tiền."),
    License.CC_BY_NC_SA: _l("Được dùng, sửa và chia sẻ lại nếu ghi tên tác giả, không dùng để kiếm tiền "
                            "và bản sửa giữ giấy phép này."),
    License.CC0: _l("Tặng cho cộng đồng: ai cũng được dùng tự do, không cần ghi tên tác giả."),
    License.SCHOOL_ONLY: _l("Chỉ thầy cô và học sinh trong hệ thống được xem và tải; không được sửa hay "
                            "chia sẻ ra ngoài."),
}


class MaterialForm(FlaskForm):
    title = StringField(_l("Tiêu đề"), render_kw=REQUIRED)
    description = TextAreaField(
        _l("Mô tả"),
        description=_l("Được phép: đoạn văn, in đậm/nghiêng, danh sách, liên kết, bảng. "
                       "Mã lệnh và định dạng khác sẽ bị loại bỏ."))
    subject = SelectField(_l("Môn học"), validate_choice=False, render_kw=REQUIRED)
    grade = SelectField(_l("Khối lớp"), choices=[SelectChoice("", "—")] + [SelectChoice(g) for g in ("6", "7", "8")],
                        validate_choice=False, render_kw=REQUIRED)
    topic = SelectField(_l("Chủ đề / bài học"), validate_choice=False,
                        description=_l("Danh sách theo môn và khối lớp đã chọn."),
                        render_kw={"data-msg-none": _l("Chưa có chủ đề nào cho môn và khối lớp này")})
    series = SelectField(_l("Bộ sách"), choices=[SelectChoice(k.value, v) for k, v in SERIES_LABELS.items()],
                         default="other", validate_choice=False)
    # No default: upload.js picks it from the chosen file's type; without script the user picks.
    kind = SelectField(_l("Loại học liệu"),
                       choices=[SelectChoice("", _l("— Chọn loại —"))]
                       + [SelectChoice(k.value, v) for k, v in KIND_LABELS.items()],
                       validate_choice=False, render_kw=REQUIRED,
                       description=_l("Tự chọn theo loại tệp; đổi lại nếu chưa đúng."))
    license = SelectField(_l("Giấy phép"),
                          choices=[SelectChoice(k.value, v, {"data-help": LICENSE_HELP[k]})
                                   for k, v in LICENSE_LABELS.items()],
                          default="cc_by", validate_choice=False, render_kw=REQUIRED)
    uploader_is_author = BooleanField(_l("Tôi là tác giả của học liệu này"), default=True)
    author = StringField(_l("Tác giả"), description=_l("Bắt buộc khi bạn không phải là tác giả."))
    source = StringField(_l("Nguồn"), description=_l("Nơi lấy học liệu (sách, trang web, đơn vị...). "
                                                     "Bắt buộc khi bạn không phải là tác giả."))
    rights_confirmed = BooleanField(_l("Tôi xác nhận có quyền chia sẻ học liệu này theo giấy phép đã chọn"),
                                    render_kw=REQUIRED)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locale = str(get_locale() or "vi")
        self.subject.choices = [SelectChoice("", "—")] + [SelectChoice(s.code, s.name(locale))
                                                         for s in school_queries.subjects()]
        # Every topic, one optgroup per subject and grade, each option tagged with both: upload.js
        # keeps those of the chosen subject and grade; the service refuses a mismatch.
        self.topic.choices = [SelectChoice("", _l("— Không chọn —"))] + [
            SelectChoice(str(t.id), t.label, {"data-subject": t.subject.code, "data-grade": str(t.grade)},
                         optgroup=f"{t.subject.name(locale)} {t.grade}")
            for t in school_queries.topics()]

    def put_errors(self, details):
        """Show a service's ValidationError details on the matching fields."""
        put_errors(self, details)


class UploadForm(MaterialForm):
    file = FileField(_l("Tệp học liệu"), render_kw=REQUIRED)


class VersionForm(FlaskForm):
    note = StringField(_l("Ghi chú phiên bản"), description=_l("Điều gì đã thay đổi so với phiên bản trước?"))
    file = FileField(_l("Tệp mới"), render_kw=REQUIRED)

    def put_errors(self, details):
        put_errors(self, details)
