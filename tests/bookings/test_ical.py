"""iCalendar feeds: a listing's public busy times and a person's secret, revocable feed."""
from datetime import time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from marketplace.bookings import services
from marketplace.bookings.models import CalendarFeedToken
from marketplace.core import clock
from marketplace.listings.services import HoursInterval
from tests.bookings.conftest import local

MORNINGS = [HoursInterval(weekday=d, opens=time(9), closes=time(12)) for d in range(7)]


def events_of(response) -> list:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data).walk("VEVENT")


@pytest.fixture
def listing(factory):
    return factory.listing(instant_booking=False, slot_minutes=60, min_duration_minutes=60, hours=MORNINGS)


@pytest.fixture
def resident(factory):
    return factory.user(name="张三丰", phone="13812345678")


def test_listing_feed_shows_busy_times_in_utc_with_no_personal_data(client, factory, now, listing, resident):
    pending = factory.booking(listing=listing, booker=resident, start=local(1, 10), purpose="家长会秘密议题")
    confirmed = factory.booking(listing=listing, booker=resident, start=local(2, 9))
    staff = listing.organisation.memberships[0].user
    services.approve_booking(factory.session, staff, confirmed, zone="Asia/Shanghai")
    factory.session.commit()
    response = client.get(f"/listings/{listing.id}/calendar.ics")
    events = events_of(response)
    assert [str(e["UID"]) for e in events] == [f"booking-{pending.id}@bookings.community-marketplace",
                                              f"booking-{confirmed.id}@bookings.community-marketplace"]
    assert [str(e["STATUS"]) for e in events] == ["TENTATIVE", "CONFIRMED"]
    assert all(str(e["SUMMARY"]) == listing.title for e in events)
    assert events[0].decoded("DTSTART") == local(1, 10) and events[0].decoded("DTSTART").utcoffset() == timedelta(0)
    assert events[0].decoded("DTEND") == local(1, 11)
    assert "已预约" in str(events[1]["DESCRIPTION"])
    body = response.data.decode()
    for personal in ("张三丰", "13812345678", "5678", "家长会", resident.login_name):
        assert personal not in body
    assert "DTSTART:20260602T020000Z" in body


def test_listing_feed_covers_thirty_days_back_to_ninety_ahead_and_only_active_bookings(client, factory, now, session):
    listing = factory.listing(slot_minutes=60, min_duration_minutes=60, hours=MORNINGS, max_advance_days=200)
    kept = factory.booking(listing=listing, start=local(1, 10))
    cancelled = factory.booking(listing=listing, start=local(1, 11))
    far = factory.booking(listing=listing, start=local(120, 10))
    services.cancel_booking(session, cancelled.booker, cancelled)
    session.commit()
    uids = [str(e["UID"]) for e in events_of(client.get(f"/listings/{listing.id}/calendar.ics"))]
    assert uids == [f"booking-{kept.id}@bookings.community-marketplace"]  # 120 days ahead is past the window
    clock.travel_to(local(40, 8))  # now the first booking is 39 days old and the far one 80 days ahead
    uids = [str(e["UID"]) for e in events_of(client.get(f"/listings/{listing.id}/calendar.ics"))]
    assert uids == [f"booking-{far.id}@bookings.community-marketplace"]


def test_listing_feed_of_unknown_or_draft_listings_is_404(client, factory, now):
    assert client.get("/listings/987654/calendar.ics").status_code == 404
    assert client.get(f"/listings/{factory.listing(publish=False).id}/calendar.ics").status_code == 404


def test_personal_feed_lists_my_bookings_with_stable_uids(client, login, factory, now, session, listing, resident):
    instant = factory.listing(slot_minutes=60, min_duration_minutes=60, hours=MORNINGS)
    mine = factory.booking(listing=instant, booker=resident, start=local(1, 10), purpose="合唱排练")
    request = factory.booking(listing=listing, booker=resident, start=local(3, 9))
    factory.booking(listing=instant, start=local(1, 11))  # someone else's: not in my feed
    login(resident)
    before = client.get("/bookings/calendar-feed").get_data(as_text=True)
    assert 'data-testid="turn-on-feed"' in before and "webcal://" not in before
    page = client.post("/bookings/calendar-feed/reset", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "日历订阅已开通" in html
    assert page.status_code == 200 and "webcal://" in html
    url = html.split('id="feed-url" value="')[1].split('"')[0]
    path = url.split("localhost", 1)[1]
    assert path.startswith("/calendar/") and path.endswith(".ics")
    client.post("/logout")
    events = events_of(client.get(path))
    assert [str(e["UID"]) for e in events] == [f"booking-{mine.id}@bookings.community-marketplace",
                                              f"booking-{request.id}@bookings.community-marketplace"]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "TENTATIVE"]
    assert str(events[0]["SUMMARY"]) == instant.title and "合唱排练" in str(events[0]["DESCRIPTION"])
    assert str(events[0]["URL"]).endswith(f"/bookings/{mine.id}")
    again = events_of(client.get(path))
    assert [str(e["UID"]) for e in again] == [str(e["UID"]) for e in events]


def test_the_same_address_is_shown_again_and_only_its_hash_is_stored(client, login, session, now, resident):
    login(resident)
    assert client.get("/api/v1/me/calendar-feed").status_code == 404  # reading never issues one
    turned_on = client.post("/api/v1/me/calendar-feed/reset").json
    first = client.get("/api/v1/me/calendar-feed").json
    second = client.get("/api/v1/me/calendar-feed").json
    assert turned_on == first == second and first["webcal_url"] == "webcal://" + first["url"].split("://")[1]
    token = first["url"].rsplit("/", 1)[1].removesuffix(".ics")
    stored = session.scalars(select(CalendarFeedToken).where(CalendarFeedToken.user_id == resident.id)).all()
    assert len(stored) == 1 and token not in stored[0].token_hash and len(stored[0].token_hash) == 64


def test_regenerating_revokes_the_old_address(client, login, now, resident):
    login(resident)
    old = client.post("/api/v1/me/calendar-feed/reset").json["url"].split("localhost", 1)[1]
    assert client.get(old).status_code == 200
    response = client.post("/bookings/calendar-feed/reset")
    assert response.status_code == 302 and "notice=feed_reset" in response.location
    new_page = client.get(response.location).get_data(as_text=True)
    assert "旧地址已失效" in new_page
    revoked = client.get(old)
    assert revoked.status_code == 404 and "这个日历订阅地址无效或已被重新生成" in revoked.get_data(as_text=True)
    new = client.post("/api/v1/me/calendar-feed/reset").json["url"].split("localhost", 1)[1]
    assert new != old and client.get(new).status_code == 200


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%01"])
def test_unknown_feed_tokens_are_404(client, now, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_feed_api_needs_a_signed_in_user(client, now):
    assert client.get("/api/v1/me/calendar-feed").status_code == 401
    assert client.post("/api/v1/me/calendar-feed/reset").status_code == 401


def test_feed_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/me/calendar-feed" in paths and "/api/v1/me/calendar-feed/reset" in paths
