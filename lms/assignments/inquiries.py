"""Students' questions about an assignment, and the teacher's answers.

- A student to whom the work is given asks privately (only they and the teacher see it) or for
  the whole class to see (every student the assignment is given to reads it on the page, with
  the answer). The teacher is told in-app.
- The assignment's teacher answers once (a conditional UPDATE: two answers at once make one, the
  other gets 409); the student who asked is told in-app.
- Text is plain (NFC, no markup), shown escaped with its line breaks.
"""

from sqlalchemy import or_, update
from sqlalchemy.orm import joinedload

from ..core.errors import Conflict, Forbidden, ValidationError, _
from ..core.text import nfc
from ..core.timeutil import utcnow
from ..extensions import db
from ..review.services import notify
from . import permissions
from .models import Inquiry

MAX_BODY = 2_000
MAX_ANSWER = 5_000


def _text(value, field, limit, empty_message):
    text = nfc(str(value or "")).strip()
    if not text:
        raise ValidationError(empty_message, {field: empty_message})
    if len(text) > limit:
        message = _("Tối đa %(n)s kí tự.", n=limit)
        raise ValidationError(message, {field: message})
    return text


def _excerpt(text, length=80):
    line = " ".join(text.split())
    return line if len(line) <= length else line[: length - 1] + "…"


def ask(assignment, student, body, public=False):
    """A student's question about `assignment`; the teacher is notified. Flushes."""
    if not permissions.can_do(student, assignment):
        raise Forbidden(_("Bài tập này không được giao cho em."))
    body = _text(body, "body", MAX_BODY, _("Hãy viết câu hỏi của em."))
    inquiry = Inquiry(assignment_id=assignment.id, student_id=student.id, body=body, public=bool(public),
                      created_at=utcnow())
    db.session.add(inquiry)
    db.session.flush()
    notify(assignment.teacher_id, "inquiry_asked", f"/assignments/{assignment.id}/inquiries",
           student=student.full_name, title=assignment.title, excerpt=_excerpt(body))
    return inquiry


def answer(inquiry, teacher, text):
    """The teacher's answer (once; 409 if it was answered meanwhile); the student is notified."""
    assignment = inquiry.assignment
    if not permissions.can_manage(teacher, assignment):
        raise Forbidden(_("Chỉ giáo viên giao bài trả lời câu hỏi về bài này."))
    text = _text(text, "answer", MAX_ANSWER, _("Hãy viết câu trả lời."))
    done = db.session.execute(
        update(Inquiry).where(Inquiry.id == inquiry.id, Inquiry.answered_at.is_(None))
        .values(answer=text, answered_by_id=teacher.id, answered_at=utcnow())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict("already_answered", _("Câu hỏi này đã được trả lời. Hãy tải lại trang."))
    db.session.refresh(inquiry)
    notify(inquiry.student_id, "inquiry_answered", f"/assignments/{assignment.id}/inquiries",
           teacher=teacher.full_name, title=assignment.title)
    return inquiry


def visible(assignment, user):
    """The questions `user` sees on the assignment, newest first, in one query: all of them for
    whoever tracks it (its teacher, the school's admin); for a student the public ones and
    their own; nothing for anyone else."""
    select = (db.select(Inquiry).where(Inquiry.assignment_id == assignment.id)
              .options(joinedload(Inquiry.student), joinedload(Inquiry.answered_by))
              .order_by(Inquiry.created_at.desc(), Inquiry.id.desc()))
    if permissions.can_track(user, assignment):
        return db.session.scalars(select).all()
    if not permissions.can_do(user, assignment):
        return []
    return db.session.scalars(select.where(or_(Inquiry.public.is_(True), Inquiry.student_id == user.id))).all()
