"""Wishes against the real, committed database (SQLite, or PostgreSQL with TEST_DATABASE_URL), with real threads:
claims racing for one wish, and the release and escalation sweeps run by two schedulers at the same moment.
Time is the controllable clock."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from marketplace.accounts.tokens import issue_api_token
from marketplace.core import clock, transactions
from marketplace.core.events import DomainEvent
from marketplace.scheduler.runner import Runner
from marketplace.wishes.models import Wish, WishStatus
from tests.bookings.conftest import NOW
from tests.conftest import Factory
from tests.scheduler.test_scheduler import THREAD_TIMEOUT_SECONDS, race, writing
from tests.wishes.conftest import Wishes

DAY = timedelta(days=1)


@pytest.fixture
def world(app, committed_db):
    clock.travel_to(NOW)
    return Wishes(committed_db, Factory(committed_db))


@pytest.fixture
def small_batches(app, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULER_BATCH_SIZE", 2)


def fresh(session, wish: Wish) -> Wish:
    session.commit()
    return session.get(Wish, wish.id, populate_existing=True)


def events_of(session, event_type: str) -> list[DomainEvent]:
    session.commit()
    return list(session.scalars(select(DomainEvent).where(DomainEvent.type == event_type).order_by(DomainEvent.id)))


def wall_ids(app, place_id: int) -> list[int]:
    body = FlaskClient(app, app.response_class).get(f"/api/v1/wishes?place_id={place_id}").get_json()
    return sorted(item["id"] for item in body["items"])


def test_volunteers_claiming_one_wish_at_the_same_instant_leave_exactly_one_owner(app, committed_db, world):
    wish = world.approved()
    path = f"/api/v1/wishes/{wish.id}/claim"  # read here: the threads have no app context to load it in
    volunteers = [world.factory.user(volunteer=True) for _ in range(8)]
    committed_db.commit()
    with transactions.read_only(False):
        headers = [{"Authorization": f"Bearer {issue_api_token(committed_db, user)}"} for user in volunteers]
        committed_db.commit()
    results: list[tuple[int, dict] | None] = [None] * len(headers)
    start_together = threading.Barrier(len(headers))

    def attempt(index: int) -> None:
        client = FlaskClient(app, app.response_class)
        start_together.wait()
        response = client.post(path, headers=headers[index])
        results[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(headers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_TIMEOUT_SECONDS)
    assert all(result is not None for result in results), "a client never got an answer"
    statuses = sorted(status for status, _body in results)
    assert statuses == [200] + [409] * 7, statuses
    winner = next(i for i, (status, _body) in enumerate(results) if status == 200)
    assert all(body["message"] == "这个心愿刚被别人认领了，你可以加入一起帮忙"
               for status, body in results if status == 409)
    stored = fresh(committed_db, wish)
    assert stored.status is WishStatus.claimed and stored.claimant_id == volunteers[winner].id
    assert len(events_of(committed_db, "wish.claimed")) == 1


def test_a_claim_without_progress_is_released_at_its_deadline_exactly_once_with_two_sweepers(
        app, committed_db, world, small_batches):
    claimed = [world.claimed(title=f"心愿{n}") for n in range(5)]
    deadline = fresh(committed_db, claimed[0]).claim_due_at
    assert deadline == NOW + DAY * app.config["WISH_CLAIM_PROGRESS_DAYS"]
    runners = [Runner(app, holder="twin"), Runner(app, holder="twin")]

    clock.travel_to(deadline - timedelta(seconds=1))
    assert race(runners, "release_wish_claims") == [0, 0]
    clock.travel_to(deadline)
    assert sum(race(runners, "release_wish_claims")) == 5
    for wish in claimed:
        stored = fresh(committed_db, wish)
        assert (stored.status, stored.claimant_id, stored.claim_due_at) == (WishStatus.open, None, None)
    released = events_of(committed_db, "wish.released")
    assert sorted(event.subject_id for event in released) == sorted(wish.id for wish in claimed)
    assert all(event.payload["automatic"] is True for event in released)
    assert [item["id"] for item in FlaskClient(app, app.response_class).get("/api/v1/wishes?per_page=10")
            .get_json()["items"]] == sorted(wish.id for wish in claimed), "the released wishes are back on the wall"


def test_a_fulfilled_wish_is_not_released_at_its_claims_deadline(app, committed_db, world):
    wish = world.fulfilled()
    clock.travel_to(NOW + DAY * (app.config["WISH_CLAIM_PROGRESS_DAYS"] + 1))
    assert writing(Runner(app).sweep)["release_wish_claims"] == 0
    assert fresh(committed_db, wish).status is WishStatus.fulfilled


def test_an_unclaimed_wish_climbs_grid_community_street_once_each_and_each_levels_staff_are_told(
        app, committed_db, world, small_batches):
    street_staff = world.factory.user(name="街道办老周")
    world.factory.organisation(admin=street_staff, place=world.tree["street"], name="东大街街道办")
    unclaimed = [world.approved(title=f"心愿{n}") for n in range(3)]
    taken = world.claimed(title="有人认领的心愿")
    after = DAY * app.config["WISH_ESCALATE_AFTER_DAYS"]
    runners = [Runner(app, holder="twin"), Runner(app, holder="twin")]

    clock.travel_to(NOW + after - timedelta(seconds=1))
    assert race(runners, "escalate_wishes") == [0, 0]
    clock.travel_to(NOW + after)
    assert sum(race(runners, "escalate_wishes")) == 3
    assert {fresh(committed_db, wish).wall_place_id for wish in unclaimed} == {world.tree["c1"].id}
    assert fresh(committed_db, taken).wall_place_id == world.tree["c1_grid"].id
    assert wall_ids(app, world.tree["c1"].id) == sorted(wish.id for wish in unclaimed)
    assert wall_ids(app, world.tree["c2_grid"].id) == [], "another community's walls do not show them yet"

    clock.travel_to(NOW + 2 * after)
    assert sum(race(runners, "escalate_wishes")) == 3
    assert {fresh(committed_db, wish).wall_place_id for wish in unclaimed} == {world.tree["street"].id}
    clock.travel_to(NOW + 10 * after)
    assert sum(race(runners, "escalate_wishes")) == 0, "the street is the top: a wish stays there"

    escalated = events_of(committed_db, "wish.escalated")
    assert len(escalated) == 6
    to_community = [e for e in escalated if e.payload["to_level"] == "community"]
    to_street = [e for e in escalated if e.payload["to_level"] == "street"]
    assert all(e.payload["staff_ids"] == [world.staff.id] for e in to_community)
    assert all(e.payload["staff_ids"] == [street_staff.id] for e in to_street)
    assert wall_ids(app, world.tree["c2_grid"].id) == sorted(wish.id for wish in unclaimed), \
        "on the street's wall, every grid of the street sees them"
    assert committed_db.scalar(select(func.count()).select_from(Wish).where(Wish.escalate_at.is_not(None))) == 0
