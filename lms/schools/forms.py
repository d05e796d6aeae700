"""Forms of the administration pages. Choices that depend on the database or on the actor are
filled by the view; forms only parse and check shape, services decide the rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

REQUIRED = _l("Bắt buộc.")
PICK_ONE = _l("Hãy chọn một mục trong danh sách.")


def choices(pairs, blank=None):
    """SelectChoice list from (value, label) pairs, with an optional blank first option."""
    items = [SelectChoice(value, label) for value, label in pairs]
    return ([SelectChoice("", blank)] if blank is not None else []) + items


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def id_select(label, required=True, **kwargs):
    """A select of database ids. The view gives it a blank first choice; an empty value is "not
    chosen" (an error when required), an unknown one is refused, neither ever a crash."""
    validators = [DataRequired(PICK_ONE)] if required else [Optional()]
    return SelectField(label, validators, coerce=_int_or_none, invalid_choice_message=PICK_ONE, **kwargs)


class SchoolForm(FlaskForm):
    code = StringField(_l("Mã trường"), validators=[DataRequired(REQUIRED), Length(max=20)],
                       description=_l("2–20 chữ in hoa không dấu, số, '-' hoặc '_', ví dụ THCS03."))
    name = StringField(_l("Tên trường"), validators=[DataRequired(REQUIRED), Length(max=200)])


class SchoolEditForm(FlaskForm):
    name = StringField(_l("Tên trường"), validators=[DataRequired(REQUIRED), Length(max=200)])


class GroupForm(FlaskForm):
    subject_id = id_select(_l("Môn học"))
    name = StringField(_l("Tên tổ"), validators=[Optional(), Length(max=200)],
                       description=_l("Để trống: “Tổ” và tên môn."))


class MemberForm(FlaskForm):
    user_id = id_select(_l("Thành viên tổ thẩm định"))


class TopicForm(FlaskForm):
    subject_id = id_select(_l("Môn học"))
    grade = id_select(_l("Khối"), choices=choices([(g, str(g)) for g in (6, 7, 8)], blank="—"))
    position = IntegerField(_l("Thứ tự"), validators=[Optional(), NumberRange(min=1, max=9999)],
                            description=_l("Để trống: xếp sau chủ đề cuối cùng của môn và khối."))
    chapter = StringField(_l("Chương / chủ đề"), validators=[DataRequired(REQUIRED), Length(max=300)])
    lesson = StringField(_l("Bài"), validators=[Optional(), Length(max=300)])


class TopicFilterForm(FlaskForm):
    class Meta:
        csrf = False

    subject = SelectField(_l("Môn học"), validate_choice=False)
    grade = SelectField(_l("Khối"), validate_choice=False,
                        choices=choices([("6", "6"), ("7", "7"), ("8", "8")], blank=_l("Mọi khối")))


class UploadForm(FlaskForm):
    file = FileField(_l("Tệp XLSX hoặc CSV"), validators=[FileRequired(_l("Hãy chọn một tệp."))])


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Tìm theo tên, tên đăng nhập"), validators=[Optional()])
    role = SelectField(_l("Vai trò"), validate_choice=False)
    school = SelectField(_l("Trường"), validate_choice=False)


class UserForm(FlaskForm):
    """Edit an account; `UserCreateForm` adds what is set once."""

    full_name = StringField(_l("Họ tên"), validators=[DataRequired(REQUIRED), Length(max=200)])
    role = SelectField(_l("Vai trò"), invalid_choice_message=PICK_ONE)
    school_id = id_select(_l("Trường"), required=False,
                              description=_l("Bắt buộc với học sinh, giáo viên và quản trị trường."))
    active = BooleanField(_l("Đang hoạt động (được đăng nhập)"))


class UserCreateForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(REQUIRED), Length(max=80)],
                           description=_l("Chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới."))
    full_name = StringField(_l("Họ tên"), validators=[DataRequired(REQUIRED), Length(max=200)])
    role = SelectField(_l("Vai trò"), invalid_choice_message=PICK_ONE)
    school_id = id_select(_l("Trường"), required=False,
                              description=_l("Bắt buộc với học sinh, giáo viên và quản trị trường."))
    student_code = StringField(
        _l("Mã định danh Bộ GD&ĐT"),
        validators=[Optional(), Regexp(r"^[0-9]{10}$", message=_l("Gồm đúng 10 chữ số."))],
        description=_l("Chỉ với học sinh; có thể để trống."))


class TeacherForm(FlaskForm):
    username = UserCreateForm.username
    full_name = UserCreateForm.full_name


class StudentForm(FlaskForm):
    username = UserCreateForm.username
    full_name = UserCreateForm.full_name
    student_code = UserCreateForm.student_code
    classroom_id = id_select(_l("Lớp"), required=False)


class ClassroomForm(FlaskForm):
    name = StringField(_l("Tên lớp"), validators=[DataRequired(REQUIRED), Length(max=20)],
                       description=_l("Bắt đầu bằng khối 6, 7 hoặc 8, ví dụ 6A1."))


class EnrollForm(FlaskForm):
    student_id = id_select(_l("Học sinh"))


class TeachingForm(FlaskForm):
    teacher_id = id_select(_l("Giáo viên"))
    classroom_id = id_select(_l("Lớp"))
    subject_id = id_select(_l("Môn học"))


class ImportConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])


class ParentForm(FlaskForm):
    """A parent to link to a student: found by name and phone, or created."""

    full_name = StringField(_l("Họ tên phụ huynh"), validators=[DataRequired(REQUIRED), Length(max=200)])
    phone = StringField(_l("SĐT liên hệ"), validators=[DataRequired(REQUIRED), Length(max=20)],
                        description=_l("Cùng họ tên và số điện thoại: dùng lại tài khoản phụ huynh đã có "
                                       "(anh chị em ruột)."),
                        render_kw={"inputmode": "tel", "autocomplete": "tel"})
