"""Scheduler benchmark: one sweep at 1,000,000 bookings of which 1 % are due, against a naive reference.

    .venv/bin/python bench/scheduler_bench.py                  # SQLite, 1,000,000 bookings (10,000 due)
    .venv/bin/python bench/scheduler_bench.py --quick          # 50,000 bookings (500 due)
    scripts/with-postgres sh -c 'BENCH_DATABASE_URL="$TEST_DATABASE_URL" .venv/bin/python bench/scheduler_bench.py'

It builds the real schema with the migrations (on PostgreSQL in a throwaway schema ``scheduler_bench``),
seeds by bulk inserts (``booking_bench``'s catalogue and loader): each listing has one booking a day from
50 days ago to 50 days ahead; one booking in a hundred is due (every other listing a confirmed booking
that ended yesterday, the others a request whose deadline passed yesterday). It measures, in one run:

- an idle sweep (``Runner.sweep`` two days earlier, when nothing is due: the lease and one indexed query or
  two per job; the reminders of bookings before NOW + a day are seeded as already sent, as by a scheduler
  that kept up, so that the 10,000 due are the bookings to move),
  median of several, against a naive sweep that reads every booking and picks the due ones in Python;
- the sweep that moves all the due bookings (batches of ``SCHEDULER_BATCH_SIZE``, a commit each),
  against the naive sweep doing the same moves after its full scan (rolled back, so both see the same
  data); the bench fails if the two disagree on which bookings were due. The same sweep warns staff of
  today's requests whose deadline is two hours ahead (``warn_deadlines``: one a listing), counted apart;
- the nightly usage snapshot (``snapshot_usage``) of one local day for every listing, against a naive
  one computing listing after listing (rolled back);
- the number of scheduler jobs with no bookings and with all of them;

and prints the ratios last. Targets: idle sweep <= 20 ms at 1,000,000 bookings; 10,000 due <= 10 s.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time as timer
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import insert, literal, select, text  # noqa: E402

from booking_bench import BOOKERS, bulk_insert_bookings, seed_catalogue  # noqa: E402
from support.database import ServerCPU, bench_app, drop_schema, prepare_schema  # noqa: E402
from marketplace.bookings import lifecycle  # noqa: E402
from marketplace.bookings.models import Booking, BookingEvent, BookingReminder, BookingStatus  # noqa: E402
from marketplace.core import clock, zones  # noqa: E402
from marketplace.core.db import UTCDateTime  # noqa: E402
from marketplace.core.events import DomainEvent  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.listings.models import Listing  # noqa: E402
from marketplace.notifications.models import Notification  # noqa: E402
from marketplace.usage import services as usage  # noqa: E402
from marketplace.usage.models import UsageSnapshot  # noqa: E402
from marketplace.scheduler.cli import build_scheduler  # noqa: E402
from marketplace.scheduler.runner import Runner  # noqa: E402

ZONE = "Asia/Shanghai"
NOW = zones.to_utc(datetime(2026, 6, 1, 8, 0), ZONE)
IDLE_AT = NOW - timedelta(days=2)
BENCH_SCHEMA = "scheduler_bench"
PER_LISTING = 100
IDLE_ROUNDS = 15


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="PostgreSQL URL (postgresql+psycopg://...); or BENCH_DATABASE_URL; default SQLite")
    parser.add_argument("--quick", action="store_true", help="50,000 bookings")
    parser.add_argument("--bookings", type=int, help="how many bookings (a multiple of 100); default 1,000,000")
    parser.add_argument("--seed", type=int, default=20260601)
    return parser.parse_args()


def booking_rows(listing_ids, user_ids, capacities, rng: random.Random):
    """One booking a day per listing at 10:00, days -50 … 49; yields tuples in booking_bench.COLUMNS order.

    Past ones are completed or cancelled, except yesterday's on even listings: confirmed, due for completion.
    Future ones are confirmed or pending with a deadline ahead, except tomorrow's on odd listings: a request
    made three days ago, whose deadline (48 hours after it) passed yesterday.
    """
    for listing_id in listing_ids:
        capacity, buffer = capacities[listing_id]
        for day in range(-PER_LISTING // 2, PER_LISTING // 2):
            start = zones.to_utc(datetime(2026, 6, 1, 10), ZONE) + timedelta(days=day)
            end = start + timedelta(hours=1)
            requested, deadline = start - timedelta(days=1), None
            if day == -1 and listing_id % 2 == 0:
                status = BookingStatus.confirmed
            elif day == 1 and listing_id % 2 == 1:
                status, requested = BookingStatus.pending, NOW - timedelta(days=3)
                deadline = requested + timedelta(hours=48)
            elif day < 0:
                status = BookingStatus.cancelled if day % 10 == 0 else BookingStatus.completed
            elif day % 7 == 0:
                status, requested = BookingStatus.pending, NOW - timedelta(hours=1)
                deadline = min(start, requested + timedelta(hours=48))
            else:
                status = BookingStatus.confirmed
            yield (listing_id, rng.choice(user_ids), 1, start, end, end + timedelta(minutes=buffer), capacity == 1,
                   status.name, deadline, "", requested, requested)


def naive_due(session, now: datetime, grace: timedelta) -> list[Booking]:
    """The reference's scan: every booking's status and times read, the due ones picked in Python."""
    rows = session.execute(select(Booking.id, Booking.status, Booking.approval_deadline, Booking.end_at)).all()
    due = [row.id for row in rows
           if (row.status is BookingStatus.pending and row.approval_deadline <= now)
           or (row.status is BookingStatus.confirmed and row.end_at + grace <= now)]
    return [session.get(Booking, booking_id) for booking_id in due]


def naive_sweep(now: datetime, grace: timedelta, *, move: bool) -> set[int]:
    """The reference sweep, in one transaction rolled back at the end; the ids it found (and moved)."""
    session = db.session
    moved = set()
    for booking in naive_due(session, now, grace):
        if move and booking.status is BookingStatus.pending:
            lifecycle.expire_booking(session, booking, now=now)
        elif move:
            lifecycle.complete_booking(session, booking, now=now)
        moved.add(booking.id)
    session.rollback()
    return moved


def mark_reminded(offsets: list[int], until: datetime) -> None:
    """Every confirmed booking's reminders due by ``until`` recorded as sent (bulk, like the seeding)."""
    for hours in offsets:
        db.session.execute(insert(BookingReminder).from_select(
            ["booking_id", "hours_before", "outcome", "at"],
            select(Booking.id, literal(hours), literal("sent"), literal(IDLE_AT, UTCDateTime())).where(
                Booking.status == BookingStatus.confirmed, Booking.start_at <= until + timedelta(hours=hours))))
    db.session.commit()


def naive_snapshot(day, zone: str) -> int:
    """The reference snapshot: listing after listing, a few queries each, rolled back; how many it wrote."""
    session = db.session
    listings = list(session.scalars(select(Listing).order_by(Listing.id)))
    for listing in listings:
        usage.snapshot_listings(session, [listing], day, zone)
    session.rollback()
    return len(listings)


def drain_outbox(runner: Runner) -> int:
    """Run the outbox job until a run delivers nothing; how many deliveries ran."""
    delivered = 0
    while ran := runner.run_job("process_outbox"):
        delivered += ran
    return delivered


SERVER_CPU: ServerCPU | None = None


class Timing(float):
    """Wall seconds (the float), with this process's CPU seconds and the database server's beside them."""

    cpu: float
    server: float | None

    def __str__(self) -> str:
        server = f", database server {self.server:.2f} s" if self.server is not None else ""
        return f"{float(self):.2f} s (CPU {self.cpu:.2f} s{server})"


def timed(function, *args, **kwargs):
    server_began = SERVER_CPU.seconds() if SERVER_CPU else None
    began, began_cpu = timer.perf_counter(), timer.process_time()
    result = function(*args, **kwargs)
    timing = Timing(timer.perf_counter() - began)
    timing.cpu = timer.process_time() - began_cpu
    server_ended = SERVER_CPU.seconds() if SERVER_CPU else None
    timing.server = server_ended - server_began if None not in (server_began, server_ended) else None
    return timing, result


def main() -> None:
    args = parse_args()
    total = args.bookings or (50_000 if args.quick else 1_000_000)
    listing_count = max(2, total // PER_LISTING)
    rng = random.Random(args.seed)
    app = bench_app(args.url, schema=BENCH_SCHEMA, zone=ZONE)
    grace = timedelta(minutes=app.config["COMPLETION_GRACE_MINUTES"])
    global SERVER_CPU
    with app.app_context():
        dialect = db.engine.dialect.name
        SERVER_CPU = ServerCPU(db.engine)
        prepare_schema(dialect, BENCH_SCHEMA)
        try:
            jobs_without_bookings = len(build_scheduler(Runner(app)).get_jobs())
            began = timer.perf_counter()
            listing_ids, user_ids, capacities = seed_catalogue(listing_count, rng)
            bulk_insert_bookings(booking_rows(listing_ids, user_ids, capacities, rng), dialect)
            mark_reminded(app.config["REMINDER_OFFSETS_HOURS"], NOW)
            with db.engine.begin() as connection:
                connection.execute(text("ANALYZE"))
            seeded = db.session.scalar(select(db.func.count(Booking.id)))
            db.session.rollback()  # the runner's units of work take the write lock (SQLite) for themselves
            print(f"{dialect}: {seeded:,} bookings on {listing_count:,} listings, {BOOKERS} bookers, "
                  f"seeded in {timer.perf_counter() - began:.1f} s; load {os.getloadavg()[0]:.1f}")
            runner = Runner(app)
            jobs_with_bookings = len(build_scheduler(runner).get_jobs())

            clock.travel_to(IDLE_AT)
            idle = []
            for _ in range(IDLE_ROUNDS):
                elapsed, moved = timed(runner.sweep)
                if moved is None or any(moved.values()):
                    sys.exit(f"the idle sweep moved bookings or lacked the lease: {moved}")
                idle.append(elapsed)
            naive_idle, naive_found = timed(naive_sweep, IDLE_AT, grace, move=False)
            if naive_found:
                sys.exit(f"the naive sweep found {len(naive_found)} bookings due at the idle moment")

            clock.travel_to(NOW)
            naive_process, naive_moved = timed(naive_sweep, NOW, grace, move=True)
            # The nightly reputation recompute falls due at this moment too; bench/reputation_bench.py times it.
            runner.run_job("recompute_reputation")
            process, moved = timed(runner.sweep)
            db.session.rollback()
            # What those moves set off: the outbox's deliveries (notifications, the waitlist, reputation), run by
            # the next sweeps' outbox job until none is due.
            draining, delivered = timed(drain_outbox, runner)
            swept = set(db.session.scalars(select(BookingEvent.booking_id).where(
                BookingEvent.action.in_(("expire", "complete")))))
            if swept != naive_moved or len(swept) != total // 100:
                sys.exit(f"the sweep moved {len(swept)} bookings, the naive reference {len(naive_moved)}; "
                         f"{total // 100} were due")
            warned = db.session.scalar(select(db.func.count(DomainEvent.id)).where(
                DomainEvent.type == "booking.deadline_near"))
            notified = db.session.scalar(select(db.func.count(Notification.id)))
            if not notified:
                sys.exit("the outbox made no notifications for the moved bookings")
            if warned != listing_count or moved["warn_deadlines"] != warned:
                sys.exit(f"{warned} deadline warnings recorded ({moved['warn_deadlines']} counted), "
                         f"{listing_count} were due")
            db.session.rollback()

            # The nightly snapshot of today (the listings' first day), once it has settled.
            day = zones.local_date(NOW, ZONE)
            clock.travel_to(zones.day_bounds(day, ZONE)[1] + grace)
            naive_snapshotting, naive_snapshots = timed(naive_snapshot, day, ZONE)
            runner.heartbeat()
            snapshotting, snapshots = timed(runner.run_job, "snapshot_usage")
            written = db.session.scalar(select(db.func.count(UsageSnapshot.id)).where(UsageSnapshot.day == day))
            db.session.rollback()
            if not snapshots == written == naive_snapshots == listing_count:
                sys.exit(f"the usage job wrote {snapshots} snapshots ({written} stored), the naive one "
                         f"{naive_snapshots}; {listing_count} listings")
            idle_ms = statistics.median(idle) * 1000
            idle_cpu_ms = statistics.median(timing.cpu for timing in idle) * 1000
            print(f"idle sweep (nothing due): median {idle_ms:.2f} ms (CPU {idle_cpu_ms:.2f} ms) over {IDLE_ROUNDS}; "
                  f"naive full scan {naive_idle * 1000:.1f} ms")
            print(f"processing {len(swept):,} due bookings and {warned:,} deadline warnings ({moved}): "
                  f"{process}; naive {naive_process} (moves only)")
            print(f"their outbox deliveries (notifications and the other subscribers): {delivered:,} in "
                  f"{draining}, {delivered / draining:,.0f} deliveries/s; notifications made: {notified:,}")
            print(f"usage snapshot of one day for {snapshots:,} listings: {snapshotting}; "
                  f"naive listing by listing {naive_snapshotting}")
            print(f"scheduler jobs: {jobs_without_bookings} with no bookings, {jobs_with_bookings} with {seeded:,}")
            print("ratios (naive reference / ours, higher is better):")
            print(f"  idle sweep: {naive_idle * 1000 / idle_ms:.1f}x")
            print(f"  processing the due bookings: {naive_process / process:.2f}x")
            print(f"  usage snapshot of a day: {naive_snapshotting / snapshotting:.2f}x")
            print(f"  job count, all bookings / none: {jobs_with_bookings / jobs_without_bookings:.1f}x (constant: 1.0)")
            scale = f" (at {seeded:,} bookings, not 1,000,000)" if seeded != 1_000_000 else ""
            print(f"  target idle sweep <= 20 ms: {'met' if idle_ms <= 20 else 'NOT met'} ({idle_ms:.2f} ms){scale}")
            per_10k = (process + draining) / max(1, len(swept) + warned) * 10_000
            cpu_per_10k = (process.cpu + draining.cpu) / max(1, len(swept) + warned) * 10_000
            print(f"  target 10,000 due <= 10 s: {'met' if per_10k <= 10 else 'NOT met'} "
                  f"({per_10k:.1f} s per 10,000 due events, moves and warnings, with their notifications; "
                  f"CPU {cpu_per_10k:.1f} s of it; load {os.getloadavg()[0]:.1f})")
        finally:
            drop_schema(dialect, BENCH_SCHEMA)


if __name__ == "__main__":
    main()
