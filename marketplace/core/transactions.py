"""How each unit of work begins its transaction, decided here once for every face (HTML, API, CLI, jobs).

SQLite admits one writer at a time. A transaction begun with a plain (deferred) BEGIN that has read and
then writes cannot wait for the write lock when another writer committed after its read: SQLite answers
"database is locked" at once, whatever the busy timeout. So on SQLite every unit of work that may write
begins with BEGIN IMMEDIATE, which queues for the write lock (up to the busy timeout) before its first
read; only units of work that cannot write begin deferred, so that they read beside the writer (WAL).

Nothing has to remember this: a unit of work may write unless it is known not to, i.e. a web request with
a safe method (GET, HEAD, OPTIONS never write: the web edge says so, see ``core.http``) or code run
inside :func:`read_only` (a long read such as the search reindex, which should not hold the write lock).
Declaring too little read-only costs concurrency, never correctness. PostgreSQL needs none of this: its
writers wait on row locks (see ``bookings.locking``).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm import Session

# Set on a connection's info while its current transaction was begun with BEGIN IMMEDIATE.
BEGUN_IMMEDIATE = "begun_immediate"

_read_only: ContextVar[bool] = ContextVar("read_only_unit_of_work", default=False)


@contextmanager
def read_only(enabled: bool = True) -> Iterator[None]:
    """Run the enclosed units of work as readers (deferred BEGIN on SQLite); they must not write.

    ``read_only(False)`` lets a stretch of code inside a reader write again (begin IMMEDIATE).
    """
    token = _read_only.set(enabled)
    try:
        yield
    finally:
        _read_only.reset(token)


def sqlite_begin_listener(is_read_only_request: Callable[[], bool]):
    """The SQLite ``begin`` listener: BEGIN IMMEDIATE unless the unit of work is read-only."""

    def begin(connection: Connection) -> None:
        if _read_only.get() or is_read_only_request():
            connection.info.pop(BEGUN_IMMEDIATE, None)
            connection.exec_driver_sql("BEGIN")
        else:
            connection.info[BEGUN_IMMEDIATE] = True
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return begin


def holds_write_lock(connection: Connection) -> bool:
    """Whether this SQLite connection's transaction began with BEGIN IMMEDIATE (holds the write lock)."""
    return bool(connection.info.get(BEGUN_IMMEDIATE))


def statement_savepoint(session: Session):
    """Wrap a statement the database may refuse (a constraint, a trigger) when the unit of work must go on after
    a refusal: a savepoint on PostgreSQL, where a refused statement aborts the whole transaction; nothing on
    SQLite, which undoes the refused statement alone (and spares the SAVEPOINT and RELEASE round trips).
    For ``session.execute`` only: a refused flush ends the session's transaction on either database."""
    return nullcontext() if session.connection().dialect.name == "sqlite" else session.begin_nested()


# SQLSTATEs PostgreSQL gives when a unit of work could not get its locks in time or lost a lock conflict:
# lock_not_available (lock_timeout passed), deadlock_detected, serialization_failure.
_TRANSIENT_SQLSTATES = {"55P03", "40P01", "40001"}
_SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked", "database is busy")


def is_lock_timeout(error: BaseException) -> bool:
    """Whether a database error means "busy, try again shortly" rather than a bug (it maps to 503)."""
    if isinstance(error, SQLAlchemyTimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    if getattr(original, "sqlstate", None) in _TRANSIENT_SQLSTATES:
        return True
    return isinstance(original, sqlite3.OperationalError) and str(original).startswith(_SQLITE_BUSY_MESSAGES)
