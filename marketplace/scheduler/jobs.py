"""The scheduler's jobs: a fixed list, whatever the number of bookings; each sweeps through indexed due times.

A job is a step run in bounded batches, each batch its own unit of work (committed by the runner): a
crash loses at most the batch in progress, whose changes roll back and are found due again by the next
sweep, so nothing is lost and nothing is applied twice. A batch moves its bookings by one conditional
update that re-checks each is still due (``states.transition_many``), so two sweepers that found the same
booking move it once; the second skips it. A step returns (how many it found due, how many it moved); the runner repeats it while a
batch comes back full.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.orm import Session

from marketplace.bookings import lifecycle
from marketplace.core import events
from marketplace.usage import services as usage

Step = Callable[[Session, datetime, int, timedelta], tuple[int, int]]


@dataclass(frozen=True)
class Job:
    every: timedelta
    step: Step  # (session, now, batch size, completion grace) -> (found, moved)


def expire_requests(session: Session, now: datetime, limit: int, grace: timedelta) -> tuple[int, int]:
    return lifecycle.expire_due(session, now, limit=limit)


def warn_deadlines(session: Session, now: datetime, limit: int, grace: timedelta) -> tuple[int, int]:
    within = timedelta(hours=current_app.config["APPROVAL_REMINDER_HOURS"])
    return lifecycle.warn_deadlines_near(session, now, within=within, limit=limit)


def complete_bookings(session: Session, now: datetime, limit: int, grace: timedelta) -> tuple[int, int]:
    return lifecycle.complete_due(session, now, limit=limit, grace=grace)


def snapshot_usage(session: Session, now: datetime, limit: int, grace: timedelta) -> tuple[int, int]:
    """Each listing's usage per settled local day (last: the same sweep's expiries and completions count)."""
    written = usage.snapshot_due_days(session, now, current_app.config["TIMEZONE"], settle=grace, limit=limit)
    return written, written


def process_outbox(session: Session, now: datetime, limit: int, grace: timedelta) -> tuple[int, int]:
    """The durable subscribers of domain events (see ``core.events``), due deliveries oldest first."""
    ran = events.process_outbox(session, now, limit=limit)
    return ran, ran


JOBS: dict[str, Job] = {
    "process_outbox": Job(every=timedelta(seconds=5), step=process_outbox),
    "expire_requests": Job(every=timedelta(seconds=20), step=expire_requests),
    "warn_deadlines": Job(every=timedelta(minutes=1), step=warn_deadlines),
    "complete_bookings": Job(every=timedelta(seconds=60), step=complete_bookings),
    "snapshot_usage": Job(every=timedelta(minutes=10), step=snapshot_usage),
}
