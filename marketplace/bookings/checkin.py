"""Checking in at the door: the booker opens the listing's QR link and is checked in to their booking there."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.bookings import services
from marketplace.bookings.doorcode import require_door_code
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound
from marketplace.core.i18n import _l
from marketplace.listings.models import Listing


def booking_at_the_door(session: Session, booker: User, listing: Listing, *, now: datetime | None = None) -> Booking:
    """The booker's confirmed booking of the listing that the door code is for now: the one whose check-in
    window holds ``now``, else the nearest one today (so that the refusal can say "too early" or "too late").

    Raises NotFound when the booker has no confirmed booking of the listing within a day of now.
    """
    now = now or clock.now()
    around = timedelta(days=1)
    candidates = list(session.scalars(select(Booking).where(
        Booking.listing_id == listing.id, Booking.booker_id == booker.id,
        Booking.status == BookingStatus.confirmed, Booking.start_at > now - around, Booking.start_at < now + around,
    ).order_by(Booking.start_at)))
    if not candidates:
        raise NotFound(_l("你今天在这里没有已确认的预约：请先预约，或联系提供方"))
    for booking in candidates:
        opens, closes = services.door_window(booking)
        if opens <= now < closes:
            return booking
    return min(candidates, key=lambda booking: abs(booking.start_at - now))


def booking_to_check_in(session: Session, booker: User, listing: Listing, token: str, *, secret: str, zone: str,
                        now: datetime | None = None) -> Booking:
    """The booking the booker would check in to now with the listing's door code (what the door page shows).

    Raises ValidationFailed (no check-in here, a wrong or old code, outside the window), NotFound (no booking
    today), Conflict (already checked in).
    """
    now = now or clock.now()
    require_door_code(listing, token, secret=secret, now=now, zone=zone)
    booking = booking_at_the_door(session, booker, listing, now=now)
    if booking.checked_in_at is not None:
        raise Conflict(_l("你已经签到过了"))
    services.require_door_check_in(booking, token, secret=secret, zone=zone, now=now)
    return booking


def check_in_at_the_door(session: Session, booker: User, listing: Listing, token: str, *, secret: str, zone: str,
                         now: datetime | None = None) -> Booking:
    """Check the booker in with the listing's door code (``services.check_in``); raises as ``booking_to_check_in``."""
    now = now or clock.now()
    booking = booking_to_check_in(session, booker, listing, token, secret=secret, zone=zone, now=now)
    return services.check_in(session, booker, booking, door_token=token, secret=secret, zone=zone, now=now)
