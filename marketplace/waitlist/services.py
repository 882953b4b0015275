"""The waitlist: joining and leaving the line for a taken slot, offering a freed slot to the first in line
with a timed hold, accepting the offer, and letting holds that ran out lapse to the next in line.

Every change to an entry's status happens under its listing's booking lock (``bookings.locking``), taken
before the entry is touched, the same order the booking path uses, so that offers, accepts, lapses and
bookings of one listing are decided one at a time; the status moves by conditional updates as well, so
that a second sweeper finding the same entry due changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.bookings.availability import SlotTaken, check_bookable
from marketplace.bookings.holds import place_hold, release_hold
from marketplace.bookings.models import ACTIVE_STATUSES, Booking
from marketplace.bookings.locking import lock_listing, lock_listings
from marketplace.bookings.services import BookingRequest, aware_utc, create_booking, get_bookable_listing
from marketplace.core import clock, events
from marketplace.core.db import get_by_id
from marketplace.core.errors import Conflict, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.listings.models import Listing, ListingStatus
from marketplace.waitlist.models import EntryStatus, WaitlistEntry

DEFAULT_HOLD = timedelta(minutes=30)
IN_LINE = (EntryStatus.waiting, EntryStatus.offered)


@dataclass
class WaitRequest:
    """The exact slot someone waits for."""

    listing_id: int
    start: datetime
    end: datetime
    seats: int = 1


def _entry_for(session: Session, user: User, listing_id: int, start: datetime, end: datetime) -> WaitlistEntry | None:
    return session.scalar(select(WaitlistEntry).where(
        WaitlistEntry.user_id == user.id, WaitlistEntry.listing_id == listing_id, WaitlistEntry.start_at == start,
        WaitlistEntry.end_at == end))


def _reread(session: Session, entry_id: int) -> WaitlistEntry | None:
    """The entry as committed now (under the listing lock), or None when it was deleted meanwhile."""
    return session.scalar(select(WaitlistEntry).where(WaitlistEntry.id == entry_id)
                          .execution_options(populate_existing=True))


def join_waitlist(session: Session, user: User, request: WaitRequest, *, zone: str,
                  now: datetime | None = None) -> WaitlistEntry:
    """Put the user at the end of the line for a taken slot.

    Raises NotFound (listing), ValidationFailed for a slot that has started, one the user already holds a
    booking over, one that is free (book it instead) or that the listing's rules refuse (hours, duration,
    seats, notice), and Conflict when the user is already in line for it. Someone whose earlier offer for
    the slot lapsed (or whose booking of it ended early) joins again at the end of the line.
    """
    now = now or clock.now()
    listing = get_bookable_listing(session, request.listing_id)
    start = aware_utc(request.start, "start")
    end = aware_utc(request.end, "end")
    if start <= now:
        raise ValidationFailed("start", _l("这个时段已经开始，不能再候补"))
    lock_listing(session, listing.id)  # a slot freeing meanwhile is then offered to this entry too
    if session.scalar(select(Booking.id).where(
            Booking.listing_id == listing.id, Booking.booker_id == user.id, Booking.status.in_(ACTIVE_STATUSES),
            Booking.start_at < end, Booking.end_at > start).limit(1)) is not None:
        raise ValidationFailed(None, _l("你在这个时段已有预约，不需要候补"))
    existing = _entry_for(session, user, listing.id, start, end)
    if existing is not None and existing.status in IN_LINE:
        raise Conflict(_l("你已经在这个时段的候补名单里了"))
    try:
        check_bookable(session, listing, start, end, request.seats, zone=zone, now=now)
    except SlotTaken:
        pass
    else:
        raise ValidationFailed(None, _l("这个时段现在有空位，请直接预约"))
    if existing is not None:
        existing.status, existing.seats, existing.created_at = EntryStatus.waiting, request.seats, now
        existing.offered_at = existing.hold_until = existing.booking_id = None
        session.flush()
        return existing
    entry = WaitlistEntry(user_id=user.id, listing_id=listing.id, start_at=start, end_at=end, seats=request.seats,
                          status=EntryStatus.waiting, created_at=now)
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        raise Conflict(_l("你已经在这个时段的候补名单里了")) from None
    return entry


def get_my_entry(session: Session, user: User, entry_id) -> WaitlistEntry:
    """One of the user's waitlist entries; NotFound for anyone else's (they do not learn it exists)."""
    entry = get_by_id(session, WaitlistEntry, entry_id)
    if entry is None or entry.user_id != user.id:
        raise NotFound(_l("找不到这条候补"))
    return entry


def list_my_entries(session: Session, user: User, *, now: datetime | None = None) -> list[WaitlistEntry]:
    """The user's waitlist entries for slots not yet ended, soonest first."""
    now = now or clock.now()
    return list(session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.user_id == user.id, WaitlistEntry.end_at > now,
    ).options(selectinload(WaitlistEntry.listing)).order_by(WaitlistEntry.start_at, WaitlistEntry.id)))


def my_places_in_line(session: Session, user: User, listing_id: int, start: datetime,
                      end: datetime) -> dict[tuple[datetime, datetime], WaitlistEntry]:
    """The user's entries still in line (waiting or offered) for slots of the listing starting in [start, end),
    by the slot's (start, end)."""
    return {(entry.start_at, entry.end_at): entry for entry in session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.user_id == user.id, WaitlistEntry.listing_id == listing_id,
        WaitlistEntry.status.in_(IN_LINE), WaitlistEntry.start_at >= start, WaitlistEntry.start_at < end))}


def leave_waitlist(session: Session, user: User, entry: WaitlistEntry, *, zone: str, hold: timedelta = DEFAULT_HOLD,
                   now: datetime | None = None) -> None:
    """Take the user's entry off the line; a slot held for them is offered to the next in line."""
    now = now or clock.now()
    if entry.user_id != user.id:
        raise NotFound(_l("找不到这条候补"))
    listing = session.get(Listing, entry.listing_id)
    lock_listing(session, listing.id)
    entry = _reread(session, entry.id)
    if entry is None:  # left meanwhile (from another device): nothing more to do
        return
    was_offered = entry.status is EntryStatus.offered
    start, until = entry.start_at, entry.end_at + timedelta(minutes=listing.buffer_minutes)
    hold_id, entry.hold_id = entry.hold_id, None
    session.flush()
    release_hold(session, hold_id)
    session.delete(entry)
    session.flush()
    if was_offered:
        offer_freed(session, listing.id, start, until, zone=zone, hold=hold, now=now)


def leave_slot(session: Session, user: User, request: WaitRequest, *, zone: str, hold: timedelta = DEFAULT_HOLD,
               now: datetime | None = None) -> None:
    """Leave the line for a slot given by its times; nothing happens when the user is not in it."""
    start = aware_utc(request.start, "start")
    end = aware_utc(request.end, "end")
    entry = _entry_for(session, user, request.listing_id, start, end)
    if entry is not None:
        leave_waitlist(session, user, entry, zone=zone, hold=hold, now=now)


def _payload(entry: WaitlistEntry) -> dict:
    return {"user_id": entry.user_id, "listing_id": entry.listing_id, "start_at": entry.start_at.isoformat(),
            "end_at": entry.end_at.isoformat(), "hold_until": entry.hold_until.isoformat()}


def offer_freed(session: Session, listing_id: int, start: datetime, until: datetime, *, zone: str,
                hold: timedelta = DEFAULT_HOLD, now: datetime | None = None) -> list[WaitlistEntry]:
    """Offer what freed in [start, until) of a listing to those waiting for slots there, oldest entry first.

    Each waited slot that has not started and that could now be booked under the availability rules (holds
    placed for earlier entries counted) is held for its person for ``hold``, never past the moment it could
    still be booked (its start less the listing's notice), and ``waitlist.offered`` is recorded.
    """
    now = now or clock.now()
    listing = session.get(Listing, listing_id)
    if listing is None or listing.status is not ListingStatus.published:
        return []
    lock_listing(session, listing.id)
    waiting = session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.listing_id == listing.id, WaitlistEntry.status == EntryStatus.waiting,
        WaitlistEntry.start_at < until, WaitlistEntry.start_at > now,
        WaitlistEntry.end_at > start - timedelta(minutes=listing.buffer_minutes),
    ).order_by(WaitlistEntry.created_at, WaitlistEntry.id)).all()
    offered = []
    for entry in waiting:
        hold_until = min(now + hold, entry.start_at - timedelta(minutes=listing.min_notice_minutes))
        if hold_until <= now:
            continue
        try:
            slot_hold = place_hold(session, listing, entry.user_id, entry.start_at, entry.end_at, entry.seats,
                                   hold_until, zone=zone, now=now)
        except (SlotTaken, ValidationFailed):
            continue
        entry.status, entry.offered_at, entry.hold_until, entry.hold_id = (EntryStatus.offered, now, hold_until,
                                                                           slot_hold.id)
        session.flush()
        events.record(session, "waitlist.offered", subject=("waitlist_entry", entry.id), payload=_payload(entry))
        offered.append(entry)
    return offered


def offer_freed_by(session: Session, booking_ids, *, zone: str, hold: timedelta = DEFAULT_HOLD,
                   now: datetime | None = None) -> list[WaitlistEntry]:
    """``offer_freed`` for what each of these bookings (cancelled, rejected, expired or released) freed, in order;
    the listings are locked at once and those with nobody waiting are skipped after one query."""
    now = now or clock.now()
    rows = {row.id: row for row in session.execute(select(Booking.id, Booking.listing_id, Booking.start_at,
                                                             Booking.blocked_until).where(Booking.id.in_(booking_ids)))}
    freed = [rows[booking_id] for booking_id in dict.fromkeys(booking_ids) if booking_id in rows]
    listing_ids = sorted({row.listing_id for row in freed})
    lock_listings(session, listing_ids)  # before reading the line, as offer_freed does: a join in flight is seen
    waited = set(session.scalars(select(WaitlistEntry.listing_id).distinct().where(
        WaitlistEntry.listing_id.in_(listing_ids), WaitlistEntry.status == EntryStatus.waiting,
        WaitlistEntry.start_at > now))) if listing_ids else set()
    offered = []
    for row in freed:
        if row.listing_id in waited:
            offered += offer_freed(session, row.listing_id, row.start_at, row.blocked_until, zone=zone, hold=hold,
                                   now=now)
    return offered


def accept_offer(session: Session, user: User, entry: WaitlistEntry, *, zone: str,
                 now: datetime | None = None) -> Booking:
    """Book the slot held for the user: the booking follows the usual rules (approval listings give a pending
    request); raises Conflict when nothing is held for them (any more), and whatever ``create_booking`` raises.
    """
    now = now or clock.now()
    listing = session.get(Listing, entry.listing_id)
    lock_listing(session, listing.id)
    claimed = session.execute(update(WaitlistEntry).where(
        WaitlistEntry.id == entry.id, WaitlistEntry.user_id == user.id, WaitlistEntry.status == EntryStatus.offered,
        WaitlistEntry.hold_until > now,
    ).values(status=EntryStatus.accepted).execution_options(synchronize_session=False))
    entry = _reread(session, entry.id)
    if entry is None:
        raise NotFound(_l("找不到这条候补"))
    if claimed.rowcount != 1:
        if entry.status is EntryStatus.offered:
            raise Conflict(_l("为你保留的时间已过，这个时段已让给候补名单里的下一位"), field="status")
        raise Conflict(_l("这条候补目前没有为你保留的时段"), field="status")
    hold_id, entry.hold_id = entry.hold_id, None
    session.flush()
    release_hold(session, hold_id)
    booking = create_booking(session, user, BookingRequest(listing_id=listing.id, start=entry.start_at,
                                                           end=entry.end_at, seats=entry.seats), zone=zone, now=now)
    entry.booking_id = booking.id
    session.flush()
    return booking


def oldest_lapse_due(session: Session, now: datetime) -> datetime | None:
    """When the longest-expired hold that ``due_to_lapse`` would find ran out, or None (one index seek)."""
    return session.scalar(select(WaitlistEntry.hold_until).where(
        WaitlistEntry.status == EntryStatus.offered, WaitlistEntry.hold_until <= now)
        .order_by(WaitlistEntry.hold_until).limit(1))


def due_to_lapse(session: Session, now: datetime, *, limit: int = 500) -> list[tuple[int, int]]:
    """(entry id, listing id) of offers whose hold ran out, oldest first (uses the status+hold_until index)."""
    return [tuple(row) for row in session.execute(select(WaitlistEntry.id, WaitlistEntry.listing_id).where(
        WaitlistEntry.status == EntryStatus.offered, WaitlistEntry.hold_until <= now,
    ).order_by(WaitlistEntry.hold_until, WaitlistEntry.id).limit(limit))]


def lapse_if_due(session: Session, entry_id: int, listing_id: int, now: datetime, *, zone: str,
                 hold: timedelta = DEFAULT_HOLD) -> bool:
    """Let one unused hold lapse (``waitlist.lapsed``) and offer the slot to the next in line; False, changing
    nothing, when another sweeper or the holder's accept moved the entry first."""
    listing = session.get(Listing, listing_id)
    lock_listing(session, listing.id)
    lapsed = session.execute(update(WaitlistEntry).where(
        WaitlistEntry.id == entry_id, WaitlistEntry.status == EntryStatus.offered, WaitlistEntry.hold_until <= now,
    ).values(status=EntryStatus.lapsed).execution_options(synchronize_session=False))
    if lapsed.rowcount != 1:
        return False
    entry = _reread(session, entry_id)
    hold_id, entry.hold_id = entry.hold_id, None
    session.flush()
    release_hold(session, hold_id)
    events.record(session, "waitlist.lapsed", subject=("waitlist_entry", entry.id), payload=_payload(entry))
    offer_freed(session, listing.id, entry.start_at, entry.end_at + timedelta(minutes=listing.buffer_minutes),
                zone=zone, hold=hold, now=now)
    return True
