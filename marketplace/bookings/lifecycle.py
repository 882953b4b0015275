"""What happens to bookings as time passes, without anyone clicking: undecided requests expire at their
deadline, confirmed bookings complete after their end. The ``due_for_*`` queries are what a scheduler sweeps:
they read the status+time indexes, so their cost follows the number of due bookings, not of all bookings.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.bookings import states
from marketplace.bookings.locking import lock_booking
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.bookings.services import require_provider
from marketplace.core import clock
from marketplace.core.errors import ValidationFailed
from marketplace.core.i18n import _l


def expire_booking(session: Session, booking: Booking, *, now: datetime | None = None) -> Booking:
    """Let an undecided request lapse at its deadline, freeing its slot (the scheduler's job)."""
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


def due_for_expiry(session: Session, now: datetime, *, limit: int = 500) -> list[Booking]:
    """Pending requests whose deadline has passed, oldest deadline first (uses the status+deadline index)."""
    return list(session.scalars(select(Booking).where(
        Booking.status == BookingStatus.pending, Booking.approval_deadline <= now,
    ).order_by(Booking.approval_deadline).limit(limit)))


def due_for_completion(session: Session, now: datetime, *, limit: int = 500) -> list[Booking]:
    """Confirmed bookings that have ended, earliest end first (uses the status+end index)."""
    return list(session.scalars(select(Booking).where(
        Booking.status == BookingStatus.confirmed, Booking.end_at <= now,
    ).order_by(Booking.end_at).limit(limit)))
