"""Exactly once against the real, committed database (SQLite, or PostgreSQL with TEST_DATABASE_URL): the proof that
an instant booking made through the API gives its booker one confirmation after one sweep, and two scheduler
instances sweeping at the same moment (real threads, each job in its own app context and connection) making each
notification, each email and each day's digest once."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.core import clock, transactions
from marketplace.notifications import services as notifications
from marketplace.notifications.models import DigestRun, Notification
from marketplace.scheduler.runner import Runner
from tests.bookings.conftest import NOW, local
from tests.conftest import PASSWORD, Factory, FreshUserClient
from tests.mail import smtp_inbox

THREAD_TIMEOUT_SECONDS = 120


@pytest.fixture
def factory(committed_db):
    clock.travel_to(NOW)
    return Factory(committed_db)


def writing(callable_, *args):
    with transactions.read_only(False):
        return callable_(*args)


def notifications_of(session, user_ids) -> Counter:
    session.commit()
    return Counter(session.scalars(select(Notification.recipient_id).where(Notification.recipient_id.in_(user_ids))))


def race(app, job: str) -> list[int]:
    """Two scheduler instances that both believe they hold the lease run ``job`` at the same moment."""
    runners = [Runner(app, holder="twin"), Runner(app, holder="twin")]
    for runner in runners:
        assert writing(runner.heartbeat)
    moved, errors = [0, 0], []
    start_together = threading.Barrier(2)

    def sweep(index: int) -> None:
        start_together.wait()
        try:
            moved[index] = writing(runners[index].run_job, job)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_TIMEOUT_SECONDS)
    assert errors == [] and not any(thread.is_alive() for thread in threads)
    return moved


def test_an_instant_booking_made_through_the_api_gives_its_booker_one_confirmation_after_one_tick(
        app, committed_db, factory):
    listing = factory.listing(title="社区书画室")
    booker = factory.user()
    client = FreshUserClient(app, app.response_class, use_cookies=True)
    committed_db.commit()
    with transactions.read_only(False):
        token = client.post("/api/v1/auth/tokens", json={"login": booker.login_name, "password": PASSWORD}).json
        response = client.post("/api/v1/bookings", headers={"Authorization": f"Bearer {token['token']}"}, json={
            "listing_id": listing.id, "start": local(1, 10).isoformat(), "end": local(1, 11).isoformat()})
    assert response.status_code == 201, response.json
    assert notifications_of(committed_db, [booker.id]) == Counter()
    runner = Runner(app)
    assert writing(runner.sweep) is not None  # what `flask scheduler tick` runs
    writing(runner.release)
    committed_db.commit()
    texts = committed_db.scalars(select(Notification.text).where(Notification.recipient_id == booker.id)).all()
    assert texts == ["预约成功：「社区书画室」2026-06-02 10:00，到时见！"]
    with transactions.read_only(False):
        inbox = client.get("/api/v1/notifications", headers={"Authorization": f"Bearer {token['token']}"}).json
    assert [item["subject"] for item in inbox["items"]] == [{"type": "booking", "id": response.json["id"]}]


def test_two_sweepers_at_once_make_each_notification_and_send_each_email_once(app, committed_db, factory,
                                                                           monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_BATCH_SIZE", 3)  # several batches each, interleaved
    listing = factory.listing(instant_booking=False)
    staff = listing.organisation.memberships[0].user
    bookers = [factory.user(email=f"racer{n}@example.org") for n in range(5)]
    for hour, booker in zip(range(9, 14), bookers):
        factory.booking(listing=listing, booker=booker, start=local(1, hour))
    ids = [booker.id for booker in bookers] + [staff.id]
    with smtp_inbox(app) as inbox:
        race(app, "process_outbox")  # the requests' notifications (and the index), maybe some email
        race(app, "process_outbox")  # the rest of the email
        race(app, "process_outbox")
    assert notifications_of(committed_db, ids) == Counter({**{booker.id: 1 for booker in bookers}, staff.id: 5})
    assert sorted(m["To"] for m in inbox.messages) == sorted(booker.email for booker in bookers)


def test_two_digest_sweepers_at_once_give_each_staff_member_one_digest(app, committed_db, factory):
    listings_ = [factory.listing(instant_booking=False) for _ in range(3)]
    staff = [listing.organisation.memberships[0].user for listing in listings_]
    for member, listing in zip(staff, listings_):
        writing(notifications.update_preferences, committed_db, member, {"requests_digest": True})
        writing(committed_db.commit)
        factory.booking(listing=listing, start=local(1, 10))
    moved = race(app, "send_digests")
    assert sum(moved) == 3
    assert notifications_of(committed_db, [member.id for member in staff]) == Counter(
        {member.id: 1 for member in staff})
    assert committed_db.scalar(select(func.count()).select_from(DigestRun)) == 3
    clock.advance(timedelta(hours=2))
    assert race(app, "send_digests") == [0, 0]
