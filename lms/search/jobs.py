"""Keeping the index in step with the database: changed items are queued after commit and applied by
one writer in the background worker.

1. Features announce what changed (materials.signals, questions.signals, review.signals) while
   their transaction runs; core/events.py sends the announcements only once it has committed, so a
   rolled-back request queues nothing.
2. The receivers below write the items' keys to the pending queue (a small SQLite file beside the
   index, so a queued change survives a crash of the worker) and enqueue `apply_pending`.
3. `apply_pending` (Huey; immediate mode in tests) takes the one write lock, reads a batch of keys,
   builds their documents from the database (documents.py: a fixed number of statements per batch),
   deletes the items' old documents and adds the new ones in one Whoosh commit, and only then
   removes those keys from the queue (unless they were queued again meanwhile). A worker killed
   in the middle leaves the keys queued and the index as of its last commit: the next run redoes
   the batch.
4. `rebuild` (`flask lms reindex`) writes a whole new generation from the database under the same
   lock and swaps it in; searches go on against the old one until the swap.
"""

import contextlib
import logging
import os
import sqlite3
import time

from flask import current_app

from ..core.jobs import job
from ..extensions import db
from ..materials import signals as material_signals
from ..questions import signals as question_signals
from ..review import signals as review_signals
from . import documents, index

log = logging.getLogger(__name__)
BATCH = 500
# Tests set this to a callable run after each batch's documents are added, before the commit (a
# worker killed there is what `test_a_killed_writer_is_repaired` simulates).
_before_commit_hook = None


def root():
    return current_app.config["SEARCH_INDEX_DIR"]


def enabled():
    return bool(current_app.config.get("SEARCH_ENABLED", True))


# --- the pending queue -----------------------------------------------------------------------------

@contextlib.contextmanager
def _queue(folder):
    os.makedirs(folder, exist_ok=True)
    connection = sqlite3.connect(os.path.join(folder, "pending.sqlite3"), timeout=30, isolation_level=None)
    try:
        connection.execute("CREATE TABLE IF NOT EXISTS pending (key TEXT PRIMARY KEY, seq INTEGER NOT NULL)")
        yield connection
    finally:
        connection.close()


def queue(keys, folder=None):
    """Queue items ("material:12") for the writer. Called after commit only."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return
    with _queue(folder or root()) as connection:
        connection.execute("BEGIN IMMEDIATE")
        (seq,) = connection.execute("SELECT coalesce(max(seq), 0) FROM pending").fetchone()
        connection.executemany("INSERT OR REPLACE INTO pending (key, seq) VALUES (?, ?)",
                               [(key, seq + 1) for key in keys])
        connection.execute("COMMIT")


def pending_keys(folder=None):
    with _queue(folder or root()) as connection:
        return [key for (key,) in connection.execute("SELECT key FROM pending ORDER BY seq, key")]


def _take(connection, limit):
    return connection.execute("SELECT key, seq FROM pending ORDER BY seq, key LIMIT ?", (limit,)).fetchall()


def _done(connection, rows):
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany("DELETE FROM pending WHERE key = ? AND seq = ?", rows)
    connection.execute("COMMIT")


# --- the writer ------------------------------------------------------------------------------------

def apply_batch(keys, ix):
    """Replace the documents of `keys` in `ix` by what the database holds now (none for an item
    that is gone), in one commit."""
    docs = documents.docs_for(keys)
    writer = index.writer(ix)
    try:
        for key in keys:
            writer.delete_by_term("item", key)
        for doc in docs:
            index.add(writer, doc)
        if _before_commit_hook is not None:
            _before_commit_hook(keys)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    return docs


def drain(folder=None, batch=BATCH):
    """Apply everything queued, a batch per commit, under the write lock. Returns the number of
    items applied."""
    folder = folder or root()
    applied = 0
    with index.write_lock(folder), _queue(folder) as connection:
        ix = index.open_current(folder)
        while True:
            rows = _take(connection, batch)
            if not rows:
                break
            apply_batch([key for key, _seq in rows], ix)
            _done(connection, rows)
            applied += len(rows)
            if any(key.startswith("material:") for key, _seq in rows):
                _library_changed()
    return applied


def _library_changed():
    # The library's text filter asks the index (services.library_ids): its cached pages are
    # emptied once the index holds the change, not only when the database did.
    from ..materials.queries import library_cache

    library_cache().clear()


@job(retries=3, retry_delay=5)
def apply_pending():
    """The background writer: apply the queued changes (one at a time: the write lock)."""
    drain()


def rebuild(folder=None, batch=BATCH, echo=None):
    """Write a new generation from the whole database and swap it in atomically. Returns
    (documents, words, seconds)."""
    folder = folder or root()
    started = time.perf_counter()
    count = words = 0
    with index.write_lock(folder, timeout=600):
        with _queue(folder) as connection:
            (upto,) = connection.execute("SELECT coalesce(max(seq), 0) FROM pending").fetchone()
        path = index.new_generation(folder)
        from whoosh import index as windex

        ix = windex.open_dir(path)
        writer = index.bulk_writer(ix)
        try:
            for keys in documents.all_keys(batch):
                docs = documents.docs_for(keys)
                for doc in docs:
                    index.add(writer, doc)
                count += len(docs)
                words += documents.word_count(docs)
                db.session.rollback()  # let go of the batch's rows (and the read transaction)
                if echo:
                    echo(count)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        index.swap_in(folder, path)
        # What was queued before the rebuild read the database is in the new generation already.
        with _queue(folder) as connection:
            connection.execute("DELETE FROM pending WHERE seq <= ?", (upto,))
    _library_changed()
    return count, words, time.perf_counter() - started


# --- listeners (after commit) ----------------------------------------------------------------------

def _changed(keys):
    if not enabled():
        return
    queue(keys)
    apply_pending()


@material_signals.material_changed.connect
def _material_changed(_sender, material_id, **_payload):
    _changed([documents.item_key("material", material_id)])


@question_signals.questions_changed.connect
def _questions_changed(_sender, question_ids, **_payload):
    _changed([documents.item_key("question", i) for i in question_ids])


@review_signals.item_transitioned.connect
def _item_transitioned(_sender, item_type, item_id, **_payload):
    if item_type in documents.TYPES:
        _changed([documents.item_key(item_type, item_id)])
