"""What happens to bookings as time passes, without anyone clicking: undecided requests expire at their
deadline (staff are warned shortly before), confirmed bookings complete after their end. The scheduler's
sweeps read the status+time indexes, so their cost follows the number of due bookings, not of all bookings.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.bookings import states
from marketplace.bookings.locking import lock_booking
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.bookings.services import require_provider
from marketplace.core import clock, events
from marketplace.core.errors import ValidationFailed
from marketplace.core.i18n import _l


def expire_booking(session: Session, booking: Booking, *, now: datetime | None = None) -> Booking:
    """Let one undecided request lapse at its deadline, freeing its slot (the scheduler moves them in batches:
    ``expire_due``)."""
    now = now or clock.now()
    lock_booking(session, booking)
    if booking.status is BookingStatus.pending and now < booking.approval_deadline:
        raise ValidationFailed(None, _l("还没到审批期限，不能置为过期"))
    states.transition(booking, BookingStatus.expired, action="expire", actor=None, at=now)
    booking.approval_deadline = None
    session.flush()
    return booking


def complete_booking(session: Session, booking: Booking, *, actor: User | None = None,
                     now: datetime | None = None) -> Booking:
    """Close a confirmed booking after its end (the scheduler, ``actor`` None, or the provider)."""
    now = now or clock.now()
    if actor is not None:
        require_provider(actor, booking)
    lock_booking(session, booking)
    if booking.status is BookingStatus.confirmed and now < booking.end_at:
        raise ValidationFailed(None, _l("预约结束后才能标记完成"))
    states.transition(booking, BookingStatus.completed, action="complete", actor=actor, at=now)
    session.flush()
    return booking


def expire_due(session: Session, now: datetime, *, limit: int) -> tuple[int, int]:
    """The scheduler's expiry of up to ``limit`` due requests, oldest deadline first: (found due, expired).

    A handful of statements per batch, not per booking: the due ids, one conditional UPDATE (still pending,
    deadline still passed: a decision or another sweeper since is left alone), their history and events.
    """
    due = due_for_expiry(session, now, limit=limit)
    moved = states.transition_many(session, due, BookingStatus.pending, BookingStatus.expired, action="expire",
                                   at=now, still_due=Booking.approval_deadline <= now,
                                   values={"approval_deadline": None})
    return len(due), len(moved)


def complete_due(session: Session, now: datetime, *, limit: int, grace: timedelta) -> tuple[int, int]:
    """The scheduler's completion of up to ``limit`` bookings ``grace`` after their end: (found due, completed).

    During the grace the provider can still mark a no-show (``services.mark_no_show``: confirmed → no_show);
    completed is final, so the scheduler waits for it. The conditional UPDATE leaves alone a booking the
    provider or another sweeper moved since it was found due.
    """
    due = due_for_completion(session, now, limit=limit, grace=grace)
    moved = states.transition_many(session, due, BookingStatus.confirmed, BookingStatus.completed,
                                   action="complete", at=now, still_due=Booking.end_at <= now - grace)
    return len(due), len(moved)


def warn_deadlines_near(session: Session, now: datetime, *, within: timedelta, limit: int) -> tuple[int, int]:
    """Record ``booking.deadline_near`` for up to ``limit`` pending requests whose approval deadline falls in
    (now, now + within], once each (``deadline_warned_at`` set by a conditional UPDATE): (found, warned).

    Only a deadline still ahead is worth a warning: one that passed is the expiry's.
    """
    due = _due_ids(session, select(Booking.id).where(
        Booking.status == BookingStatus.pending, Booking.approval_deadline > now,
        Booking.approval_deadline <= now + within, Booking.deadline_warned_at.is_(None),
    ).order_by(Booking.approval_deadline, Booking.id).limit(limit))
    if not due:
        return 0, 0
    warned = {row.id: row for row in session.execute(
        update(Booking).where(Booking.id.in_(due), Booking.status == BookingStatus.pending,
                              Booking.deadline_warned_at.is_(None))
        .values(deadline_warned_at=now)
        .returning(Booking.id, Booking.listing_id, Booking.booker_id, Booking.approval_deadline)
        .execution_options(synchronize_session=False))}
    for booking_id in (booking_id for booking_id in due if booking_id in warned):
        row = warned[booking_id]
        events.record(session, "booking.deadline_near", subject=("booking", booking_id),
                      payload={"listing_id": row.listing_id, "booker_id": row.booker_id,
                               "deadline": row.approval_deadline.isoformat()})
    return len(due), len(warned)


def _due_ids(session: Session, stmt) -> list[int]:
    """The ids a due query finds, locked for this sweep; on PostgreSQL rows another sweep holds are skipped
    (it moves them), so two sweepers take different batches instead of queueing on the same rows."""
    return list(session.scalars(stmt.with_for_update(skip_locked=True)))


def due_for_expiry(session: Session, now: datetime, *, limit: int = 500) -> list[int]:
    """Pending requests whose deadline has passed, oldest deadline first (the status+deadline index): their ids."""
    return _due_ids(session, select(Booking.id).where(
        Booking.status == BookingStatus.pending, Booking.approval_deadline <= now,
    ).order_by(Booking.approval_deadline, Booking.id).limit(limit))


def due_for_completion(session: Session, now: datetime, *, limit: int = 500,
                       grace: timedelta = timedelta(0)) -> list[int]:
    """Confirmed bookings that ended ``grace`` or longer ago, earliest end first (the status+end index): their ids."""
    return _due_ids(session, select(Booking.id).where(
        Booking.status == BookingStatus.confirmed, Booking.end_at <= now - grace,
    ).order_by(Booking.end_at, Booking.id).limit(limit))


def oldest_due(session: Session, now: datetime, *, grace: timedelta) -> datetime | None:
    """When the longest-waiting due step fell due (a deadline, or an end plus grace), or None: the scheduler's lag."""
    deadline = session.scalar(select(Booking.approval_deadline).where(
        Booking.status == BookingStatus.pending, Booking.approval_deadline <= now,
    ).order_by(Booking.approval_deadline).limit(1))
    end = session.scalar(select(Booking.end_at).where(
        Booking.status == BookingStatus.confirmed, Booking.end_at <= now - grace,
    ).order_by(Booking.end_at).limit(1))
    candidates = [moment for moment in (deadline, end + grace if end else None) if moment is not None]
    return min(candidates, default=None)
