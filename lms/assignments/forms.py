"""The "Giao bài" form: it renders and re-populates the fields; the rules live in the service
(services.create_assignment, shared with the API), whose errors are put back on the fields.

Times are typed in Vietnam's local time (Asia/Ho_Chi_Minh, `datetime-local` inputs) and handed to
the service as aware datetimes, so it stores UTC. Hand-picked questions and matrix cells are not
WTForms fields (their number depends on the bank and the catalogue): `picked_from` and
`matrix_from` read them from the posted form, and the template names them the same way.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from ..core.forms import put_errors
from ..core.text import clean_line
from ..questions import types
from .models import AssignmentKind, GradingMethod, ShowAnswers

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
REQUIRED = {"required": True}

KIND_LABELS = {
    AssignmentKind.MATERIAL: _l("Đọc/xem học liệu trước giờ học"),
    AssignmentKind.QUIZ: _l("Bài kiểm tra trắc nghiệm"),
    AssignmentKind.SUBMISSION: _l("Nộp bài làm (văn bản, tệp, ảnh chụp)"),
}
GRADING_LABELS = {
    GradingMethod.HIGHEST: _l("Lần cao nhất"),
    GradingMethod.LAST: _l("Lần cuối cùng"),
    GradingMethod.FIRST: _l("Lần đầu tiên"),
    GradingMethod.AVERAGE: _l("Trung bình các lần"),
}
SHOW_ANSWER_LABELS = {
    ShowAnswers.AFTER_SUBMIT: _l("Ngay sau khi nộp bài"),
    ShowAnswers.AFTER_DUE: _l("Sau hạn nộp"),
    ShowAnswers.NEVER: _l("Không cho xem"),
}
SOURCE_LABELS = {"picked": _l("Chọn từng câu trong ngân hàng"), "matrix": _l("Theo ma trận đề")}
LEVELS = list(types.LEVELS)


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (a phone shows them better than a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def local_input(value):
    """An aware datetime as the `datetime-local` input shows it, in Vietnam's time."""
    if value is None:
        return ""
    if value.tzinfo is None:
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL).strftime(LOCAL_FORMAT)


def parse_local(text):
    """"2026-12-05T20:00" typed in Vietnam → an aware datetime; None when empty; ValueError when
    it is not a time."""
    text = clean_line(text)
    if not text:
        return None
    for pattern in (LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=LOCAL)
        except ValueError:
            continue
    raise ValueError(text)


class AssignmentForm(FlaskForm):
    kind = RadioField(_l("Loại bài"), choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()],
                      default=AssignmentKind.QUIZ.value, validate_choice=False)
    title = StringField(_l("Tiêu đề"), render_kw=REQUIRED)
    instructions = TextAreaField(
        _l("Hướng dẫn"), render_kw={"rows": 4},
        description=_l("Được phép: đoạn văn, in đậm/nghiêng, danh sách, liên kết, bảng. "
                       "Mã lệnh và định dạng khác sẽ bị loại bỏ."))
    classrooms = CheckboxesField(_l("Giao cho lớp"), validate_choice=False, render_kw=REQUIRED)
    material = HiddenField()
    open_at = StringField(_l("Mở từ"), render_kw={"type": "datetime-local"},
                          description=_l("Giờ Việt Nam. Để trống: mở ngay."))
    due_at = StringField(_l("Hạn nộp"), render_kw={"type": "datetime-local", "required": True},
                         description=_l("Giờ Việt Nam. Nộp sau hạn vẫn được nhận nhưng ghi là nộp muộn."))
    cutoff_at = StringField(_l("Khoá bài lúc"), render_kw={"type": "datetime-local"},
                            description=_l("Sau thời điểm này không nhận bài nữa. Để trống: khoá đúng hạn nộp."))
    # Numbers as typed (text, type="number"): the service checks them, and an empty time limit is
    # "no limit", not a form error (an IntegerField refused the blank a browser posts).
    max_attempts = StringField(_l("Số lần làm"), default="1", widget=NumberInput(min=1),
                               render_kw={"inputmode": "numeric"})
    grading_method = SelectField(_l("Cách tính điểm khi làm nhiều lần"),
                                 choices=[SelectChoice(k.value, v) for k, v in GRADING_LABELS.items()],
                                 default=GradingMethod.HIGHEST.value, validate_choice=False)
    time_limit_minutes = StringField(_l("Thời gian làm bài (phút)"), widget=NumberInput(min=1),
                                     render_kw={"inputmode": "numeric"},
                                      description=_l("Để trống: không giới hạn (vẫn khoá theo giờ khoá bài)."))
    shuffle_questions = BooleanField(_l("Đảo thứ tự câu hỏi"))
    shuffle_options = BooleanField(_l("Đảo thứ tự phương án"))
    show_answers = SelectField(_l("Cho học sinh xem đáp án"),
                               choices=[SelectChoice(k.value, v) for k, v in SHOW_ANSWER_LABELS.items()],
                               default=ShowAnswers.AFTER_SUBMIT.value, validate_choice=False)
    source = RadioField(_l("Câu hỏi"), choices=[SelectChoice(k, v) for k, v in SOURCE_LABELS.items()], default="picked",
                        validate_choice=False)
    subject = SelectField(_l("Môn học"), validate_choice=False)
    grade = SelectField(_l("Khối lớp"), choices=[SelectChoice("", "—")] + [SelectChoice(g) for g in ("6", "7", "8")],
                        validate_choice=False)

    def __init__(self, *args, classrooms=(), subjects=(), locale="vi", **kwargs):
        super().__init__(*args, **kwargs)
        self.classrooms.choices = [SelectChoice(str(c.id), c.name) for c in classrooms]
        self.subject.choices = [SelectChoice("", "—")] + [SelectChoice(s.code, s.name(locale)) for s in subjects]

    def put_errors(self, details):
        put_errors(self, details, aliases={"class_ids": "classrooms", "material_id": "material",
                                           "subject_id": "subject"})

    def times(self):
        """{open_at, due_at, cutoff_at} as aware datetimes, and {field: message} for those that
        are not times."""
        values, errors = {}, {}
        for name in ("open_at", "due_at", "cutoff_at"):
            try:
                values[name] = parse_local(getattr(self, name).data)
            except ValueError:
                errors[name] = gettext("Nhập ngày và giờ, ví dụ 20:00 ngày 05/12/2026.")
        return values, errors


def picked_from(formdata):
    """[(question id, marks text or None)] of the ticked questions, in the order they were ticked
    (no marks: the service shares 10 among the questions)."""
    seen, picked = set(), []
    for raw in formdata.getlist("question_ids"):
        raw = clean_line(raw)
        if raw.isdecimal() and len(raw) <= 9 and raw not in seen:
            seen.add(raw)
            picked.append((int(raw), clean_line(formdata.get(f"marks_{raw}")) or None))
    return picked


def matrix_from(formdata, topics):
    """{(topic id, level): {"count": text, "marks": text}} of every cell the teacher filled."""
    cells = {}
    for topic in topics:
        for level in LEVELS:
            count = clean_line(formdata.get(f"cell_{topic.id}_{level}_count"))
            marks = clean_line(formdata.get(f"cell_{topic.id}_{level}_marks"))
            if count or marks:
                cells[(topic.id, level)] = {"count": count, "marks": marks}
    return cells
