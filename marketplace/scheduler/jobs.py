"""The scheduler's jobs: a fixed list, whatever the number of bookings; each sweeps through indexed due times.

A job is a step run in bounded batches, each batch its own unit of work (committed by the runner): a
crash loses at most the batch in progress, whose changes roll back and are found due again by the next
sweep, so nothing is lost and nothing is applied twice. Each booking is re-read under its lock before it
moves (``lifecycle.*_if_due``), so two sweepers that found the same booking move it once; the second
skips it. A step returns (how many it found due, how many it moved); the runner repeats it while a
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
from marketplace.reputation import services as reputation
from marketplace.reviews import services as reviews

Step = Callable[[Session, datetime, int, timedelta], tuple[int, int]]


@dataclass(frozen=True)
class Job:
    every: timedelta
    step: Step  # (session, now, batch size, completion grace) -> (found, moved)


def expire_requests(session: Session, now: datetime, limit: int, grace: timedelta) -> tuple[int, int]:
    batch = lifecycle.due_for_expiry(session, now, limit=limit)
    return len(batch), sum(lifecycle.expire_if_due(session, booking, now) for booking in batch)


def complete_bookings(session: Session, now: datetime, limit: int, grace: timedelta) -> tuple[int, int]:
    batch = lifecycle.due_for_completion(session, now, limit=limit, grace=grace)
    return len(batch), sum(lifecycle.complete_if_due(session, booking, now, grace=grace) for booking in batch)


def process_outbox(session: Session, now: datetime, limit: int, grace: timedelta) -> tuple[int, int]:
    """The durable subscribers of domain events (see ``core.events``), due deliveries oldest first."""
    ran = events.process_outbox(session, now, limit=limit)
    return ran, ran


def reveal_reviews(session: Session, now: datetime, limit: int, grace: timedelta) -> tuple[int, int]:
    """Reviews whose window closed without the other side writing: revealed, each once (a conditional update)."""
    batch = reviews.due_for_reveal(session, now, limit=limit)
    return len(batch), sum(reviews.reveal_if_due(session, review, now) for review in batch)


def recompute_reputation(session: Session, now: datetime, limit: int, grace: timedelta) -> tuple[int, int]:
    """The nightly full recompute of every reputation (what the incremental updates must agree with)."""
    ran = reputation.recompute_if_due(session, reputation.Policy.from_config(current_app.config), now,
                                      hour_utc=current_app.config["REPUTATION_RECOMPUTE_HOUR_UTC"])
    return 0, int(ran)


JOBS: dict[str, Job] = {
    "process_outbox": Job(every=timedelta(seconds=5), step=process_outbox),
    "expire_requests": Job(every=timedelta(seconds=20), step=expire_requests),
    "complete_bookings": Job(every=timedelta(seconds=60), step=complete_bookings),
    "reveal_reviews": Job(every=timedelta(minutes=5), step=reveal_reviews),
    "recompute_reputation": Job(every=timedelta(hours=1), step=recompute_reputation),
}
