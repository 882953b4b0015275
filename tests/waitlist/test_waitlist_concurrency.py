"""The waitlist under truly concurrent work against the real, committed database (SQLite, or PostgreSQL with
TEST_DATABASE_URL): each racer in its own thread, app context, session and connection, as in the web and
scheduler processes."""
from __future__ import annotations

import threading
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select

from marketplace.accounts.tokens import issue_api_token
from marketplace.bookings import services as bookings
from marketplace.bookings.models import ACTIVE_STATUSES, Booking, SlotHold
from marketplace.core import clock, events, transactions, zones
from marketplace.core.events import DomainEvent
from marketplace.scheduler.runner import Runner
from marketplace.waitlist import services as waitlist
from marketplace.waitlist.models import EntryStatus, WaitlistEntry
from tests.bookings.conftest import NOW, SHANGHAI, local
from tests.conftest import Factory

THREAD_TIMEOUT_SECONDS = 120
HOURS = [10, 11, 12, 13, 14]


def together(*work) -> list:
    """Run each callable in its own thread, all released at once; their results (an exception is a failure)."""
    results, errors = [None] * len(work), []
    start = threading.Barrier(len(work))

    def run(index):
        start.wait()
        try:
            results[index] = work[index]()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_TIMEOUT_SECONDS)
    assert not errors, errors
    assert all(not thread.is_alive() for thread in threads), "a racer never finished"
    return results


def waiting_for_freed_slots(session, factory, listing, waiters) -> None:
    """Each hour of HOURS tomorrow booked, the waiters in line for each (in this order), then every booking
    cancelled: the offers wait in the outbox."""
    taken = [factory.booking(listing=listing, start=local(1, hour)) for hour in HOURS]
    with transactions.read_only(False):
        for booking in taken:
            for waiter in waiters:
                waitlist.join_waitlist(session, waiter, waitlist.WaitRequest(
                    listing_id=listing.id, start=booking.start_at, end=booking.end_at), zone=SHANGHAI)
                clock.advance(timedelta(seconds=1))
        session.commit()
        for booking in taken:
            bookings.cancel_booking(session, booking.booker, booking)
        session.commit()


def entries(session, user) -> list[WaitlistEntry]:
    session.commit()
    return list(session.scalars(select(WaitlistEntry).where(WaitlistEntry.user_id == user.id)
                                .order_by(WaitlistEntry.start_at).execution_options(populate_existing=True)))


def test_an_offer_racing_bookings_of_the_freed_slots_gives_each_slot_to_exactly_one(app, committed_db):
    clock.travel_to(NOW)
    factory = Factory(committed_db)
    listing = factory.listing()
    waiter, racers = factory.user(), [factory.user() for _ in HOURS]
    waiting_for_freed_slots(committed_db, factory, listing, [waiter])
    tokens = [issue_api_token(committed_db, racer) for racer in racers]
    committed_db.commit()
    scheduler = Runner(app)
    assert scheduler.heartbeat()
    listing_id = listing.id

    def book(index):
        client = FlaskClient(app, app.response_class)
        start = local(1, HOURS[index])
        response = client.post("/api/v1/bookings", headers={"Authorization": f"Bearer {tokens[index]}"}, json={
            "listing_id": listing_id, "start": zones.to_local(start, SHANGHAI).isoformat(),
            "end": zones.to_local(start + timedelta(hours=1), SHANGHAI).isoformat()})
        return response.status_code, response.get_json()

    results = together(lambda: scheduler.run_job("process_outbox"),
                       *[lambda index=index: book(index) for index in range(len(HOURS))])
    answers = results[1:]

    for entry, (status, body) in zip(entries(committed_db, waiter), answers, strict=True):
        active = committed_db.scalar(select(func.count()).select_from(Booking).where(
            Booking.listing_id == listing.id, Booking.start_at == entry.start_at,
            Booking.status.in_(ACTIVE_STATUSES)))
        holds = committed_db.scalar(select(func.count()).select_from(SlotHold).where(
            SlotHold.start_at == entry.start_at))
        if entry.status is EntryStatus.offered:
            assert (status, active, holds) == (409, 0, 1), body
            assert body["message"].startswith("这个时段正为候补的居民保留到")
        else:
            assert (entry.status, status, active, holds) == (EntryStatus.waiting, 201, 1, 0), body


def test_two_sweepers_lapse_each_hold_once_and_offer_the_next_in_line_once(app, committed_db):
    clock.travel_to(NOW)
    factory = Factory(committed_db)
    listing = factory.listing()
    first, second = factory.user(), factory.user()
    waiting_for_freed_slots(committed_db, factory, listing, [first, second])
    with transactions.read_only(False):
        events.process_outbox(committed_db, clock.now())
        committed_db.commit()
    assert [entry.status for entry in entries(committed_db, first)] == [EntryStatus.offered] * len(HOURS)

    clock.advance(timedelta(minutes=app.config["WAITLIST_HOLD_MINUTES"]))
    # Two scheduler processes that both believe they hold the lease (the same holder: the lease cannot help).
    runners = [Runner(app, holder="twin"), Runner(app, holder="twin")]
    for runner in runners:
        assert runner.heartbeat()
    moved = together(*[lambda runner=runner: runner.run_job("lapse_waitlist_holds") for runner in runners])

    assert sum(moved) == len(HOURS)
    assert [entry.status for entry in entries(committed_db, first)] == [EntryStatus.lapsed] * len(HOURS)
    assert [entry.status for entry in entries(committed_db, second)] == [EntryStatus.offered] * len(HOURS)
    counts = dict(committed_db.execute(select(DomainEvent.type, func.count()).where(
        DomainEvent.type.like("waitlist.%")).group_by(DomainEvent.type)).all())
    assert counts == {"waitlist.offered": 2 * len(HOURS), "waitlist.lapsed": len(HOURS)}
    assert committed_db.scalar(select(func.count()).select_from(SlotHold)) == len(HOURS)
