"""Points follow bookings and wishes.

The hold on a new booking of a points-priced listing is taken inside the booking's own transaction (the
``bookings.charges`` hook: a booker who cannot pay is refused there and then); what happens to it later
follows the booking's events from the outbox, each exactly once: taken by the provider when the booking is
completed or its booker did not show up (the slot was theirs and the provider's time was given), returned
to the booker when it is cancelled, rejected or expired. Earning follows ``booking.completed`` (a
volunteer's skill or service) and ``wish.confirmed`` (the wishes area's event; its payload is all we need).
"""
from __future__ import annotations

from flask import current_app

from marketplace.bookings import charges
from marketplace.core import events
from marketplace.points import services
from marketplace.points.services import Policy

charges.on_create(services.hold_for_booking)


@events.subscriber("booking.completed", "booking.no_show", batch=True)
def take_held_points(session, batch) -> None:
    services.end_holds(session, [event.subject_id for event in batch], take=True)


@events.subscriber("booking.cancelled", "booking.rejected", "booking.expired", batch=True)
def return_held_points(session, batch) -> None:
    services.end_holds(session, [event.subject_id for event in batch], take=False)


@events.subscriber("booking.completed", batch=True)
def earn_for_service(session, batch) -> None:
    services.earn_for_bookings(session, [event.subject_id for event in batch], Policy.from_config(current_app.config))


@events.subscriber("wish.confirmed")
def earn_for_wish(session, event) -> None:
    services.earn_for_wish(session, event.subject_id, event.payload, Policy.from_config(current_app.config))
