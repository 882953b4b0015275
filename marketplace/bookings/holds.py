"""Slot holds: a slot kept free for one person for a while (the waitlist's offer) or for a lottery's draw, under the same listing lock
and availability rules as a booking, so that a hold and a booking can never both take the last seats."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from marketplace.bookings.availability import check_bookable
from marketplace.bookings.locking import lock_listing
from marketplace.bookings.models import HoldPurpose, SlotHold
from marketplace.listings.models import Listing


def place_hold(session: Session, listing: Listing, holder_id: int, start: datetime, end: datetime, seats: int,
               held_until: datetime, *, zone: str, now: datetime,
               purpose: HoldPurpose = HoldPurpose.waitlist) -> SlotHold:
    """Keep [start, end) with ``seats`` free for the holder until ``held_until``, if it could be booked now.

    Takes the listing's booking lock (requests overdue for a decision need not lapse first, as
    ``services.insert_checked_booking`` makes them when they stand in its way: a hold is no booking for the
    database's overlap guard, and the availability rules already ignore them); raises what ``check_bookable`` raises (ValidationFailed, SlotTaken)
    when the slot could not be booked, so nothing is held then.
    """
    lock_listing(session, listing.id)
    check_bookable(session, listing, start, end, seats, zone=zone, now=now)
    hold = SlotHold(listing_id=listing.id, holder_id=holder_id, start_at=start, end_at=end,
                    blocked_until=end + timedelta(minutes=listing.buffer_minutes), seats=seats,
                    held_until=held_until, purpose=purpose, created_at=now)
    session.add(hold)
    session.flush()
    return hold


def release_hold(session: Session, hold_id: int | None) -> None:
    """End a hold at once (its holder booked, left or let it lapse); nothing when it is already gone."""
    if hold_id is not None:
        session.execute(delete(SlotHold).where(SlotHold.id == hold_id).execution_options(synchronize_session=False))
