"""The audit log: who did what to which object, written by any area in the same transaction as the action."""
from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, String, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from marketplace.core.db import Base, created_at, intpk


class AuditEntry(Base):
    """Who did what to which object, when, with the object's fields before and after."""

    __tablename__ = "audit_entries"

    id: Mapped[intpk]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[created_at] = mapped_column(index=True)

    # By name: core imports no area; the registry resolves it once every area's models are imported.
    actor = relationship("User")


def snapshot(obj, *, exclude: tuple[str, ...] = ("password_hash",)) -> dict:
    """A JSON-safe dict of an object's column values by column name, for before/after audit records."""
    values = {}
    for attr in inspect(obj).mapper.column_attrs:
        name = attr.columns[0].name
        if name in exclude:
            continue
        values[name] = _json_safe(getattr(obj, attr.key))
    return values


def _json_safe(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def record(session: Session, actor, action: str, obj=None, *, before: dict | None = None,
           after: dict | None = None, object_type: str | None = None, object_id: int | None = None) -> AuditEntry:
    """Append an audit entry; ``after`` defaults to a snapshot of ``obj``."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
        if after is None:
            after = snapshot(obj)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry
