"""Booking benchmark: availability and booking creation at 1,000,000 bookings, against a naive reference.

    .venv/bin/python bench/booking_bench.py                       # SQLite, 10,000 listings × 100 bookings
    .venv/bin/python bench/booking_bench.py --quick               # 1,000 listings × 100 bookings
    .venv/bin/python bench/booking_bench.py --url postgresql+psycopg://postgres@127.0.0.1:5432/db   # PostgreSQL
    scripts/with-postgres sh -c 'BENCH_DATABASE_URL="$TEST_DATABASE_URL" .venv/bin/python bench/booking_bench.py'

It builds the real schema with the migrations (on PostgreSQL inside a throwaway schema
``booking_bench`` that is dropped afterwards; on SQLite in a temporary file), seeds by bulk inserts
(executemany on SQLite, COPY on PostgreSQL) and then measures in one run:

- the availability of one listing over 31 days (``bookings.availability.availability``), p50 and p95
  over many random listings, against a naive reference that loads every booking of the listing and
  checks every candidate slot against every booking in Python;
- booking creation by a single client, as the service costs it in-process (``bookings.services.create_booking``,
  one unit of work per booking with its lock) and as an API client sees it (``POST /api/v1/bookings`` with a
  bearer token through the whole WSGI stack: authentication, schema load and dump, the unit of work's BEGIN,
  the commit, the page version; in-process, so without a network or a server's workers), against a naive
  reference that loads all the listing's bookings and checks them in Python before inserting;

prints the plan of the main availability query and, last, the ratios. Creation is timed after 50 untimed bookings
of each kind, and after the bulk load's WAL was checkpointed, as a live site's is every 1,000 pages. The machine may be shared: every figure
has its CPU time (``time.process_time``) beside the wall time, and the load average is printed at the start and
the end. Targets (issue 8): availability p95 ≤ 5 ms, booking creation ≥ 300/s single client on SQLite, read on
``create_booking`` (the figure the naive reference compares with); the API's figure is printed beside it.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time as timer
from datetime import datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select, text  # noqa: E402

from marketplace.accounts.models import User, with_standing  # noqa: E402
from marketplace.accounts.tokens import issue_api_token  # noqa: E402
from support.database import bench_app, drop_schema, prepare_schema  # noqa: E402
from marketplace.bookings import services  # noqa: E402
from marketplace.bookings.availability import availability  # noqa: E402
from marketplace.bookings.locking import lock_listing  # noqa: E402
from marketplace.bookings.models import Booking, BookingEvent, BookingStatus  # noqa: E402
from marketplace.core import clock, zones  # noqa: E402
from marketplace.core.errors import DomainError  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.listings.models import Listing, ListingKind, ListingStatus, OpeningHours  # noqa: E402
from marketplace.organisations.models import Organisation, OrganisationStatus, OrganisationType  # noqa: E402
from marketplace.places.models import Place, PlaceKind  # noqa: E402

ZONE = "Asia/Shanghai"
NOW = zones.to_utc(datetime(2026, 6, 1, 8, 0), ZONE)
BENCH_SCHEMA = "booking_bench"
WINDOW = timedelta(days=31)
BOOKERS = 1000
WARM_UP = 50  # bookings of each kind made before creation is timed
OPENS, CLOSES = time(9), time(21)
# Each listing gets one booking every other day from 160 days ago to 38 days ahead, at varying hours.
FIRST_DAY, DAY_STEP = -160, 2
# Requests are made this long before their start; their deadline follows the booking rules (two days later),
# so the pending ones starting within a day of NOW have lapsed without a sweep, as on a live site.
REQUESTED_BEFORE = timedelta(days=3)
COLUMNS = ("listing_id", "booker_id", "seats", "start_at", "end_at", "blocked_until", "exclusive", "status",
           "approval_deadline", "purpose", "created_at", "updated_at")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"],
                        help="default: postgres when a URL is given, else sqlite")
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="PostgreSQL URL (postgresql+psycopg://...) for --db postgres; or BENCH_DATABASE_URL")
    parser.add_argument("--quick", action="store_true", help="1,000 listings and fewer repetitions")
    parser.add_argument("--listings", type=int)
    parser.add_argument("--bookings-per-listing", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20260601)
    args = parser.parse_args()
    args.db = args.db or ("postgres" if args.url else "sqlite")
    return args


def make_app(args):
    if args.db == "postgres" and not args.url:
        sys.exit("--db postgres needs --url or BENCH_DATABASE_URL")
    return bench_app(args.url if args.db == "postgres" else None, schema=BENCH_SCHEMA, zone=ZONE)


def seed_catalogue(listing_count: int, rng: random.Random) -> tuple[list[int], list[int], dict[int, int]]:
    """A street, a community, an organisation, BOOKERS users and the listings with daily 09:00–21:00 hours."""
    session = db.session
    street = Place(kind=PlaceKind.street, name="基准街道", path="")
    session.add(street)
    session.flush()
    street.path = f"/{street.id}/"
    community = Place(kind=PlaceKind.community, name="基准社区", parent_id=street.id, path="")
    session.add(community)
    session.flush()
    community.path = f"{street.path}{community.id}/"
    organisation = Organisation(name="基准居委会", type=OrganisationType.community_office, place_id=community.id,
                                status=OrganisationStatus.verified, verified_at=NOW)
    session.add(organisation)
    session.flush()
    session.execute(insert(User), [
        {"phone": f"139{n:08d}", "password_hash": "unused", "display_name": f"居民{n}", "created_at": NOW}
        for n in range(BOOKERS)])
    capacities = {}
    rows = []
    for n in range(listing_count):
        capacity = 10 if n % 10 == 9 else 1
        rows.append({"kind": ListingKind.space, "title": f"活动室{n}", "description": "", "tags": [],
                     "facilities": [], "organisation_id": organisation.id, "place_id": community.id, "address": "",
                     "capacity": capacity, "slot_minutes": 30, "min_duration_minutes": 60,
                     "max_duration_minutes": 240, "buffer_minutes": 15 if n % 3 == 0 else 0,
                     "min_notice_minutes": 60, "max_advance_days": 60, "cancel_cutoff_minutes": 120,
                     "instant_booking": True, "fee_type": "free", "fee_amount": 0, "rules": "",
                     "status": ListingStatus.published, "published_at": NOW, "created_at": NOW, "updated_at": NOW})
    session.execute(insert(Listing), rows)
    listing_rows = session.execute(select(Listing.id, Listing.capacity, Listing.buffer_minutes)).all()
    session.execute(insert(OpeningHours), [
        {"listing_id": row.id, "weekday": weekday, "opens": OPENS, "closes": CLOSES}
        for row in listing_rows for weekday in range(7)])
    user_ids = list(session.scalars(select(User.id)))
    session.commit()
    for row in listing_rows:
        capacities[row.id] = (row.capacity, row.buffer_minutes)
    return [row.id for row in listing_rows], user_ids, capacities


def booking_rows(listing_ids, user_ids, capacities, per_listing: int, rng: random.Random):
    """One listing's bookings after another; yields tuples in COLUMNS order."""
    for listing_id in listing_ids:
        capacity, buffer = capacities[listing_id]
        for j in range(per_listing):
            day = FIRST_DAY + j * DAY_STEP + (listing_id % 2)
            hour = 9 + (listing_id * 7 + j * 3) % 10
            start = NOW.replace(hour=1) + timedelta(days=day, hours=hour - 9)  # 09:00 Shanghai is 01:00 UTC
            end = start + timedelta(minutes=60 * (1 + j % 2))
            if start < NOW:
                status = BookingStatus.cancelled if j % 10 == 0 else BookingStatus.completed
            else:
                status = BookingStatus.cancelled if j % 10 == 0 else (
                    BookingStatus.pending if j % 7 == 0 else BookingStatus.confirmed)
            requested = start - REQUESTED_BEFORE
            deadline = services.approval_deadline(start, requested) if status is BookingStatus.pending else None
            yield (listing_id, rng.choice(user_ids), 1 if capacity == 1 else 1 + j % 3, start, end,
                   end + timedelta(minutes=buffer), capacity == 1, status.name, deadline, "", requested, requested)


def bulk_insert_bookings(rows, dialect: str) -> None:
    with db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        if dialect == "postgresql":
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY bookings ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            raw.commit()
            return
        # SQLite stores UTC datetimes as text (see core.db.UTCDateTime); write that text directly.
        # A bulk load need not survive a power cut: no fsync per page, a bigger page cache.
        cursor = raw.cursor()
        # The app's settings, restored below: creation is measured as the app commits.
        synchronous = cursor.execute("PRAGMA synchronous").fetchone()[0]
        cache_size = cursor.execute("PRAGMA cache_size").fetchone()[0]
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-262144")
        statement = f"INSERT INTO bookings ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        batch = []
        cursor.execute("BEGIN")
        for row in rows:
            batch.append(tuple(value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value
                               for value in row))
            if len(batch) == 50_000:
                cursor.executemany(statement, batch)
                batch.clear()
        cursor.executemany(statement, batch)
        cursor.execute("COMMIT")
        # The load left its whole self in the WAL (hundreds of MB). A live site's WAL is checkpointed every 1,000
        # pages; copied back here, so that the measured commits do not pay for the load's checkpoint.
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA cache_size={cache_size}")


def holds_slot(row) -> bool:
    """The reference's reading of the rules: confirmed bookings hold their slot, pending ones until their deadline."""
    return row.status is BookingStatus.confirmed or (row.status is BookingStatus.pending
                                                      and row.approval_deadline > NOW)


def naive_availability(session, listing: Listing, start: datetime, end: datetime) -> list[datetime]:
    """The reference: every booking of the listing, every candidate slot checked against each in Python."""
    rows = session.execute(select(Booking.start_at, Booking.blocked_until, Booking.seats, Booking.status,
                                  Booking.approval_deadline).where(Booking.listing_id == listing.id)).all()
    active = [row for row in rows if holds_slot(row)]
    duration = timedelta(minutes=listing.min_duration_minutes)
    buffer = timedelta(minutes=listing.buffer_minutes)
    earliest = max(start, NOW + timedelta(minutes=listing.min_notice_minutes))
    latest = min(end, NOW + timedelta(days=listing.max_advance_days))
    free = []
    day = zones.local_date(start, ZONE)
    while day <= zones.local_date(end, ZONE):
        for hours in listing.opening_hours:
            if hours.weekday != day.weekday():
                continue
            slot = datetime.combine(day, hours.opens)
            while slot + duration <= datetime.combine(day, hours.closes):
                slot_start = zones.to_utc(slot, ZONE)
                slot_end = slot_start + duration
                if earliest <= slot_start < latest:
                    taken = sum(row.seats for row in active
                                if row.start_at < slot_end + buffer and slot_start < row.blocked_until)
                    if taken < listing.capacity:
                        free.append(slot_start)
                slot += timedelta(minutes=listing.slot_minutes)
        day += timedelta(days=1)
    return free


def naive_create(session, booker: User, listing_id: int, start: datetime, end: datetime) -> bool:
    """The reference: lock, load all the listing's bookings, check overlaps in Python, insert."""
    listing = session.get(Listing, listing_id)
    lock_listing(session, listing_id)
    rows = session.execute(select(Booking.start_at, Booking.blocked_until, Booking.seats, Booking.status,
                                  Booking.approval_deadline).where(Booking.listing_id == listing_id)).all()
    until = end + timedelta(minutes=listing.buffer_minutes)
    taken = sum(row.seats for row in rows if holds_slot(row) and row.start_at < until and start < row.blocked_until)
    if taken + 1 > listing.capacity:
        session.rollback()
        return False
    booking = Booking(listing_id=listing_id, booker_id=booker.id, seats=1, start_at=start, end_at=end,
                      blocked_until=until, exclusive=listing.capacity == 1, status=BookingStatus.confirmed,
                      purpose="", created_at=NOW, updated_at=NOW)
    booking.events.append(BookingEvent(action="create", to_status=BookingStatus.confirmed, actor_id=booker.id,
                                       reason="", at=NOW))
    session.add(booking)
    session.commit()
    return True


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure_availability(listing_ids, rounds: int, rng: random.Random):
    session = db.session
    exclusive_ids = [i for i in listing_ids if i % 10 != 0]
    chosen = [rng.choice(exclusive_ids) for _ in range(rounds)]
    indexed, indexed_cpu, naive = [], [], []
    for listing_id in chosen:
        session.expunge_all()
        began, began_cpu = timer.perf_counter(), timer.process_time()
        listing = session.get(Listing, listing_id)
        slots = availability(session, listing, NOW, NOW + WINDOW, ZONE, NOW)
        indexed.append(timer.perf_counter() - began)
        indexed_cpu.append(timer.process_time() - began_cpu)
        session.expunge_all()
        began = timer.perf_counter()
        listing = session.get(Listing, listing_id)
        reference = naive_availability(session, listing, NOW, NOW + WINDOW)
        naive.append(timer.perf_counter() - began)
        if [slot.start for slot in slots] != reference:
            sys.exit(f"listing {listing_id}: indexed and naive availability disagree")
    session.rollback()
    return indexed, indexed_cpu, naive


def creation_attempts(listing_ids, user_ids, count: int, rng: random.Random):
    """Random one-hour slots 40–59 days ahead (past every seeded booking), on the half-hour grid."""
    attempts = []
    for _ in range(count):
        day = rng.randint(40, 59)
        start = NOW.replace(hour=1) + timedelta(days=day, minutes=30 * rng.randint(0, 22))
        attempts.append((rng.choice(listing_ids), rng.choice(user_ids), start))
    return attempts


def measure_creation(attempts, *, naive: bool):
    session = db.session
    made = refused = 0
    began, began_cpu = timer.perf_counter(), timer.process_time()
    for listing_id, user_id, start in attempts:
        booker = session.get(User, user_id, options=[with_standing()])  # as a signed-in request loads its user
        end = start + timedelta(hours=1)
        if naive:
            made += naive_create(session, booker, listing_id, start, end)
            continue
        try:
            services.create_booking(session, booker, services.BookingRequest(
                listing_id=listing_id, start=start, end=end), zone=ZONE, now=NOW)
            session.commit()
            made += 1
        except DomainError:
            session.rollback()
            refused += 1
    elapsed, cpu = timer.perf_counter() - began, timer.process_time() - began_cpu
    return len(attempts) / elapsed, cpu / len(attempts), made, refused


def measure_api_creation(app, attempts):
    """The same attempts as an API client makes them: one POST per booking, each user with their bearer token."""
    session = db.session
    tokens = {user_id: issue_api_token(session, session.get(User, user_id)) for _, user_id, _ in attempts}
    session.commit()
    client = app.test_client()
    statuses, bookers = {}, set()
    began, began_cpu = timer.perf_counter(), timer.process_time()
    for listing_id, user_id, start in attempts:
        # A context of its own, as each request has in a server: else Flask-Login would keep the first request's
        # user in ``g`` for all of them, and the database session its objects.
        with app.app_context():
            response = client.post("/api/v1/bookings", headers={"Authorization": f"Bearer {tokens[user_id]}"},
                                   json={"listing_id": listing_id, "start": start.isoformat(),
                                         "end": (start + timedelta(hours=1)).isoformat()})
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code == 201:
            bookers.add(response.json["booker"]["id"] == user_id)
    elapsed, cpu = timer.perf_counter() - began, timer.process_time() - began_cpu
    if set(statuses) - {201, 409, 422}:
        sys.exit(f"the API answered {statuses}")
    if False in bookers:
        sys.exit("the API booked for someone other than the token's owner")
    return len(attempts) / elapsed, cpu / len(attempts), statuses.get(201, 0), len(attempts) - statuses.get(201, 0)


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def print_plan(dialect: str, listing_id: int) -> None:
    """Run the availability query once, capture the SQL the driver received, and print its plan."""
    captured = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        if "FROM bookings" in statement and "blocked_until >" in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    session = db.session
    session.expunge_all()
    availability(session, session.get(Listing, listing_id), NOW, NOW + WINDOW, ZONE, NOW)
    session.rollback()
    event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = captured[0]
    print("main availability query:")
    print("  " + " ".join(statement.split()))
    with db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        cursor = raw.cursor()
        if dialect == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            plan = [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = [row[-1] for row in cursor.fetchall()]
        connection.rollback()
    print("plan:")
    for line in plan:
        print("  " + line)


def main() -> None:
    args = parse_args()
    listing_count = args.listings or (1_000 if args.quick else 10_000)
    rounds = 100 if args.quick else 300
    creations = 100 if args.quick else 300
    rng = random.Random(args.seed)
    app = make_app(args)
    clock.travel_to(NOW)
    print(f"load average at the start (1, 5, 15 min): {load_average()}")
    with app.app_context():
        dialect = db.engine.dialect.name
        prepare_schema(dialect, BENCH_SCHEMA)
        try:
            began = timer.perf_counter()
            listing_ids, user_ids, capacities = seed_catalogue(listing_count, rng)
            bulk_insert_bookings(booking_rows(listing_ids, user_ids, capacities, args.bookings_per_listing, rng),
                                 dialect)
            if dialect == "postgresql":
                with db.engine.begin() as connection:
                    connection.execute(text("ANALYZE"))
            seeding = timer.perf_counter() - began
            total = db.session.scalar(select(func.count(Booking.id)))
            db.session.rollback()
            print(f"database: {dialect}  listings: {len(listing_ids):,}  bookings: {total:,}")
            print(f"seeding (bulk inserts, indexes and overlap guard live): {seeding:.1f} s")

            indexed, indexed_cpu, naive = measure_availability(listing_ids, rounds, rng)
            print(f"availability over 31 days, {rounds} random listings:")
            print(f"  indexed query + step function: p50 {percentile(indexed, .5) * 1000:.2f} ms, "
                  f"p95 {percentile(indexed, .95) * 1000:.2f} ms "
                  f"(CPU p50 {percentile(indexed_cpu, .5) * 1000:.2f} ms, "
                  f"p95 {percentile(indexed_cpu, .95) * 1000:.2f} ms)")
            print(f"  naive reference:               p50 {percentile(naive, .5) * 1000:.2f} ms, "
                  f"p95 {percentile(naive, .95) * 1000:.2f} ms")

            # Untimed first: each statement's first compilation and the first reads of the tables' pages are costs
            # of a worker's start, not of each booking.
            for reference, seed in ((False, 3), (True, 4)):
                measure_creation(creation_attempts(listing_ids, user_ids, WARM_UP, random.Random(args.seed + seed)),
                                 naive=reference)
            measure_api_creation(app, creation_attempts(listing_ids, user_ids, WARM_UP, random.Random(args.seed + 5)))
            attempts = creation_attempts(listing_ids, user_ids, creations, rng)
            rate, cpu, made, refused = measure_creation(attempts, naive=False)
            api_attempts = creation_attempts(listing_ids, user_ids, creations, random.Random(args.seed + 2))
            api_rate, api_cpu, api_made, api_refused = measure_api_creation(app, api_attempts)
            naive_attempts = creation_attempts(listing_ids, user_ids, creations, random.Random(args.seed + 1))
            naive_rate, naive_cpu, naive_made, _ = measure_creation(naive_attempts, naive=True)
            print(f"booking creation, single client, {creations} attempts each:")
            print(f"  create_booking (lock, rules, insert, log): {rate:.0f}/s, CPU {cpu * 1000:.2f} ms a booking "
                  f"({made} booked, {refused} refused)")
            print(f"  POST /api/v1/bookings (in-process WSGI):   {api_rate:.0f}/s, "
                  f"CPU {api_cpu * 1000:.2f} ms a booking "
                  f"({api_made} booked, {api_refused} refused)")
            print(f"  naive reference:                            {naive_rate:.0f}/s, CPU {naive_cpu * 1000:.2f} ms a "
                  f"booking ({naive_made} booked)")

            print_plan(dialect, listing_ids[len(listing_ids) // 2])

            p95 = percentile(indexed, .95) * 1000
            print("ratios (naive reference / ours, higher is better):")
            print(f"  availability p50: {statistics.median(naive) / statistics.median(indexed):.1f}x")
            print(f"  availability p95: {percentile(naive, .95) / percentile(indexed, .95):.1f}x")
            print(f"  booking creation: {rate / naive_rate:.2f}x (API {api_rate / naive_rate:.2f}x)")
            print(f"  target availability p95 <= 5 ms: {'met' if p95 <= 5 else 'NOT met'} ({p95:.2f} ms)")
            if dialect == "sqlite":
                print(f"  target creation >= 300/s: {'met' if rate >= 300 else 'NOT met'} ({rate:.0f}/s; "
                      f"through the API {api_rate:.0f}/s)")
            print(f"load average at the end: {load_average()}")
        finally:
            drop_schema(dialect, BENCH_SCHEMA)


if __name__ == "__main__":
    main()
