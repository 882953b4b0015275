"""What happens to bookings as time passes, without anyone clicking: undecided requests expire at their
deadline (staff are warned shortly before), confirmed bookings of check-in listings nobody checked in to are
released, confirmed bookings complete after their end. The scheduler's sweeps read the status+time indexes, so
their cost follows the number of due bookings, not of all bookings.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, contains_eager

from marketplace.accounts.models import User
from marketplace.bookings import states
from marketplace.bookings.locking import lock_booking
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.bookings.services import require_provider
from marketplace.core import clock, events
from marketplace.core.errors import Conflict, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.listings.models import Listing


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
    events.record_many(session, "booking.deadline_near", [
        (("booking", booking_id), {"listing_id": warned[booking_id].listing_id,
                                   "booker_id": warned[booking_id].booker_id,
                                   "deadline": warned[booking_id].approval_deadline.isoformat()})
        for booking_id in dict.fromkeys(due) if booking_id in warned])
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


def oldest_expiry_due(session: Session, now: datetime) -> datetime | None:
    """The deadline of the longest-overdue request ``due_for_expiry`` would find, or None (one index seek)."""
    return session.scalar(select(Booking.approval_deadline).where(
        Booking.status == BookingStatus.pending, Booking.approval_deadline <= now,
    ).order_by(Booking.approval_deadline).limit(1))


def oldest_completion_due(session: Session, now: datetime, *, grace: timedelta) -> datetime | None:
    """When the longest-waiting booking ``due_for_completion`` would find fell due (its end plus grace), or None."""
    end = session.scalar(select(Booking.end_at).where(
        Booking.status == BookingStatus.confirmed, Booking.end_at <= now - grace,
    ).order_by(Booking.end_at).limit(1))
    return end + grace if end is not None else None
