"""What each area holds about a person, for their export and their account's deletion (PIPL).

Every area registers, in its own ``personal_data.py``, an exporter (what the person may download) and an
eraser (what goes when they delete their account) for each table of its own that points at a user, or
says that a reference stays (``keep``): it then points at the anonymised account, which is how the
points ledger, reviews and usage figures stay consistent. Tests walk the metadata and fail for a user
foreign key that deletion neither erases nor keeps, or that the export neither covers nor keeps.
"""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.core import audit
from marketplace.core.audit import AuditEntry
from marketplace.core.events import DomainEvent

Column = tuple[str, str]  # (table, column)


@dataclass(frozen=True)
class Erasure:
    """What an eraser needs beside the session and the person: the time, the deployment's zone, and how long a
    slot freed by a cancellation is held for the next one waiting."""

    now: datetime
    zone: str
    hold: timedelta


@dataclass(frozen=True)
class Exporter:
    name: str
    export: Callable[[Session, object], object]
    covers: tuple[Column, ...]


@dataclass(frozen=True)
class Eraser:
    name: str
    erase: Callable[[Session, object, Erasure], None]
    covers: tuple[Column, ...]
    order: int


EXPORTERS: dict[str, Exporter] = {}
ERASERS: dict[str, Eraser] = {}
KEPT: dict[Column, str] = {}


def exporter(name: str, *covers: Column):
    """Register ``fn(session, user) -> JSON-safe value`` as the export's section ``name``."""
    def register(fn):
        EXPORTERS[name] = Exporter(name, fn, covers)
        return fn
    return register


def eraser(name: str, *covers: Column, order: int = 50):
    """Register ``fn(session, user, erasure)``; lower ``order`` runs first (bookings before the rows they free)."""
    def register(fn):
        ERASERS[name] = Eraser(name, fn, covers, order)
        return fn
    return register


def keep(why: str, *columns: Column) -> None:
    """Say that these references stay on deletion, pointing at the anonymised account, and why."""
    for column in columns:
        KEPT[column] = why


def rows(session: Session, model, where, *, exclude: Iterable[str] = ()) -> list[dict]:
    """The rows of ``model`` matching ``where`` as JSON-safe dicts, oldest first, without ``exclude``d columns."""
    return [audit.snapshot(obj, exclude=tuple(exclude)) for obj in session.scalars(
        select(model).where(where).order_by(*model.__table__.primary_key.columns))]


def erased_or_kept() -> set[Column]:
    """Every (table, column) that account deletion erases, or keeps on purpose."""
    load()
    return set(KEPT).union(*(entry.covers for entry in ERASERS.values()))


def exported_or_kept() -> set[Column]:
    """Every (table, column) the export covers, or that stays as another's record (``keep``)."""
    load()
    return set(KEPT).union(*(entry.covers for entry in EXPORTERS.values()))


def load() -> None:
    """Import every area's ``personal_data`` module, so their registrations are made."""
    import marketplace

    for area in pkgutil.iter_modules(marketplace.__path__):
        if area.ispkg and importlib.util.find_spec(f"marketplace.{area.name}.personal_data") is not None:
            importlib.import_module(f"marketplace.{area.name}.personal_data")


@exporter("audit_actions", ("audit_entries", "actor_id"))
def export_audit_actions(session: Session, user) -> list[dict]:
    return rows(session, AuditEntry, AuditEntry.actor_id == user.id, exclude=("before", "after"))


@eraser("audit_about", ("audit_entries", "object_id"), order=90)
def erase_audit_about(session: Session, user, erasure: Erasure) -> None:
    # Earlier entries about the account carry snapshots of its profile (phone, email): the record of what was
    # done stays, the personal values in it go.
    session.execute(update(AuditEntry).where(AuditEntry.object_type == "users", AuditEntry.object_id == user.id)
                    .values(before=None, after=None))


keep("the event log drives deliveries and statistics, the audit log says who did what; their actor becomes the "
     "anonymised account", ("domain_events", "actor_id"), ("audit_entries", "actor_id"))
