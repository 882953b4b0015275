"""Units of work that check and then write under a lock, on SQLite.

SQLite has one writer at a time. A deferred transaction that has already read cannot become the writer
after another connection committed (SQLITE_BUSY at once, a 500), and its read would be stale anyway. So a
unit of work that decides on what it reads (no double booking, a login limit) starts with BEGIN IMMEDIATE,
taking the write lock before its first read; a racing request waits (busy_timeout) and then reads the
winner's rows. PostgreSQL needs no such start: each area locks what it decides on (rows, advisory locks).
"""
from __future__ import annotations

from sqlalchemy.orm import Session, scoped_session

BEGIN_IMMEDIATE = "sqlite_begin_immediate"


def begin_writing(session: Session) -> None:
    """Start the unit of work that will check and write under the write lock; call it before the checks.

    On SQLite this ends the read-only transaction a request may have opened (loading the signed-in
    user) and begins a new one with BEGIN IMMEDIATE. Refuses to run over unflushed or unsaved changes,
    which it would otherwise throw away. On other databases it does nothing.
    """
    if isinstance(session, scoped_session):  # Flask-SQLAlchemy's db.session: work on the session behind it
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_writing() must run before anything is changed in the session")
    if session.in_transaction():
        if session.connection().get_execution_options().get(BEGIN_IMMEDIATE):
            return
        session.rollback()  # only reads happened: nothing is lost, the read snapshot is released
    session.connection(execution_options={BEGIN_IMMEDIATE: True})
