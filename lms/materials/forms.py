"""Forms of the materials pages. They render and re-populate the fields; the rules live in
`services.validate_metadata`, shared with the API, whose errors are put back on the fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..schools import queries as school_queries
from .models import KIND_LABELS, LICENSE_LABELS, SERIES_LABELS, Kind


class MaterialForm(FlaskForm):
    title = StringField(_l("Tiêu đề"))
    description = TextAreaField(
        _l("Mô tả"),
        description=_l("Được phép: đoạn văn, in đậm/nghiêng, danh sách, liên kết, bảng. "
                       "Mã lệnh và định dạng khác sẽ bị loại bỏ."))
    subject = SelectField(_l("Môn học"), validate_choice=False)
    grade = SelectField(_l("Khối lớp"), choices=[SelectChoice(g) for g in ("6", "7", "8")], validate_choice=False)
    topic = SelectField(_l("Chủ đề / bài học"), validate_choice=False)
    series = SelectField(_l("Bộ sách"), choices=[SelectChoice(k.value, v) for k, v in SERIES_LABELS.items()],
                         default="other", validate_choice=False)
    kind = SelectField(_l("Loại học liệu"), choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()],
                       default=Kind.SLIDES.value, validate_choice=False)
    license = SelectField(_l("Giấy phép"), choices=[SelectChoice(k.value, v) for k, v in LICENSE_LABELS.items()],
                          default="cc_by", validate_choice=False)
    uploader_is_author = BooleanField(_l("Tôi là tác giả của học liệu này"), default=True)
    author = StringField(_l("Tác giả"), description=_l("Bắt buộc khi bạn không phải là tác giả."))
    source = StringField(_l("Nguồn"), description=_l("Nơi lấy học liệu (sách, trang web, đơn vị...). "
                                                     "Bắt buộc khi bạn không phải là tác giả."))
    rights_confirmed = BooleanField(_l("Tôi xác nhận có quyền chia sẻ học liệu này theo giấy phép đã chọn"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject.choices = [SelectChoice(s.code, s.name_vi) for s in school_queries.subjects()]
        # One optgroup per subject and grade; the service checks the topic matches both.
        self.topic.choices = [SelectChoice("", _l("— Không chọn —"))] + [
            SelectChoice(str(t.id), t.label, {"data-subject": t.subject.code, "data-grade": str(t.grade)},
                         optgroup=f"{t.subject.name_vi} {t.grade}")
            for t in school_queries.topics()]

    def put_errors(self, details):
        """Show a service's ValidationError details on the matching fields."""
        for name, message in (details or {}).items():
            field = self._fields.get(name)
            if field is not None and isinstance(message, str):
                field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]


class UploadForm(MaterialForm):
    file = FileField(_l("Tệp học liệu"))


class VersionForm(FlaskForm):
    note = StringField(_l("Ghi chú phiên bản"), description=_l("Điều gì đã thay đổi so với phiên bản trước?"))
    file = FileField(_l("Tệp mới"))

    def put_errors(self, details):
        MaterialForm.put_errors(self, details)
