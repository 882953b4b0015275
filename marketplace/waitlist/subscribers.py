"""The waitlist follows bookings: whatever frees a booking's slot offers it to those waiting for it."""
from __future__ import annotations

from marketplace.core import clock, events
from marketplace.core.http import deployment_zone
from marketplace.waitlist.services import offer_freed_by
from marketplace.waitlist.settings import hold_time

FREEING_EVENTS = ("booking.cancelled", "booking.rejected", "booking.expired", "booking.no_show")


@events.subscriber(*FREEING_EVENTS, batch=True)
def offer_freed_slot(session, batch) -> None:
    offer_freed_by(session, [event.subject_id for event in batch], zone=deployment_zone(), hold=hold_time(),
                   now=clock.now())
