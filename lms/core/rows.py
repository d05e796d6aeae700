"""Writes that two requests may race for, said once for SQLite and PostgreSQL.

`insert_unless_present` is INSERT … ON CONFLICT (key) DO NOTHING RETURNING id. It needs no
SAVEPOINT: on SQLite a savepoint that is a transaction's first write is committed when released
(pysqlite opens no transaction before it), so a later rollback would have kept its row. On
PostgreSQL a racing INSERT of the same key waits for the winner's transaction and then does
nothing; SQLite has one writer at a time.
"""

from ..extensions import db


def dialect_insert(model):
    """The INSERT construct of the session's database (with on_conflict_* clauses)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def insert_unless_present(model, values, key):
    """Insert a row of `model` unless one with the same unique `key` column(s) exists; the new
    row's id, or None when there was one already (the caller reads it by its key)."""
    keys = key if isinstance(key, (list, tuple)) else [key]
    return db.session.scalar(dialect_insert(model).values(**values)
                             .on_conflict_do_nothing(index_elements=keys).returning(model.id))
