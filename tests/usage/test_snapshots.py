"""Usage snapshots: a listing's settled local day in figures, computed once, the same however often, caught up
after downtime; time from the controllable clock, the scheduler's steps as they run."""
from __future__ import annotations

import threading
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.bookings import lifecycle
from marketplace.bookings import services as bookings
from marketplace.core import clock, zones
from marketplace.listings import services as listings
from marketplace.scheduler.runner import Runner
from marketplace.usage import services as usage
from marketplace.usage.models import UsageDay, UsageSnapshot
from tests.bookings.conftest import NOW, SHANGHAI, TODAY, local
from tests.conftest import Factory
from tests.scheduler.test_scheduler import THREAD_TIMEOUT_SECONDS
from tests.scheduler.test_scheduler import writing as as_writer

GRACE = timedelta(minutes=60)
TUESDAY = TODAY + timedelta(days=1)


@pytest.fixture
def now():
    clock.travel_to(NOW)
    return NOW


def figures(row: UsageSnapshot) -> dict:
    return {name: getattr(row, name) for name in usage.FIGURES}


def snapshot_of(session, listing, day) -> UsageSnapshot:
    return session.scalar(select(UsageSnapshot).where(UsageSnapshot.listing_id == listing.id,
                                                      UsageSnapshot.day == day))


def settled(day) -> None:
    """The clock just after the day has settled (its midnight plus the completion grace)."""
    clock.travel_to(zones.day_bounds(day, SHANGHAI)[1] + GRACE)


def staff_of(listing):
    return listing.organisation.memberships[0].user


@pytest.fixture
def tuesday_mix(factory, session, now):
    """Tuesday's bookings of an instant and an approval listing, each ending in another final status."""
    instant, approval = factory.listing(), factory.listing(instant_booking=False)
    regular, other = factory.user(), factory.user()
    completed = [factory.booking(listing=instant, booker=regular, start=local(1, 9)),
                 factory.booking(listing=instant, booker=regular, start=local(1, 14), minutes=120),
                 factory.booking(listing=instant, booker=other, start=local(1, 16))]
    absent = factory.booking(listing=instant, booker=other, start=local(1, 11))
    by_booker = factory.booking(listing=instant, booker=other, start=local(1, 12))
    by_provider = factory.booking(listing=instant, start=local(1, 13))
    factory.booking(listing=instant, booker=regular, start=local(2, 10))  # Wednesday: not Tuesday's
    rejected = factory.booking(listing=approval, start=local(1, 10))
    expiring = factory.booking(listing=approval, start=local(1, 11))
    bookings.cancel_booking(session, by_booker.booker, by_booker)
    bookings.cancel_booking(session, staff_of(instant), by_provider, "水管维修")
    bookings.reject_booking(session, staff_of(approval), rejected, "时间冲突")
    clock.travel_to(local(1, 11, 30))
    bookings.mark_no_show(session, staff_of(instant), absent)
    settled(TUESDAY)
    lifecycle.expire_due(session, clock.now(), limit=100)
    lifecycle.complete_due(session, clock.now(), limit=100, grace=GRACE)
    session.commit()
    assert expiring.status.value == "expired" and {b.status.value for b in completed} == {"completed"}
    return instant, approval


def test_a_day_of_mixed_bookings_gives_each_status_hours_people_and_who_cancelled(session, tuesday_mix):
    instant, approval = tuesday_mix
    usage.snapshot_listings(session, [instant, approval], TUESDAY, SHANGHAI)
    zero = dict.fromkeys(usage.FIGURES, 0)
    assert figures(snapshot_of(session, instant, TUESDAY)) == {
        **zero, "open_minutes": 12 * 60, "booked_minutes": 60 + 120 + 60 + 60, "bookings": 6, "completed": 3,
        "no_show": 1, "cancelled": 2, "cancelled_by_booker": 1, "cancelled_by_provider": 1, "people_served": 2,
        # Cancelled on Monday 08:00, 28 and 29 hours before their start; the held hours land in their local hours.
        "cancel_lead_minutes": 28 * 60 + 29 * 60,
        **{f"booked_h{hour:02d}": 60 for hour in (9, 11, 14, 15, 16)}}
    assert figures(snapshot_of(session, approval, TUESDAY)) == {
        **zero, "open_minutes": 12 * 60, "bookings": 2, "rejected": 1, "expired": 1}


def test_computing_a_day_twice_gives_the_same_rows(session, tuesday_mix):
    instant, approval = tuesday_mix
    usage.snapshot_listings(session, [instant, approval], TUESDAY, SHANGHAI)
    first = [(row.id, row.listing_id, row.day, figures(row)) for row in session.scalars(
        select(UsageSnapshot).order_by(UsageSnapshot.id))]
    session.expire_all()
    usage.snapshot_listings(session, [approval, instant], TUESDAY, SHANGHAI)
    again = [(row.id, row.listing_id, row.day, figures(row)) for row in session.scalars(
        select(UsageSnapshot).order_by(UsageSnapshot.id))]
    assert again == first and len(first) == 2


def test_hours_open_follow_the_weekly_hours_and_a_closed_special_date(factory, session, now):
    listing = factory.listing(hours=[listings.HoursInterval(weekday=day, opens=opens, closes=closes)
                                     for day in (1, 2) for opens, closes in ((time(9), time(12)),
                                                                             (time(14), time(18)))])
    listings.add_exception(session, staff_of(listing), listing, listings.ExceptionData(day=TODAY + timedelta(days=2),
                                                                                       note="端午节"))
    session.commit()
    for day in (1, 2, 3):  # Tuesday, the closed Wednesday, a Thursday without hours
        usage.snapshot_listings(session, [listing], TODAY + timedelta(days=day), SHANGHAI)
    assert [snapshot_of(session, listing, TODAY + timedelta(days=day)).open_minutes for day in (1, 2, 3)] == [
        7 * 60, 0, 0]


def test_a_day_is_snapshotted_only_once_it_has_settled(factory, session, now):
    listing = factory.listing()
    clock.travel_to(zones.day_bounds(TODAY, SHANGHAI)[1] + GRACE - timedelta(microseconds=1))
    assert usage.snapshot_due_days(session, clock.now(), SHANGHAI, settle=GRACE, limit=10) == 0
    clock.travel_to(clock.now() + timedelta(microseconds=1))
    assert usage.snapshot_due_days(session, clock.now(), SHANGHAI, settle=GRACE, limit=10) == 1
    assert snapshot_of(session, listing, TODAY) is not None and usage.last_day_done(session) == TODAY


@pytest.fixture
def committed_factory(committed_db):
    clock.travel_to(NOW)
    return Factory(committed_db)


def test_the_scheduler_catches_up_every_missed_day_oldest_first_in_bounded_batches(app, committed_db,
                                                                                  committed_factory, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_BATCH_SIZE", 2)
    made = [committed_factory.listing() for _ in range(3)]
    committed_factory.booking(listing=made[1], start=local(2, 10))
    runner = Runner(app)
    as_writer(runner.sweep)  # the last sweep before a week of downtime: today has not ended
    settled(TODAY + timedelta(days=6))
    assert as_writer(runner.sweep)["snapshot_usage"] == 3 * 7
    committed_db.commit()
    rows = committed_db.execute(select(UsageSnapshot.id, UsageSnapshot.day, UsageSnapshot.listing_id)
                                .order_by(UsageSnapshot.id)).all()
    assert [(row.day, row.listing_id) for row in rows] == [
        (TODAY + timedelta(days=day), listing.id) for day in range(7) for listing in made]
    assert committed_db.scalar(select(func.count()).select_from(UsageDay)) == 7
    assert [row.bookings for row in committed_db.scalars(select(UsageSnapshot).where(
        UsageSnapshot.listing_id == made[1].id).order_by(UsageSnapshot.day))] == [0, 0, 1, 0, 0, 0, 0]
    assert as_writer(runner.sweep)["snapshot_usage"] == 0


def test_two_sweepers_racing_leave_one_row_per_listing_and_day(app, committed_db, committed_factory, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_BATCH_SIZE", 2)
    made = [committed_factory.listing() for _ in range(3)]
    settled(TODAY + timedelta(days=2))
    runners = [Runner(app, holder="twin"), Runner(app, holder="twin")]
    for runner in runners:
        assert as_writer(runner.heartbeat)
    errors = []
    start_together = threading.Barrier(2)

    def sweep(runner) -> None:
        start_together.wait()
        try:
            runner.run_job("snapshot_usage")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=sweep, args=(runner,)) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_TIMEOUT_SECONDS)
    assert errors == [] and not any(thread.is_alive() for thread in threads)
    committed_db.commit()
    assert sorted(committed_db.execute(select(UsageSnapshot.day, UsageSnapshot.listing_id)).all()) == [
        (TODAY + timedelta(days=day), listing.id) for day in range(3) for listing in made]
    assert committed_db.execute(select(UsageDay.day, UsageDay.listings).order_by(UsageDay.day)).all() == [
        (TODAY + timedelta(days=day), 3) for day in range(3)]
