"""The review engine's tables: what every reviewable item carries (a mixin), the audit log, the
published criteria, the reviews themselves and in-app notifications.

Materials and questions are different tables; events, reviews and notifications point at them
by (item_type, item_id), so one engine serves both without a table per kind.
"""

from sqlalchemy.orm import declared_attr

from ..core.timeutil import utcnow
from ..extensions import db
from .workflow import State

__all__ = ["ReviewableMixin", "WorkflowEvent", "ReviewCriterion", "Review", "Notification"]


class ReviewableMixin:
    """Columns and hooks of an item that goes through the review workflow.

    A subclass sets `ITEM_TYPE` ("material" or "question") and may override the hooks below.
    `state` changes only through `lms.review.services`.
    """

    ITEM_TYPE = None

    @declared_attr
    def state(cls):
        return db.Column(db.String(20), nullable=False, default=State.DRAFT.value, index=True)

    @declared_attr
    def lock_version(cls):
        # Incremented by every transition, whose UPDATE names the value it read: of two
        # transitions started from the same reading, only the first to write wins.
        return db.Column(db.Integer, nullable=False, default=0, server_default="0")

    @declared_attr
    def owner_id(cls):
        return db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)

    @declared_attr
    def school_id(cls):
        return db.Column(db.Integer, db.ForeignKey("school.id"), nullable=True, index=True)

    @declared_attr
    def subject_id(cls):
        return db.Column(db.Integer, db.ForeignKey("subject.id"), nullable=False, index=True)

    @declared_attr
    def grade(cls):
        return db.Column(db.Integer, nullable=False)

    @declared_attr
    def submitted_at(cls):
        return db.Column(db.DateTime(timezone=True), nullable=True)

    @declared_attr
    def claimed_by_id(cls):
        return db.Column(db.Integer, db.ForeignKey("user.id"), nullable=True, index=True)

    @declared_attr
    def claimed_at(cls):
        return db.Column(db.DateTime(timezone=True), nullable=True)

    @declared_attr
    def decided_at(cls):
        return db.Column(db.DateTime(timezone=True), nullable=True)

    @declared_attr
    def owner(cls):
        return db.relationship("User", foreign_keys=lambda: [cls.owner_id])

    @declared_attr
    def claimed_by(cls):
        return db.relationship("User", foreign_keys=lambda: [cls.claimed_by_id])

    @declared_attr
    def subject(cls):
        return db.relationship("Subject")

    @declared_attr
    def school(cls):
        return db.relationship("School")

    # --- hooks an item class may override --------------------------------------------------

    def on_transition(self, action, from_state, to_state, actor):
        """Called by the engine after a transition's conditional write has won (the item's row
        already holds the new state), before the flush (materials supersede the previous version
        on approval here)."""

    def current_version_number(self):
        """The version under work (recorded on events and reviews), or None without versions."""
        return None

    @classmethod
    def list_options(cls):
        """Loader options for lists of items (queues, the overview): what they show, loaded with
        the list. Item classes add what their hooks read (materials: their versions)."""
        return (db.joinedload(cls.subject), db.joinedload(cls.owner), db.joinedload(cls.claimed_by))

    def title_for_queue(self):
        return getattr(self, "title", None) or f"{self.ITEM_TYPE} #{self.id}"

    def is_published(self):
        """Whether every signed-in user may see the item. Items whose approved version stays
        visible while a newer one is under review override this."""
        return self.state == State.APPROVED

    def item_url(self):
        """The item's own page, or None: the engine's links then use /reviews/items/<type>/<id>."""
        return None

    @property
    def state_enum(self):
        return State(self.state)


class WorkflowEvent(db.Model):
    """One transition of one item: the audit log, written in the transaction that made it."""

    __tablename__ = "workflow_event"
    __table_args__ = (
        db.Index("ix_workflow_event_item", "item_type", "item_id"),
        # The reports' time to decision: each decision's latest submission before it, one
        # index-only probe (reports/queries.py, review_stats).
        db.Index("ix_workflow_event_item_action_at", "item_type", "item_id", "action", "at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    item_type = db.Column(db.String(20), nullable=False)
    item_id = db.Column(db.Integer, nullable=False)
    version_number = db.Column(db.Integer, nullable=True)
    from_state = db.Column(db.String(20), nullable=False)
    to_state = db.Column(db.String(20), nullable=False)
    action = db.Column(db.String(20), nullable=False)
    actor_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    comment = db.Column(db.Text, nullable=True)
    reason_code = db.Column(db.String(30), nullable=True)
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    actor = db.relationship("User")

    # Not stored: what `services.submit` tells its caller beyond the transition itself
    # ("no_reviewers" when nobody reviews the subject yet and the office was notified instead).
    notice = None


class ReviewCriterion(db.Model):
    """A published review criterion, scored 0..max_score or not applicable (Achieve OER rubric)."""

    __tablename__ = "review_criterion"

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(40), nullable=False, unique=True)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    # English wording for pages shown in English; empty means "show the Vietnamese".
    title_en = db.Column(db.String(200), nullable=False, default="", server_default="")
    description_en = db.Column(db.Text, nullable=False, default="", server_default="")
    max_score = db.Column(db.Integer, nullable=False, default=3)
    position = db.Column(db.Integer, nullable=False, default=0)
    active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    def title_for(self, locale):
        return self.title_en if str(locale).startswith("en") and self.title_en else self.title

    def description_for(self, locale):
        if str(locale).startswith("en") and self.title_en:
            return self.description_en
        return self.description


class Review(db.Model):
    """A reviewer's decision on one version of an item, with the scores per criterion code."""

    __tablename__ = "review"
    __table_args__ = (db.Index("ix_review_item", "item_type", "item_id"),)

    id = db.Column(db.Integer, primary_key=True)
    item_type = db.Column(db.String(20), nullable=False)
    item_id = db.Column(db.Integer, nullable=False)
    version_number = db.Column(db.Integer, nullable=True)
    reviewer_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    decision = db.Column(db.String(20), nullable=False)
    reason_code = db.Column(db.String(30), nullable=True)
    comment = db.Column(db.Text, nullable=True)
    scores = db.Column(db.JSON, nullable=False, default=dict)  # {criterion_code: 0..3 or None}
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    reviewer = db.relationship("User")


class Notification(db.Model):
    """An in-app message to one user; unread while read_at is empty."""

    __tablename__ = "notification"
    __table_args__ = (db.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False)
    message = db.Column(db.String(500), nullable=False)  # the Vietnamese sentence (shown for rows without a key)
    # What to word it with in the reader's language (review/notices.py); empty on older rows.
    message_key = db.Column(db.String(40), nullable=True)
    params = db.Column(db.JSON, nullable=True)
    link = db.Column(db.String(300), nullable=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    read_at = db.Column(db.DateTime(timezone=True), nullable=True)

    user = db.relationship("User")

    @property
    def text(self):
        """The message in the reader's language."""
        from .notices import text

        return text(self)
