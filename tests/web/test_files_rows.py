"""The StoredFile row of new bytes belongs to the caller's transaction (issue 10's finding: with a
savepoint as a transaction's first write, SQLite committed the row at the savepoint's release, and
a rollback left it behind)."""

import hashlib
import threading

from lms.extensions import db
from lms.files import services as files
from lms.files.models import StoredFile


def rows(data):
    return db.session.scalar(db.select(db.func.count()).select_from(StoredFile)
                             .where(StoredFile.sha256 == hashlib.sha256(data).hexdigest()))


def test_a_rollback_takes_the_new_row_with_it(app):
    data = "Đề kiểm tra giữa kì\n".encode() * 3
    row = files.store_bytes(data, "de.txt", "text/plain", "txt")
    assert row.id is not None and rows(data) == 1
    db.session.rollback()
    assert rows(data) == 0


def test_the_same_bytes_twice_give_one_row(app):
    data = b"mot tep hai lan"
    first = files.store_bytes(data, "a.txt", "text/plain", "txt")
    db.session.commit()
    second = files.store_bytes(data, "b.txt", "text/plain", "txt")
    assert second.id == first.id and rows(data) == 1


def test_two_requests_storing_the_same_bytes_at_once_share_one_row(app):
    data = b"hai yeu cau cung luc"
    barrier, ids, errors = threading.Barrier(2), [], []

    def store():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                ids.append(files.store_bytes(data, "x.txt", "text/plain", "txt").id)
                db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=store) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and len(ids) == 2 and ids[0] == ids[1]
    assert rows(data) == 1
