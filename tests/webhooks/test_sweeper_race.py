"""Two webhook senders sweeping the same due deliveries at once, against the real committed database (SQLite, or
PostgreSQL with TEST_DATABASE_URL) and a real HTTP receiver: each attempt reaches the receiver exactly once."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from marketplace.core import clock, transactions, zones
from marketplace.extensions import db
from marketplace.scheduler.jobs import JOBS
from marketplace.scheduler.runner import Runner
from marketplace.webhooks import services
from marketplace.webhooks.models import SUCCEEDED, WebhookAttempt, WebhookDelivery
from tests.conftest import Factory
from tests.scheduler.test_scheduler import THREAD_TIMEOUT_SECONDS, race, writing
from tests.webhooks.receiver import receiving

DELIVERIES = 6


@pytest.fixture
def private_targets(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_TARGETS", True)


@pytest.fixture
def due(app, committed_db, private_targets):
    """A receiver, its endpoint's secret, and DELIVERIES deliveries due to it now (committed)."""
    # Near the wall clock: standardwebhooks accepts a signature's timestamp for five minutes.
    clock.travel_to(datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=1))
    factory = Factory(committed_db)
    admin = factory.user()
    organisation = factory.organisation(admin=admin)
    listing = factory.listing(organisation=organisation)
    with receiving() as receiver:
        with transactions.read_only(False):
            endpoint = services.register_endpoint(committed_db, admin, services.EndpointData(
                receiver.url, ["booking.created"], organisation.id), clock.now(), allow_private=True)
            secret = endpoint.secret
            committed_db.commit()
        tomorrow = zones.local_date(clock.now(), "Asia/Shanghai") + timedelta(days=1)
        for hour in range(9, 9 + DELIVERIES):
            factory.booking(listing=listing, start=zones.to_utc(datetime.combine(tomorrow, datetime.min.time())
                                                                 .replace(hour=hour), "Asia/Shanghai"))
        with transactions.read_only(False):
            JOBS["process_outbox"].step(committed_db, clock.now(), 100, app.config)
            committed_db.commit()
        yield receiver, secret


def each_sent_once(session, receiver, secret) -> None:
    session.commit()
    deliveries = list(session.scalars(select(WebhookDelivery).execution_options(populate_existing=True)))
    assert len(deliveries) == DELIVERIES
    assert len(receiver.verified(secret)) == DELIVERIES
    assert Counter(receiver.ids()) == {delivery.message_id: 1 for delivery in deliveries}
    assert all(delivery.status == SUCCEEDED and delivery.attempts == 1 for delivery in deliveries)
    numbers = Counter(session.execute(select(WebhookAttempt.delivery_id, WebhookAttempt.number)).all())
    assert numbers == {(delivery.id, 1): 1 for delivery in deliveries}


def test_two_scheduler_runners_sweeping_at_once_send_each_attempt_once(app, committed_db, due):
    receiver, secret = due
    runners = [Runner(app, holder="twin"), Runner(app, holder="twin")]  # both believe they hold the lease
    sent = race(runners, "send_webhooks")
    assert sum(sent) == DELIVERIES
    each_sent_once(committed_db, receiver, secret)
    assert writing(runners[0].run_job, "send_webhooks") == 0 and len(receiver.requests) == DELIVERIES


def test_two_senders_that_read_the_same_due_deliveries_send_each_attempt_once(app, committed_db, due,
                                                                               database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite admits one writing unit of work at a time from its first read (BEGIN IMMEDIATE): two "
                    "senders cannot both read the due deliveries before either claims them")
    receiver, secret = due
    now = clock.now()
    read_by_both = threading.Barrier(2, timeout=THREAD_TIMEOUT_SECONDS)
    sent, errors = [0, 0], []

    def sweep(index: int) -> None:
        try:
            with app.app_context():
                found = services.due_deliveries(db.session, now, limit=100)
                assert len(found) == DELIVERIES
                read_by_both.wait()
                claims = [claimed for row in found if (claimed := services.claim(db.session, row, now))]
                db.session.commit()
                limits = services.Limits.from_config(app.config)
                for claimed in claims:
                    code, error = services.send(claimed, now, allow_private=True, timeout=10)
                    sent[index] += services.record_outcome(db.session, claimed, code, error, now, limits)
                    db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
            read_by_both.abort()

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_TIMEOUT_SECONDS)
    assert errors == [] and sum(sent) == DELIVERIES
    each_sent_once(committed_db, receiver, secret)
