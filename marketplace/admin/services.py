"""The audit log: every admin and staff action, written in the same transaction as the action."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
import enum

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from marketplace.admin.models import AuditEntry


def snapshot(obj, *, exclude: tuple[str, ...] = ("password_hash",)) -> dict:
    """A JSON-safe dict of an object's column values, for before/after audit records."""
    values = {}
    for attr in inspect(obj).mapper.column_attrs:
        if attr.key in exclude:
            continue
        values[attr.key] = _json_safe(getattr(obj, attr.key))
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


def list_audit_entries(session: Session, *, page: int = 1, per_page: int = 50,
                       object_type: str | None = None, actor_id: int | None = None):
    """A page of the audit log, newest first, and the total."""
    stmt = select(AuditEntry)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if actor_id:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return list(rows), total
