"""Reads of the review engine: queues, the district overview, history, criteria, notifications."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..accounts.permissions import is_district_admin
from ..core.timeutil import as_utc, utcnow
from ..extensions import db
from ..schools.models import Subject, SubjectGroup, subject_group_member
from .models import Notification, Review, ReviewCriterion, WorkflowEvent
from .permissions import can_use_queue
from .registry import item_classes
from .workflow import NEEDS_REASON, State


@dataclass
class QueueEntry:
    """An item in a queue, with how long it has waited since it was submitted."""

    item: object
    item_type: str
    submitted_at: datetime
    waiting: timedelta

    @property
    def title(self):
        return self.item.title_for_queue()

    @property
    def subject(self):
        return self.item.subject


@dataclass
class QueueSummary:
    """One subject's line in the district admin's overview."""

    subject: Subject
    group: SubjectGroup | None
    waiting: int = 0
    in_review: int = 0
    oldest_at: datetime | None = None

    @property
    def oldest_age(self):
        return utcnow() - self.oldest_at if self.oldest_at else None


def _entry(item, now):
    submitted = as_utc(item.submitted_at) or now
    return QueueEntry(item=item, item_type=item.ITEM_TYPE, submitted_at=submitted, waiting=now - submitted)


def _sorted(entries):
    return sorted(entries, key=lambda e: (e.submitted_at, e.item_type, e.item.id))


def pool_subject_ids(user):
    """The subjects whose pools the user works from: None (all) for the district admin."""
    if is_district_admin(user):
        return None
    return set(db.session.scalars(
        db.select(SubjectGroup.subject_id)
        .join(subject_group_member, subject_group_member.c.group_id == SubjectGroup.id)
        .where(subject_group_member.c.user_id == user.id)).all())


def _items(states, item_type=None, subject=None, subject_ids=None, where=()):
    found = []
    for cls in item_classes(item_type):
        query = db.select(cls).where(cls.state.in_([s.value for s in states]), *[w(cls) for w in where])
        if subject is not None:
            query = query.where(cls.subject_id == subject.id)
        if subject_ids is not None:
            query = query.where(cls.subject_id.in_(subject_ids))
        found.extend(db.session.scalars(query).all())
    return found


def queue(user, item_type=None, subject=None):
    """Items waiting (submitted) in the pools of the user's subject groups, oldest first; the
    district admin sees every pool. The user's own items are left out: they cannot claim them."""
    if not can_use_queue(user):
        return []
    subject_ids = pool_subject_ids(user)
    if subject_ids is not None and not subject_ids:
        return []
    now = utcnow()
    items = _items({State.SUBMITTED}, item_type, subject, subject_ids,
                   where=[lambda cls: cls.owner_id != user.id])
    return _sorted(_entry(item, now) for item in items)


def claimed_items(user, item_type=None):
    """What the user has claimed and not decided yet, oldest submission first."""
    now = utcnow()
    items = _items({State.IN_REVIEW}, item_type, where=[lambda cls: cls.claimed_by_id == user.id])
    return _sorted(_entry(item, now) for item in items)


def under_review(item_type=None, subject=None):
    """Every submitted or claimed item, oldest first: the district admin's reassign list."""
    now = utcnow()
    items = _items({State.SUBMITTED, State.IN_REVIEW}, item_type, subject)
    return _sorted(_entry(item, now) for item in items)


def queues_overview():
    """Per subject group (and per subject with waiting items but no group): how many items wait,
    how many are being reviewed, and since when the oldest waits."""
    rows = {g.subject_id: QueueSummary(subject=g.subject, group=g) for g in db.session.scalars(
        db.select(SubjectGroup).join(Subject).order_by(Subject.position, Subject.code)).all()}
    for cls in item_classes():
        counts = db.session.execute(
            db.select(cls.subject_id, cls.state, db.func.count(cls.id), db.func.min(cls.submitted_at))
            .where(cls.state.in_([State.SUBMITTED.value, State.IN_REVIEW.value]))
            .group_by(cls.subject_id, cls.state)).all()
        for subject_id, state, count, oldest in counts:
            row = rows.get(subject_id)
            if row is None:
                row = rows[subject_id] = QueueSummary(subject=db.session.get(Subject, subject_id), group=None)
            if state == State.SUBMITTED:
                row.waiting += count
                oldest = as_utc(oldest)
                if oldest is not None and (row.oldest_at is None or oldest < row.oldest_at):
                    row.oldest_at = oldest
            else:
                row.in_review += count
    return sorted(rows.values(), key=lambda r: (r.group is None, r.subject.position, r.subject.code))


def history(item):
    """The item's workflow events, oldest first."""
    return db.session.scalars(
        db.select(WorkflowEvent).where(WorkflowEvent.item_type == item.ITEM_TYPE,
                                       WorkflowEvent.item_id == item.id)
        .order_by(WorkflowEvent.at, WorkflowEvent.id)).all()


def reviews_of(item):
    return db.session.scalars(
        db.select(Review).where(Review.item_type == item.ITEM_TYPE, Review.item_id == item.id)
        .order_by(Review.at, Review.id)).all()


def latest_request(item):
    """The last request_changes or reject review, so the author sees what was asked; or None."""
    return db.session.scalar(
        db.select(Review).where(Review.item_type == item.ITEM_TYPE, Review.item_id == item.id,
                                Review.decision.in_([a.value for a in NEEDS_REASON]))
        .order_by(Review.at.desc(), Review.id.desc()).limit(1))


def criteria(active_only=True):
    query = db.select(ReviewCriterion)
    if active_only:
        query = query.where(ReviewCriterion.active.is_(True))
    return db.session.scalars(query.order_by(ReviewCriterion.position, ReviewCriterion.id)).all()


def notifications_for(user, limit=100):
    return db.session.scalars(
        db.select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()


def unread_count(user):
    return db.session.scalar(db.select(db.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)))
