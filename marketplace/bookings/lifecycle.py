"""What happens to bookings as time passes, without anyone clicking: undecided requests expire at their
deadline, confirmed bookings of check-in listings nobody checked in to are released, confirmed bookings
complete after their end. The ``due_for_*`` queries are what a scheduler sweeps:
they read the status+time indexes, so their cost follows the number of due bookings, not of all bookings.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from marketplace.accounts.models import User
from marketplace.bookings import states
from marketplace.bookings.locking import lock_booking
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.bookings.services import require_provider
from marketplace.core import clock
from marketplace.core.errors import Conflict, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.listings.models import Listing


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


def release_booking(session: Session, booking: Booking, *, now: datetime | None = None) -> Booking:
    """Release a confirmed booking of a check-in listing that nobody checked in to by its start plus the
    listing's ``release_after_minutes`` (the scheduler's job): a no-show, whose slot is free again.

    Raises Conflict when it is no longer confirmed or was checked in, ValidationFailed before its moment.
    """
    now = now or clock.now()
    lock_booking(session, booking)
    if booking.checked_in_at is not None:
        raise Conflict(_l("这个预约已经签到，不能释放"))
    listing = booking.listing
    if not listing.requires_check_in or now < booking.start_at + timedelta(minutes=listing.release_after_minutes):
        raise ValidationFailed(None, _l("还没到自动释放的时间"))
    states.transition(booking, BookingStatus.no_show, action="release", actor=None, at=now)
    session.flush()
    return booking


def expire_if_due(session: Session, booking: Booking, now: datetime) -> bool:
    """The scheduler's expiry of one due request; False, without error, when it is no longer due.

    ``expire_booking`` re-reads the booking under its lock and refuses, before changing anything, when
    another sweeper (or the provider's decision) moved it since it was found due: nothing is left to do.
    """
    try:
        with session.no_autoflush:  # the status and the deadline in one UPDATE
            expire_booking(session, booking, now=now)
    except (Conflict, ValidationFailed):
        return False
    return True


def complete_if_due(session: Session, booking: Booking, now: datetime, *, grace: timedelta) -> bool:
    """The scheduler's completion of one booking ``grace`` after its end; False when it is no longer due.

    During the grace the provider can still mark a no-show (``services.mark_no_show``: confirmed → no_show);
    completed is final, so the scheduler waits for it. An ended booking's times no longer change (edits
    stop at its start), so only its status can have moved since it was found due: ``complete_booking``
    re-reads it under its lock and refuses, before changing anything, when another sweeper or the
    provider moved it.
    """
    if booking.end_at + grace > now:
        return False
    try:
        with session.no_autoflush:
            complete_booking(session, booking, now=now)
    except Conflict:
        return False
    return True


def release_if_due(session: Session, booking: Booking, now: datetime) -> bool:
    """The scheduler's release of one booking nobody checked in to; False when it is no longer due.

    ``release_booking`` re-reads the booking under its lock and refuses, before changing anything, when
    another sweeper released it, the booker checked in or the provider decided since it was found due.
    """
    try:
        with session.no_autoflush:
            release_booking(session, booking, now=now)
    except (Conflict, ValidationFailed):
        return False
    return True


def due_for_release(session: Session, now: datetime, *, limit: int = 500) -> list[Booking]:
    """Confirmed bookings of check-in listings not checked in by start + the listing's release delay, earliest
    release first.

    One indexed query (status+start) per distinct release delay among check-in listings (a handful), so no
    time arithmetic is needed in SQL.
    """
    delays = session.scalars(select(Listing.release_after_minutes).where(Listing.requires_check_in.is_(True))
                             .distinct()).all()
    due = []
    for minutes in delays:
        due += session.scalars(select(Booking).join(Listing, Booking.listing_id == Listing.id).where(
            Booking.status == BookingStatus.confirmed, Booking.start_at <= now - timedelta(minutes=minutes),
            Booking.checked_in_at.is_(None), Listing.requires_check_in.is_(True),
            Listing.release_after_minutes == minutes,
        ).options(contains_eager(Booking.listing)).order_by(Booking.start_at).limit(limit))
    return sorted(due, key=lambda booking: booking.start_at + timedelta(minutes=booking.listing.release_after_minutes))[
        :limit]


def due_for_expiry(session: Session, now: datetime, *, limit: int = 500) -> list[Booking]:
    """Pending requests whose deadline has passed, oldest deadline first (uses the status+deadline index)."""
    return list(session.scalars(select(Booking).where(
        Booking.status == BookingStatus.pending, Booking.approval_deadline <= now,
    ).order_by(Booking.approval_deadline).limit(limit)))


def due_for_completion(session: Session, now: datetime, *, limit: int = 500,
                       grace: timedelta = timedelta(0)) -> list[Booking]:
    """Confirmed bookings that ended ``grace`` or longer ago, earliest end first (uses the status+end index)."""
    return list(session.scalars(select(Booking).where(
        Booking.status == BookingStatus.confirmed, Booking.end_at <= now - grace,
    ).order_by(Booking.end_at).limit(limit)))


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
