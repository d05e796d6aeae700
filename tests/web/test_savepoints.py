"""A savepoint is part of its request's transaction on both databases: what it wrote goes with a
rollback (on SQLite a savepoint that was the transaction's first write used to commit at its
release)."""

from lms.extensions import db
from lms.schools.models import Subject


def test_a_rollback_takes_back_what_a_released_savepoint_wrote(app):
    before = db.session.scalar(db.select(db.func.count()).select_from(Subject))
    with db.session.begin_nested():
        db.session.add(Subject(code="thu-nghiem", name_vi="Thử nghiệm", name_en="Trial"))
    assert db.session.scalar(db.select(db.func.count()).select_from(Subject)) == before + 1
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Subject)) == before


def test_a_released_savepoint_is_kept_by_the_commit(app):
    with db.session.begin_nested():
        db.session.add(Subject(code="thu-nghiem", name_vi="Thử nghiệm", name_en="Trial"))
    db.session.commit()
    db.session.remove()
    assert db.session.scalar(db.select(Subject.id).where(Subject.code == "thu-nghiem")) is not None
