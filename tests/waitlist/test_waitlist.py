"""The waitlist with a timed hold: joining and leaving, the first in line offered a freed slot and holding it
against everyone else, accepting it, the hold lapsing to the next in line, and never a slot that has started.

Time is the controllable clock; the outbox (where the offer is made) and the lapse job run as the scheduler
runs them, on the test's session.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from marketplace.bookings import services as bookings
from marketplace.bookings import states
from marketplace.bookings.availability import is_free_during
from marketplace.bookings.models import BookingStatus, SlotHold
from marketplace.core import clock, events, zones
from marketplace.core.events import DomainEvent
from marketplace.scheduler.jobs import JOBS
from marketplace.waitlist import services as waitlist
from marketplace.waitlist.models import EntryStatus, WaitlistEntry
from tests.bookings.conftest import NOW, SHANGHAI, local

SLOT = (local(1, 10), local(1, 11))


def iso(instant):
    """As the API writes it: in the deployment's zone."""
    return zones.to_local(instant, SHANGHAI).isoformat()


@pytest.fixture
def now():
    clock.travel_to(NOW)
    return NOW


@pytest.fixture
def listing(factory, now):
    return factory.listing()


@pytest.fixture
def taken(factory, listing):
    """The slot tomorrow 10:00–11:00, booked by someone."""
    return factory.booking(listing=listing, start=SLOT[0])


def join(client, api_token, user, listing, start=SLOT[0], end=SLOT[1], **extra):
    return client.post(f"/api/v1/listings/{listing.id}/waitlist", headers=api_token(user),
                       json={"start": iso(start), "end": iso(end), **extra})


def deliver(session):
    """The scheduler's outbox job: durable subscribers (the waitlist's offer among them) run."""
    ran = events.process_outbox(session, clock.now())
    session.commit()
    return ran


def lapse(session):
    found, moved = JOBS["lapse_waitlist_holds"].step(session, clock.now(), 100, current_app.config)
    session.commit()
    return moved


def entry_of(session, user, listing) -> WaitlistEntry:
    return session.scalar(select(WaitlistEntry).where(WaitlistEntry.user_id == user.id,
                                                      WaitlistEntry.listing_id == listing.id)
                          .execution_options(populate_existing=True))


def events_of(session, event_type):
    return session.scalars(select(DomainEvent).where(DomainEvent.type == event_type).order_by(DomainEvent.id)).all()


def cancel(session, booking):
    bookings.cancel_booking(session, booking.booker, booking)
    session.commit()


# Joining and leaving -------------------------------------------------------------------------------------------------

def test_a_resident_joins_the_waitlist_of_a_taken_slot_once(client, api_token, factory, listing, taken):
    resident = factory.user()
    first = join(client, api_token, resident, listing)
    assert first.status_code == 201, first.json
    assert first.json["status"] == "waiting" and first.json["start"] == iso(SLOT[0])
    again = join(client, api_token, resident, listing)
    assert again.status_code == 409
    assert again.json["message"] == "你已经在这个时段的候补名单里了"
    mine = client.get("/api/v1/me/waitlist", headers=api_token(resident)).json["items"]
    assert [item["id"] for item in mine] == [first.json["id"]]


def test_joining_a_free_slot_is_refused_so_the_resident_books_it_instead(client, api_token, factory, listing):
    response = join(client, api_token, factory.user(), listing)
    assert response.status_code == 422
    assert response.json["message"] == "这个时段现在有空位，请直接预约"


def test_joining_a_slot_that_has_started_is_refused(client, api_token, factory, listing, taken):
    clock.travel_to(SLOT[0] + timedelta(minutes=5))
    response = join(client, api_token, factory.user(), listing)
    assert response.status_code == 422
    assert response.json["field"] == "start"


def test_joining_a_slot_one_already_holds_a_booking_for_is_refused(client, api_token, listing, taken):
    response = join(client, api_token, taken.booker, listing)
    assert response.status_code == 422
    assert response.json["message"] == "你在这个时段已有预约，不需要候补"


def test_leaving_the_waitlist_takes_the_entry_off_the_line(client, api_token, factory, listing, taken):
    resident = factory.user()
    join(client, api_token, resident, listing)
    left = client.delete(f"/api/v1/listings/{listing.id}/waitlist", headers=api_token(resident),
                         query_string={"start": iso(SLOT[0]), "end": iso(SLOT[1])})
    assert left.status_code == 204
    assert client.get("/api/v1/me/waitlist", headers=api_token(resident)).json["items"] == []


def test_bad_waitlist_input_gets_a_clear_4xx(client, api_token, factory, listing, taken):
    resident = factory.user()
    headers = api_token(resident)
    naive = client.post(f"/api/v1/listings/{listing.id}/waitlist", headers=headers,
                        json={"start": "2026-06-02T10:00:00", "end": "2026-06-02T11:00:00"})
    assert naive.status_code == 422
    unknown = client.post("/api/v1/listings/999999/waitlist", headers=headers,
                          json={"start": iso(SLOT[0]), "end": iso(SLOT[1])})
    assert unknown.status_code == 404
    assert join(client, api_token, resident, listing, seats=0).status_code == 422
    assert client.post("/api/v1/waitlist-offers/999999/accept", headers=headers).status_code == 404
    waiting = join(client, api_token, resident, listing).json
    not_offered = client.post(f"/api/v1/waitlist-offers/{waiting['id']}/accept", headers=headers)
    assert not_offered.status_code == 409
    assert not_offered.json["message"] == "这条候补目前没有为你保留的时段"
    others = client.post(f"/api/v1/waitlist-offers/{waiting['id']}/accept", headers=api_token(factory.user()))
    assert others.status_code == 404


# The slot frees: offer, hold, accept, lapse -----------------------------------------------------------------------------

def test_a_cancel_offers_the_slot_to_the_first_in_line_and_holds_it_against_everyone_else(
        client, api_token, session, factory, listing, taken):
    first, second, other = factory.user(), factory.user(), factory.user()
    join(client, api_token, first, listing)
    clock.advance(timedelta(minutes=1))
    join(client, api_token, second, listing)
    cancel(session, taken)
    deliver(session)

    offered = entry_of(session, first, listing)
    assert offered.status is EntryStatus.offered
    assert offered.hold_until == clock.now() + timedelta(minutes=30)
    assert entry_of(session, second, listing).status is EntryStatus.waiting
    [event] = events_of(session, "waitlist.offered")
    assert (event.subject_type, event.subject_id) == ("waitlist_entry", offered.id)
    assert event.payload == {"user_id": first.id, "listing_id": listing.id, "start_at": SLOT[0].isoformat(),
                             "end_at": SLOT[1].isoformat(), "hold_until": offered.hold_until.isoformat()}

    refused = client.post("/api/v1/bookings", headers=api_token(other), json={
        "listing_id": listing.id, "start": iso(SLOT[0]), "end": iso(SLOT[1])})
    assert refused.status_code == 409
    assert refused.json["message"] == f"这个时段正为候补的居民保留到{iso(offered.hold_until)[11:16]}"
    overlapping = client.post("/api/v1/bookings", headers=api_token(other), json={
        "listing_id": listing.id, "start": iso(local(1, 10, 30)), "end": iso(local(1, 11, 30))})
    assert overlapping.status_code == 409
    slots = client.get(f"/api/v1/listings/{listing.id}/availability", query_string={
        "start": iso(local(1, 9)), "end": iso(local(1, 12)), "duration": 60}).json["slots"]
    assert iso(SLOT[0]) not in [slot["start"] for slot in slots]
    assert not is_free_during(session, listing, SLOT[0], SLOT[1], zone=SHANGHAI)


def test_the_holder_accepts_and_gets_the_booking(client, api_token, session, factory, listing, taken):
    holder = factory.user()
    join(client, api_token, holder, listing)
    cancel(session, taken)
    deliver(session)
    entry = entry_of(session, holder, listing)
    accepted = client.post(f"/api/v1/waitlist-offers/{entry.id}/accept", headers=api_token(holder))
    assert accepted.status_code == 201, accepted.json
    assert accepted.json["status"] == "confirmed" and accepted.json["start"] == iso(SLOT[0])
    entry = entry_of(session, holder, listing)
    assert entry.status is EntryStatus.accepted and entry.booking_id == accepted.json["id"]
    assert session.scalar(select(func.count()).select_from(SlotHold)) == 0
    again = client.post(f"/api/v1/waitlist-offers/{entry.id}/accept", headers=api_token(holder))
    assert again.status_code == 409


def test_on_an_approval_listing_accepting_gives_a_pending_request(client, api_token, session, factory, now):
    listing = factory.listing(instant_booking=False)
    request = factory.booking(listing=listing, start=SLOT[0])
    holder = factory.user()
    join(client, api_token, holder, listing)
    bookings.reject_booking(session, next(m.user for m in listing.organisation.memberships), request, "场地维修")
    session.commit()
    deliver(session)
    accepted = client.post(f"/api/v1/waitlist-offers/{entry_of(session, holder, listing).id}/accept",
                           headers=api_token(holder))
    assert accepted.status_code == 201
    assert accepted.json["status"] == "pending"


def test_a_hold_that_lapses_offers_the_slot_to_the_second_in_line(client, api_token, session, factory, listing,
                                                                  taken):
    first, second = factory.user(), factory.user()
    join(client, api_token, first, listing)
    clock.advance(timedelta(minutes=1))
    join(client, api_token, second, listing)
    cancel(session, taken)
    deliver(session)
    clock.advance(timedelta(minutes=29))
    assert lapse(session) == 0  # still held
    clock.advance(timedelta(minutes=1))
    assert lapse(session) == 1
    assert entry_of(session, first, listing).status is EntryStatus.lapsed
    assert entry_of(session, second, listing).status is EntryStatus.offered
    [lapsed] = events_of(session, "waitlist.lapsed")
    assert lapsed.payload["user_id"] == first.id
    assert [e.payload["user_id"] for e in events_of(session, "waitlist.offered")] == [first.id, second.id]
    late = client.post(f"/api/v1/waitlist-offers/{entry_of(session, first, listing).id}/accept",
                       headers=api_token(first))
    assert late.status_code == 409
    assert lapse(session) == 0  # nothing lapses twice


def test_leaving_while_holding_offers_the_slot_to_the_next_in_line(client, api_token, session, factory, listing,
                                                                   taken):
    first, second = factory.user(), factory.user()
    join(client, api_token, first, listing)
    clock.advance(timedelta(minutes=1))
    join(client, api_token, second, listing)
    cancel(session, taken)
    deliver(session)
    left = client.delete(f"/api/v1/listings/{listing.id}/waitlist", headers=api_token(first),
                         query_string={"start": iso(SLOT[0]), "end": iso(SLOT[1])})
    assert left.status_code == 204
    assert entry_of(session, first, listing) is None
    assert entry_of(session, second, listing).status is EntryStatus.offered


def test_a_hold_never_runs_past_the_time_the_slot_can_still_be_booked(client, api_token, session, factory, listing,
                                                                      taken):
    holder = factory.user()
    join(client, api_token, holder, listing)
    clock.travel_to(SLOT[0] - timedelta(minutes=listing.min_notice_minutes + 10))
    cancel_by_provider(session, listing, taken)
    deliver(session)
    entry = entry_of(session, holder, listing)
    assert entry.status is EntryStatus.offered
    assert entry.hold_until == SLOT[0] - timedelta(minutes=listing.min_notice_minutes)


def cancel_by_provider(session, listing, booking):
    bookings.cancel_booking(session, next(m.user for m in listing.organisation.memberships), booking, "临时停电")
    session.commit()


def test_a_slot_that_has_started_is_never_offered(client, api_token, session, factory, listing, taken):
    holder = factory.user()
    join(client, api_token, holder, listing)
    clock.travel_to(SLOT[0] + timedelta(minutes=5))
    cancel_by_provider(session, listing, taken)
    deliver(session)
    assert entry_of(session, holder, listing).status is EntryStatus.waiting
    assert events_of(session, "waitlist.offered") == []


def test_a_released_booking_offers_the_first_in_line_then_the_second_after_the_hold_lapses(
        client, api_token, session, factory, now):
    """What the auto-release job does (confirmed → no_show, action "release") frees the rest of the booking."""
    listing = factory.listing(min_notice_minutes=0)
    long_booking = factory.booking(listing=listing, start=local(1, 9), minutes=180)
    first, second = factory.user(), factory.user()
    join(client, api_token, first, listing)
    clock.advance(timedelta(minutes=1))
    join(client, api_token, second, listing)
    clock.travel_to(local(1, 9, 15))
    states.transition(long_booking, BookingStatus.no_show, action="release", actor=None, at=clock.now())
    session.commit()
    deliver(session)
    assert entry_of(session, first, listing).status is EntryStatus.offered
    assert entry_of(session, first, listing).hold_until == local(1, 9, 45)
    clock.travel_to(local(1, 9, 45))
    assert lapse(session) == 1
    assert entry_of(session, first, listing).status is EntryStatus.lapsed
    second_entry = entry_of(session, second, listing)
    assert second_entry.status is EntryStatus.offered
    assert second_entry.hold_until == SLOT[0]  # 30 minutes would run past the start
    assert [e.payload["user_id"] for e in events_of(session, "waitlist.offered")] == [first.id, second.id]
    assert [e.payload["user_id"] for e in events_of(session, "waitlist.lapsed")] == [first.id]


# The pages ---------------------------------------------------------------------------------------------------------------

def test_the_taken_page_offers_the_waitlist_and_the_holder_books_from_my_waitlist(client, login, session, factory,
                                                                                  listing, taken):
    resident = factory.user()
    login(resident)
    form = {"start": iso(SLOT[0]), "duration": "60", "seats": "1", "purpose": ""}
    page = client.post(f"/listings/{listing.id}/book", data=form)
    assert page.status_code == 409
    assert 'data-testid="join-waitlist"' in page.get_data(as_text=True)
    joined = client.post(f"/listings/{listing.id}/waitlist", data=form)
    assert joined.status_code == 302 and "/waitlist" in joined.location
    mine = client.get("/waitlist").get_data(as_text=True)
    assert 'data-testid="waitlist-entry"' in mine and "候补中" in mine
    cancel(session, taken)
    deliver(session)
    assert 'data-testid="accept-offer"' in client.get("/waitlist").get_data(as_text=True)
    accepted = client.post(f"/waitlist-offers/{entry_of(session, resident, listing).id}/accept")
    assert accepted.status_code == 302 and "/bookings/" in accepted.location


def test_joining_from_a_page_with_bad_input_is_refused_with_a_4xx(client, login, factory, listing, taken):
    login(factory.user())
    garbage = client.post(f"/listings/{listing.id}/waitlist", data={"start": "not-a-time", "duration": "60"})
    assert garbage.status_code == 422
    free = client.post(f"/listings/{listing.id}/waitlist", data={"start": iso(local(1, 14)), "duration": "60"})
    assert free.status_code == 422
    assert "这个时段现在有空位，请直接预约" in free.get_data(as_text=True)


def test_the_waitlist_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"post", "delete"} <= set(paths["/api/v1/listings/{listing_id}/waitlist"])
    assert "post" in paths["/api/v1/waitlist-offers/{entry_id}/accept"]
    assert "get" in paths["/api/v1/me/waitlist"]


def test_a_sweeper_whose_batch_went_stale_lapses_nothing_a_second_time(client, api_token, session, factory, listing,
                                                                       taken):
    """What a second scheduler does with the entries it found due before the first one lapsed them."""
    first, second = factory.user(), factory.user()
    join(client, api_token, first, listing)
    clock.advance(timedelta(minutes=1))
    join(client, api_token, second, listing)
    cancel(session, taken)
    deliver(session)
    clock.advance(timedelta(minutes=30))
    stale = waitlist.due_to_lapse(session, clock.now())
    assert lapse(session) == 1
    assert [waitlist.lapse_if_due(session, entry_id, listing_id, clock.now(), zone=SHANGHAI)
            for entry_id, listing_id in stale] == [False]
    session.commit()
    assert len(events_of(session, "waitlist.lapsed")) == 1
    assert entry_of(session, second, listing).status is EntryStatus.offered


def test_on_a_listing_booked_by_seats_the_freed_seats_go_to_the_first_in_line_they_fit(client, api_token, session,
                                                                                      factory, now):
    listing = factory.listing(capacity=2)
    taken_seats = [factory.booking(listing=listing, start=SLOT[0]) for _ in range(2)]
    two, one = factory.user(), factory.user()
    assert join(client, api_token, two, listing, seats=2).status_code == 201
    clock.advance(timedelta(minutes=1))
    assert join(client, api_token, one, listing, seats=1).status_code == 201
    cancel(session, taken_seats[0])
    deliver(session)
    assert entry_of(session, two, listing).status is EntryStatus.waiting  # one seat free, two asked for
    assert entry_of(session, one, listing).status is EntryStatus.offered
    cancel(session, taken_seats[1])
    deliver(session)
    assert entry_of(session, two, listing).status is EntryStatus.waiting  # the held seat is not free


def test_the_booking_page_tells_others_the_slot_is_held_and_until_when(client, login, session, factory, listing,
                                                                       taken):
    holder, other = factory.user(), factory.user()
    waitlist.join_waitlist(session, holder, waitlist.WaitRequest(listing_id=listing.id, start=SLOT[0], end=SLOT[1]),
                           zone=SHANGHAI)
    session.commit()
    cancel(session, taken)
    deliver(session)
    login(other)
    page = client.post(f"/listings/{listing.id}/book", data={"start": iso(SLOT[0]), "duration": "60", "seats": "1"})
    assert page.status_code == 409
    held_until = iso(entry_of(session, holder, listing).hold_until)[11:16]
    assert f"这个时段正为候补的居民保留到{held_until}" in page.get_data(as_text=True)
    widget = client.get(f"/listings/{listing.id}/book?week={iso(SLOT[0])[:10]}&duration=60").get_data(as_text=True)
    assert f'type="radio" name="start" value="{iso(SLOT[0])}"' not in widget  # shown taken, not a choice
    assert f'type="radio" name="start" value="{iso(local(1, 11))}"' in widget


def test_the_first_in_line_is_told_of_the_offer_in_the_inbox_and_its_link_opens_the_accept_button(
        client, api_token, login, session, factory, listing, taken):
    first = factory.user()
    join(client, api_token, first, listing)
    cancel(session, taken)
    deliver(session)  # the offer
    deliver(session)  # its notification

    inbox = client.get("/api/v1/notifications", headers=api_token(first)).json["items"]
    entry = entry_of(session, first, listing)
    [offer] = [item for item in inbox if item["kind"] == "waitlist"]
    assert offer["subject"] == {"type": "waitlist_entry", "id": entry.id}
    assert offer["link"] == f"/waitlist#entry-{entry.id}"
    login(first)
    page = client.get(offer["link"].split("#")[0]).get_data(as_text=True)
    assert f'id="entry-{entry.id}"' in page and f"/waitlist-offers/{entry.id}/accept" in page
