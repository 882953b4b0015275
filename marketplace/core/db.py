"""Declarative base with a constraint naming convention, a UTC-only datetime type, lookups by id, and upserts."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, TypeVar

from sqlalchemy import DateTime, MetaData, TypeDecorator, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, registry, scoped_session

from marketplace.core import clock

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# The largest id the id columns hold (PostgreSQL INTEGER); a larger number overflows them instead of matching nothing.
MAX_ID = 2**31 - 1


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; refuses naive ones so local times cannot slip in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def _utcnow() -> datetime:
    return clock.now()


def is_id(value) -> bool:
    """Whether ``value`` could be a row's id: a whole number (not a bool) that fits the id columns."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def dialect_insert(session: Session, model):
    """An INSERT of ``model`` in the session's dialect, for ``on_conflict_do_nothing`` / ``on_conflict_do_update``
    (PostgreSQL and SQLite spell them alike)."""
    return (postgresql.insert if session.connection().dialect.name == "postgresql" else sqlite.insert)(model)


def get_by_id(session: Session, model: type[T], row_id) -> T | None:
    """The ``model`` row with id ``row_id``, or None, also when ``row_id`` cannot be an id (text, huge numbers)."""
    return session.get(model, row_id) if is_id(row_id) else None


def commit_keeping_loaded(session: Session) -> None:
    """Commit without expiring what the session holds, for a write handler that then renders what it wrote: the
    response needs no second transaction (on SQLite another BEGIN IMMEDIATE, queued behind the other writers,
    only to read the rows back). Only for rows whose committed values the session already has (no column the
    database fills or changes on its own, such as a trigger's, is shown)."""
    if isinstance(session, scoped_session):
        session = session()
    expires = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expires


intpk = Annotated[int, mapped_column(primary_key=True)]
created_at = Annotated[datetime, mapped_column(UTCDateTime(), default=_utcnow, nullable=False)]
updated_at = Annotated[
    datetime, mapped_column(UTCDateTime(), default=_utcnow, onupdate=_utcnow, nullable=False)
]

__all__ = ["Base", "UTCDateTime", "NAMING_CONVENTION", "MAX_ID", "is_id", "dialect_insert", "get_by_id",
           "commit_keeping_loaded", "intpk", "created_at", "updated_at",
           "func"]
