"""Reputation follows reviews and bookings: each change is counted from the outbox, exactly once (see services)."""
from __future__ import annotations

from flask import current_app

from marketplace.core import clock, events
from marketplace.reputation import services
from marketplace.reputation.services import Policy


@events.subscriber("review.revealed", "review.hidden")
def count_review(session, event) -> None:
    services.count_review(session, event.subject_id, Policy.from_config(current_app.config), clock.now())


@events.subscriber("booking.completed", "booking.no_show", "booking.cancelled", batch=True)
def count_booking(session, batch) -> None:
    services.count_bookings(session, [event.subject_id for event in batch], Policy.from_config(current_app.config),
                            clock.now())
