"""Domain events: written with the change or not at all, each durable reaction exactly once, retried, durable."""
from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from marketplace.bookings import services as bookings
from marketplace.bookings.models import BookingStatus
from marketplace.config import PROJECT_ROOT
from marketplace.core import audit, clock, events, transactions
from marketplace.core.audit import AuditEntry
from marketplace.core.events import DomainEvent, EventDelivery
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import Listing
from marketplace.organisations import services as organisations
from marketplace.search.services import search_listings
from tests.conftest import Factory
from tests.core.event_workers import retitle_then_die

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
calls: list[int] = []
calls_lock = threading.Lock()
flaky = {"failing": True}


@events.subscriber("test.counted")
def count_once(session, event) -> None:
    with calls_lock:
        calls.append(event.subject_id)
    audit.record(session, None, "test.counted", object_type="tests", object_id=event.subject_id)


@events.subscriber("test.flaky")
def fail_while_told(session, event) -> None:
    audit.record(session, None, "test.flaky", object_type="tests", object_id=event.subject_id)
    if flaky["failing"]:
        raise RuntimeError("the mail server is down")


batches: list[list[int]] = []
refused: set[int] = set()


@events.subscriber("test.batched", batch=True)
def count_in_batches(session, batch) -> None:
    batches.append([event.subject_id for event in batch])
    for event in batch:
        audit.record(session, None, "test.batched", object_type="tests", object_id=event.subject_id)
        if event.subject_id in refused:
            raise RuntimeError(f"refused {event.subject_id}")


seen_after_commit: list[tuple[str, int]] = []


@events.subscriber("test.seen", durable=False)
def see_after_commit(session, event) -> None:
    seen_after_commit.append((event.type, event.subject_id))


def test_after_commit_subscribers_see_only_what_the_outermost_commit_kept(session):
    seen_after_commit.clear()
    events.record(session, "test.seen", subject=("tests", 1))
    session.rollback()
    with session.begin_nested():
        events.record(session, "test.seen", subject=("tests", 2))
    assert seen_after_commit == []  # a released savepoint is not a commit …
    session.rollback()  # … and the transaction around it rolled back
    events.record(session, "test.seen", subject=("tests", 3))
    savepoint = session.begin_nested()
    events.record(session, "test.seen", subject=("tests", 4))
    session.flush()
    savepoint.rollback()
    with session.begin_nested():
        events.record(session, "test.seen", subject=("tests", 5))
    session.commit()
    assert seen_after_commit == [("test.seen", 3), ("test.seen", 5)]
    assert sorted(session.scalars(select(DomainEvent.subject_id).where(DomainEvent.type == "test.seen"))) == [3, 5]
    session.commit()
    assert seen_after_commit == [("test.seen", 3), ("test.seen", 5)]  # once


def test_a_rolled_back_transaction_leaves_no_event(session):
    events.record(session, "test.counted", subject=("tests", 1))
    session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(DomainEvent)) == 0
    assert session.scalar(select(func.count()).select_from(EventDelivery)) == 0


def test_an_event_is_recorded_with_its_delivery_and_runs_once(session):
    clock.travel_to(T0)
    recorded = events.record(session, "test.counted", subject=("tests", 7), payload={"why": "because"}, actor_id=None)
    session.commit()
    assert [d.subscriber for d in recorded.deliveries] == [f"{__name__}.count_once"]
    assert events.process_outbox(session, T0) == 1
    assert events.process_outbox(session, T0 + timedelta(days=1)) == 0
    session.commit()
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.object_id == 7)) == 1
    assert events.outbox_health(session, T0) == {"backlog": 0, "due": 0, "failed": 0, "oldest_pending_at": None}


def test_a_failing_subscriber_is_retried_with_backoff_then_marked_failed(session):
    clock.travel_to(T0)
    flaky["failing"] = True
    events.record(session, "test.flaky", subject=("tests", 3))
    session.commit()
    now, wait = T0, events.FIRST_RETRY_AFTER
    for attempt in range(1, events.MAX_ATTEMPTS + 1):
        assert events.process_outbox(session, now) == 1
        session.commit()
        delivery = session.scalar(select(EventDelivery))
        assert delivery.attempts == attempt
        assert "mail server" in delivery.last_error
        if attempt < events.MAX_ATTEMPTS:
            assert delivery.status == events.PENDING
            assert delivery.next_attempt_at == now + wait
            assert events.process_outbox(session, now + wait - timedelta(seconds=1)) == 0
            now, wait = now + wait, wait * 2
    assert delivery.status == events.FAILED
    assert events.process_outbox(session, now + timedelta(days=30)) == 0
    health = events.outbox_health(session, now)
    assert (health["backlog"], health["failed"]) == (0, 1)
    # Each failed run's own writes were undone with it.
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.flaky")) == 0


def test_a_subscriber_that_recovers_runs_its_effect_once(session):
    clock.travel_to(T0)
    flaky["failing"] = True
    events.record(session, "test.flaky", subject=("tests", 4))
    session.commit()
    assert events.process_outbox(session, T0) == 1
    health = events.outbox_health(session, T0)
    assert (health["backlog"], health["due"], health["oldest_pending_at"]) == (1, 0, T0)
    flaky["failing"] = False
    assert events.process_outbox(session, T0 + events.FIRST_RETRY_AFTER) == 1
    session.commit()
    assert session.scalar(select(EventDelivery.status)) == events.DONE
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "test.flaky")) == 1


def batched_effects(session) -> list[int]:
    return sorted(session.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "test.batched")))


def test_a_batch_subscriber_gets_the_due_events_at_once_in_their_order(session):
    clock.travel_to(T0)
    batches.clear()
    refused.clear()
    for subject_id in (5, 3, 8):
        events.record(session, "test.batched", subject=("tests", subject_id))
    session.commit()
    assert events.process_outbox(session, T0) == 3
    session.commit()
    assert batches == [[5, 3, 8]]
    assert batched_effects(session) == [3, 5, 8]
    assert events.process_outbox(session, T0 + timedelta(days=1)) == 0


def test_a_failing_event_of_a_batch_is_retried_alone_and_its_neighbours_take_effect_once(session):
    clock.travel_to(T0)
    batches.clear()
    refused.clear()
    refused.add(2)
    for subject_id in (1, 2, 3):
        events.record(session, "test.batched", subject=("tests", subject_id))
    session.commit()
    assert events.process_outbox(session, T0) == 3
    session.commit()
    # The batch failed as a whole and was undone; then each event ran alone: only the refused one failed.
    assert batches == [[1, 2, 3], [1], [2], [3]]
    assert batched_effects(session) == [1, 3]
    deliveries = {event_id: delivery for event_id, delivery in session.execute(
        select(DomainEvent.subject_id, EventDelivery).join(EventDelivery.event))}
    assert [deliveries[n].status for n in (1, 2, 3)] == [events.DONE, events.PENDING, events.DONE]
    assert deliveries[2].attempts == 1 and deliveries[2].next_attempt_at == T0 + events.FIRST_RETRY_AFTER
    assert events.process_outbox(session, T0 + events.FIRST_RETRY_AFTER - timedelta(seconds=1)) == 0
    refused.clear()
    assert events.process_outbox(session, T0 + events.FIRST_RETRY_AFTER) == 1
    session.commit()
    assert batched_effects(session) == [1, 2, 3]


def test_two_sweeps_at_once_run_each_subscriber_exactly_once(app, committed_db):
    clock.travel_to(T0)
    calls.clear()
    with transactions.read_only(False):
        for n in range(30):
            events.record(committed_db, "test.counted", subject=("tests", n))
        committed_db.commit()
    barrier = threading.Barrier(2)
    ran, errors = [], []

    def sweep():
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                ran.append(events.process_outbox(db.session, T0))
                db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(ran) == 30
    assert sorted(calls) == list(range(30))
    committed_db.rollback()
    assert committed_db.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "test.counted")) == 30
    assert committed_db.scalar(select(func.count()).select_from(EventDelivery).where(
        EventDelivery.status == events.DONE)) == 30


def test_an_index_update_lost_to_a_crash_is_applied_from_the_outbox(committed_db, shared_index):
    index, config = shared_index
    factory = Factory(committed_db)
    listing = factory.listing(title="社区烘焙教室")
    actor = next(m.user for m in listing.organisation.memberships)
    with transactions.read_only(False):
        events.process_outbox(committed_db, clock.now())  # what the factory's commits left
        committed_db.commit()
    worker = multiprocessing.get_context("spawn").Process(
        target=retitle_then_die, args=(config, listing.id, actor.id, "社区陶艺工作室"))
    worker.start()
    worker.join(timeout=120)
    assert worker.exitcode == -signal.SIGKILL
    committed_db.rollback()
    assert committed_db.get(Listing, listing.id).title == "社区陶艺工作室"  # committed …
    assert _found(committed_db, index, "陶艺") == []  # … but not indexed: the entry still has the old title
    assert _found(committed_db, index, "烘焙") == [listing.id]

    with transactions.read_only(False):
        assert events.process_outbox(committed_db, clock.now()) == 1
        committed_db.commit()
    assert _found(committed_db, index, "陶艺") == [listing.id]
    assert _found(committed_db, index, "烘焙") == []


def _found(session, index, text):
    return [hit.listing.id for hit in search_listings(session, index, text).hits]


def test_listing_and_organisation_services_write_the_audit_log_without_importing_admin(factory, session):
    listing = factory.listing(title="社区烘焙教室")
    org = listing.organisation
    actor = next(m.user for m in org.memberships)
    data = organisations.organisation_data(org)
    data.name = "红星社会工作服务社"
    organisations.update_organisation(session, actor, org, data)
    data = listings.listing_data(listing)
    data.title = "社区陶艺工作室"
    listings.update_listing(session, actor, listing, data)
    session.commit()
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == actor.id)))
    assert {"organisation.update", "listing.update"} <= actions
    imported = subprocess.run(
        [sys.executable, "-c", "import sys, marketplace.listings.services, marketplace.organisations.services, "
                               "marketplace.listings.photos, marketplace.accounts.services; "
                               "print(sorted(m for m in sys.modules if m.startswith('marketplace.admin')))"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "[]"


def test_a_booking_transition_writes_its_domain_event_in_the_same_transaction(factory, session):
    listing = factory.listing(instant_booking=False)
    booker = factory.user()
    booking = factory.booking(listing=listing, booker=booker)
    created = session.scalars(select(DomainEvent).where(DomainEvent.subject_id == booking.id,
                                                        DomainEvent.subject_type == "booking")).all()
    assert [e.type for e in created] == ["booking.pending"]
    staff = next(m.user for m in listing.organisation.memberships)

    bookings.approve_booking(session, staff, booking, zone="Asia/Shanghai", reason="欢迎")
    session.flush()
    session.rollback()
    assert session.get(type(booking), booking.id).status is BookingStatus.pending
    assert session.scalar(select(func.count()).select_from(DomainEvent).where(
        DomainEvent.type == "booking.confirmed")) == 0

    booking = session.get(type(booking), booking.id)
    bookings.approve_booking(session, staff, booking, zone="Asia/Shanghai", reason="欢迎")
    session.commit()
    confirmed = session.scalar(select(DomainEvent).where(DomainEvent.type == "booking.confirmed"))
    assert (confirmed.subject_type, confirmed.subject_id, confirmed.actor_id) == ("booking", booking.id, staff.id)
    assert confirmed.payload == {"listing_id": listing.id, "booker_id": booker.id, "from_status": "pending",
                                 "to_status": "confirmed", "action": "approve", "reason": "欢迎"}
