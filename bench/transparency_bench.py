"""Benchmark of the public dashboard: the street's page and its stats API at 1,000,000 bookings, against
computing the same figures from the raw bookings on every request, in one run.

    .venv/bin/python bench/transparency_bench.py            # SQLite, 1,000 listings, ~1,000,000 bookings
    .venv/bin/python bench/transparency_bench.py --quick    # a tenth: 100 listings, ~100,000 bookings
    scripts/with-postgres sh -c 'BENCH_DATABASE_URL="$TEST_DATABASE_URL" .venv/bin/python bench/transparency_bench.py'

It builds the real schema with the migrations (on PostgreSQL in a throwaway schema ``transparency_bench``),
bulk-inserts six bookings a day per listing over 26 weeks (on past days completed, some no-shows and
cancellations, each with the event that finished it; today confirmed), then runs the usage snapshot job's
service until every settled day is done (timed too: the nightly cost that buys the fast page). It measures,
median of several requests, wall time beside this process's CPU time (SQLite's included) and the PostgreSQL
server's:

- ``GET /transparency`` and ``GET /api/v1/stats/street`` through the app (snapshots plus today's live day),
  cold (the worker keeps no snapshot sums yet: just started, or the job has just finished a day) and warm;
- the naive reference: the same totals computed per request from the raw bookings of every day of the window
  (``usage.day_figures``, what the snapshot job computes, for each of the 182 days).

It checks that the dashboard's totals equal the reference's (the bench fails otherwise) and prints the ratios
last. The machine may be shared: absolute times are inflated, the ratios are what count.
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

from sqlalchemy import func, insert, select, text  # noqa: E402

from booking_bench import bulk_insert_bookings, seed_catalogue  # noqa: E402
from support.database import bench_app, drop_schema, prepare_schema  # noqa: E402
from marketplace.bookings.models import Booking, BookingEvent, BookingStatus  # noqa: E402
from marketplace.core import clock, zones  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.listings.models import Listing  # noqa: E402
from marketplace.transparency import services as transparency  # noqa: E402
from marketplace.transparency.views import SETTLED  # noqa: E402
from marketplace.usage import services as usage  # noqa: E402

ZONE = "Asia/Shanghai"
NOW = zones.to_utc(datetime(2026, 6, 1, 8, 0), ZONE)
TODAY = zones.local_date(NOW, ZONE)
BENCH_SCHEMA = "transparency_bench"
DAYS = transparency.WEEKS * 7 - 1  # every day of the window before today
HOURS = (9, 11, 13, 15, 17, 19)
ROUNDS, NAIVE_ROUNDS = 7, 2


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="PostgreSQL URL (postgresql+psycopg://...); or BENCH_DATABASE_URL; default SQLite")
    parser.add_argument("--quick", action="store_true", help="a tenth: 100 listings, ~100,000 bookings")
    parser.add_argument("--seed", type=int, default=20261201)
    return parser.parse_args()


def outcome(rng: random.Random) -> tuple[BookingStatus, str]:
    draw = rng.random()
    if draw < 0.06:
        return BookingStatus.no_show, "no_show"
    if draw < 0.12:
        return BookingStatus.cancelled, "cancel_by_booker"
    return BookingStatus.completed, "complete"


def seed(listing_count: int, rng: random.Random, dialect: str) -> int:
    """Listings open 09:00-21:00 every day, six bookings a day each over the window: finished ones on past days,
    confirmed ones today (the live day); returns how many."""
    listing_ids, user_ids, _capacities = seed_catalogue(listing_count, rng)
    # The catalogue's listings are created now; date them back so the snapshot job covers the whole window.
    db.session.execute(Listing.__table__.update().values(created_at=NOW - timedelta(days=DAYS + 2)))
    db.session.commit()
    finals = {}

    def rows():
        for listing_id in listing_ids:
            for day in range(-DAYS, 1):
                for hour in HOURS:
                    if rng.random() < 0.08:
                        continue  # some slots stay idle, more on some listings than others
                    start = zones.to_utc(datetime.combine(TODAY + timedelta(days=day), datetime.min.time())
                                         .replace(hour=hour), ZONE)
                    end = start + timedelta(minutes=rng.choice([60, 90, 120]))
                    status, action = outcome(rng) if day < 0 else (BookingStatus.confirmed, "create")
                    finals[(listing_id, start)] = (status, action)
                    yield (listing_id, rng.choice(user_ids), 1, start, end, end, False, status.name, None, "",
                           start - timedelta(days=2), end)

    bulk_insert_bookings(rows(), dialect)
    booked = db.session.execute(select(Booking.id, Booking.listing_id, Booking.start_at, Booking.end_at))
    event_rows = []
    for booking in booked:
        status, action = finals[(booking.listing_id, booking.start_at)]
        if action == "create":
            at, before = booking.start_at - timedelta(days=2), None
        elif action == "cancel_by_booker":
            at, before = booking.start_at - timedelta(hours=rng.choice([2, 30])), BookingStatus.confirmed
        else:
            at, before = booking.end_at + timedelta(hours=1), BookingStatus.confirmed
        event_rows.append({"booking_id": booking.id, "action": action, "from_status": before,
                           "to_status": status, "actor_id": None, "reason": "", "at": at})
    for start in range(0, len(event_rows), 50_000):
        db.session.execute(insert(BookingEvent), event_rows[start:start + 50_000])
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return len(event_rows)


def server_seconds() -> float:
    """CPU seconds the PostgreSQL server's processes have used so far (0 on SQLite, which runs inside this
    process, so process_time counts it): the children of the postmaster, found through its pid file."""
    if db.engine.dialect.name != "postgresql":
        return 0.0
    with db.engine.connect() as connection:
        data_directory = connection.execute(text("SHOW data_directory")).scalar()
    postmaster = Path(data_directory, "postmaster.pid").read_text().split()[0]
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended meanwhile
        if fields[1] == postmaster or stat.parent.name == postmaster:
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def timed(call, rounds: int) -> tuple[float, float, float]:
    """Median wall, CPU (this process) and database server CPU seconds of ``call`` over ``rounds`` runs."""
    walls, cpus, servers = [], [], []
    for _ in range(rounds):
        server, cpu, started = server_seconds(), timer.process_time(), timer.perf_counter()
        call()
        walls.append(timer.perf_counter() - started)
        cpus.append(timer.process_time() - cpu)
        servers.append(server_seconds() - server)
    return statistics.median(walls), statistics.median(cpus), statistics.median(servers)


def median_seconds(call, rounds: int) -> float:
    return timed(call, rounds)[0]


def cold(client, url: str):
    """A request to a worker that keeps no snapshot sums yet (just started, or the job just finished a day)."""
    def call():
        client.application.extensions.pop(SETTLED, None)
        assert client.get(url).status_code == 200, url
    return call


def naive_totals() -> dict[str, int]:
    """The reference: every figure recomputed from the raw bookings of each day of the window, per request."""
    listings = list(db.session.scalars(select(Listing.id).order_by(Listing.id)))
    totals = dict.fromkeys(transparency.SUMMED, 0)
    first_day = TODAY - timedelta(weeks=transparency.WEEKS) + timedelta(days=1)
    for offset in range((TODAY - first_day).days + 1):
        for figures in usage.day_figures(db.session, listings, first_day + timedelta(days=offset), ZONE).values():
            for name in transparency.SUMMED:
                totals[name] += figures[name]
    db.session.rollback()
    return totals


def main() -> int:
    args = parse_args()
    rng = random.Random(args.seed)
    listing_count = 100 if args.quick else 1000
    app = bench_app(args.url, schema=BENCH_SCHEMA, zone=ZONE)
    with app.app_context():
        dialect = db.engine.dialect.name
        prepare_schema(dialect, BENCH_SCHEMA)
        clock.travel_to(NOW)
        try:
            started = timer.perf_counter()
            bookings = seed(listing_count, rng, dialect)
            print(f"seeded {listing_count:,} listings, {bookings:,} bookings on {dialect} "
                  f"in {timer.perf_counter() - started:.1f} s")
            started = timer.perf_counter()
            while usage.snapshot_due_days(db.session, NOW, ZONE, settle=timedelta(hours=1), limit=5000):
                db.session.commit()
            db.session.commit()
            snapshots = db.session.scalar(select(func.count()).select_from(usage.UsageSnapshot))
            print(f"snapshot job: {snapshots:,} listing-days in {timer.perf_counter() - started:.1f} s (nightly)")

            client = app.test_client()
            for url in ("/transparency", "/api/v1/stats/street"):
                assert client.get(url).status_code == 200, url
            measured = {}
            for url in ("/transparency", "/api/v1/stats/street"):
                measured[url, "cold"] = timed(cold(client, url), ROUNDS)
                measured[url, "warm"] = timed(lambda url=url: client.get(url), ROUNDS)
            page, api = measured["/transparency", "warm"][0], measured["/api/v1/stats/street", "warm"][0]
            board = transparency.dashboard(db.session, transparency.get_scope(db.session, "street"), today=TODAY,
                                           zone=ZONE)
            db.session.rollback()
            started, cpu, server = timer.perf_counter(), timer.process_time(), server_seconds()
            reference = naive_totals()
            first = timer.perf_counter() - started
            naive_cpu, naive_server = timer.process_time() - cpu, server_seconds() - server
            if board.total.sums != reference:
                print("MISMATCH: the dashboard's totals differ from the raw bookings'", file=sys.stderr)
                return 1
            naive_rounds = 1 if args.quick else NAIVE_ROUNDS  # the suite runs --quick within a time limit
            naive = statistics.median([first, *(median_seconds(naive_totals, 1) for _ in range(naive_rounds - 1))])
            print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; medians of {ROUNDS}; "
                  "cold: the worker keeps no snapshot sums yet, warm: it does")
            for (url, state), (wall, cpu, server) in measured.items():
                print(f"GET {url:22} {state}  {wall * 1000:8.1f} ms wall  {cpu * 1000:8.1f} ms CPU  "
                      f"{server * 1000:8.1f} ms database server CPU")
            print(f"naive, from raw bookings   {naive * 1000:8.1f} ms wall (median of {naive_rounds}, totals only; "
                  f"the first: {naive_cpu * 1000:.1f} ms CPU, {naive_server * 1000:.1f} ms database server CPU)")
            print("ratios (naive reference / ours, wall, higher is better):")
            print(f"  page: {naive / page:.1f}x warm, {naive / measured['/transparency', 'cold'][0]:.1f}x cold   "
                  f"stats API: {naive / api:.1f}x warm, {naive / measured['/api/v1/stats/street', 'cold'][0]:.1f}x cold")
        finally:
            drop_schema(dialect, BENCH_SCHEMA)
    return 0


if __name__ == "__main__":
    sys.exit(main())
