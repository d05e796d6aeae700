"""Writes of the review engine. Every function takes the actor explicitly, asks
`lms.review.permissions`, records a WorkflowEvent in the same transaction, notifies whoever the
change concerns, flushes and never commits (the view or the CLI command commits once).

A state the item is not in raises Conflict (409, code "invalid_transition"); an actor who may not
act raises Forbidden (403); bad scores, reasons or notes raise ValidationError (422). Hiding
what the caller may not see (404) is the view's job, through `permissions.can_view`.
"""

import re

from flask import current_app, has_request_context
from flask_babel import get_locale
from sqlalchemy.orm.attributes import set_committed_value

from ..core import events
from ..core.errors import Conflict, Forbidden, NotFound, ValidationError, _
from ..core.timeutil import utcnow
from ..extensions import db
from . import notices, permissions, signals
from .models import Notification, Review, ReviewCriterion, WorkflowEvent
from .queries import (  # noqa: F401  (reads are part of this module's interface)
    QueueEntry,
    QueueSummary,
    claimed_items,
    criteria,
    history,
    latest_request,
    queue,
    queues_overview,
    reviews_of,
    under_review,
)
from .registry import ITEM_TYPES, load_item, register_item_type  # noqa: F401
from .workflow import (
    ACTION_LABELS,
    DECISIONS,
    NEEDS_REASON,
    REASON_CODES,
    STATE_LABELS,
    Action,
    State,
    TransitionRefused,
)

DEFAULT_CRITERIA = [
    ("content_accuracy", "Độ chính xác của nội dung",
     "Kiến thức đúng, cập nhật, không có lỗi khoa học, chính tả hay thuật ngữ."),
    ("curriculum_fit", "Phù hợp yêu cầu cần đạt của Chương trình GDPT 2018",
     "Bám sát yêu cầu cần đạt của môn học và khối lớp đã chọn."),
    ("pedagogy", "Tính sư phạm và rõ ràng",
     "Trình bày mạch lạc, phù hợp lứa tuổi, hỗ trợ hoạt động dạy và học."),
    ("technical_quality", "Chất lượng kĩ thuật",
     "Tệp mở được, hình ảnh và âm thanh rõ, dung lượng hợp lí."),
    ("accessibility", "Khả năng tiếp cận",
     "Chữ dễ đọc, độ tương phản đủ, có phụ đề hoặc mô tả cho nội dung nghe nhìn."),
    ("licensing", "Bản quyền và ghi nguồn",
     "Giấy phép rõ ràng; tác giả và nguồn của tài liệu sử dụng lại được ghi đầy đủ."),
]
# The same criteria in English, for pages shown in English (ReviewCriterion.title_en/description_en).
DEFAULT_CRITERIA_EN = {
    "content_accuracy": ("Accuracy of content",
                         "Correct, up-to-date knowledge with no scientific, spelling or terminology errors."),
    "curriculum_fit": ("Fit with the 2018 general education curriculum",
                       "Follows the required outcomes of the chosen subject and grade."),
    "pedagogy": ("Teaching value and clarity",
                 "Clearly presented, suited to the age group, supports teaching and learning."),
    "technical_quality": ("Technical quality",
                          "The file opens; pictures and sound are clear; the size is reasonable."),
    "accessibility": ("Accessibility",
                      "Readable text, enough contrast, captions or descriptions for audio and video."),
    "licensing": ("Licensing and attribution",
                  "A clear licence; authors and sources of reused material are fully credited."),
}


# --- helpers ---------------------------------------------------------------------------------

def item_link(item):
    """The path notifications link to. Built by hand, not with url_for, because services also run
    outside a request (CLI, jobs); /reviews/items/... redirects to the item's own page."""
    return f"/reviews/items/{item.ITEM_TYPE}/{item.id}"


def refusal_message(state, action, reason="state"):
    """TransitionRefused's message (workflow.py stays free of Flask) in the user's language."""
    state, action = State(state), Action(action)
    label, verb = _(STATE_LABELS[state]), _(ACTION_LABELS[action])
    if reason == "state":
        return _("Không thể '%(action)s' khi mục đang ở trạng thái '%(state)s' (%(code)s).",
                 action=verb, state=label, code=state.value)
    return _("Bạn không được '%(action)s' mục này ở trạng thái '%(state)s'.", action=verb, state=label)


def _refusal(error):
    details = {"state": error.state.value, "action": error.action.value}
    message = refusal_message(error.state, error.action, error.reason)
    if error.reason == "state":
        return Conflict("invalid_transition", message, details)
    return Forbidden(message, details)


def _check(actor, item, action):
    try:
        return permissions.check_transition(actor, item, action)
    except TransitionRefused as error:
        raise _refusal(error) from None


def _record(item, actor, action, from_state, to_state, comment=None, reason_code=None):
    event = WorkflowEvent(
        item_type=item.ITEM_TYPE, item_id=item.id, version_number=item.current_version_number(),
        from_state=State(from_state).value, to_state=State(to_state).value, action=Action(action).value,
        actor_id=actor.id, comment=(comment or "").strip() or None, reason_code=reason_code, at=utcnow())
    db.session.add(event)
    events.announce(signals.item_transitioned, item_type=item.ITEM_TYPE, item_id=item.id,
                    action=Action(action).value, from_state=State(from_state).value,
                    to_state=State(to_state).value)
    return event


def _move(item, actor, action, target, comment=None, reason_code=None, change=None, **fields):
    """The one way an item changes state (STYLE.md: a state change is one conditional write).

    UPDATE item SET state = target, lock_version = lock_version + 1, ... WHERE id = :id AND
    state = :read_state AND lock_version = :read_version: the item moves from the state it was
    read in, or not at all. Of two transitions started from the same reading (two submits, an
    approval and the owner's withdrawal), the second to write matches no row and is refused (409,
    or 403 when the first took away the right to act); its transaction records nothing. Only once
    the write has won are the event recorded and the item's hook run (materials change their
    versions' statuses there), all in the caller's transaction, flushed. `change()`, when given,
    is what the transition makes beyond the state (a new version); it runs just after the write
    has won, before the event names the item's current version.
    """
    action, target = Action(action), State(target)
    from_state, read_version = State(item.state), item.lock_version
    values = {"state": target.value, "lock_version": read_version + 1, **fields}
    cls = type(item)
    written = db.session.execute(
        db.update(cls).where(cls.id == item.id, cls.state == from_state.value,
                             cls.lock_version == read_version)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    if written != 1:
        _lost(item, actor, action)
    for name, value in values.items():  # what the row now holds, without a second UPDATE
        set_committed_value(item, name, value)
    if change is not None:
        change()
    event = _record(item, actor, action, from_state, target, comment, reason_code)
    item.on_transition(action, from_state, target, actor)
    db.session.flush()
    return event


def _lost(item, actor, action):
    """Another transition changed the item since it was read: refuse with what it is now."""
    db.session.refresh(item)
    try:
        permissions.check_transition(actor, item, action)
    except TransitionRefused as error:
        raise _refusal(error) from None
    # The same action is still possible from what the item is now (another reviewer was assigned,
    # a newer version uploaded): the caller acted on what it saw, which is no longer so.
    raise Conflict("invalid_transition",
                   _("Mục này vừa được người khác thay đổi. Hãy tải lại trang rồi thử lại."),
                   {"state": item.state, "action": Action(action).value})


def expect_version(item, seen):
    """A transition sent with the `lock_version` its sender saw (every web form carries it, API
    clients may send it) acts on that reading only. Without it, an owner who pressed "withdraw"
    on an item in review while the reviewer's approval landed would take the approved item out
    of the library instead of back to draft; with it, they are told the item changed (409) and
    nothing happens. Absent (None or ""), the transition acts on the item as it is now."""
    if seen is None or seen == "":
        return
    if isinstance(seen, bool) or not isinstance(seen, (int, str)) or not str(seen).strip().isdigit():
        raise ValidationError(_("lock_version phải là số nguyên."), {"lock_version": "integer"})
    if int(seen) != item.lock_version:
        raise Conflict("invalid_transition",
                       _("Mục này đã thay đổi từ khi bạn mở trang (hiện: %(state)s). Hãy xem lại rồi "
                         "thử lại.", state=_(STATE_LABELS[State(item.state)])),
                       {"state": item.state, "lock_version": item.lock_version})


def notify(user, message, link=None, **params):
    """An in-app notification. `message` is a key of notices.MESSAGES with its parameters (worded
    in the reader's language when shown, its Vietnamese sentence stored as well), or a sentence
    stored as it is."""
    user_id = getattr(user, "id", user)
    if user_id is None:
        return None
    key = message if message in notices.MESSAGES else None
    sentence = notices.vietnamese(key, params) if key else message
    notification = Notification(user_id=user_id, message=sentence[:500], message_key=key,
                                params=params if key else None, link=link, created_at=utcnow())
    db.session.add(notification)
    return notification


def _notify_owner(item, by, message, **params):
    """Tell the item's owner what `by` did, unless they did it themselves."""
    if item.owner_id != by.id:
        notify(item.owner_id, message, item_link(item), title=item.title_for_queue(), **params)


def _locale():
    """The user's language in a request; Vietnamese in the CLI and the worker."""
    return str(get_locale() or "vi") if has_request_context() else "vi"


# --- transitions -----------------------------------------------------------------------------

def submit(item, actor, comment=None, notify_pool=True):
    """Put the item in its subject group's pool (draft, changes requested, or an approved item
    with a newer version). Returns the WorkflowEvent; its `notice` is NO_REVIEWERS when nobody
    could review the subject yet (no group, or none of its members active), and the district
    admins were notified instead of the group. `notify_pool=False`: the caller submits many items
    together and tells the pool once (notify_set_submitted)."""
    target = _check(actor, item, Action.SUBMIT)
    event = _move(item, actor, Action.SUBMIT, target, comment, submitted_at=utcnow(),
                  claimed_by_id=None, claimed_at=None, decided_at=None)
    if not notify_pool:
        return event
    if not _notify_pool(item, actor):
        _notify_office(item, actor)
        event.notice = NO_REVIEWERS
    return event


NO_REVIEWERS = "no_reviewers"


def _notify_pool(item, actor):
    """Tell the reviewers of the item's subject group that something waits in their pool (never
    its author, who may also sit in the group). Returns how many were told: 0 when the subject has
    no group or its group has nobody who could claim the item."""
    from ..accounts.models import Role
    from ..schools.models import SubjectGroup

    group = db.session.scalar(db.select(SubjectGroup).where(SubjectGroup.subject_id == item.subject_id))
    told = 0
    for member in group.members if group is not None else ():
        if member.id != item.owner_id and member.active and member.role == Role.REVIEWER:
            notify(member, "submitted", item_link(item), actor=actor.full_name, title=item.title_for_queue(),
                   group=group.name)
            told += 1
    return told


def notify_set_submitted(items, actor, link, title):
    """One notification per reviewer for a set of items of one subject submitted together (an
    imported question set), linking to the page where the set is reviewed, instead of one per
    item; the district admins are told when nobody reviews the subject. Returns how many were told."""
    from ..accounts.models import Role, User
    from ..schools.models import SubjectGroup

    if not items:
        return 0
    first = items[0]
    group = db.session.scalar(db.select(SubjectGroup).where(SubjectGroup.subject_id == first.subject_id))
    told = 0
    for member in group.members if group is not None else ():
        if member.id != first.owner_id and member.active and member.role == Role.REVIEWER:
            notify(member, "set_submitted", link, actor=actor.full_name, title=title, count=len(items),
                   group=group.name)
            told += 1
    if told:
        return told
    for admin in db.session.scalars(db.select(User).where(User.role == Role.DISTRICT_ADMIN, User.active.is_(True))):
        notify(admin, "set_submitted_no_group", link, actor=actor.full_name, title=title, count=len(items),
               subject=notices.named(first.subject.name_vi, first.subject.name_en), grade=first.grade)
    return 0


def _notify_office(item, actor):
    """Nobody reviews the item's subject yet: tell the district admins, who set up the groups,
    rather than let the item wait unseen."""
    from ..accounts.models import Role, User

    admins = db.session.scalars(db.select(User).where(User.role == Role.DISTRICT_ADMIN,
                                                      User.active.is_(True))).all()
    for admin in admins:
        notify(admin, "submitted_no_group", item_link(item), actor=actor.full_name,
               title=item.title_for_queue(), subject=notices.named(item.subject.name_vi, item.subject.name_en),
               grade=item.grade)


def notice_message(item, notice):
    """The author's sentence for a submit notice, in the user's language (None for none)."""
    if notice != NO_REVIEWERS:
        return None
    locale = str(get_locale() or "vi") if has_request_context() else "vi"
    return _("Đã gửi, nhưng chưa có tổ thẩm định nào nhận môn %(subject)s nên chưa ai thẩm định "
             "được. %(office)s đã được thông báo để lập tổ.",
             subject=item.subject.name(locale), office=current_app.config["OFFICE_NAME"])


def withdraw(item, actor, comment=None):
    """The owner takes the item back before a decision (→ draft), or the owner or the district
    admin withdraws an approved item (→ withdrawn)."""
    target = _check(actor, item, Action.WITHDRAW)
    claimant_id = item.claimed_by_id if item.state == State.IN_REVIEW else None
    fields = {"claimed_by_id": None, "claimed_at": None} if target == State.DRAFT else {}
    event = _move(item, actor, Action.WITHDRAW, target, comment, **fields)
    if claimant_id is not None and claimant_id != actor.id:
        notify(claimant_id, "withdrawn_from_review", item_link(item), actor=actor.full_name,
               title=item.title_for_queue())
    _notify_owner(item, actor, "unpublished", actor=actor.full_name)
    return event


def claim(item, reviewer):
    """Take the item out of the pool to review it. Of two reviewers at once, one gets it."""
    target = _check(reviewer, item, Action.CLAIM)
    event = _move(item, reviewer, Action.CLAIM, target, claimed_by_id=reviewer.id, claimed_at=utcnow())
    _notify_owner(item, reviewer, "claimed", actor=reviewer.full_name)
    db.session.flush()
    return event


def release(item, actor, comment=None):
    """Put a claimed item back in the pool (its claimant or the district admin)."""
    target = _check(actor, item, Action.RELEASE)
    claimant_id = item.claimed_by_id
    event = _move(item, actor, Action.RELEASE, target, comment, claimed_by_id=None, claimed_at=None)
    _notify_owner(item, actor, "released")
    if claimant_id is not None and claimant_id != actor.id:
        notify(claimant_id, "released_from_you", item_link(item), actor=actor.full_name,
               title=item.title_for_queue())
    db.session.flush()
    return event


def validate_scores(scores, partial=False):
    """Scores per active criterion code: an integer 0..max_score, or None for not applicable.

    Approval needs every active criterion (partial=False); unknown codes and out-of-range values
    are refused. Returns the cleaned mapping; raises ValidationError listing each bad field.
    """
    if scores is None:
        scores = {}
    if not isinstance(scores, dict):
        raise ValidationError(_("Điểm phải là một bảng {mã tiêu chí: điểm}."),
                              {"scores": _("Cần một đối tượng {mã tiêu chí: 0–3 hoặc null}.")})
    active = {c.code: c for c in criteria()}
    errors = {}
    for code in scores:
        if code not in active:
            errors[f"scores.{code}"] = _("Không có tiêu chí đang áp dụng với mã này.")
    for code, criterion in active.items():
        if code not in scores:
            if not partial:
                errors[f"scores.{code}"] = _("Thiếu điểm cho tiêu chí '%(title)s' "
                                             "(0–%(max)s hoặc không áp dụng).",
                                             title=criterion.title_for(_locale()), max=criterion.max_score)
            continue
        value = scores[code]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 0 <= value <= criterion.max_score):
            errors[f"scores.{code}"] = _("Điểm của tiêu chí '%(title)s' phải là số nguyên "
                                         "0–%(max)s hoặc null (không áp dụng).",
                                         title=criterion.title_for(_locale()), max=criterion.max_score)
    if errors:
        raise ValidationError(_("Điểm thẩm định chưa hợp lệ."), errors)
    return {code: scores[code] for code in active if code in scores}


def _require_a_score(scores):
    """An approval scores at least one criterion: with every criterion "not applicable" (or none
    published) nothing was appraised, and that is not a review (the criteria page says so)."""
    if any(value is not None for value in scores.values()):
        return
    if not scores:
        raise ValidationError(_("Chưa có tiêu chí thẩm định nào đang áp dụng: Phòng GD&ĐT cần công bố "
                                "tiêu chí trước khi duyệt."), {"scores": _("Chưa có tiêu chí nào.")})
    raise ValidationError(_("Không thể duyệt khi mọi tiêu chí đều “không áp dụng”: hãy chấm điểm ít nhất "
                            "một tiêu chí."),
                          {"scores": _("Chấm điểm ít nhất một tiêu chí (0–3).")})


def decide(item, reviewer, decision, comment, scores=None, reason_code=None):
    """The claimant's decision: approve (a score or "not applicable" for every active criterion,
    at least one of them scored), or request changes or reject (a reason code from workflow.REASON_CODES and a note the author sees)."""
    try:
        action = Action(decision)
    except ValueError:
        action = None
    if action not in DECISIONS:
        raise ValidationError(_("Quyết định không hợp lệ."),
                              {"decision": _("Chọn một quyết định: %(choices)s.",
                                             choices=", ".join(_(ACTION_LABELS[a]) for a in DECISIONS))})
    target = _check(reviewer, item, action)
    comment = (comment or "").strip()
    if action in NEEDS_REASON:
        errors = {}
        if reason_code not in REASON_CODES:
            errors["reason_code"] = _("Chọn một lí do: %(reasons)s.",
                                      reasons=", ".join(_(label) for label in REASON_CODES.values()))
        if not comment:
            errors["comment"] = _("Cần ghi rõ điều tác giả phải sửa hoặc lí do từ chối.")
        if errors:
            raise ValidationError(_("Cần lí do và ghi chú cho tác giả."), errors)
        scores = validate_scores(scores, partial=True) if scores else {}
    else:
        scores = validate_scores(scores)
        _require_a_score(scores)
        reason_code = None
    now = utcnow()
    _move(item, reviewer, action, target, comment, reason_code, decided_at=now)
    review = Review(item_type=item.ITEM_TYPE, item_id=item.id, version_number=item.current_version_number(),
                    reviewer_id=reviewer.id, decision=action.value, reason_code=reason_code,
                    comment=comment or None, scores=scores, at=now)
    db.session.add(review)
    if action == Action.APPROVE:
        _notify_owner(item, reviewer, "approved", actor=reviewer.full_name)
    else:
        _notify_owner(item, reviewer, "changes_requested" if action == Action.REQUEST_CHANGES else "rejected",
                      actor=reviewer.full_name, reason_code=reason_code)
    db.session.flush()
    return review


def reassign(item, admin, reviewer):
    """The district admin hands a waiting or claimed item to a reviewer of its subject."""
    target = _check(admin, item, Action.REASSIGN)
    if reviewer is None or not permissions.can_be_assigned(reviewer, item):
        raise ValidationError(_("Người được giao phải là thành viên tổ thẩm định của môn này và "
                                "không phải tác giả."), {"reviewer": getattr(reviewer, "username", None)})
    previous = item.claimed_by_id
    if previous == reviewer.id:
        raise ValidationError(_("Người này đang thẩm định mục này."), {"reviewer": reviewer.username})
    event = _move(item, admin, Action.REASSIGN, target, f"Giao cho {reviewer.full_name} ({reviewer.username})",
                  claimed_by_id=reviewer.id, claimed_at=utcnow())
    notify(reviewer, "assigned_to_you", item_link(item), actor=admin.full_name, title=item.title_for_queue())
    if previous is not None:
        notify(previous, "assigned_away", item_link(item), title=item.title_for_queue())
    _notify_owner(item, admin, "assigned", reviewer=reviewer.full_name)
    db.session.flush()
    return event


def revise(item, actor, note, change=None):
    """A new version: changes requested or withdrawn → draft; a draft stays a draft; an approved
    item stays approved (its approved version stays published until the new one is submitted and
    approved). `change()` makes the version once the transition has won (two uploads at once:
    one new version, the other refused), before the event records its number."""
    target = _check(actor, item, Action.REVISE)
    fields = {} if target == State.APPROVED else {"claimed_by_id": None, "claimed_at": None}
    return _move(item, actor, Action.REVISE, target, note, change=change, **fields)


# --- criteria --------------------------------------------------------------------------------

def ensure_default_criteria():
    """Seed the default criteria once (idempotent; a criterion the admin deactivated stays so).

    A default criterion seeded before criteria had English wording gets it, unless the admin has
    reworded its Vietnamese title since."""
    existing = {c.code: c for c in db.session.scalars(db.select(ReviewCriterion))}
    position = db.session.scalar(db.select(db.func.max(ReviewCriterion.position))) or 0
    created = 0
    for code, title, description in DEFAULT_CRITERIA:
        title_en, description_en = DEFAULT_CRITERIA_EN[code]
        criterion = existing.get(code)
        if criterion is not None:
            if not criterion.title_en and criterion.title == title:
                criterion.title_en, criterion.description_en = title_en, description_en
            continue
        position += 1
        db.session.add(ReviewCriterion(code=code, title=title, description=description, title_en=title_en,
                                       description_en=description_en, max_score=3, position=position,
                                       active=True, created_at=utcnow()))
        created += 1
    db.session.flush()
    return created


def _require_criteria_admin(actor):
    if not permissions.can_manage_criteria(actor):
        raise Forbidden(_("Chỉ Phòng GD&ĐT quản lí tiêu chí thẩm định."))


def _criterion_fields(title, description, max_score, title_en=""):
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Cần tên tiêu chí.")
    elif len(title) > 200:
        errors["title"] = _("Tên tiêu chí tối đa 200 kí tự.")
    if len((title_en or "").strip()) > 200:
        errors["title_en"] = _("Tên tiêu chí tối đa 200 kí tự.")
    if isinstance(max_score, bool) or not isinstance(max_score, int) or not 1 <= max_score <= 10:
        errors["max_score"] = _("Điểm tối đa là số nguyên từ 1 đến 10.")
    return title, (description or "").strip(), errors


def create_criterion(actor, code, title, description="", max_score=3, title_en="", description_en=""):
    """A new published criterion, last in order. Its code never changes: reviews store scores by
    code. The English title and description are optional (pages in English fall back to the
    Vietnamese)."""
    _require_criteria_admin(actor)
    code = (code or "").strip().lower()
    title, description, errors = _criterion_fields(title, description, max_score, title_en)
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,39}", code):
        errors["code"] = _("Mã gồm 2–40 chữ thường không dấu, chữ số hoặc '_', bắt đầu bằng chữ.")
    elif db.session.scalar(db.select(ReviewCriterion.id).where(ReviewCriterion.code == code)):
        errors["code"] = _("Mã này đã có.")
    if errors:
        raise ValidationError(_("Tiêu chí chưa hợp lệ."), errors)
    position = (db.session.scalar(db.select(db.func.max(ReviewCriterion.position))) or 0) + 1
    criterion = ReviewCriterion(code=code, title=title, description=description, max_score=max_score,
                                title_en=(title_en or "").strip(), description_en=(description_en or "").strip(),
                                position=position, active=True, created_at=utcnow())
    db.session.add(criterion)
    db.session.flush()
    return criterion


def update_criterion(actor, criterion, title, description, max_score, title_en=None, description_en=None):
    """Reword or rescore a criterion; the English wording stays as it was when not given (None)."""
    _require_criteria_admin(actor)
    title, description, errors = _criterion_fields(title, description, max_score, title_en)
    if errors:
        raise ValidationError(_("Tiêu chí chưa hợp lệ."), errors)
    criterion.title, criterion.description, criterion.max_score = title, description, max_score
    if title_en is not None:
        criterion.title_en = title_en.strip()
    if description_en is not None:
        criterion.description_en = description_en.strip()
    db.session.flush()
    return criterion


def set_criterion_active(actor, criterion, active):
    """Deactivate (or bring back) a criterion; approvals from now on need only active ones."""
    _require_criteria_admin(actor)
    criterion.active = bool(active)
    db.session.flush()
    return criterion


def move_criterion(actor, criterion, offset):
    """Move a criterion up (offset -1) or down (+1) in the published order."""
    _require_criteria_admin(actor)
    ordered = criteria(active_only=False)
    index = ordered.index(criterion)
    new_index = max(0, min(len(ordered) - 1, index + offset))
    ordered.insert(new_index, ordered.pop(index))
    for position, row in enumerate(ordered, start=1):
        row.position = position
    db.session.flush()
    return criterion


# --- notifications ---------------------------------------------------------------------------

def mark_read(user, notification):
    if notification is None:
        raise NotFound()
    if notification.user_id != user.id:
        raise Forbidden()
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user):
    count = db.session.execute(
        db.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    return count


def state_label(state):
    return STATE_LABELS[State(state)]
