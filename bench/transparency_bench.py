"""Benchmark of the public dashboard: the street's page and its stats API at 1,000,000 bookings, against
computing the same figures from the raw bookings on every request, in one run.

    .venv/bin/python bench/transparency_bench.py            # SQLite, 1,000 listings, ~1,000,000 bookings
    .venv/bin/python bench/transparency_bench.py --quick    # a tenth: 100 listings, ~100,000 bookings
    scripts/with-postgres sh -c 'BENCH_DATABASE_URL="$TEST_DATABASE_URL" .venv/bin/python bench/transparency_bench.py'

It builds the real schema with the migrations (on PostgreSQL in a throwaway schema ``transparency_bench``),
bulk-inserts six past bookings a day per listing over 26 weeks (completed, some no-shows and cancellations,
each with the event that finished it), then runs the usage snapshot job's service until every settled day is
done (timed too: the nightly cost that buys the fast page). It measures, median of several requests:

- ``GET /transparency`` and ``GET /api/v1/stats/street`` through the app (snapshots plus today's live day);
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
    """Listings open 09:00-21:00 every day, six past bookings a day each over the window; returns how many."""
    listing_ids, user_ids, _capacities = seed_catalogue(listing_count, rng)
    # The catalogue's listings are created now; date them back so the snapshot job covers the whole window.
    db.session.execute(Listing.__table__.update().values(created_at=NOW - timedelta(days=DAYS + 2)))
    db.session.commit()
    finals = {}

    def rows():
        for listing_id in listing_ids:
            for day in range(-DAYS, 0):
                for hour in HOURS:
                    if rng.random() < 0.08:
                        continue  # some slots stay idle, more on some listings than others
                    start = zones.to_utc(datetime.combine(TODAY + timedelta(days=day), datetime.min.time())
                                         .replace(hour=hour), ZONE)
                    end = start + timedelta(minutes=rng.choice([60, 90, 120]))
                    status, action = outcome(rng)
                    finals[(listing_id, start)] = (status, action)
                    yield (listing_id, rng.choice(user_ids), 1, start, end, end, False, status.name, None, "",
                           start - timedelta(days=2), end)

    bulk_insert_bookings(rows(), dialect)
    booked = db.session.execute(select(Booking.id, Booking.listing_id, Booking.start_at, Booking.end_at))
    event_rows = []
    for booking in booked:
        status, action = finals[(booking.listing_id, booking.start_at)]
        at = booking.end_at + timedelta(hours=1) if action != "cancel_by_booker" else booking.start_at - timedelta(
            hours=rng.choice([2, 30]))
        event_rows.append({"booking_id": booking.id, "action": action, "from_status": BookingStatus.confirmed,
                           "to_status": status, "actor_id": None, "reason": "", "at": at})
    for start in range(0, len(event_rows), 50_000):
        db.session.execute(insert(BookingEvent), event_rows[start:start + 50_000])
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return len(event_rows)


def median_seconds(call, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = timer.perf_counter()
        call()
        times.append(timer.perf_counter() - started)
    return statistics.median(times)


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
            page = median_seconds(lambda: client.get("/transparency"), ROUNDS)
            api = median_seconds(lambda: client.get("/api/v1/stats/street"), ROUNDS)
            board = transparency.dashboard(db.session, transparency.get_scope(db.session, "street"), today=TODAY,
                                           zone=ZONE)
            db.session.rollback()
            started = timer.perf_counter()
            reference = naive_totals()
            first = timer.perf_counter() - started
            if board.total.sums != reference:
                print("MISMATCH: the dashboard's totals differ from the raw bookings'", file=sys.stderr)
                return 1
            naive_rounds = 1 if args.quick else NAIVE_ROUNDS  # the suite runs --quick within a time limit
            naive = statistics.median([first, *(median_seconds(naive_totals, 1) for _ in range(naive_rounds - 1))])
            print(f"GET /transparency         {page * 1000:9.1f} ms (median of {ROUNDS})")
            print(f"GET /api/v1/stats/street  {api * 1000:9.1f} ms (median of {ROUNDS})")
            print(f"naive, from raw bookings  {naive * 1000:9.1f} ms (median of {naive_rounds}, totals only)")
            print("ratios (naive reference / ours, higher is better):")
            print(f"  page: {naive / page:.1f}x   stats API: {naive / api:.1f}x")
        finally:
            drop_schema(dialect, BENCH_SCHEMA)
    return 0


if __name__ == "__main__":
    sys.exit(main())
