"""No double booking under truly concurrent requests: many clients, each in its own thread, app context,
session and database connection, hit POST /api/v1/bookings at the same moment against the real,
committed database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""
from __future__ import annotations

import threading

from flask.testing import FlaskClient
from sqlalchemy import func, select

from marketplace.accounts.tokens import issue_api_token
from marketplace.bookings.models import ACTIVE_STATUSES, Booking
from marketplace.core import clock
from tests.bookings.conftest import NOW, local
from tests.conftest import Factory

RACE_TIMEOUT_SECONDS = 120


def bearer_headers(session, factory: Factory, count: int) -> list[dict]:
    users = [factory.user() for _ in range(count)]
    tokens = [issue_api_token(session, user) for user in users]
    session.commit()
    return [{"Authorization": f"Bearer {token}"} for token in tokens]


def race(app, headers: list[dict], body: dict) -> list[tuple[int, dict]]:
    """Fire one POST per client from its own thread, all released together; return (status, body) per client."""
    results: list[tuple[int, dict] | None] = [None] * len(headers)
    start_together = threading.Barrier(len(headers))

    def attempt(index: int) -> None:
        # A plain FlaskClient: the suite's FreshUserClient expects the test thread's app context.
        client = FlaskClient(app, app.response_class)
        start_together.wait()
        response = client.post("/api/v1/bookings", headers=headers[index], json=body)
        results[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(headers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RACE_TIMEOUT_SECONDS)
    assert all(result is not None for result in results), "a client never got an answer"
    return results


def active_seats(session, listing_id: int) -> tuple[int, int]:
    """How many active bookings and seats the listing has, read in a new transaction (so after the racers)."""
    session.commit()
    row = session.execute(select(func.count(Booking.id), func.coalesce(func.sum(Booking.seats), 0)).where(
        Booking.listing_id == listing_id, Booking.status.in_(ACTIVE_STATUSES))).one()
    return row[0], row[1]


def test_fifty_clients_racing_for_one_exclusive_slot_get_exactly_one_booking(app, committed_db):
    clock.travel_to(NOW)
    factory = Factory(committed_db)
    listing = factory.listing(capacity=1)
    headers = bearer_headers(committed_db, factory, 50)
    body = {"listing_id": listing.id, "start": local(1, 14).isoformat(), "end": local(1, 15).isoformat()}
    results = race(app, headers, body)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 49, statuses
    for status, payload in results:
        if status == 409:
            assert payload["message"] == "这个时段刚刚被别人预约了"
            assert payload["alternatives"]["same_day"], "the loser is offered other times"
    assert active_seats(committed_db, listing.id) == (1, 1)


def test_thirty_clients_booking_one_seat_each_of_twenty_get_exactly_twenty(app, committed_db):
    clock.travel_to(NOW)
    factory = Factory(committed_db)
    listing = factory.listing(capacity=20)
    headers = bearer_headers(committed_db, factory, 30)
    body = {"listing_id": listing.id, "start": local(1, 14).isoformat(), "end": local(1, 15).isoformat(),
            "seats": 1}
    results = race(app, headers, body)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 20 + [409] * 10, statuses
    assert active_seats(committed_db, listing.id) == (20, 20)


def test_one_resident_racing_across_an_organisations_listings_stays_within_its_cap(app, committed_db):
    clock.travel_to(NOW)
    factory = Factory(committed_db)
    organisation = factory.organisation()
    organisation.max_active_bookings_per_booker = 1
    committed_db.commit()
    listing_ids = [factory.listing(organisation=organisation, capacity=1).id for _ in range(8)]
    headers = bearer_headers(committed_db, factory, 1)[0]
    results: list[int | None] = [None] * len(listing_ids)
    start_together = threading.Barrier(len(listing_ids))

    def attempt(index: int) -> None:
        client = FlaskClient(app, app.response_class)
        body = {"listing_id": listing_ids[index], "start": local(1, 14).isoformat(),
                "end": local(1, 15).isoformat()}
        start_together.wait()
        results[index] = client.post("/api/v1/bookings", headers=headers, json=body).status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(listing_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RACE_TIMEOUT_SECONDS)
    assert sorted(results) == [201] + [422] * 7, results
    committed_db.commit()
    held = committed_db.scalar(select(func.count(Booking.id)).where(
        Booking.listing_id.in_(listing_ids), Booking.status.in_(ACTIVE_STATUSES)))
    assert held == 1
