"""The scheduler's jobs: a fixed list, whatever the number of bookings; each sweeps through indexed due times.

A job is a step run in bounded batches, each batch its own unit of work (committed by the runner): a
crash loses at most the batch in progress, whose changes roll back and are found due again by the next
sweep, so nothing is lost and nothing is applied twice. A batch moves its bookings by one conditional
update that re-checks each is still due (``states.transition_many``), so two sweepers that found the same
booking move it once; the second skips it. A step returns (how many it found due, how many it moved); the runner repeats it while a
batch comes back full.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from marketplace.bookings import lifecycle, reminders
from marketplace.core import events
from marketplace.feedback import services as feedback
from marketplace.lotteries import services as lotteries
from marketplace.notifications import services as notifications
from marketplace.reputation import services as reputation
from marketplace.reviews import services as reviews
from marketplace.usage import services as usage
from marketplace.waitlist import services as waitlist
from marketplace.webhooks import services as webhooks
from marketplace.wishes import services as wishes

Step = Callable[[Session, datetime, int, Mapping], tuple[int, int]]
Due = Callable[[Session, datetime, Mapping], datetime | None]


@dataclass(frozen=True)
class Job:
    every: timedelta
    step: Step  # (session, now, batch size, the deployment's settings) -> (found, moved)
    # (session, now, settings) -> when the longest-waiting work the step would find fell due, or None: one indexed
    # read, so that a sweep with nothing due reads and does not queue for the write lock (SQLite) for this job.
    # It must find whatever the step finds. Jobs without one (their due work is not one indexed time) just run.
    due: Due | None = None


def expire_requests(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    return lifecycle.expire_due(session, now, limit=limit)


def warn_deadlines(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    within = timedelta(hours=settings["APPROVAL_REMINDER_HOURS"])
    return lifecycle.warn_deadlines_near(session, now, within=within, limit=limit)


def send_reminders(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """Reminders before confirmed bookings' starts, at the deployment's ``REMINDER_OFFSETS_HOURS``."""
    return reminders.send_reminders(session, now, settings["REMINDER_OFFSETS_HOURS"], limit=limit)


def release_bookings(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """Confirmed bookings of check-in listings that nobody checked in to: released as no-shows."""
    batch = lifecycle.due_for_release(session, now, limit=limit)
    return len(batch), sum(lifecycle.release_if_due(session, booking, now) for booking in batch)


def complete_bookings(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    return lifecycle.complete_due(session, now, limit=limit, grace=_completion_grace(settings))


def snapshot_usage(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """Each listing's usage per settled local day (last: the same sweep's expiries and completions count)."""
    written = usage.snapshot_due_days(session, now, settings["TIMEZONE"], settle=_completion_grace(settings),
                                      limit=limit)
    return written, written


def _completion_grace(settings: Mapping) -> timedelta:
    return timedelta(minutes=settings["COMPLETION_GRACE_MINUTES"])


def lapse_waitlist_holds(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """Holds of freed slots that their person did not use in time lapse; the next in line is offered the slot."""
    batch = waitlist.due_to_lapse(session, now, limit=limit)
    return len(batch), sum(waitlist.lapse_if_due(session, entry_id, listing_id, now, zone=settings["TIMEZONE"],
                                                 hold=timedelta(minutes=settings["WAITLIST_HOLD_MINUTES"])) for entry_id, listing_id in batch)


def draw_lotteries(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """Lotteries whose draw time came: drawn, each once (a conditional update under the listing's lock)."""
    batch = lotteries.due_draws(session, now, limit=limit)
    return len(batch), sum(lotteries.draw_if_due(session, lottery_id, listing_id, now, zone=settings["TIMEZONE"])
                           for lottery_id, listing_id in batch)


def process_outbox(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """The durable subscribers of domain events (see ``core.events``), due deliveries oldest first, in units of
    ``OUTBOX_BATCH_SIZE`` (the runner goes on while a run finds at least ``limit``)."""
    ran = events.process_outbox(session, now, limit=max(limit, settings["OUTBOX_BATCH_SIZE"]))
    return ran, ran


def send_digests(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """Today's digest of pending requests for each staff member who chose it (once a local day each)."""
    zone = settings["TIMEZONE"]
    batch = notifications.due_digests(session, now, zone=zone, limit=limit)
    return len(batch), sum(notifications.send_digest(session, user_id, now, zone=zone) is not None
                           for user_id in batch)


def reveal_reviews(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """Reviews whose window closed without the other side writing: revealed, each once (a conditional update)."""
    batch = reviews.due_for_reveal(session, now, limit=limit)
    return len(batch), sum(reviews.reveal_if_due(session, review, now) for review in batch)


def escalate_feedback(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """Feedback nobody answered within ``FEEDBACK_ESCALATE_DAYS``: escalated to the street, each once."""
    after = timedelta(days=settings["FEEDBACK_ESCALATE_DAYS"])
    batch = feedback.due_for_escalation(session, now, after=after, limit=limit)
    return len(batch), sum(feedback.escalate_if_due(session, feedback_id, now, after=after) for feedback_id in batch)


def recompute_reputation(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """The nightly full recompute of every reputation (what the incremental updates must agree with)."""
    ran = reputation.recompute_if_due(session, reputation.Policy.from_config(settings), now,
                                      hour_utc=settings["REPUTATION_RECOMPUTE_HOUR_UTC"])
    return 0, int(ran)


def release_wish_claims(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """Claims of wishes not fulfilled by their deadline: released, each once; the wishes go back to the wall."""
    rules = wishes.Rules.from_config(settings)
    batch = wishes.due_claims(session, now, limit=limit)
    return len(batch), sum(wishes.release_if_due(session, wish, now, rules=rules) for wish in batch)


def escalate_wishes(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """Wishes nobody claimed in time: up one wall (grid → community → street), each once, that level's staff told."""
    rules = wishes.Rules.from_config(settings)
    batch = wishes.due_escalations(session, now, limit=limit)
    return len(batch), sum(wishes.escalate_if_due(session, wish, now, rules=rules) for wish in batch)


def send_webhooks(session: Session, now: datetime, limit: int, settings: Mapping) -> tuple[int, int]:
    """Due webhook deliveries, one attempt each, on the Standard Webhooks retry schedule (see ``webhooks.services``)."""
    found, claims = webhooks.claim_due(session, now, limit=limit)
    # The claims commit before anything is sent: a crash mid-send, or a rollback of what follows, must not send
    # an attempt again; nor may a database lock be held while waiting on a slow receiver.
    session.commit()
    limits = webhooks.Limits.from_config(settings)
    succeeded = 0
    for claim in claims:
        status_code, error = webhooks.send(claim, now, allow_private=settings["WEBHOOK_ALLOW_PRIVATE_TARGETS"],
                                           timeout=settings["WEBHOOK_TIMEOUT_SECONDS"])
        succeeded += webhooks.record_outcome(session, claim, status_code, error, now, limits)
    return found, succeeded


def outbox_due(session: Session, now: datetime, settings: Mapping) -> datetime | None:
    return events.oldest_due(session, now)


def expiry_due(session: Session, now: datetime, settings: Mapping) -> datetime | None:
    return lifecycle.oldest_expiry_due(session, now)


def completion_due(session: Session, now: datetime, settings: Mapping) -> datetime | None:
    return lifecycle.oldest_completion_due(session, now, grace=_completion_grace(settings))


def lapse_due(session: Session, now: datetime, settings: Mapping) -> datetime | None:
    return waitlist.oldest_lapse_due(session, now)


def draw_due(session: Session, now: datetime, settings: Mapping) -> datetime | None:
    return lotteries.oldest_draw_due(session, now)


def reveal_due(session: Session, now: datetime, settings: Mapping) -> datetime | None:
    return reviews.oldest_reveal_due(session, now)


def feedback_escalation_due(session: Session, now: datetime, settings: Mapping) -> datetime | None:
    return feedback.oldest_escalation_due(session, now, after=timedelta(days=settings["FEEDBACK_ESCALATE_DAYS"]))


def recompute_due(session: Session, now: datetime, settings: Mapping) -> datetime | None:
    return reputation.recompute_due_at(session, now, hour_utc=settings["REPUTATION_RECOMPUTE_HOUR_UTC"])


def wish_claim_due(session: Session, now: datetime, settings: Mapping) -> datetime | None:
    return wishes.oldest_claim_due(session, now)


def wish_escalation_due(session: Session, now: datetime, settings: Mapping) -> datetime | None:
    return wishes.oldest_escalation_due(session, now)


def webhooks_due(session: Session, now: datetime, settings: Mapping) -> datetime | None:
    return webhooks.oldest_due(session, now)


JOBS: dict[str, Job] = {
    "process_outbox": Job(every=timedelta(seconds=5), step=process_outbox, due=outbox_due),
    "expire_requests": Job(every=timedelta(seconds=20), step=expire_requests, due=expiry_due),
    "warn_deadlines": Job(every=timedelta(minutes=1), step=warn_deadlines),
    "send_reminders": Job(every=timedelta(seconds=60), step=send_reminders),
    # Before completion: a sweep late enough for both releases a missed booking (a no-show), never completes it.
    "release_bookings": Job(every=timedelta(seconds=60), step=release_bookings),
    "complete_bookings": Job(every=timedelta(seconds=60), step=complete_bookings, due=completion_due),
    "send_digests": Job(every=timedelta(minutes=10), step=send_digests),
    "lapse_waitlist_holds": Job(every=timedelta(seconds=20), step=lapse_waitlist_holds, due=lapse_due),
    "draw_lotteries": Job(every=timedelta(seconds=30), step=draw_lotteries, due=draw_due),
    "reveal_reviews": Job(every=timedelta(minutes=5), step=reveal_reviews, due=reveal_due),
    "recompute_reputation": Job(every=timedelta(hours=1), step=recompute_reputation, due=recompute_due),
    "escalate_feedback": Job(every=timedelta(minutes=10), step=escalate_feedback, due=feedback_escalation_due),
    "snapshot_usage": Job(every=timedelta(minutes=10), step=snapshot_usage),
    # Release before escalation: a released wish starts its time on the wall afresh.
    "release_wish_claims": Job(every=timedelta(minutes=5), step=release_wish_claims, due=wish_claim_due),
    "escalate_wishes": Job(every=timedelta(minutes=5), step=escalate_wishes, due=wish_escalation_due),
    # After the outbox (which turns events into deliveries) and every job that records events: a sweep sends
    # what it made, at once as the spec's first attempt asks.
    "send_webhooks": Job(every=timedelta(seconds=5), step=send_webhooks, due=webhooks_due),
}
