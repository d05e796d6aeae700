"""Reads of the review engine: queues, the district overview, history, criteria, notifications."""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..accounts import services as account_services
from ..accounts.permissions import is_district_admin
from ..core import cache, events
from ..core.cache import memo
from ..core.timeutil import as_utc, utcnow
from ..extensions import db
from ..schools.models import Subject, SubjectGroup, subject_group_member
from ..schools.permissions import reviewed_subject_ids
from .models import Notification, Review, ReviewCriterion, WorkflowEvent
from .permissions import can_use_queue
from .registry import item_classes
from .signals import item_transitioned
from .workflow import NEEDS_REASON, State


@dataclass
class QueueEntry:
    """An item in a queue, with how long it has waited since it was submitted."""

    item: object
    item_type: str
    submitted_at: datetime
    waiting: timedelta
    url: str = ""  # the item's link and whether the viewer may claim it: set by the page, once
    claimable: bool = False

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
    return set(reviewed_subject_ids(user))


def groups(with_members=False):
    """Every subject group with its subject (and its members), in the subjects' order: one
    statement (two with the members)."""
    query = (db.select(SubjectGroup).join(Subject, Subject.id == SubjectGroup.subject_id)
             .options(db.contains_eager(SubjectGroup.subject)).order_by(Subject.position, Subject.code))
    if with_members:
        query = query.options(db.selectinload(SubjectGroup.members))
    return db.session.scalars(query).all()


def groups_of(user):
    """The subject groups the user belongs to, with their subjects, in the subjects' order."""
    return db.session.scalars(
        db.select(SubjectGroup).join(subject_group_member, subject_group_member.c.group_id == SubjectGroup.id)
        .join(Subject, Subject.id == SubjectGroup.subject_id).options(db.contains_eager(SubjectGroup.subject))
        .where(subject_group_member.c.user_id == user.id).order_by(Subject.position, Subject.code)).all()


@functools.cache
def _statement(cls, states, by_subject=False, by_pool=False, not_owner=False, claimant=False, limited=False,
               count=False):
    """A list's statement for one kind, built once per shape (lists run them on every request);
    the user, subject, pool and limit are bound when it runs (_params)."""
    query = db.select(cls).where(cls.state.in_(states))
    if not_owner:
        query = query.where(cls.owner_id != db.bindparam("user_id"))
    if claimant:
        query = query.where(cls.claimed_by_id == db.bindparam("user_id"))
    if by_subject:
        query = query.where(cls.subject_id == db.bindparam("subject_id"))
    if by_pool:
        query = query.where(cls.subject_id.in_(db.bindparam("subject_ids", expanding=True)))
    if count:
        return db.select(db.func.count()).select_from(query.subquery())
    query = query.options(*cls.list_options())
    if limited:
        query = query.order_by(cls.submitted_at, cls.id).limit(db.bindparam("limit"))
    return query


def _shape(states, subject=None, subject_ids=None, user=None, not_owner=False, claimant=False, limit=None):
    """(the _statement arguments but the class, the parameters to run it with)."""
    params = {}
    if user is not None:
        params["user_id"] = user.id
    if subject is not None:
        params["subject_id"] = subject.id
    if subject_ids is not None:
        params["subject_ids"] = sorted(subject_ids)
    if limit is not None:
        params["limit"] = limit
    shape = dict(states=tuple(sorted(s.value for s in states)), by_subject=subject is not None,
                 by_pool=subject_ids is not None, not_owner=not_owner, claimant=claimant,
                 limited=limit is not None)
    return shape, params


def _items(states, item_type=None, subject=None, subject_ids=None, limit=None, **who):
    """The items of every registered kind (or of `item_type`), with what lists show eager-loaded
    (ReviewableMixin.list_options): one statement per kind, and per kind for its versions. With
    `limit`, only the `limit` oldest submissions of each kind. `who`: user= with not_owner=True
    (leave out the user's own) or claimant=True (only what the user claimed)."""
    shape, params = _shape(states, subject, subject_ids, limit=limit, **who)
    found = []
    for cls in item_classes(item_type):
        found.extend(db.session.scalars(_statement(cls, **shape), params).unique().all())
    return found


def _queue_pool(user):
    """The subject ids of the user's queue (None: every pool), or False when it is empty by
    definition."""
    if not can_use_queue(user):
        return False
    subject_ids = pool_subject_ids(user)
    if subject_ids is not None and not subject_ids:
        return False
    return subject_ids


def queue(user, item_type=None, subject=None, limit=None):
    """Items waiting (submitted) in the pools of the user's subject groups, oldest first; the
    district admin sees every pool. The user's own items are left out: they cannot claim them.
    With `limit`, the `limit` oldest only (a page of the queue is a slice of them)."""
    subject_ids = _queue_pool(user)
    if subject_ids is False:
        return []
    now = utcnow()
    items = _items({State.SUBMITTED}, item_type, subject, subject_ids, limit=limit, user=user, not_owner=True)
    return _sorted(_entry(item, now) for item in items)[:limit]


def queue_count(user, item_type=None, subject=None):
    """How many items `queue` would list: one count per kind."""
    subject_ids = _queue_pool(user)
    if subject_ids is False:
        return 0
    shape, params = _shape({State.SUBMITTED}, subject, subject_ids, user=user, not_owner=True)
    return sum(db.session.scalar(_statement(cls, **shape, count=True), params)
               for cls in item_classes(item_type))


def claimed_items(user, item_type=None):
    """What the user has claimed and not decided yet, oldest submission first."""
    now = utcnow()
    items = _items({State.IN_REVIEW}, item_type, user=user, claimant=True)
    return _sorted(_entry(item, now) for item in items)


def under_review(item_type=None, subject=None):
    """Every submitted or claimed item, oldest first: the district admin's reassign list."""
    now = utcnow()
    items = _items({State.SUBMITTED, State.IN_REVIEW}, item_type, subject)
    return _sorted(_entry(item, now) for item in items)


def queues_overview():
    """Per subject group (and per subject with waiting items but no group): how many items wait,
    how many are being reviewed, and since when the oldest waits."""
    rows = {g.subject_id: QueueSummary(subject=g.subject, group=g) for g in groups()}
    counts = [row for cls in item_classes() for row in db.session.execute(
        db.select(cls.subject_id, cls.state, db.func.count(cls.id), db.func.min(cls.submitted_at))
        .where(cls.state.in_([State.SUBMITTED.value, State.IN_REVIEW.value]))
        .group_by(cls.subject_id, cls.state)).all()]
    orphans = {subject_id for subject_id, *_rest in counts} - set(rows)
    if orphans:  # subjects with waiting items and no group: their names, in one statement
        for subject in db.session.scalars(db.select(Subject).where(Subject.id.in_(orphans))):
            rows[subject.id] = QueueSummary(subject=subject, group=None)
    for subject_id, state, count, oldest in counts:
        row = rows[subject_id]
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


def latest_requests(items):
    """{item id: its latest request_changes or reject review} for items of one kind, in one
    statement (a list of items asks once, not once per row)."""
    if not items:
        return {}
    item_type = items[0].ITEM_TYPE
    reviews = db.session.scalars(
        db.select(Review).where(Review.item_type == item_type, Review.item_id.in_([i.id for i in items]),
                                Review.decision.in_([a.value for a in NEEDS_REASON]))
        .options(db.joinedload(Review.reviewer)).order_by(Review.at, Review.id)).all()
    return {review.item_id: review for review in reviews}  # later rows win


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
    """The user's latest notifications as plain rows (what the page shows: no ORM object per row),
    newest first."""
    return db.session.execute(_notifications_statement(), {"user_id": user.id, "limit": limit}).all()


@functools.cache
def _notifications_statement():
    n = Notification
    return (db.select(n.id, n.message, n.message_key, n.params, n.link, n.created_at, n.read_at)
            .where(n.user_id == db.bindparam("user_id"))
            .order_by(n.created_at.desc(), n.id.desc()).limit(db.bindparam("limit")))


@functools.cache
def _unread_statement():
    return db.select(db.func.count(Notification.id)).where(Notification.user_id == db.bindparam("user_id"),
                                                           Notification.read_at.is_(None))


@account_services.session_fact("unread_notifications")
def _unread_of_session_user():
    """The same count, read with the signed-in user by the session look-up (no statement of its
    own on a page): see accounts.services.SESSION_FACTS."""
    from ..accounts.models import User

    return (db.select(db.func.count(Notification.id))
            .where(Notification.user_id == User.id, Notification.read_at.is_(None)).scalar_subquery())


def unread_count(user):
    """The bell's number on every page: one indexed count, read with the session's user (see
    _unread_of_session_user) or else asked once per request (a page whose content block is
    rendered on its own asks twice), and again after the request writes (memo)."""
    return memo(("unread_notifications", user.id),
                lambda: db.session.scalar(_unread_statement(), {"user_id": user.id}))


# --- shared answers ----------------------------------------------------------------------------

def queue_cache():
    """The "queues" region: each reviewer's queue (page fragments and API pages), kept under a key
    naming the reviewer, their role and their pool's subjects (so a change of group membership is
    a new key), the filters and the language. Emptied when any reviewable item moves, when a
    material changes (materials.queries) and when questions change."""
    return cache.region("queues")


@item_transitioned.connect
def _item_transitioned(_sender, **_payload):
    queue_cache().clear()


# The question bank announces its changes on this signal (questions/signals.py); connected by
# name, as the review engine does not import the features above it.
@events.signal("questions.questions-changed").connect
def _questions_changed(_sender, **_payload):
    queue_cache().clear()
