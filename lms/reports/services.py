"""Writes of the reports feature: the school admin's DX entries (with their evidence file, stored
through lms/files) and the office's indicator file. Services take the actor, flush, never commit."""

from decimal import Decimal, InvalidOperation

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ..core.errors import Conflict, Forbidden, NotFound, ValidationError, _
from ..core.text import nfc
from ..core.timeutil import utcnow
from ..extensions import db
from ..files import services as files
from . import indicators, permissions
from .models import DxEntry

NOTE_MAX = 2000
TRUE = ("1", "on", "true", "yes", "y")


def _points(raw, criterion):
    text = (raw or "").strip().replace(",", ".")
    if not text:
        raise ValidationError(_("Hãy nhập số điểm."), {"points": _("Hãy nhập số điểm.")})
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value > Decimal(str(criterion.points)):
        maximum = f"{criterion.points:g}"
        message = _("Điểm phải là số từ 0 đến %(max)s.", max=maximum)
        raise ValidationError(message, {"points": message})
    return value.quantize(Decimal("0.01"))


def save_entry(actor, school_id, year, code, form, upload=None):
    """Record what the school admin claims for one criterion (points, or met for a mandatory
    condition), with a note and an evidence file. A claim (points above zero, or met) needs
    evidence: the file sent now, or the one already on the entry. Changing an entry is one
    conditional UPDATE on the version the form was read at (409 when someone saved in between)."""
    if not permissions.can_enter_dx(actor, school_id):
        raise Forbidden(_("Chỉ quản trị của trường nhập được các tiêu chí này."))
    criterion = indicators.load().criterion(code)
    if criterion is None:
        raise NotFound(_("Không có tiêu chí “%(code)s” trong bộ chỉ số đang dùng.", code=code[:20]))
    if criterion.measured:
        raise ValidationError(_("Tiêu chí này được tính tự động từ dữ liệu của Học liệu."), {"points": ""})
    note = nfc((form.get("note") or "").strip())
    if len(note) > NOTE_MAX:
        message = _("Ghi chú tối đa %(n)s ký tự.", n=NOTE_MAX)
        raise ValidationError(message, {"note": message})
    if criterion.mandatory:
        points, met = None, (form.get("met") or "").lower() in TRUE
        claims = met
    else:
        points, met = _points(form.get("points"), criterion), False
        claims = points > 0
    entry = db.session.scalar(db.select(DxEntry).where(
        DxEntry.school_id == school_id, DxEntry.school_year_id == year.id, DxEntry.criterion_code == code))
    stored = files.accept_file(upload) if upload is not None else None
    if claims and stored is None and (entry is None or entry.evidence_file_id is None):
        message = _("Hãy đính kèm tệp minh chứng.")
        raise ValidationError(message, {"evidence": message})
    values = {"points": points, "met": met, "note": note, "entered_by_id": actor.id, "entered_at": utcnow()}
    if stored is not None:
        values.update(evidence_file_id=stored.id, evidence_name=upload.filename[:255])
    if entry is None:
        entry = DxEntry(school_id=school_id, school_year_id=year.id, criterion_code=code, **values)
        try:
            with db.session.begin_nested():
                db.session.add(entry)
        except IntegrityError:
            raise Conflict("entry_exists", _("Tiêu chí này vừa được người khác nhập. Hãy tải lại trang.")) from None
        return entry
    read = _version(form.get("lock_version"), entry.lock_version)
    done = db.session.execute(update(DxEntry).where(DxEntry.id == entry.id, DxEntry.lock_version == read)
                              .values(lock_version=DxEntry.lock_version + 1, **values)
                              .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise Conflict("stale_entry", _("Tiêu chí này vừa được người khác sửa. Hãy tải lại trang rồi nhập lại."))
    db.session.expire(entry)
    return entry


def _version(raw, default):
    raw = (raw or "").strip()
    return int(raw) if raw.isdecimal() and len(raw) < 10 else default


def replace_indicator_file(actor, data):
    """The office's new indicator file, validated whole before it replaces the one in use."""
    if not permissions.can_manage_indicators(actor):
        raise Forbidden()
    return indicators.replace(data)


def reset_indicator_file(actor):
    if not permissions.can_manage_indicators(actor):
        raise Forbidden()
    indicators.reset_to_default()
