"""Items whose content lives in immutable versions (materials, questions): the version statuses and
how a workflow transition moves them. One rule for both item types, so they cannot drift apart.

Version statuses:
- draft: the newest version, not (yet) submitted since it was written;
- under_review: the newest version, submitted and waiting or being reviewed;
- published: the one version everyone sees (the item's `published_version`);
- current: the newest version, back with its owner after a decision or a withdrawal;
- superseded: replaced, by a newer approved version or by a newer edit before any approval.

An approved version stays published while a newer one is reviewed (or refused); withdrawing the
item takes it out of every list (nothing of it is published any more).
"""

import enum

from flask_babel import lazy_gettext as _l

from ..core.timeutil import utcnow
from .workflow import Action, State

__all__ = ["VersionStatus", "VERSION_STATUS_LABELS", "VersionedItemMixin"]


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    UNDER_REVIEW = "under_review"
    PUBLISHED = "published"
    CURRENT = "current"
    SUPERSEDED = "superseded"


VERSION_STATUS_LABELS = {
    VersionStatus.DRAFT: _l("Bản nháp"),
    VersionStatus.UNDER_REVIEW: _l("Đang thẩm định"),
    VersionStatus.PUBLISHED: _l("Đang công bố"),
    VersionStatus.CURRENT: _l("Hiện hành (chưa công bố)"),
    VersionStatus.SUPERSEDED: _l("Đã thay thế"),
}


class VersionedItemMixin:
    """For a reviewable item with `versions`, `latest_version`, `published_version(_id)`,
    `published_at` and `updated_at`: the review hooks that depend only on its versions."""

    def version(self, number):
        return next((v for v in self.versions if v.number == number), None)

    def current_version_number(self):
        latest = self.latest_version
        return latest.number if latest is not None else None

    def is_published(self):
        """An approved version stays visible while a newer one is under review (or was refused)."""
        return self.published_version_id is not None and self.state != State.WITHDRAWN

    def on_transition(self, action, from_state, to_state, actor):
        """Keep version statuses in step with the workflow; approval publishes the newest version
        and supersedes the one shown until now."""
        latest = self.latest_version
        if latest is None:
            return
        action = Action(action)
        if action == Action.SUBMIT:
            latest.status = VersionStatus.UNDER_REVIEW.value
        elif action == Action.APPROVE:
            previous = self.published_version
            if previous is not None and previous is not latest:
                previous.status = VersionStatus.SUPERSEDED.value
            latest.status = VersionStatus.PUBLISHED.value
            self.published_version = latest
            self.published_version_id = latest.id
            self.published_at = utcnow()
        elif action in (Action.REQUEST_CHANGES, Action.REJECT):
            latest.status = VersionStatus.CURRENT.value
        elif action == Action.WITHDRAW:
            if to_state == State.WITHDRAWN:
                published = self.published_version
                if published is not None:
                    published.status = VersionStatus.CURRENT.value
                self.published_version = None
                self.published_version_id = None
            elif latest.status == VersionStatus.UNDER_REVIEW:
                latest.status = VersionStatus.DRAFT.value
        self.updated_at = utcnow()
