"""Organisation-wide fair use: caps on active bookings and weekly hours counted over all its listings."""
from dataclasses import replace
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.bookings.models import Booking, BookingStatus
from marketplace.bookings.series import SeriesRequest, preview_series
from marketplace.bookings.services import BookingRequest, cancel_booking, create_booking
from marketplace.core import clock
from marketplace.core.errors import ValidationFailed
from marketplace.listings.services import HoursInterval
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Organisation
from tests.bookings.conftest import NOW, SHANGHAI, local


def book(session, booker, listing, start, end, **fields):
    return create_booking(session, booker, BookingRequest(listing_id=listing.id, start=start, end=end, **fields),
                          zone=SHANGHAI)


def set_caps(session, org, **caps):
    admin = org.memberships[0].user
    organisations.update_organisation(session, admin, org, replace(organisations.organisation_data(org), **caps))
    session.commit()


def booking_count(session):
    return session.scalar(select(func.count(Booking.id)))


@pytest.fixture
def org(factory):
    return factory.organisation(name="幸福里社区居委会")


def test_the_organisation_cap_counts_active_bookings_across_its_listings(factory, session, now, writing, org):
    set_caps(session, org, max_active_bookings_per_booker=2)
    hall, library, gym = (factory.listing(organisation=org) for _ in range(3))
    resident = factory.user(name="张阿姨")
    book(session, resident, hall, local(1, 10), local(1, 11))
    book(session, resident, library, local(2, 10), local(2, 11))
    before = booking_count(session)
    with pytest.raises(ValidationFailed) as refused:
        book(session, resident, gym, local(3, 10), local(3, 11))
    assert str(refused.value.message) == "你在幸福里社区居委会的有效预约已达上限（2个）"
    assert booking_count(session) == before
    assert book(session, factory.user(), gym, local(3, 10), local(3, 11)).status is BookingStatus.confirmed


def test_bookings_at_another_organisation_neither_count_nor_are_capped(factory, session, now, writing, org):
    set_caps(session, org, max_active_bookings_per_booker=1)
    resident = factory.user()
    elsewhere = factory.listing()
    book(session, resident, elsewhere, local(1, 10), local(1, 11))
    book(session, resident, elsewhere, local(2, 10), local(2, 11))
    assert book(session, resident, factory.listing(organisation=org), local(1, 14), local(1, 15)).id
    assert book(session, resident, elsewhere, local(3, 10), local(3, 11)).id


def test_cancelling_a_booking_frees_a_place_under_the_organisation_cap(factory, session, now, writing, org):
    set_caps(session, org, max_active_bookings_per_booker=2)
    hall, library = factory.listing(organisation=org), factory.listing(organisation=org)
    resident = factory.user()
    first = book(session, resident, hall, local(1, 10), local(1, 11))
    book(session, resident, library, local(2, 10), local(2, 11))
    with pytest.raises(ValidationFailed, match="上限（2个）"):
        book(session, resident, library, local(3, 10), local(3, 11))
    cancel_booking(session, resident, first)
    assert book(session, resident, library, local(3, 10), local(3, 11)).status is BookingStatus.confirmed


def test_ended_bookings_and_requests_past_their_deadline_do_not_hold_the_cap(factory, session, now, writing, org):
    set_caps(session, org, max_active_bookings_per_booker=1)
    approval_room = factory.listing(organisation=org, instant_booking=False)
    hall = factory.listing(organisation=org)
    resident = factory.user()
    request = book(session, resident, approval_room, local(5, 10), local(5, 11))
    assert request.status is BookingStatus.pending
    with pytest.raises(ValidationFailed, match="有效预约已达上限"):
        book(session, resident, hall, local(4, 10), local(4, 11))
    clock.travel_to(NOW + timedelta(hours=49))  # nobody decided within 48 hours
    assert book(session, resident, hall, local(4, 10), local(4, 11)).id


def test_the_organisation_caps_hours_per_local_week_across_its_listings(factory, session, now, writing, org):
    set_caps(session, org, max_hours_per_week_per_booker=3)
    hall = factory.listing(organisation=org, max_duration_minutes=240)
    library = factory.listing(organisation=org, max_duration_minutes=240)
    resident = factory.user()
    book(session, resident, hall, local(1, 10), local(1, 12))  # Tuesday, 2 hours
    before = booking_count(session)
    with pytest.raises(ValidationFailed) as refused:
        book(session, resident, library, local(2, 10), local(2, 12))
    assert str(refused.value.message) == "你本周在幸福里社区居委会的预约将超过每周3小时的上限"
    assert booking_count(session) == before
    assert book(session, resident, library, local(2, 10), local(2, 11)).id  # exactly 3 hours
    assert book(session, resident, library, local(7, 10), local(7, 12)).id  # next Monday starts a new week


def test_a_series_counts_against_the_organisation_cap(factory, session, now, writing, org):
    set_caps(session, org, max_active_bookings_per_booker=2)
    tuesday_evenings = [HoursInterval(weekday=1, opens=time(18), closes=time(22))]
    hall = factory.listing(organisation=org)
    choir_room = factory.listing(organisation=org, hours=tuesday_evenings, slot_minutes=60, min_duration_minutes=60)
    resident = factory.user()
    book(session, resident, hall, local(1, 10), local(1, 11))
    preview = preview_series(session, resident, SeriesRequest(
        listing_id=choir_room.id, start=local(1, 19), end=local(1, 20), frequency="weekly", count=3), zone=SHANGHAI)
    assert [o.free for o in preview.occurrences] == [True, False, False]
    assert "幸福里社区居委会的有效预约已达上限（2个）" in preview.conflicts[0].reason


def test_a_refusal_over_the_organisation_cap_is_a_chinese_422_that_writes_nothing(
        client, api_token, factory, session, now, org):
    set_caps(session, org, max_active_bookings_per_booker=1)
    hall, library = factory.listing(organisation=org), factory.listing(organisation=org)
    resident = factory.user()
    headers = api_token(resident)

    def post(listing, day):
        return client.post("/api/v1/bookings", headers=headers, json={
            "listing_id": listing.id, "start": local(day, 10).isoformat(), "end": local(day, 11).isoformat()})

    assert post(hall, 1).status_code == 201
    before = booking_count(session)
    response = post(library, 2)
    assert response.status_code == 422
    assert response.json["message"] == "你在幸福里社区居委会的有效预约已达上限（1个）"
    assert booking_count(session) == before


def _edit_form(org, **overrides):
    return {"name": org.name, "type": org.type.value, "place_id": str(org.place_id), "address": org.address,
            "contact_phone": org.contact_phone, "description": org.description,
            "max_active_bookings_per_booker": "", "max_hours_per_week_per_booker": "", **overrides}


def test_the_organisation_admin_sets_and_clears_the_caps_on_the_edit_page(client, login, session, org):
    admin = org.memberships[0].user
    login(admin)
    page = client.get(f"/organisations/{org.id}/edit")
    assert "每人同时有效预约上限（全组织合计）" in page.text
    saved = client.post(f"/organisations/{org.id}/edit", data=_edit_form(
        org, max_active_bookings_per_booker="3", max_hours_per_week_per_booker="10"))
    assert saved.status_code == 302
    session.expire_all()
    assert (org.max_active_bookings_per_booker, org.max_hours_per_week_per_booker) == (3, 10)
    assert 'value="3"' in client.get(f"/organisations/{org.id}/edit").text
    client.post(f"/organisations/{org.id}/edit", data=_edit_form(org))
    session.expire_all()
    assert (org.max_active_bookings_per_booker, org.max_hours_per_week_per_booker) == (None, None)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("max_active_bookings_per_booker", "0", "每人同时有效预约上限（全组织合计）应在1到1000之间"),
    ("max_active_bookings_per_booker", "-1", "每人同时有效预约上限（全组织合计）应在1到1000之间"),
    ("max_active_bookings_per_booker", "abc", "每人同时有效预约上限（全组织合计）必须是整数"),
    ("max_active_bookings_per_booker", str(10**9), "每人同时有效预约上限（全组织合计）应在1到1000之间"),
    ("max_hours_per_week_per_booker", "169", "每人每周预约小时上限（全组织合计）应在1到168之间"),
    ("max_hours_per_week_per_booker", "1.5", "每人每周预约小时上限（全组织合计）必须是整数"),
])
def test_bad_caps_on_the_edit_page_are_refused_in_chinese_and_nothing_is_saved(
        client, login, session, org, field, value, message):
    login(org.memberships[0].user)
    response = client.post(f"/organisations/{org.id}/edit", data=_edit_form(org, description="新的简介", **{field: value}))
    assert response.status_code == 422
    assert message in response.text
    session.expire_all()
    assert org.description != "新的简介" and getattr(org, field) is None


def test_the_organisation_admin_sets_the_caps_through_the_api(client, api_token, session, org):
    headers = api_token(org.memberships[0].user)
    response = client.patch(f"/api/v1/organisations/{org.id}", headers=headers,
                            json={"max_active_bookings_per_booker": 2, "max_hours_per_week_per_booker": 6})
    assert response.status_code == 200
    assert (response.json["max_active_bookings_per_booker"], response.json["max_hours_per_week_per_booker"]) == (2, 6)
    session.expire_all()
    assert session.get(Organisation, org.id).max_hours_per_week_per_booker == 6
    cleared = client.patch(f"/api/v1/organisations/{org.id}", headers=headers,
                           json={"max_hours_per_week_per_booker": None})
    assert cleared.json["max_hours_per_week_per_booker"] is None and cleared.json["max_active_bookings_per_booker"] == 2


@pytest.mark.parametrize("value", [0, -1, "abc", 10**9, 2.5, True])
def test_bad_caps_through_the_api_are_a_chinese_422_and_nothing_is_saved(client, api_token, session, org, value):
    response = client.patch(f"/api/v1/organisations/{org.id}", headers=api_token(org.memberships[0].user),
                            json={"max_active_bookings_per_booker": value, "address": "新地址"})
    assert response.status_code == 422
    assert any("\u4e00" <= char <= "\u9fff" for char in str(response.json))
    session.expire_all()
    refreshed = session.get(Organisation, org.id)
    assert refreshed.max_active_bookings_per_booker is None and refreshed.address != "新地址"


def test_staff_of_another_organisation_cannot_change_its_caps(client, api_token, factory, session, org):
    stranger_admin = factory.organisation().memberships[0].user
    response = client.patch(f"/api/v1/organisations/{org.id}", headers=api_token(stranger_admin),
                            json={"max_active_bookings_per_booker": 1})
    assert response.status_code in (403, 404)
    session.expire_all()
    assert session.get(Organisation, org.id).max_active_bookings_per_booker is None
