"""Reminders and auto-release against the real, committed database (SQLite, or PostgreSQL with TEST_DATABASE_URL):
each reminder exactly once under racing sweepers and a crash, the lateness rule after downtime, release at start + M.

Time is the controllable clock; the runners are real objects with their own sessions; the crash is a real process
killed with SIGKILL (tests/scheduler/killed_sweeper.py).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from marketplace import create_app
from marketplace.bookings import reminders
from marketplace.bookings import services as bookings
from marketplace.bookings.models import Booking, BookingEvent, BookingReminder, BookingStatus
from marketplace.config import PROJECT_ROOT
from marketplace.core import clock, transactions
from marketplace.core.events import DomainEvent
from marketplace.extensions import db
from marketplace.listings.services import HoursInterval
from marketplace.scheduler import lease
from marketplace.scheduler.runner import Runner
from tests.bookings.conftest import NOW, local
from tests.conftest import Factory
from tests.scheduler.test_scheduler import THREAD_TIMEOUT_SECONDS, fresh, race, writing

EARLY_TO_LATE = [HoursInterval(weekday=d, opens=time(6), closes=time(23)) for d in range(7)]


@pytest.fixture
def factory(committed_db):
    clock.travel_to(NOW)
    return Factory(committed_db)


@pytest.fixture
def small_batches(app, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_BATCH_SIZE", 2)


def tomorrows_bookings(factory, count: int) -> list[Booking]:
    """Confirmed bookings tomorrow at 9:00 … (not made in order): their 24 h reminders fall due today."""
    listing = factory.listing()
    return [factory.booking(listing=listing, start=local(1, hour)) for hour in [12, 9, 14, 10, 13, 11][:count]]


def reminder_events(session, booking: Booking) -> list[dict]:
    session.commit()
    return [event.payload for event in session.scalars(select(DomainEvent).where(
        DomainEvent.type == "booking.reminder", DomainEvent.subject_type == "booking",
        DomainEvent.subject_id == booking.id).order_by(DomainEvent.id))]


def reminder_rows(session, booking: Booking) -> dict[int, str]:
    session.commit()
    return {row.hours_before: row.outcome.value for row in session.scalars(
        select(BookingReminder).where(BookingReminder.booking_id == booking.id))}


def test_a_reminder_is_recorded_exactly_once_with_two_sweepers_racing(app, committed_db, factory, small_batches):
    booked = tomorrows_bookings(factory, 6)
    runners = [Runner(app, holder="twin"), Runner(app, holder="twin")]  # both believe they hold the lease
    clock.travel_to(local(0, 14))
    moved = race(runners, "send_reminders")
    assert sum(moved) == len(booked)
    for booking in booked:
        assert [event["hours_before"] for event in reminder_events(committed_db, booking)] == [24]
        assert reminder_rows(committed_db, booking) == {24: "sent"}
    assert writing(runners[0].run_job, "send_reminders") == 0  # nothing left, nothing repeated


def test_two_sweepers_that_found_the_same_due_reminders_send_each_once(app, committed_db, factory, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite admits one writing unit of work at a time from its first read: two sweepers cannot "
                    "both find the reminders before either writes")
    booked = tomorrows_bookings(factory, 4)
    now = local(0, 14)
    found_by_both = threading.Barrier(2, timeout=THREAD_TIMEOUT_SECONDS)
    written, errors = [0, 0], []

    def sweep(index: int) -> None:
        try:
            with app.app_context():
                batch = reminders.due_for_reminder(db.session, now, 24, look_back=timedelta(hours=24))
                found_by_both.wait()
                written[index] = sum(reminders.remind(db.session, booking, 24, now) for booking in batch)
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_TIMEOUT_SECONDS)
    assert errors == [] and sum(written) == len(booked)
    for booking in booked:
        assert [event["hours_before"] for event in reminder_events(committed_db, booking)] == [24]


def test_each_offset_reminds_once_on_time_and_not_for_a_cancelled_booking(app, committed_db, factory):
    [booking, cancelled] = tomorrows_bookings(factory, 2)
    with transactions.read_only(False):
        bookings.cancel_booking(committed_db, cancelled.booker, committed_db.get(Booking, cancelled.id))
        committed_db.commit()
    runner = Runner(app)
    clock.travel_to(booking.start_at - timedelta(hours=24, microseconds=1))
    writing(runner.sweep)
    assert reminder_events(committed_db, booking) == []
    for moment in (booking.start_at - timedelta(hours=24), booking.start_at - timedelta(hours=23),
                   booking.start_at - timedelta(hours=1), booking.start_at - timedelta(minutes=30)):
        clock.travel_to(moment)
        writing(runner.sweep)
    assert reminder_events(committed_db, booking) == [
        {"listing_id": booking.listing_id, "booker_id": booking.booker_id, "hours_before": 24, "late": False},
        {"listing_id": booking.listing_id, "booker_id": booking.booker_id, "hours_before": 1, "late": False}]
    assert reminder_events(committed_db, cancelled) == [] and reminder_rows(committed_db, cancelled) == {}


def test_the_reminder_offsets_are_the_deployments(app, committed_db, factory, monkeypatch):
    monkeypatch.setitem(app.config, "REMINDER_OFFSETS_HOURS", [3])
    [booking] = tomorrows_bookings(factory, 1)
    clock.travel_to(booking.start_at - timedelta(hours=3))
    writing(Runner(app).sweep)
    assert [event["hours_before"] for event in reminder_events(committed_db, booking)] == [3]


def test_the_reminder_offsets_can_be_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("REMINDER_OFFSETS_HOURS", "48, 2")
    assert create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x"}).config["REMINDER_OFFSETS_HOURS"] == [48, 2]


def test_a_scheduler_killed_mid_sweep_then_restarted_repeats_no_reminder_and_loses_none(
        app, committed_db, factory, database_url, small_batches):
    booked = tomorrows_bookings(factory, 5)
    now = local(0, 14)
    killed = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "tests/scheduler/killed_sweeper.py"), database_url, now.isoformat(), "2",
         "send_reminders"], cwd=PROJECT_ROOT, env={**os.environ}, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, (killed.stdout, killed.stderr)
    assert killed.stdout.strip() == "holding"
    assert sum(len(reminder_rows(committed_db, booking)) for booking in booked) == 2  # the first batch

    clock.travel_to(now + lease.LEASE_TTL)  # the dead process's lease has run out
    assert writing(Runner(app).sweep)["send_reminders"] == 3
    for booking in booked:
        assert [event["hours_before"] for event in reminder_events(committed_db, booking)] == [24]
        assert reminder_rows(committed_db, booking) == {24: "sent"}


def test_catch_up_after_a_day_of_downtime_sends_the_useful_reminders_late_and_records_the_skipped(
        app, committed_db, factory, small_batches):
    listing = factory.listing(slot_minutes=5, capacity=10, hours=EARLY_TO_LATE)
    starts = {"in 2.5 h": local(1, 12), "in 1.5 h": local(1, 11), "in 15 min": local(1, 9, 45),
              "in 5 min": local(1, 9, 35), "started": local(0, 20), "the day after": local(2, 12)}
    booked = {name: factory.booking(listing=listing, start=start) for name, start in starts.items()}
    runner = Runner(app)
    writing(runner.sweep)  # the last sweep before the outage, at NOW: only tonight's 24 h reminder is due,
    # and it is skipped: that booking was made after its moment, so its confirmation has just told the booker
    assert {name: reminder_rows(committed_db, booking) for name, booking in booked.items() if
            reminder_rows(committed_db, booking)} == {"started": {24: "skipped"}}

    clock.travel_to(local(1, 9, 30))  # back after 25.5 hours
    writing(runner.sweep)
    rows = {name: reminder_rows(committed_db, booking) for name, booking in booked.items()}
    assert rows == {
        "in 2.5 h": {24: "sent"},  # more than 2 h remain: the 24 h reminder is still useful
        "in 1.5 h": {24: "skipped"},  # its 1 h reminder is not due yet
        "in 15 min": {24: "skipped", 1: "sent"},  # more than 10 minutes remain: the 1 h reminder goes out
        "in 5 min": {24: "skipped", 1: "skipped"},
        "started": {24: "skipped", 1: "skipped"},  # started during the outage
        "the day after": {},
    }
    sent = {name: [(e["hours_before"], e["late"]) for e in reminder_events(committed_db, booking)]
            for name, booking in booked.items()}
    assert sent == {"in 2.5 h": [(24, True)], "in 1.5 h": [], "in 15 min": [(1, True)], "in 5 min": [],
                    "started": [], "the day after": []}
    clock.travel_to(local(1, 10))  # the 1 h reminder of the 11:00 booking, on time
    writing(runner.sweep)
    assert reminder_rows(committed_db, booked["in 1.5 h"]) == {24: "skipped", 1: "sent"}
    assert len(reminder_events(committed_db, booked["in 2.5 h"])) == 1


def door_listing(factory, **fields):
    return factory.listing(requires_check_in=True, check_in_opens_minutes=15, release_after_minutes=15,
                           min_notice_minutes=0, **fields)


def test_a_missed_check_in_releases_the_slot_at_start_plus_m_as_a_no_show(app, committed_db, factory):
    listing = door_listing(factory)
    missed = factory.booking(listing=listing, start=local(1, 10))
    came = factory.booking(listing=listing, start=local(1, 12))
    runner = Runner(app)
    clock.travel_to(local(1, 11, 50))
    with transactions.read_only(False):
        bookings.check_in(committed_db, listing.organisation.memberships[0].user, committed_db.get(Booking, came.id))
        committed_db.commit()

    clock.travel_to(local(1, 10, 15) - timedelta(microseconds=1))
    assert writing(runner.sweep)["release_bookings"] == 0
    assert fresh(committed_db, [missed])[0].status is BookingStatus.confirmed
    clock.travel_to(local(1, 10, 15))
    assert writing(runner.sweep)["release_bookings"] == 1
    missed = fresh(committed_db, [missed])[0]
    assert missed.status is BookingStatus.no_show and missed.events[-1].action == "release"
    [announced] = committed_db.scalars(select(DomainEvent).where(
        DomainEvent.type == "booking.no_show", DomainEvent.subject_id == missed.id)).all()
    assert announced.payload["action"] == "release" and announced.payload["from_status"] == "confirmed"

    other = factory.user()
    with transactions.read_only(False):  # the rest of the released hour is free again
        taken = bookings.create_booking(committed_db, other, bookings.BookingRequest(
            listing_id=listing.id, start=local(1, 10, 30), end=local(1, 11)), zone="Asia/Shanghai")
        committed_db.commit()
    assert taken.status is BookingStatus.confirmed
    clock.travel_to(local(1, 12, 30))
    writing(runner.sweep)
    assert fresh(committed_db, [came])[0].status is BookingStatus.confirmed  # checked in: never released


def test_a_booking_is_released_once_with_two_sweepers_racing(app, committed_db, factory, small_batches):
    listing = door_listing(factory)
    missed = [factory.booking(listing=listing, start=local(1, hour)) for hour in (9, 10, 11)]
    runners = [Runner(app, holder="twin"), Runner(app, holder="twin")]
    clock.travel_to(local(1, 11, 15))
    moved = race(runners, "release_bookings")
    assert sum(moved) == 3
    assert all(booking.status is BookingStatus.no_show for booking in fresh(committed_db, missed))
    releases = committed_db.scalars(select(BookingEvent.booking_id).where(BookingEvent.action == "release")).all()
    assert sorted(releases) == sorted(booking.id for booking in missed)
