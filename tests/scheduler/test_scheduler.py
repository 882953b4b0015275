"""The scheduler's guarantees against the real, committed database (SQLite, or PostgreSQL with TEST_DATABASE_URL):
exactly once under racing sweepers and a crash, completion after the grace, catch-up in order, one runner at a time.

Time is the controllable clock; the runners are real objects, each job in its own app context, session and
connection, as in a scheduler process; the crash is a real process killed with SIGKILL.
"""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.bookings import lifecycle
from marketplace.bookings import services as bookings
from marketplace.bookings.models import Booking, BookingEvent, BookingStatus
from marketplace.config import PROJECT_ROOT
from marketplace.core import clock, transactions
from marketplace.scheduler import lease
from marketplace.scheduler.cli import build_scheduler
from marketplace.scheduler.jobs import JOBS
from marketplace.scheduler.runner import RENEWED_RECENTLY, Runner
from tests.bookings.conftest import NOW, local
from tests.conftest import Factory

THREAD_TIMEOUT_SECONDS = 120


@pytest.fixture
def factory(committed_db):
    clock.travel_to(NOW)
    return Factory(committed_db)


@pytest.fixture
def small_batches(app, monkeypatch):
    """Two bookings per unit of work, so a sweep of a few bookings runs several batches."""
    monkeypatch.setitem(app.config, "SCHEDULER_BATCH_SIZE", 2)


def pending_requests(factory, count: int) -> list[Booking]:
    """Requests starting tomorrow (sooner than the 48-hour window: each expires at its start), not made in order."""
    listing = factory.listing(instant_booking=False)
    return [factory.booking(listing=listing, start=local(1, hour)) for hour in [12, 9, 14, 10, 13, 11][:count]]


def fresh(session, bookings_: list[Booking]) -> list[Booking]:
    """The bookings as committed now (a new transaction, after the runners' commits)."""
    session.commit()
    return [session.get(Booking, booking.id, populate_existing=True) for booking in bookings_]


def actions_of(session, booking: Booking, action: str) -> int:
    return session.scalar(select(func.count()).where(BookingEvent.booking_id == booking.id,
                                                     BookingEvent.action == action))


def writing(callable_, *args):
    """Run a runner's step from the test thread as a writer (the committed_db thread reads by default)."""
    with transactions.read_only(False):
        return callable_(*args)


def race(runners: list[Runner], job: str) -> list[int]:
    """The runners (one holder: each believes it holds the lease) run ``job`` at the same moment, each from a
    thread of its own; what each moved. An error in a thread, or a thread that does not finish, fails the test."""
    for runner in runners:
        assert writing(runner.heartbeat)
    moved, errors = [0] * len(runners), []
    start_together = threading.Barrier(len(runners))

    def sweep(index: int) -> None:
        start_together.wait()
        try:
            moved[index] = runners[index].run_job(job)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(len(runners))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_TIMEOUT_SECONDS)
    assert errors == [] and not any(thread.is_alive() for thread in threads)
    return moved


def booking_steps(moved: dict[str, int]) -> dict[str, int]:
    """What a sweep moved of bookings (the outbox job delivers the events those moves wrote, counted apart, and
    other areas' jobs move other things)."""
    return {job: count for job, count in moved.items()
            if job in ("expire_requests", "send_reminders", "release_bookings", "complete_bookings")}


def test_a_due_request_expires_at_its_deadline_exactly_once_with_two_sweepers_racing(app, committed_db, factory,
                                                                                      small_batches):
    requests = pending_requests(factory, 6)
    last_deadline = max(booking.approval_deadline for booking in requests)
    first_deadline = min(booking.approval_deadline for booking in requests)
    # Two scheduler processes that both believe they hold the lease (the same holder: the lease cannot help).
    runners = [Runner(app, holder="twin"), Runner(app, holder="twin")]

    clock.travel_to(first_deadline - timedelta(seconds=1))
    assert booking_steps(writing(runners[0].sweep)) == {"expire_requests": 0, "send_reminders": 0,
                                                         "release_bookings": 0, "complete_bookings": 0}
    clock.travel_to(last_deadline)
    moved = race(runners, "expire_requests")
    assert sum(moved) == len(requests)
    assert all(booking.status is BookingStatus.expired for booking in fresh(committed_db, requests))
    assert [actions_of(committed_db, booking, "expire") for booking in requests] == [1] * len(requests)


def test_a_request_is_not_expired_before_its_deadline(app, committed_db, factory):
    [request] = pending_requests(factory, 1)
    runner = Runner(app)
    clock.travel_to(request.approval_deadline - timedelta(microseconds=1))
    writing(runner.sweep)
    assert fresh(committed_db, [request])[0].status is BookingStatus.pending
    clock.travel_to(request.approval_deadline)
    writing(runner.sweep)
    assert fresh(committed_db, [request])[0].status is BookingStatus.expired


def test_completion_waits_out_the_grace_in_which_staff_can_still_mark_a_no_show(app, committed_db, factory):
    listing = factory.listing()
    staff = listing.organisation.memberships[0].user
    came, absent = (factory.booking(listing=listing, start=local(1, hour)) for hour in (10, 12))
    grace = timedelta(minutes=app.config["COMPLETION_GRACE_MINUTES"])
    runner = Runner(app)

    clock.travel_to(absent.end_at + grace - timedelta(seconds=1))
    assert writing(runner.sweep)["complete_bookings"] == 1  # `came` ended two hours ago
    with transactions.read_only(False):
        committed_db.commit()
        bookings.mark_no_show(committed_db, staff, committed_db.get(Booking, absent.id))
        committed_db.commit()
    clock.travel_to(absent.end_at + grace)
    assert writing(runner.sweep)["complete_bookings"] == 0
    came, absent = fresh(committed_db, [came, absent])
    assert (came.status, absent.status) == (BookingStatus.completed, BookingStatus.no_show)


def test_a_confirmed_booking_completes_only_after_its_end_plus_the_grace(app, committed_db, factory):
    booking = factory.booking(listing=factory.listing())
    grace = timedelta(minutes=app.config["COMPLETION_GRACE_MINUTES"])
    runner = Runner(app)
    clock.travel_to(booking.end_at + grace - timedelta(microseconds=1))
    assert lifecycle.due_for_completion(committed_db, clock.now(), grace=grace) == []
    writing(runner.sweep)
    assert fresh(committed_db, [booking])[0].status is BookingStatus.confirmed
    clock.travel_to(booking.end_at + grace)
    writing(runner.sweep)
    assert fresh(committed_db, [booking])[0].status is BookingStatus.completed
    assert actions_of(committed_db, booking, "complete") == 1


def test_a_scheduler_killed_mid_sweep_then_restarted_repeats_nothing_and_loses_nothing(app, committed_db, factory,
                                                                                       database_url, small_batches):
    requests = pending_requests(factory, 5)
    now = max(booking.approval_deadline for booking in requests)
    killed = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "tests/scheduler/killed_sweeper.py"), database_url, now.isoformat(), "2"],
        cwd=PROJECT_ROOT, env={**os.environ}, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, (killed.stdout, killed.stderr)
    assert killed.stdout.strip() == "holding"
    assert [b.status for b in fresh(committed_db, requests)].count(BookingStatus.expired) == 2  # the first batch

    clock.travel_to(now)
    restarted = Runner(app)
    assert writing(restarted.sweep) is None  # the dead process's lease still runs
    clock.travel_to(now + lease.LEASE_TTL)
    assert booking_steps(writing(restarted.sweep)) == {"expire_requests": 3, "send_reminders": 0,
                                                       "release_bookings": 0, "complete_bookings": 0}
    assert all(booking.status is BookingStatus.expired for booking in fresh(committed_db, requests))
    assert [actions_of(committed_db, booking, "expire") for booking in requests] == [1] * len(requests)


def test_catch_up_after_a_day_of_downtime_processes_everything_due_in_order(app, committed_db, factory,
                                                                          small_batches):
    requests = pending_requests(factory, 5)
    instant = factory.listing()
    ended = [factory.booking(listing=instant, start=local(1, hour)) for hour in (15, 9, 12, 18)]
    later = factory.booking(listing=instant, start=local(3, 10))
    expiry_order = [b.id for b in sorted(requests, key=lambda b: b.approval_deadline)]
    completion_order = [b.id for b in sorted(ended, key=lambda b: b.end_at)]
    runner = Runner(app)
    writing(runner.sweep)  # the last sweep before the outage, at NOW: nothing due yet

    downtime_over = max(booking.approval_deadline for booking in requests) + timedelta(days=1)
    clock.travel_to(downtime_over)
    # The reminders: `later`'s 24 h one is still useful; the two bookings that started less than a day ago have
    # both of theirs recorded as skipped.
    assert booking_steps(writing(runner.sweep)) == {"expire_requests": 5, "send_reminders": 5,
                                                    "release_bookings": 0, "complete_bookings": 4}
    committed_db.commit()
    expired_in = list(committed_db.scalars(select(BookingEvent.booking_id).where(
        BookingEvent.action == "expire").order_by(BookingEvent.id)))
    completed_in = list(committed_db.scalars(select(BookingEvent.booking_id).where(
        BookingEvent.action == "complete").order_by(BookingEvent.id)))
    assert expired_in == expiry_order != [b.id for b in requests]
    assert completed_in == completion_order != [b.id for b in ended]
    assert fresh(committed_db, [later])[0].status is BookingStatus.confirmed


def test_only_one_runner_holds_the_lease_and_another_takes_over_within_a_minute(app, committed_db):
    clock.travel_to(NOW)
    first, second = Runner(app), Runner(app)
    assert writing(first.heartbeat) and not writing(second.heartbeat)
    assert writing(second.sweep) is None
    clock.advance(lease.RENEW_EVERY)
    assert writing(first.heartbeat)  # renewed: its lease runs from here
    died_at = clock.now()
    taken_over_after = None
    while taken_over_after is None:  # the first dies; the second keeps trying at its renewal interval
        clock.advance(lease.RENEW_EVERY)
        if writing(second.heartbeat):
            taken_over_after = clock.now() - died_at
    assert lease.LEASE_TTL <= taken_over_after <= timedelta(minutes=1)
    assert not writing(first.heartbeat)  # back from the dead, it does not steal the lease back
    assert writing(first.run_job, "expire_requests") == 0 and not first.holding


def test_two_runners_starting_at_the_same_moment_get_one_lease(app, committed_db):
    clock.travel_to(NOW)
    runners = [Runner(app) for _ in range(4)]
    held: list[bool] = []
    start_together = threading.Barrier(len(runners))

    def start(runner: Runner) -> None:
        start_together.wait()
        held.append(runner.heartbeat())

    threads = [threading.Thread(target=start, args=(runner,)) for runner in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_TIMEOUT_SECONDS)
    assert sorted(held) == [False, False, False, True]


def test_the_job_list_is_fixed_whatever_the_number_of_bookings(app, committed_db, factory):
    before = [job.id for job in build_scheduler(Runner(app)).get_jobs()]
    pending_requests(factory, 3)
    assert [job.id for job in build_scheduler(Runner(app)).get_jobs()] == before == ["heartbeat", *JOBS]


def test_scheduler_tick_runs_one_sweep_and_refuses_while_another_holds_the_lease(app, committed_db, factory):
    [request] = pending_requests(factory, 1)
    clock.travel_to(request.approval_deadline)
    cli = app.test_cli_runner()
    with transactions.read_only(False):
        result = cli.invoke(args=["scheduler", "tick"])
        assert result.exit_code == 0, result.output
        assert "expire_requests 1" in result.output
        assert fresh(committed_db, [request])[0].status is BookingStatus.expired
        assert cli.invoke(args=["scheduler", "tick"]).exit_code == 0  # a tick releases the lease when done

        other = Runner(app, holder="elsewhere:1:abcd")
        assert other.heartbeat()
        refused = cli.invoke(args=["scheduler", "tick"])
    assert refused.exit_code != 0
    assert "another scheduler holds the lease (elsewhere:1:abcd" in refused.output


def test_scheduler_run_stops_cleanly_on_sigterm_and_releases_its_lease(app, committed_db, database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret"}
    process = subprocess.Popen([str(PROJECT_ROOT / ".venv/bin/flask"), "--app", "wsgi", "scheduler", "run"],
                               cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "started, holding the lease" in process.stdout.readline()
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert "stopped" in stdout
    committed_db.commit()
    held = lease.current(committed_db)
    assert held is not None and held.expires_at <= clock.now()


def test_a_runner_that_lost_its_lease_moves_nothing_even_before_its_next_heartbeat(app, committed_db, factory):
    [request] = pending_requests(factory, 1)
    stale, successor = Runner(app), Runner(app)
    assert writing(stale.heartbeat)
    clock.travel_to(request.approval_deadline + lease.LEASE_TTL)  # the first stalled past its lease
    assert writing(successor.heartbeat)
    assert stale.holding  # it does not know yet
    assert writing(stale.run_job, "expire_requests") == 0 and not stale.holding
    assert fresh(committed_db, [request])[0].status is BookingStatus.pending
    assert writing(successor.run_job, "expire_requests") == 1


def test_skipped_runs_are_not_logged_while_other_scheduler_warnings_still_are(app, caplog):
    build_scheduler(Runner(app))
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    with caplog.at_level(logging.WARNING, logger="apscheduler.scheduler"):
        # APScheduler's own wording (apscheduler/schedulers/base.py) for a run skipped by max_instances.
        scheduler_log.warning('Execution of job "%s" skipped: maximum number of running instances reached (%d)',
                              "process_outbox", 1)
        scheduler_log.warning('Run time of job "%s" was missed by %s', "complete_bookings", "0:00:02")
    assert [record.getMessage() for record in caplog.records] == [
        'Run time of job "complete_bookings" was missed by 0:00:02']


def test_a_sweep_renews_the_lease_once_unless_its_batches_outlast_a_few_seconds(app, committed_db):
    clock.travel_to(NOW)
    runner = Runner(app)
    assert writing(runner.sweep) is not None  # the heartbeat, then every job: one renewal
    committed_db.commit()
    assert lease.current(committed_db).heartbeat_at == NOW
    # send_reminders has no due-time probe, so it runs its batch (and renews) even with nothing due.
    clock.travel_to(NOW + RENEWED_RECENTLY - timedelta(microseconds=1))
    writing(runner.run_job, "send_reminders")
    committed_db.commit()
    assert lease.current(committed_db).heartbeat_at == NOW
    clock.travel_to(NOW + RENEWED_RECENTLY)
    writing(runner.run_job, "send_reminders")
    committed_db.commit()
    assert lease.current(committed_db).heartbeat_at == NOW + RENEWED_RECENTLY


def test_a_sweep_with_nothing_due_takes_the_write_lock_only_for_the_jobs_without_a_due_time(app, committed_db):
    """Each job with a due-time probe reads first, as a reader, and stops there when nothing is due; on SQLite only
    the heartbeat and the jobs without a probe begin IMMEDIATE (queue for the write lock) and commit."""
    from sqlalchemy import event

    from marketplace.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's")
    clock.travel_to(NOW)
    runner = Runner(app)
    writing(runner.sweep)  # the first sweep ever notes the nightly recompute's time
    begun = []
    listener = lambda _connection, _cursor, statement, *_rest: begun.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        clock.advance(RENEWED_RECENTLY)
        moved = writing(runner.sweep)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert moved is not None and not any(moved.values())
    unprobed = [name for name, job in JOBS.items() if job.due is None]
    assert 0 < len(unprobed) < len(JOBS) - 5
    assert begun.count("BEGIN IMMEDIATE") == 1 + len(unprobed)  # the heartbeat, then those jobs
