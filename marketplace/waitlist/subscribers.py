"""The waitlist follows bookings: whatever frees a booking's slot offers it to those waiting for it."""
from __future__ import annotations

from marketplace.bookings.models import Booking
from marketplace.core import clock, events
from marketplace.core.http import deployment_zone
from marketplace.waitlist.services import offer_freed
from marketplace.waitlist.settings import hold_time

FREEING_EVENTS = ("booking.cancelled", "booking.rejected", "booking.expired", "booking.no_show")


@events.subscriber(*FREEING_EVENTS)
def offer_freed_slot(session, event) -> None:
    booking = session.get(Booking, event.subject_id)
    offer_freed(session, booking.listing_id, booking.start_at, booking.blocked_until, zone=deployment_zone(),
                hold=hold_time(), now=clock.now())
