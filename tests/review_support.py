"""A throw-away reviewable model, so the review engine is tested without materials or questions.

`ReviewTestItem` is mapped on the application's metadata (its foreign keys name user, school and
subject) and then taken out of it again: `create_all`, the migration drift test and Alembic never
see it. The `reviewable` fixture creates its table in the test's database, registers the item
type, and undoes both afterwards.
"""

import pytest

from lms.accounts.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.review.models import ReviewableMixin
from lms.review.registry import register_item_type, unregister_item_type
from lms.schools.models import School, Subject

ITEM_TYPE = "test_item"
HOOK_CALLS = []


class ReviewTestItem(ReviewableMixin, db.Model):
    __tablename__ = "review_test_item"
    ITEM_TYPE = ITEM_TYPE

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    version = db.Column(db.Integer, nullable=True, default=1)

    def current_version_number(self):
        return self.version

    def on_transition(self, action, from_state, to_state, actor):
        HOOK_CALLS.append((self.id, action.value, from_state.value, to_state.value, actor.username))


db.metadata.remove(ReviewTestItem.__table__)


@pytest.fixture
def reviewable(app):
    """The test item type, registered, with its table in this test's database."""
    from lms.review.services import ensure_default_criteria

    ReviewTestItem.__table__.create(db.engine, checkfirst=True)
    register_item_type(ReviewTestItem)
    ensure_default_criteria()
    db.session.commit()
    HOOK_CALLS.clear()
    yield ReviewTestItem
    unregister_item_type(ITEM_TYPE)
    db.session.remove()
    ReviewTestItem.__table__.drop(db.engine, checkfirst=True)


def user(username):
    return db.session.scalar(db.select(User).where(User.username == username))


def subject(code):
    return db.session.scalar(db.select(Subject).where(Subject.code == code))


def school(code):
    return db.session.scalar(db.select(School).where(School.code == code))


def make_item(owner, subject_code="toan", grade=6, title="Phân số", state=None, submitted_at=None, **fields):
    """An item owned by `owner` (in the owner's school). `state` is set directly, for tests that
    need an item in a given state without walking the workflow."""
    item = ReviewTestItem(title=title, owner=owner, school_id=owner.school_id, subject=subject(subject_code),
                          grade=grade, **fields)
    if state is not None:
        item.state = state
        if state in ("submitted", "in_review"):
            item.submitted_at = submitted_at or utcnow()
    db.session.add(item)
    db.session.flush()
    return item


def all_scores(value=3):
    from lms.review.queries import criteria

    return {c.code: value for c in criteria()}
