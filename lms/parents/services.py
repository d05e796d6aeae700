"""What a teacher sends to parents: a short note to the parents of a class (issue 14.3), one
Notification per linked parent (message key `class_note`), shown on the parent's home page under
"Lời nhắn của giáo viên". Plain text (never HTML: shown escaped), NFC, at most NOTE_MAX characters."""

from sqlalchemy import select

from ..assignments.permissions import teaches
from ..core.errors import Forbidden, ValidationError, _
from ..core.sanitize import plain_text
from ..core.text import nfc
from ..extensions import db
from ..review.models import Notification
from ..review.services import notify
from ..schools.models import Enrollment, Guardian

NOTE_MAX = 500
NOTES_SHOWN = 5


def clean_note(text):
    """The note as it is kept: NFC, any markup dropped, blanks collapsed (one paragraph)."""
    return plain_text(nfc(text or ""))


def post_class_note(teacher, classroom, text, link=None):
    """Notify every parent linked to a student of `classroom` (each once, siblings in the same class
    or not). Only a teacher who teaches the class. Returns how many parents were told (flushes,
    does not commit)."""
    if not teaches(teacher, classroom):
        raise Forbidden()
    note = clean_note(text)
    if not note:
        raise ValidationError(_("Hãy viết lời nhắn."), {"text": _("Hãy viết lời nhắn.")}, code="empty_note")
    if len(note) > NOTE_MAX:
        raise ValidationError(_("Lời nhắn dài quá %(max)s ký tự (hiện có %(n)s).", max=NOTE_MAX, n=len(note)),
                              {"text": _("Tối đa %(max)s ký tự.", max=NOTE_MAX)}, code="note_too_long")
    parents = db.session.scalars(_parents_of_class(classroom).order_by(Guardian.parent_id)).all()
    for parent_id in parents:
        notify(parent_id, "class_note", link, teacher=teacher.full_name, classroom=classroom.name, text=note,
               classroom_id=classroom.id)
    db.session.flush()
    return len(parents)


def _parents_of_class(classroom):
    return (select(Guardian.parent_id).join(Enrollment, Enrollment.student_id == Guardian.student_id)
            .where(Enrollment.classroom_id == classroom.id).distinct())


def parents_count(classroom):
    """How many parents a note to the class reaches."""
    return db.session.scalar(select(db.func.count()).select_from(_parents_of_class(classroom).subquery()))


def latest_notes(parent, limit=NOTES_SHOWN):
    """The parent's latest teachers' notes, newest first (one statement)."""
    return db.session.scalars(
        select(Notification).where(Notification.user_id == parent.id, Notification.message_key == "class_note")
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()
