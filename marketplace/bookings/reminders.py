"""Reminders before a confirmed booking's start: one per booking per offset (``REMINDER_OFFSETS_HOURS``).

Each reminder is dealt with exactly once: a ``booking_reminders`` row per (booking, offset), written in the
same transaction as the ``booking.reminder`` event it announces (or as the record that it was skipped). A
second sweeper's row for the same reminder is refused by the primary key (``ON CONFLICT DO NOTHING``, on
PostgreSQL after waiting for the first sweeper's commit), and that sweeper records no event.

The notifications area turns the event into a message, and drops it for a booker who turned reminders off.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from marketplace.bookings.models import Booking, BookingReminder, BookingStatus, ReminderOutcome
from marketplace.core import events

# Lateness: a reminder whose moment (start - offset) has passed because the scheduler was down is still sent
# while at least a twelfth of its offset, and never less than ten minutes, remain before the start (a 24 h
# reminder until 2 h before, a 1 h reminder until 10 minutes before); after that it is skipped, and the skip is
# recorded so that it is never considered again. A booking made after an offset's moment is not reminded at that
# offset (its confirmation has just told the booker): that one is recorded as skipped too.
USEFUL_SHARE = 12
USEFUL_AT_LEAST = timedelta(minutes=10)
# A reminder sent more than this after its moment is flagged late (the sweep runs every minute).
LATE_AFTER = timedelta(minutes=5)


def still_useful(start_at: datetime, hours_before: int, now: datetime) -> bool:
    """Whether the reminder ``hours_before`` a start is still worth sending at ``now`` (the lateness rule)."""
    return start_at - now >= max(timedelta(hours=hours_before) / USEFUL_SHARE, USEFUL_AT_LEAST)


def due_for_reminder(session: Session, now: datetime, hours_before: int, *, look_back: timedelta,
                     limit: int = 500) -> list[Booking]:
    """Confirmed bookings whose reminder ``hours_before`` their start is due and not yet dealt with, earliest
    start first: those starting in (now - look_back, now + offset], without a reminder row for the offset.

    The status+start index bounds the scan to that window; the primary key of ``booking_reminders`` answers
    the anti-join per booking.
    """
    dealt_with = exists().where(BookingReminder.booking_id == Booking.id, BookingReminder.hours_before == hours_before)
    return list(session.scalars(select(Booking).where(
        Booking.status == BookingStatus.confirmed, Booking.start_at > now - look_back,
        Booking.start_at <= now + timedelta(hours=hours_before), ~dealt_with,
    ).order_by(Booking.start_at, Booking.id).limit(limit)))


def remind(session: Session, booking: Booking, hours_before: int, now: datetime) -> bool:
    """Deal with one due reminder: record ``booking.reminder`` when still useful, else the skip; True when this
    call wrote the reminder's row (False: another sweeper already had)."""
    made_after_its_moment = booking.created_at > booking.start_at - timedelta(hours=hours_before)
    useful = still_useful(booking.start_at, hours_before, now) and not made_after_its_moment
    outcome = ReminderOutcome.sent if useful else ReminderOutcome.skipped
    dialect_insert = sqlite_insert if session.connection().dialect.name == "sqlite" else postgresql_insert
    written = session.execute(
        dialect_insert(BookingReminder)
        .values(booking_id=booking.id, hours_before=hours_before, outcome=outcome, at=now)
        .on_conflict_do_nothing(index_elements=["booking_id", "hours_before"])
        .returning(BookingReminder.booking_id)).scalar() is not None
    if written and outcome is ReminderOutcome.sent:
        moment = booking.start_at - timedelta(hours=hours_before)
        events.record(session, "booking.reminder", subject=("booking", booking.id),
                      payload={"listing_id": booking.listing_id, "booker_id": booking.booker_id,
                               "hours_before": hours_before, "late": now - moment > LATE_AFTER})
    return written


def send_reminders(session: Session, now: datetime, offsets: Iterable[int], *, limit: int = 500) -> tuple[int, int]:
    """One batch of due reminders, the largest offset first, at most ``limit`` in all: (found, dealt with)."""
    offsets = sorted(set(offsets), reverse=True)
    if not offsets:
        return 0, 0
    look_back = timedelta(hours=offsets[0])
    found = moved = 0
    for hours_before in offsets:
        batch = due_for_reminder(session, now, hours_before, look_back=look_back, limit=limit - found)
        found += len(batch)
        moved += sum(remind(session, booking, hours_before, now) for booking in batch)
        if found >= limit:
            break
    return found, moved
