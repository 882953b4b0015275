"""Completed bookings to review, on a clock the tests move (the window, the reveal, the decay)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.bookings import lifecycle
from marketplace.bookings import services as bookings
from marketplace.core import clock, events
from tests.bookings.conftest import NOW, local

WINDOW = timedelta(days=14)


@pytest.fixture
def now():
    clock.travel_to(NOW)
    return NOW


def staff_of(listing):
    return next(m.user for m in listing.organisation.memberships)


@pytest.fixture
def finished(factory, session, now):
    """A booking of tomorrow 10:00–11:00, then the clock at 12:00 and the booking completed (or a no-show)."""

    def make(*, listing=None, booker=None, no_show=False, day=1):
        booking = factory.booking(listing=listing or factory.listing(), booker=booker, start=local(day, 10))
        clock.travel_to(local(day, 12))
        if no_show:
            bookings.mark_no_show(session, staff_of(booking.listing), booking)
        else:
            lifecycle.complete_booking(session, booking)
        session.commit()
        return booking

    return make


@pytest.fixture
def deliver(session):
    """Run the outbox's due deliveries (what the scheduler's process_outbox does) and commit."""

    def run() -> int:
        ran = events.process_outbox(session, clock.now())
        session.commit()
        return ran

    return run
