"""The teacher's note to the parents of a class."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from .services import NOTE_MAX


class ClassNoteForm(FlaskForm):
    text = TextAreaField(_l("Lời nhắn"), render_kw={"rows": 4, "maxlength": NOTE_MAX, "required": True},
                         description=_l("Tối đa 500 ký tự, chữ thường (không định dạng). Mỗi phụ huynh của lớp "
                                        "nhận một thông báo."))
