"""Lotteries: a slot nobody can book directly while it is drawn for, applying once and withdrawing, the draw
giving winners their bookings and putting the others on the waitlist in the order drawn, the priority group
first, and a draw anyone re-runs from the published seed and ids to the same winners.

Time is the controllable clock; the draw runs as the scheduler's step runs it, on the test's session.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from marketplace.bookings import services as bookings
from marketplace.bookings.availability import SlotTaken, availability
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core import clock, events, zones
from marketplace.core.events import DomainEvent
from marketplace.lotteries import draw, services
from marketplace.lotteries.models import LotteryStatus, Outcome
from marketplace.notifications.models import Kind, Notification
from marketplace.scheduler.jobs import JOBS
from marketplace.waitlist.models import EntryStatus, WaitlistEntry
from tests.bookings.conftest import NOW, SHANGHAI, local

SLOT = (local(3, 18), local(3, 20))  # Thursday evening
CLOSE, DRAW = local(2, 12), local(2, 13)


def iso(instant):
    return zones.to_local(instant, SHANGHAI).isoformat()


@pytest.fixture
def now():
    clock.travel_to(NOW)
    return NOW


@pytest.fixture
def hall(factory, now):
    return factory.listing(title="社区礼堂")


def open_lottery(session, listing, *, priority="none", start=SLOT[0], end=SLOT[1]):
    actor = next(m.user for m in listing.organisation.memberships)
    lottery = services.create_lottery(session, actor, listing.id, services.LotteryRequest(
        start=start, end=end, applications_close_at=CLOSE, draw_at=DRAW, priority=priority), zone=SHANGHAI)
    session.commit()
    return lottery


def applicants(factory, session, lottery, n, **user_fields):
    users = [factory.user(**user_fields) for _ in range(n)]
    for user in users:
        services.apply(session, user, lottery)
    session.commit()
    return users


def run_draw(session, at=DRAW):
    clock.travel_to(at)
    found, moved = JOBS["draw_lotteries"].step(session, clock.now(), 100, current_app.config)
    session.commit()
    return moved


def test_nobody_can_book_an_open_lottery_slot_directly(session, factory, hall, client, api_token):
    open_lottery(session, hall)
    booker = factory.user()
    with pytest.raises(SlotTaken) as refused:
        bookings.create_booking(session, booker, bookings.BookingRequest(listing_id=hall.id, start=SLOT[0],
                                                                         end=SLOT[1]), zone=SHANGHAI)
    assert refused.value.details["lottery"] is True
    session.rollback()
    assert all(slot.start >= SLOT[1] or slot.end <= SLOT[0]
               for slot in availability(session, hall, local(3, 9), local(3, 21), SHANGHAI, duration_minutes=60))
    response = client.post("/api/v1/bookings", headers=api_token(booker), json={
        "listing_id": hall.id, "start": iso(SLOT[0] + timedelta(hours=1)), "end": iso(SLOT[1])})
    assert response.status_code == 409 and "抽签" in response.json["message"]


def test_a_slot_already_booked_cannot_be_opened_by_lottery(session, factory, hall):
    factory.booking(listing=hall, start=SLOT[0])
    with pytest.raises(SlotTaken):
        open_lottery(session, hall)


def test_one_application_per_person_and_withdrawing_during_the_window(session, factory, hall, client, api_token):
    lottery = open_lottery(session, hall)
    resident = factory.user()
    path = f"/api/v1/listings/{hall.id}/lotteries/{lottery.id}/application"
    assert client.post(path, headers=api_token(resident)).status_code == 201
    again = client.post(path, headers=api_token(resident))
    assert again.status_code == 409 and again.json["message"] == "你已经报名了这个抽签"
    assert client.delete(path, headers=api_token(resident)).status_code == 204
    assert services.application_count(session, lottery) == 0
    clock.travel_to(CLOSE)
    late = client.post(path, headers=api_token(resident))
    assert late.status_code == 409 and late.json["message"] == "报名已截止"


def test_winners_get_bookings_and_the_others_join_the_waitlist_in_the_order_drawn(session, factory, hall):
    lottery = open_lottery(session, hall)
    users = applicants(factory, session, lottery, 4)
    assert run_draw(session) == 1
    session.refresh(lottery)
    assert lottery.status is LotteryStatus.drawn and len(lottery.seed) == 64
    result = services.published_result(lottery)
    [winner] = result.winner_ids
    booking = session.scalar(select(Booking).where(Booking.listing_id == hall.id, Booking.start_at == SLOT[0]))
    assert booking.booker_id == winner and booking.status is BookingStatus.confirmed
    waiting = session.scalars(select(WaitlistEntry).where(WaitlistEntry.listing_id == hall.id)
                              .order_by(WaitlistEntry.created_at, WaitlistEntry.id)).all()
    assert [entry.user_id for entry in waiting] == result.ranking[1:]
    assert all(entry.status is EntryStatus.waiting for entry in waiting)
    outcomes = {a.user_id: a.outcome for a in lottery.applications}
    assert outcomes == {user.id: Outcome.won if user.id == winner else Outcome.lost for user in users}
    events.process_outbox(session, clock.now())
    told = dict(session.execute(select(Notification.recipient_id, Notification.text).where(
        Notification.kind == Kind.lotteries)).all())
    assert set(told) == {user.id for user in users}
    assert "中签" in told[winner] and all("候补名单" in told[u] for u in result.ranking[1:])


def test_a_shared_listing_draws_as_many_winners_as_its_capacity(session, factory, now):
    classroom = factory.listing(capacity=3)
    lottery = open_lottery(session, classroom)
    applicants(factory, session, lottery, 5)
    run_draw(session)
    session.refresh(lottery)
    result = services.published_result(lottery)
    assert result.winner_ids == result.ranking[:3]
    assert session.scalar(select(Booking.id).where(Booking.listing_id == classroom.id).limit(1)) is not None
    assert sorted(b.booker_id for b in session.scalars(select(Booking).where(
        Booking.listing_id == classroom.id, Booking.status == BookingStatus.confirmed))) == sorted(result.winner_ids)


def test_a_draw_rerun_from_the_published_seed_gives_the_same_winners(session, factory, hall, client):
    lottery = open_lottery(session, hall, priority="community_residents")
    applicants(factory, session, lottery, 6)
    run_draw(session)
    published = client.get(f"/api/v1/listings/{hall.id}/lotteries/{lottery.id}").json["result"]
    rerun = draw.ranking(published["seed"], published["priority_ids"], published["other_ids"])
    assert rerun == published["ranking"] and rerun[:1] == published["winner_ids"]
    verified = client.get("/api/v1/lotteries/verify", query_string={
        "seed": published["seed"], "priority_ids": published["priority_ids"],
        "other_ids": published["other_ids"], "seats": 1})
    assert verified.status_code == 200 and verified.json["winner_ids"] == published["winner_ids"]
    page = client.get(f"/lotteries/verify?seed={published['seed']}&other_ids="
                      + ",".join(map(str, published["other_ids"])) + "&seats=1").get_data(as_text=True)
    assert f'data-testid="winners">{published["winner_ids"][0]}<' in page


def test_the_ranking_is_the_documented_function_of_seed_and_ids():
    seed = "ab" * 32
    keys = {i: draw.key(seed, i) for i in (3, 7, 11)}
    assert keys[3] == __import__("hashlib").sha256(f"{seed}:3".encode()).hexdigest()
    assert draw.ranking(seed, [11], [3, 7]) == [11] + sorted([3, 7], key=keys.get)


def test_residents_of_the_listings_community_are_drawn_first(session, factory, hall):
    lottery = open_lottery(session, hall, priority="community_residents")
    outsiders = applicants(factory, session, lottery, 3)
    resident = factory.user()
    resident.home_place_id = hall.place_id
    session.commit()
    services.apply(session, resident, lottery)
    session.commit()
    run_draw(session)
    session.refresh(lottery)
    result = services.published_result(lottery)
    assert result.priority_ids == [resident.id] and result.winner_ids == [resident.id]
    assert sorted(result.other_ids) == sorted(u.id for u in outsiders)


def test_a_lottery_is_drawn_only_once_its_draw_time_came(session, factory, hall):
    lottery = open_lottery(session, hall)
    applicants(factory, session, lottery, 2)
    assert run_draw(session, at=DRAW - timedelta(minutes=1)) == 0
    assert run_draw(session) == 1
    assert run_draw(session, at=DRAW + timedelta(minutes=5)) == 0
    assert session.scalar(select(DomainEvent.id).where(DomainEvent.type == "lottery.drawn")) is not None


def test_bad_input_gets_a_clear_422_in_the_users_language(session, factory, hall, client, api_token):
    staff = next(m.user for m in hall.organisation.memberships)
    body = {"start": iso(SLOT[0]), "end": iso(SLOT[1]), "applications_close_at": iso(DRAW), "draw_at": iso(CLOSE)}
    response = client.post(f"/api/v1/listings/{hall.id}/lotteries", headers=api_token(staff), json=body)
    assert response.status_code == 422 and response.json["message"] == "抽签时间不能早于报名截止时间"
    staff.locale = "en"
    session.commit()
    response = client.post(f"/api/v1/listings/{hall.id}/lotteries", headers=api_token(staff), json=body)
    assert response.status_code == 422 and response.json["message"] == "The draw cannot be before applications close"
    stranger = factory.user()
    body["draw_at"] = iso(DRAW + timedelta(hours=1))
    assert client.post(f"/api/v1/listings/{hall.id}/lotteries", headers=api_token(stranger),
                       json=body).status_code == 403


def test_the_pages_open_a_lottery_take_applications_and_publish_the_result(session, factory, hall, client, login):
    staff = next(m.user for m in hall.organisation.memberships)
    login(staff)
    assert 'data-testid="lottery-form"' in client.get(f"/listings/{hall.id}/lotteries").get_data(as_text=True)
    fmt = "%Y-%m-%dT%H:%M"
    created = client.post(f"/listings/{hall.id}/lotteries", data={
        "start": zones.to_local(SLOT[0], SHANGHAI).strftime(fmt), "duration": "120",
        "applications_close_at": zones.to_local(CLOSE, SHANGHAI).strftime(fmt),
        "draw_at": zones.to_local(DRAW, SHANGHAI).strftime(fmt), "priority": "community_residents"})
    assert created.status_code == 302
    refused = client.post(f"/listings/{hall.id}/lotteries", data={
        "start": zones.to_local(SLOT[0] + timedelta(days=1), SHANGHAI).strftime(fmt), "duration": "120",
        "applications_close_at": zones.to_local(DRAW, SHANGHAI).strftime(fmt),
        "draw_at": zones.to_local(CLOSE, SHANGHAI).strftime(fmt), "priority": "none"})
    assert refused.status_code == 422 and "抽签时间不能早于报名截止时间" in refused.get_data(as_text=True)
    detail = created.headers["Location"].split("?")[0]
    client.post("/logout")
    resident = factory.user()
    login(resident)
    page = client.get(detail).get_data(as_text=True)
    assert "本社区居民优先" in page and 'data-testid="apply"' in page
    assert client.post(detail + "/apply").status_code == 302
    assert 'data-testid="withdraw"' in client.get(detail).get_data(as_text=True)
    run_draw(session)
    page = client.get(detail).get_data(as_text=True)
    assert 'data-testid="seed"' in page and "中签" in page and 'data-testid="verify-link"' in page


def test_a_malformed_verification_is_refused_with_a_clear_message(client):
    response = client.get("/api/v1/lotteries/verify", query_string={"seed": "abc", "other_ids": [1, 2], "seats": 1})
    assert response.status_code == 422 and response.json["message"] == "种子应为64位十六进制字符（0-9、a-f）"
    page = client.get("/lotteries/verify?seed=" + "ab" * 32 + "&other_ids=1,x&seats=1")
    assert page.status_code == 422 and "编号只能是用逗号分隔的整数" in page.get_data(as_text=True)


def test_on_an_approval_listing_the_draw_is_the_decision(session, factory, now):
    hall = factory.listing(instant_booking=False)
    lottery = open_lottery(session, hall)
    applicants(factory, session, lottery, 2)
    run_draw(session)
    session.refresh(lottery)
    [winner] = services.published_result(lottery).winner_ids
    booking = session.scalar(select(Booking).where(Booking.listing_id == hall.id, Booking.start_at == SLOT[0]))
    assert booking.booker_id == winner and booking.status is BookingStatus.confirmed


def test_a_winner_the_booking_rules_refuse_passes_the_seat_to_the_next_drawn(session, factory, now, client):
    hall = factory.listing(max_active_bookings_per_booker=1)
    lottery = open_lottery(session, hall)
    users = applicants(factory, session, lottery, 3)
    for user in users[:2]:  # two of them already hold a booking of the hall: the cap refuses them a second
        factory.booking(listing=hall, booker=user, start=local(3, 10 + users.index(user)))
    run_draw(session)
    session.refresh(lottery)
    result = services.published_result(lottery)
    assert result.winner_ids == [users[2].id] and set(result.refused_ids) <= {users[0].id, users[1].id}
    assert result.refused_ids == [u for u in result.ranking if u != users[2].id][:len(result.refused_ids)]
    rerun = services.verify(result.seed, result.priority_ids, result.other_ids, 1, result.refused_ids)
    assert rerun.winner_ids == result.winner_ids
