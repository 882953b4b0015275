"""One runner at a time: a lease row taken and renewed by conditional statements.

A scheduler acts only while it holds the lease. It takes it when nobody holds it or the holder let it
expire, and renews it well before it expires (every ``RENEW_EVERY``); a holder that dies stops renewing,
so another scheduler takes over at most ``LEASE_TTL + RENEW_EVERY`` later (within a minute). The
statements decide in the database (an UPDATE whose WHERE says "mine or expired", an INSERT that does
nothing on a conflict), so two schedulers racing for it cannot both win, on either database.
"""
from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

from sqlalchemy import case, literal, or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from marketplace.core.db import UTCDateTime
from marketplace.scheduler.models import SchedulerLease

NAME = "scheduler"
LEASE_TTL = timedelta(seconds=45)
RENEW_EVERY = timedelta(seconds=15)


def new_holder() -> str:
    """host:pid:random, unique per scheduler object even for two in one process."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def acquire(session: Session, holder: str, now: datetime, *, name: str = NAME, ttl: timedelta = LEASE_TTL) -> bool:
    """Take or renew the lease for ``holder`` (and beat); False while another holder's lease runs."""
    lease = SchedulerLease.__table__.c
    renewed = session.execute(
        update(SchedulerLease.__table__)
        .where(lease.name == name, or_(lease.holder == holder, lease.expires_at <= now))
        .values(acquired_at=case((lease.holder == holder, lease.acquired_at), else_=literal(now, UTCDateTime())),
                holder=holder, expires_at=now + ttl, heartbeat_at=now))
    if renewed.rowcount == 1:
        return True
    dialect_insert = sqlite_insert if session.connection().dialect.name == "sqlite" else postgresql_insert
    inserted = session.execute(
        dialect_insert(SchedulerLease.__table__)
        .values(name=name, holder=holder, acquired_at=now, expires_at=now + ttl, heartbeat_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(SchedulerLease.__table__.c.name))
    return inserted.scalar() is not None  # (rowcount is not reported for INSERT … ON CONFLICT by every driver)


def release(session: Session, holder: str, now: datetime, *, name: str = NAME) -> None:
    """Let the lease expire now, so the next scheduler need not wait (a clean stop); keeps the last heartbeat."""
    session.execute(update(SchedulerLease.__table__).where(
        SchedulerLease.__table__.c.name == name, SchedulerLease.__table__.c.holder == holder,
    ).values(expires_at=now))


def current(session: Session, *, name: str = NAME) -> SchedulerLease | None:
    return session.get(SchedulerLease, name)
