"""Parents (phụ huynh) and the students they follow.

A parent account (Role.PARENT) is linked to one or more students by Guardian rows; siblings may be in
different classes or schools. Who may link: the admin of the student's school (a district admin for any
school), by hand or through the bulk student import. A parent is recognised by their name and contact
phone together (the city export's `Họ tên cha` / `Họ tên mẹ` and `SĐT liên hệ`), so that the same parent
named on two children's rows, in one file or in two schools' imports, gets one account.

A parent's username is stable: `ph.` and the username of the child they were first linked through
(`ph.annv.6a1.6789`), with `.2`, `.3` … when taken; it never changes afterwards. No citizen ID is collected.
"""

import re

from sqlalchemy import exists, select

from ..accounts import services as account_services
from ..accounts.models import Role, User
from ..core.errors import Forbidden, NotFound, ValidationError, _
from ..core.text import clean_line, fold
from ..extensions import db
from . import permissions
from .models import Classroom, Enrollment, Guardian, SchoolYear

PHONE_RE = re.compile(r"^0\d{9,10}$")


def normal_phone(value):
    """Digits only, `+84`/`84` written as the leading 0: "+84 912.345.678" → "0912345678"; "" when none.
    Raises ValidationError for something that is not a Vietnamese phone number."""
    text = clean_line(value)
    if not text:
        return ""
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not PHONE_RE.match(digits):
        raise ValidationError(_("Số điện thoại '%(phone)s' không hợp lệ (ví dụ 0912345678).", phone=text[:20]),
                              {"phone": _("Không hợp lệ.")}, code="invalid_phone")
    return digits


def person_key(full_name, phone):
    """How a parent is recognised: the folded name and the phone."""
    return fold(clean_line(full_name)), phone


# --- reads --------------------------------------------------------------------------------------

def is_parent_of(parent, student_id):
    if parent is None or getattr(parent, "role", None) != Role.PARENT:
        return False
    return db.session.scalar(select(exists().where(
        Guardian.parent_id == parent.id, Guardian.student_id == student_id))) or False


def parents_of(student):
    """The parents linked to a student, in Vietnamese name order."""
    return db.session.scalars(
        select(User).join(Guardian, Guardian.parent_id == User.id)
        .where(Guardian.student_id == student.id).order_by(User.name_sort, User.username)).all()


def children_of(parent):
    """[(student, classroom of the current school year or None)] in Vietnamese name order: one statement."""
    current = select(SchoolYear.id).where(SchoolYear.is_current).scalar_subquery()
    rows = db.session.execute(
        select(User, Classroom)
        .join(Guardian, Guardian.student_id == User.id)
        .outerjoin(Enrollment, Enrollment.student_id == User.id)
        .outerjoin(Classroom, (Classroom.id == Enrollment.classroom_id) & (Classroom.school_year_id == current))
        .where(Guardian.parent_id == parent.id)
        .order_by(User.name_sort, User.id, Classroom.id.is_(None))).all()
    seen, children = set(), []
    for student, classroom in rows:  # a student with an old year's enrolment too: keep the current one
        if student.id not in seen:
            seen.add(student.id)
            children.append((student, classroom))
    return children


def find_parents(keys):
    """{(folded name, phone): parent} for the parent accounts matching any of `keys`: one statement."""
    phones = {phone for _name, phone in keys if phone}
    if not phones:
        return {}
    found = {}
    for user in db.session.scalars(select(User).where(User.role == Role.PARENT.value, User.phone.in_(phones))):
        found.setdefault(person_key(user.full_name, user.phone), user)
    return {key: found[key] for key in keys if key in found}


def parent_username_candidates(child_username):
    base = f"ph.{child_username}"[:76]
    yield base
    yield from (f"{base}.{n}" for n in range(2, 100))


def free_parent_username(child_username, taken=frozenset(), checked=frozenset()):
    """The first free candidate. `taken`: usernames known to be taken (in the database, or given to
    earlier rows of a file); `checked`: candidates already looked up (free unless in `taken`); any
    other candidate is looked up in the database."""
    for name in parent_username_candidates(child_username):
        if name in taken:
            continue
        if name in checked or not db.session.scalar(select(exists().where(User.username == name))):
            return name
    raise ValidationError(_("Không tạo được tên đăng nhập cho phụ huynh."))  # pragma: no cover


# --- writes (flush, never commit) ---------------------------------------------------------------

def _check_student(actor, student):
    if student is None or student.role != Role.STUDENT:
        raise NotFound()
    if not permissions.allows(permissions.can_link_parents, actor, student):
        raise Forbidden()


def link(actor, parent, student):
    """Link a parent account to a student; linking twice changes nothing. Returns the Guardian row."""
    _check_student(actor, student)
    if parent is None or parent.role != Role.PARENT:
        raise ValidationError(_("Chỉ liên kết được tài khoản phụ huynh."), {"parent": _("Không phải phụ huynh.")},
                              code="not_a_parent")
    row = db.session.scalar(select(Guardian).where(Guardian.parent_id == parent.id,
                                                   Guardian.student_id == student.id))
    if row is None:
        row = Guardian(parent_id=parent.id, student_id=student.id)
        db.session.add(row)
        db.session.flush()
    return row


def unlink(actor, parent, student):
    _check_student(actor, student)
    row = db.session.scalar(select(Guardian).where(Guardian.parent_id == parent.id,
                                                   Guardian.student_id == student.id))
    if row is None:
        raise NotFound()
    db.session.delete(row)
    db.session.flush()


def add_parent(actor, student, full_name, phone, password_hash=None, password=None):
    """Link the student to the parent with this name and phone, creating the account when there is
    none: (parent, first password or None when the account existed)."""
    _check_student(actor, student)
    full_name = account_services.check_full_name(full_name)
    phone = normal_phone(phone)
    if not phone:
        raise ValidationError(_("Cần số điện thoại liên hệ của phụ huynh."), {"phone": _("Bắt buộc.")},
                              code="phone_required")
    parent = find_parents([person_key(full_name, phone)]).get(person_key(full_name, phone))
    created_password = None
    if parent is None:
        from .services import generate_password

        created_password = password or generate_password()
        parent = account_services.create_user(
            free_parent_username(student.username), full_name, Role.PARENT, created_password,
            school=student.school, phone=phone, must_change_password=True, password_hash=password_hash)
    link(actor, parent, student)
    return parent, created_password


def linked_pairs(parent_ids, student_ids):
    """{(parent_id, student_id)} already linked among these: one statement."""
    if not parent_ids or not student_ids:
        return set()
    return set(db.session.execute(select(Guardian.parent_id, Guardian.student_id).where(
        Guardian.parent_id.in_(parent_ids), Guardian.student_id.in_(student_ids))).all())
