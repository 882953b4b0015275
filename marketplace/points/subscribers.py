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


@events.subscriber("booking.completed", "booking.no_show")
def take_held_points(session, event) -> None:
    services.end_hold(session, event.subject_id, take=True)


@events.subscriber("booking.cancelled", "booking.rejected", "booking.expired")
def return_held_points(session, event) -> None:
    services.end_hold(session, event.subject_id, take=False)


@events.subscriber("booking.completed")
def earn_for_service(session, event) -> None:
    services.earn_for_booking(session, event.subject_id, Policy.from_config(current_app.config))


@events.subscriber("wish.confirmed")
def earn_for_wish(session, event) -> None:
    services.earn_for_wish(session, event.subject_id, event.payload, Policy.from_config(current_app.config))
