"""The draw against the real, committed database (SQLite, or PostgreSQL with TEST_DATABASE_URL): exactly once
when two sweepers race, even when both found the same lotteries due before either drew.

Time is the controllable clock; the runners are real objects with their own sessions, as in a scheduler process.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core import clock, transactions
from marketplace.core.events import DomainEvent
from marketplace.extensions import db
from marketplace.lotteries import services
from marketplace.lotteries.models import Lottery, LotteryStatus
from marketplace.scheduler.runner import Runner
from marketplace.waitlist.models import WaitlistEntry
from tests.bookings.conftest import NOW, SHANGHAI, local
from tests.conftest import Factory
from tests.scheduler.test_scheduler import THREAD_TIMEOUT_SECONDS, race

CLOSE, DRAW = local(2, 12), local(2, 13)


@pytest.fixture
def factory(committed_db):
    clock.travel_to(NOW)
    return Factory(committed_db)


def lotteries_with_applicants(session, factory, count: int, applicants: int) -> list[int]:
    """``count`` lotteries of one hall (evening slots of day 3), each with ``applicants`` applicants."""
    hall = factory.listing(title="社区礼堂")
    staff = next(m.user for m in hall.organisation.memberships)
    users = [factory.user() for _ in range(applicants)]
    ids = []
    with transactions.read_only(False):
        for k in range(count):
            lottery = services.create_lottery(session, staff, hall.id, services.LotteryRequest(
                start=local(3, 9 + 2 * k), end=local(3, 10 + 2 * k), applications_close_at=CLOSE, draw_at=DRAW),
                zone=SHANGHAI)
            for user in users:
                services.apply(session, user, lottery)
            ids.append(lottery.id)
        session.commit()
    return ids


def drawn_once(session, lottery_ids: list[int], applicants: int) -> None:
    session.commit()
    for lottery_id in lottery_ids:
        lottery = session.get(Lottery, lottery_id, populate_existing=True)
        assert lottery.status is LotteryStatus.drawn
        assert session.scalar(select(func.count()).select_from(DomainEvent).where(
            DomainEvent.type == "lottery.drawn", DomainEvent.subject_id == lottery_id)) == 1
        assert session.scalar(select(func.count()).select_from(DomainEvent).where(
            DomainEvent.type.in_(["lottery.won", "lottery.lost"]), DomainEvent.subject_id == lottery_id)) == applicants
        assert session.scalar(select(func.count()).select_from(Booking).where(
            Booking.listing_id == lottery.listing_id, Booking.start_at == lottery.start_at,
            Booking.status == BookingStatus.confirmed)) == 1
        assert session.scalar(select(func.count()).select_from(WaitlistEntry).where(
            WaitlistEntry.listing_id == lottery.listing_id,
            WaitlistEntry.start_at == lottery.start_at)) == applicants - 1


def test_two_sweepers_racing_draw_each_lottery_once(app, committed_db, factory, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_BATCH_SIZE", 2)
    ids = lotteries_with_applicants(committed_db, factory, 3, 3)
    clock.travel_to(DRAW)
    runners = [Runner(app, holder="twin"), Runner(app, holder="twin")]  # both believe they hold the lease
    assert sum(race(runners, "draw_lotteries")) == len(ids)
    drawn_once(committed_db, ids, 3)


def test_two_sweepers_that_found_the_same_due_lotteries_draw_each_once(app, committed_db, factory, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite admits one writing unit of work at a time from its first read: two sweepers cannot "
                    "both find the lotteries before either writes")
    ids = lotteries_with_applicants(committed_db, factory, 2, 3)
    found_by_both = threading.Barrier(2, timeout=THREAD_TIMEOUT_SECONDS)
    drawn, errors = [0, 0], []

    def sweep(index: int) -> None:
        try:
            with app.app_context():
                batch = services.due_draws(db.session, DRAW)
                found_by_both.wait()
                drawn[index] = sum(services.draw_if_due(db.session, lottery_id, listing_id, DRAW, zone=SHANGHAI)
                                   for lottery_id, listing_id in batch)
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    clock.travel_to(DRAW)
    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_TIMEOUT_SECONDS)
    assert errors == [] and sum(drawn) == len(ids)
    drawn_once(committed_db, ids, 3)
