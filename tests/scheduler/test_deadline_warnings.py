"""Staff are warned once that a pending request nears its approval deadline (booking.deadline_near), and the
scheduler's batch moves (expiry, completion) still write each booking's history and domain event once.

Against the committed database, runners as in a scheduler process, time from the controllable clock.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.bookings import services as bookings
from marketplace.bookings.models import Booking, BookingEvent
from marketplace.core import clock, transactions
from marketplace.core.events import DomainEvent
from marketplace.scheduler.runner import Runner
from tests.bookings.conftest import NOW, SHANGHAI, local
from tests.conftest import Factory
from tests.scheduler.test_scheduler import race, writing

WITHIN = timedelta(hours=2)


@pytest.fixture
def factory(committed_db):
    clock.travel_to(NOW)
    return Factory(committed_db)


def requests_for_tomorrow(factory, starts: list[tuple[int, int]]) -> list[Booking]:
    """Half-hour requests starting tomorrow at these (hour, minute)s (each one's deadline is its start)."""
    listing = factory.listing(instant_booking=False)
    return [factory.booking(listing=listing, start=local(1, hour, minute), minutes=30) for hour, minute in starts]


def warnings_of(session) -> list[DomainEvent]:
    session.commit()
    return list(session.scalars(select(DomainEvent).where(DomainEvent.type == "booking.deadline_near")
                                .order_by(DomainEvent.id)))


def test_staff_are_warned_once_when_a_request_comes_within_the_reminder_hours_of_its_deadline(app, committed_db,
                                                                                            factory):
    [request] = requests_for_tomorrow(factory, [(10, 0)])
    runner = Runner(app)
    clock.travel_to(request.approval_deadline - WITHIN - timedelta(seconds=1))
    assert writing(runner.sweep)["warn_deadlines"] == 0
    assert warnings_of(committed_db) == []

    clock.travel_to(request.approval_deadline - WITHIN)
    assert writing(runner.sweep)["warn_deadlines"] == 1
    clock.travel_to(request.approval_deadline - timedelta(minutes=5))
    assert writing(runner.sweep)["warn_deadlines"] == 0
    [warning] = warnings_of(committed_db)
    assert (warning.subject_type, warning.subject_id) == ("booking", request.id)
    assert warning.payload == {"listing_id": request.listing_id, "booker_id": request.booker_id,
                               "deadline": request.approval_deadline.isoformat()}


def test_a_decided_request_or_a_passed_deadline_gets_no_warning(app, committed_db, factory):
    decided, lapsed = requests_for_tomorrow(factory, [(10, 0), (14, 0)])
    staff = decided.listing.organisation.memberships[0].user
    with transactions.read_only(False):
        committed_db.commit()
        bookings.approve_booking(committed_db, staff, committed_db.get(Booking, decided.id), zone=SHANGHAI)
        committed_db.commit()
    # The scheduler was down from before lapsed's warning window until its deadline had passed; the
    # warning job alone (before the expiry job gets to it) still has nothing to say.
    clock.travel_to(lapsed.approval_deadline)
    runner = Runner(app)
    assert writing(runner.heartbeat)
    assert writing(runner.run_job, "warn_deadlines") == 0
    assert warnings_of(committed_db) == []


def test_two_sweepers_racing_record_one_warning_per_request(app, committed_db, factory, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_BATCH_SIZE", 2)
    requests = requests_for_tomorrow(factory, [(13, 0), (12, 30), (14, 0), (13, 30)])
    runners = [Runner(app, holder="twin"), Runner(app, holder="twin")]
    clock.travel_to(max(booking.approval_deadline for booking in requests) - WITHIN)
    warned = race(runners, "warn_deadlines")
    assert sum(warned) == len(requests)
    assert sorted(warning.subject_id for warning in warnings_of(committed_db)) == sorted(b.id for b in requests)


def test_a_batch_expiry_writes_each_bookings_history_and_domain_event_once(app, committed_db, factory):
    requests = requests_for_tomorrow(factory, [(9, 0), (11, 0)])
    clock.travel_to(max(booking.approval_deadline for booking in requests))
    assert writing(Runner(app).sweep)["expire_requests"] == 2
    committed_db.commit()
    history = committed_db.execute(select(BookingEvent.booking_id, BookingEvent.from_status, BookingEvent.to_status,
                                          BookingEvent.actor_id).where(BookingEvent.action == "expire")
                                   .order_by(BookingEvent.id)).all()
    assert [tuple(row) for row in history] == [(b.id, "pending", "expired", None) for b in requests]
    expired = committed_db.scalars(select(DomainEvent).where(DomainEvent.type == "booking.expired")
                                   .order_by(DomainEvent.subject_id)).all()
    assert [(event.subject_id, event.payload) for event in expired] == [
        (b.id, {"listing_id": b.listing_id, "booker_id": b.booker_id, "from_status": "pending",
                "to_status": "expired", "action": "expire", "reason": ""}) for b in sorted(requests, key=lambda b: b.id)]
    assert all(committed_db.get(Booking, b.id).approval_deadline is None for b in requests)
