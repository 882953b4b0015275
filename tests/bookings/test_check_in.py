"""Check-in at the door: the daily QR token, the booker's window, the door page and the API, staff by hand."""
from datetime import timedelta

import pytest

from marketplace.bookings import checkin, services
from marketplace.bookings.doorcode import door_token, is_valid_door_token, todays_door_token
from marketplace.core import clock
from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.bookings.conftest import SHANGHAI, TODAY, local
from tests.listings.test_views import listing_form

SECRET = "test-secret"  # the app's SECRET_KEY in the tests


@pytest.fixture
def door_listing(factory):
    return factory.listing(requires_check_in=True, check_in_opens_minutes=15, release_after_minutes=15)


def token_now(listing) -> str:
    return todays_door_token(SECRET, listing.id, now=clock.now(), zone=SHANGHAI)


def page_text(response) -> str:
    return response.get_data(as_text=True)


def test_the_door_token_is_valid_today_and_refused_tomorrow_and_for_another_listing(now, door_listing, factory):
    other = factory.listing(requires_check_in=True)
    today = door_token(SECRET, door_listing.id, TODAY)
    assert is_valid_door_token(SECRET, door_listing.id, today, now=local(0, 23, 59), zone=SHANGHAI)
    assert not is_valid_door_token(SECRET, door_listing.id, today, now=local(1, 0, 0), zone=SHANGHAI)
    assert not is_valid_door_token(SECRET, other.id, today, now=now, zone=SHANGHAI)
    assert not is_valid_door_token("another-secret", door_listing.id, today, now=now, zone=SHANGHAI)
    assert door_token(SECRET, door_listing.id, TODAY + timedelta(days=1)) != today


def test_a_booker_checks_in_with_the_code_only_inside_the_window(session, now, door_listing, factory):
    booking = factory.booking(listing=door_listing, start=local(0, 10))
    clock.travel_to(local(0, 9, 44))
    with pytest.raises(ValidationFailed, match="开始前15分钟起"):
        checkin.check_in_at_the_door(session, booking.booker, door_listing, token_now(door_listing), secret=SECRET,
                                     zone=SHANGHAI)
    clock.travel_to(local(0, 10, 15))
    with pytest.raises(ValidationFailed, match="签到时间已过"):
        checkin.check_in_at_the_door(session, booking.booker, door_listing, token_now(door_listing), secret=SECRET,
                                     zone=SHANGHAI)
    clock.travel_to(local(0, 9, 45))
    checked = checkin.check_in_at_the_door(session, booking.booker, door_listing, token_now(door_listing),
                                           secret=SECRET, zone=SHANGHAI)
    assert checked.id == booking.id and booking.checked_in_at == local(0, 9, 45)
    assert booking.events[-1].action == "check_in" and booking.events[-1].actor_id == booking.booker_id
    with pytest.raises(Conflict):
        checkin.check_in_at_the_door(session, booking.booker, door_listing, token_now(door_listing), secret=SECRET,
                                     zone=SHANGHAI)


def test_a_wrong_or_old_code_or_no_booking_is_refused(session, now, door_listing, factory):
    booking = factory.booking(listing=door_listing, start=local(1, 10))
    yesterdays = token_now(door_listing)
    clock.travel_to(local(1, 9, 50))
    for token in (yesterdays, "not-a-token", ""):
        with pytest.raises(ValidationFailed, match="签到码无效或已过期"):
            checkin.check_in_at_the_door(session, booking.booker, door_listing, token, secret=SECRET, zone=SHANGHAI)
    with pytest.raises(NotFound, match="没有已确认的预约"):
        checkin.check_in_at_the_door(session, factory.user(), door_listing, token_now(door_listing), secret=SECRET,
                                     zone=SHANGHAI)
    plain = factory.listing()
    with pytest.raises(ValidationFailed, match="不需要扫码签到"):
        checkin.check_in_at_the_door(session, booking.booker, plain,
                                     todays_door_token(SECRET, plain.id, now=clock.now(), zone=SHANGHAI),
                                     secret=SECRET, zone=SHANGHAI)
    assert booking.checked_in_at is None


def test_the_code_checks_in_only_its_booker_and_staff_still_check_in_by_hand(session, now, door_listing, factory):
    booking = factory.booking(listing=door_listing, start=local(0, 10))
    staff = door_listing.organisation.memberships[0].user
    clock.travel_to(local(0, 9, 50))
    with pytest.raises(Forbidden):
        services.check_in(session, factory.user(), booking, door_token=token_now(door_listing), secret=SECRET,
                          zone=SHANGHAI)
    with pytest.raises(Forbidden):  # the booker without the code
        services.check_in(session, booking.booker, booking)
    services.check_in(session, staff, booking)
    assert booking.checked_in_at == local(0, 9, 50)


def test_the_door_page_shows_a_button_and_only_its_post_checks_in(client, login, session, now, door_listing, factory):
    booking = factory.booking(listing=door_listing, start=local(0, 10))
    clock.travel_to(local(0, 9, 50))
    url = f"/listings/{door_listing.id}/check-in/{token_now(door_listing)}"
    assert client.get(url).status_code == 302  # to the login page
    login(booking.booker)
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="door-check-in-button"' in page_text(page)
    session.refresh(booking)
    assert booking.checked_in_at is None  # a GET never writes
    done = client.post(url)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/bookings/{booking.id}?notice=checked_in")
    session.refresh(booking)
    assert booking.checked_in_at == local(0, 9, 50)


def test_the_door_page_refuses_in_the_users_language_saying_what_to_do(client, login, now, door_listing, factory):
    booking = factory.booking(listing=door_listing, start=local(0, 10))
    login(booking.booker)
    yesterdays = f"/listings/{door_listing.id}/check-in/{token_now(door_listing)}"
    early = client.get(f"/listings/{door_listing.id}/check-in/{token_now(door_listing)}")
    assert early.status_code == 422 and "还没到签到时间" in page_text(early)
    clock.travel_to(local(1, 9, 50))
    old = client.post(yesterdays)
    assert old.status_code == 422 and "请扫描门口今天的二维码" in page_text(old)
    client.post("/language/en", data={"next": "/"})
    english = client.post(yesterdays)
    assert english.status_code == 422 and "scan today" in page_text(english).lower()
    clock.travel_to(local(0, 9, 50))
    stranger = factory.user()
    login(stranger)
    nothing = client.get(f"/listings/{door_listing.id}/check-in/{token_now(door_listing)}")
    assert nothing.status_code == 404


def test_the_api_checks_in_a_booker_with_the_token(client, api_token, now, door_listing, factory):
    booking = factory.booking(listing=door_listing, start=local(0, 10))
    headers = api_token(booking.booker)
    clock.travel_to(local(0, 9, 55))
    url = f"/api/v1/bookings/{booking.id}/check-in"
    without = client.post(url, headers=headers)
    assert without.status_code == 403
    wrong = client.post(url, headers=headers, json={"token": "yesterday"})
    assert wrong.status_code == 422 and wrong.json["field"] == "token"
    shape = client.post(url, headers=headers, json={"token": 12})
    assert shape.status_code == 422
    done = client.post(url, headers=headers, json={"token": token_now(door_listing)})
    assert done.status_code == 200 and done.json["checked_in_at"] == "2026-06-01T09:55:00+08:00"
    again = client.post(url, headers=headers, json={"token": token_now(door_listing)})
    assert again.status_code == 409


def test_the_staff_calendar_shows_todays_qr_code_and_a_printable_page(client, login, now, door_listing, factory):
    staff = door_listing.organisation.memberships[0].user
    login(staff)
    calendar = page_text(client.get(f"/listings/{door_listing.id}/bookings"))
    assert 'data-testid="door-code"' in calendar and "<svg" in calendar
    printable = client.get(f"/listings/{door_listing.id}/check-in-code")
    assert printable.status_code == 200 and "<svg" in page_text(printable)
    plain = factory.listing(organisation=door_listing.organisation)
    assert 'data-testid="door-code"' not in page_text(client.get(f"/listings/{plain.id}/bookings"))
    assert client.get(f"/listings/{plain.id}/check-in-code").status_code == 404
    login(factory.user())
    assert client.get(f"/listings/{door_listing.id}/check-in-code").status_code == 403


def test_the_listing_page_and_api_say_that_check_in_is_required(client, now, door_listing):
    assert "需要到场签到" in page_text(client.get(f"/listings/{door_listing.id}"))
    body = client.get(f"/api/v1/listings/{door_listing.id}").json
    assert (body["requires_check_in"], body["check_in_opens_minutes"], body["release_after_minutes"]) == (True, 15, 15)


def test_check_in_settings_out_of_range_are_refused(client, api_token, now, door_listing):
    staff = api_token(door_listing.organisation.memberships[0].user)
    bad = client.patch(f"/api/v1/listings/{door_listing.id}", headers=staff, json={"release_after_minutes": 0})
    assert bad.status_code == 422 and bad.json["field"] == "release_after_minutes"
    good = client.patch(f"/api/v1/listings/{door_listing.id}", headers=staff,
                        json={"requires_check_in": False, "check_in_opens_minutes": 30})
    assert good.status_code == 200 and (good.json["requires_check_in"], good.json["check_in_opens_minutes"]) == (False, 30)


def test_the_listing_form_turns_check_in_on_and_refuses_a_bad_delay(client, login, session, now, factory):
    listing = factory.listing()
    staff = listing.organisation.memberships[0].user
    login(staff)
    form = listing_form(listing.place_id, requires_check_in="y", check_in_opens_minutes="20",
                        release_after_minutes="10")
    bad = client.post(f"/manage/listings/{listing.id}/edit", data={**form, "release_after_minutes": "abc"})
    assert bad.status_code == 422 and "必须是整数" in page_text(bad)
    assert client.post(f"/manage/listings/{listing.id}/edit", data=form).status_code == 302
    session.refresh(listing)
    assert (listing.requires_check_in, listing.check_in_opens_minutes, listing.release_after_minutes) == (True, 20, 10)
    assert '<input checked id="requires_check_in"' in page_text(client.get(f"/manage/listings/{listing.id}/edit"))
