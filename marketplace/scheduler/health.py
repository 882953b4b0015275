"""Is the scheduler running? What the platform admin's page, its JSON and the stale banner show."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core import events
from marketplace.scheduler import jobs, lease
from marketplace.scheduler.models import SchedulerLease

# A heartbeat older than this (or none ever) warns the platform admins on every page.
STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Health:
    holder: str | None
    holding: bool
    heartbeat_at: datetime | None
    expires_at: datetime | None
    lag: timedelta | None  # now − last heartbeat
    oldest_due_at: datetime | None  # the longest-waiting due work of the jobs in ``timed_jobs``, not done yet
    stale: bool
    jobs: list[str]
    timed_jobs: list[str]  # the jobs whose due work has one indexed due time (``jobs.Job.due``)
    outbox_backlog: int  # durable deliveries of domain events not done yet
    outbox_failed: int  # deliveries that kept failing and were given up (core.events.MAX_ATTEMPTS)

    @property
    def lag_seconds(self) -> float | None:
        return self.lag.total_seconds() if self.lag is not None else None


def scheduler_health(session: Session, now: datetime, settings: Mapping) -> Health:
    held = lease.current(session)
    timed = {name: job.due for name, job in jobs.JOBS.items() if job.due is not None}
    due = [moment for probe in timed.values() if (moment := probe(session, now, settings)) is not None]
    heartbeat = held.heartbeat_at if held else None
    outbox = events.outbox_health(session, now)
    return Health(
        holder=held.holder if held else None,
        holding=bool(held and held.expires_at > now),
        heartbeat_at=heartbeat,
        expires_at=held.expires_at if held else None,
        lag=now - heartbeat if heartbeat else None,
        oldest_due_at=min(due, default=None),
        stale=heartbeat is None or now - heartbeat > STALE_AFTER,
        jobs=["heartbeat", *jobs.JOBS],
        timed_jobs=list(timed),
        outbox_backlog=outbox["backlog"],
        outbox_failed=outbox["failed"],
    )


def is_stale(session: Session, now: datetime) -> bool:
    """One primary-key read: whether the last heartbeat is older than ``STALE_AFTER`` (or none ever)."""
    heartbeat = session.scalar(select(SchedulerLease.heartbeat_at).where(SchedulerLease.name == lease.NAME))
    return heartbeat is None or now - heartbeat > STALE_AFTER
