"""Property: whatever sequence of book / cancel / approve / reject / expire / move happens, no exclusive
listing ends with overlapping active bookings and no listing ever holds more seats than its capacity."""
from __future__ import annotations

from datetime import time, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from marketplace.bookings import lifecycle, services
from marketplace.bookings.availability import Hold, Occupancy
from marketplace.bookings.models import ACTIVE_STATUSES, Booking
from marketplace.core import clock
from marketplace.core.errors import DomainError
from marketplace.listings.services import HoursInterval
from tests.bookings.conftest import NOW, SHANGHAI, local

# Few seats on one day: histories meet full slots often.
SHARED_CAPACITY = 2
DAYS, SLOTS_PER_DAY = 1, 8  # 09:00–13:00 in half hours

book = st.tuples(st.just("book"), st.integers(0, 1), st.integers(0, 2), st.integers(1, DAYS),
                 st.integers(0, SLOTS_PER_DAY - 1), st.integers(1, 4), st.integers(1, SHARED_CAPACITY))
decide = st.tuples(st.sampled_from(["cancel", "approve", "reject", "expire"]), st.integers(0, 40))
move = st.tuples(st.just("move"), st.integers(0, 40), st.sampled_from([-60, -30, 30, 60]))
histories = st.lists(st.one_of(book, book, decide, move), min_size=8, max_size=30)


def attempt(session, operation) -> None:
    """Run one operation as its own unit of work, like a request would: commit, or roll back on refusal."""
    try:
        operation()
        session.commit()
    except DomainError:
        session.rollback()


def assert_never_overbooked(session, listing) -> None:
    session.expire_all()
    active = session.scalars(select(Booking).where(Booking.listing_id == listing.id,
                                                   Booking.status.in_(ACTIVE_STATUSES))
                             .order_by(Booking.start_at)).all()
    if listing.capacity == 1:
        for earlier, later in zip(active, active[1:]):
            assert later.start_at >= earlier.blocked_until, (earlier, later)
    occupancy = Occupancy([Hold(b.start_at, b.blocked_until, b.seats) for b in active])
    assert max(occupancy.levels, default=0) <= listing.capacity


# 60 examples find a booking that takes more seats than are left (checked with the seat check weakened) in
# about 15 s; `make test` draws them derandomised (tests/conftest.py), so every run covers the same ones.
@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=histories, instant=st.booleans(), buffer=st.sampled_from([0, 30]))
# Random histories rarely end one booking where a full one starts; this one would overbook if a booking's own
# buffer were left out of the capacity check.
@example(history=[("book", 1, 0, 1, 2, 1, 2), ("book", 1, 1, 1, 1, 1, 1)], instant=True, buffer=30)
def test_random_histories_never_overbook(factory, session, history, instant, buffer):
    clock.travel_to(NOW)
    # People are made once per test and reused by every example; each example gets fresh listings.
    cast = session.info.setdefault("property_cast", {})
    if not cast:
        cast["organisation"] = factory.organisation()
        cast["bookers"] = [factory.user() for _ in range(3)]
    organisation, bookers = cast["organisation"], cast["bookers"]
    staff = organisation.memberships[0].user
    hours = [HoursInterval(weekday=d, opens=time(9), closes=time(13)) for d in range(7)]
    shape = {"organisation": organisation, "hours": hours, "instant_booking": instant, "buffer_minutes": buffer,
             "slot_minutes": 30, "min_duration_minutes": 30, "min_notice_minutes": 0}
    listings = [factory.listing(capacity=1, **shape), factory.listing(capacity=SHARED_CAPACITY, **shape)]
    made: list[Booking] = []

    def create(listing, booker, start, slots, seats):
        made.append(services.create_booking(session, booker, services.BookingRequest(
            listing_id=listing.id, start=start, end=start + timedelta(minutes=30 * slots), seats=seats),
            zone=SHANGHAI))

    for step in history:
        kind = step[0]
        if kind == "book":
            _, which, who, day, slot, slots, seats = step
            # Within opening hours and capacity, so that most attempts meet other bookings rather than a rule.
            start = local(day, 9) + timedelta(minutes=30 * slot)
            slots, seats = min(slots, SLOTS_PER_DAY - slot), min(seats, listings[which].capacity)
            attempt(session, lambda: create(listings[which], bookers[who], start, slots, seats))
            continue
        if not made:
            continue
        booking = made[step[1] % len(made)]
        if kind == "cancel":
            attempt(session, lambda: services.cancel_booking(session, booking.booker, booking))
        elif kind == "approve":
            attempt(session, lambda: services.approve_booking(session, staff, booking, zone=SHANGHAI))
        elif kind == "reject":
            attempt(session, lambda: services.reject_booking(session, staff, booking, "时间冲突"))
        elif kind == "expire":
            attempt(session, lambda: lifecycle.expire_booking(session, booking, now=booking.approval_deadline or NOW))
        elif kind == "move":
            attempt(session, lambda: services.edit_booking(session, booking.booker, booking, services.BookingChange(
                shift_minutes=step[2]), zone=SHANGHAI))
    for listing in listings:
        assert_never_overbooked(session, listing)
