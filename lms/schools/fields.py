"""The curriculum fields every item carries (materials, questions, later assignments): a subject by
its code, a grade of the subject, a catalogue topic of that subject and grade. Each cleans one
value, records a message under the field's name in `errors`, and returns the value or None."""

from ..core.errors import _
from ..core.http import as_id
from ..core.text import clean_line
from ..extensions import db
from .models import Subject, Topic


def subject(value, errors):
    if isinstance(value, Subject):
        return value
    code = clean_line(value)
    found = db.session.scalar(db.select(Subject).where(Subject.code == code)) if code else None
    if found is None:
        errors["subject"] = _("Chọn một môn học (mã môn, ví dụ: toan).")
    return found


def grade(value, subject_, errors):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors["grade"] = _("Khối lớp là 6, 7 hoặc 8.")
        return None
    if number not in (6, 7, 8) or (subject_ is not None and number not in subject_.grades):
        errors["grade"] = _("Khối lớp là 6, 7 hoặc 8 (và môn học phải có ở khối này).")
        return None
    return number


def topic(value, subject_, grade_, errors):
    if isinstance(value, Topic):
        value = value.id
    if value in (None, "", "0", 0):
        return None
    topic_id = as_id(value)  # 1e20, "99999999999999999999", 1.5: no such topic (422), not an overflow
    found = db.session.get(Topic, topic_id) if topic_id else None
    if found is None:
        errors["topic"] = _("Không có chủ đề/bài học này.")
    elif subject_ is not None and grade_ is not None and (found.subject_id != subject_.id or found.grade != grade_):
        errors["topic"] = _("Chủ đề/bài học không thuộc môn và khối lớp đã chọn.")
        found = None
    return found
