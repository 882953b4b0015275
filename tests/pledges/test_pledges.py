"""Co-building pledges: what a unit delivered, from real completed bookings (what counts and what does not), shown on
both faces; who may sign and change a pledge; bad input refused in the user's language with nothing written."""
from __future__ import annotations

import json
from datetime import datetime, time

import pytest
from sqlalchemy import func, select

from marketplace.bookings import lifecycle
from marketplace.bookings import services as bookings
from marketplace.core import clock, zones
from marketplace.listings import services as listings
from marketplace.pledges import services
from marketplace.pledges.models import Pledge
from tests.bookings.conftest import NOW, SHANGHAI, local
from tests.feedback.conftest import add_staff, build_street


@pytest.fixture
def street(factory, session):
    clock.travel_to(NOW)
    return build_street(factory, session)


def sign(session, actor, unit, year=2026, room_hours=7, volunteer_hours=6) -> Pledge:
    pledge = services.sign_pledge(session, actor, services.PledgeInput(
        organisation_id=unit.id, year=year, room_hours=room_hours, volunteer_hours=volunteer_hours))
    session.commit()
    return pledge


def volunteer_listing(factory, session, volunteer, place):
    listing = listings.create_listing(session, volunteer, listings.ListingData(
        kind="skill", title="义务理发", place_id=place.id, description="退休理发师，每周一次"), organisation_id=None)
    listings.set_opening_hours(session, volunteer, listing, [
        listings.HoursInterval(weekday=d, opens=time(9), closes=time(21)) for d in range(7)])
    listings.publish_listing(session, volunteer, listing)
    session.commit()
    return listing


@pytest.fixture
def delivered_world(factory, session, street):
    """The unit's bookings this year and last: what counts (3.5 room hours, 3 volunteering hours in 2026;
    1 room hour in 2025) beside what does not."""
    unit, staff = street.unit, street.unit_staff
    room = street.listing
    lessons = factory.listing(organisation=unit, actor=staff, kind="skill", title="书法课", capacity=20)
    member = factory.user(name="王老师", volunteer=True)
    add_staff(session, unit, staff, member)
    haircuts = volunteer_listing(factory, session, member, street.tree["c1_grid"])
    elsewhere = factory.listing(capacity=20)  # another organisation's room: not the unit's

    clock.travel_to(zones.to_utc(datetime(2025, 12, 20, 9), SHANGHAI))
    last_year = factory.booking(listing=room, booker=street.resident,
                                start=zones.to_utc(datetime(2025, 12, 31, 10), SHANGHAI))
    clock.travel_to(zones.to_utc(datetime(2026, 1, 2, 9), SHANGHAI))
    lifecycle.complete_booking(session, last_year)
    session.commit()

    clock.travel_to(NOW)
    counted = [
        factory.booking(listing=room, booker=street.resident, start=local(1, 10), minutes=120),
        factory.booking(listing=room, booker=street.neighbour, start=local(2, 14), minutes=90),
        factory.booking(listing=lessons, booker=street.resident, start=local(2, 10), minutes=60),
        factory.booking(listing=haircuts, booker=street.neighbour, start=local(3, 10), minutes=120),
    ]
    not_counted = [
        factory.booking(listing=room, booker=member, start=local(3, 15)),  # by the unit's own member
        factory.booking(listing=haircuts, booker=staff, start=local(4, 10)),  # a unit member booking a member
        factory.booking(listing=elsewhere, booker=street.resident, start=local(1, 15)),
    ]
    cancelled = factory.booking(listing=room, booker=street.resident, start=local(4, 10))
    bookings.cancel_booking(session, street.resident, cancelled)
    session.commit()
    clock.travel_to(local(6, 9))
    for booking in counted + not_counted:
        lifecycle.complete_booking(session, booking)
    factory.booking(listing=room, booker=street.resident, start=local(7, 10))  # confirmed, not yet held
    session.commit()
    return street


def test_delivered_hours_count_only_completed_bookings_by_others_of_the_units_listings_and_members(
        session, delivered_world):
    street = delivered_world
    pledge = sign(session, street.admin, street.unit, year=2026, room_hours=7, volunteer_hours=6)
    earlier = sign(session, street.admin, street.unit, year=2025, room_hours=4, volunteer_hours=0)

    [report] = services.pledge_reports(session, year=2026, zone=SHANGHAI)
    assert report.pledge.id == pledge.id
    assert report.delivered == services.Delivered(room_hours=3.5, volunteer_hours=3.0)
    assert (report.room_share, report.volunteer_share) == (0.5, 0.5)
    [last] = services.pledge_reports(session, year=2025, zone=SHANGHAI)
    assert last.pledge.id == earlier.id and last.delivered == services.Delivered(1.0, 0.0)
    assert (last.room_share, last.volunteer_share) == (0.25, None)


def test_both_faces_show_pledged_against_delivered(session, client, delivered_world):
    street = delivered_world
    sign(session, street.admin, street.unit, year=2026, room_hours=7, volunteer_hours=6)
    body = client.get("/api/v1/pledges", query_string={"year": 2026}).json
    assert [(row["organisation"]["id"], row["pledged"], row["delivered"], row["room_share"], row["volunteer_share"])
            for row in body] == [(street.unit.id, {"room_hours": 7.0, "volunteer_hours": 6.0},
                                  {"room_hours": 3.5, "volunteer_hours": 3.0}, 0.5, 0.5)]
    assert client.get("/api/v1/pledges", query_string={"year": 2024}).json == []
    table = client.get("/pledges?year=2026").get_data(as_text=True)
    assert street.unit.name in table and 'data-testid="delivered">3.5<' in table and "50%" in table
    unit_page = client.get(f"/organisations/{street.unit.id}").get_data(as_text=True)
    assert 'data-testid="unit-pledges"' in unit_page and 'data-testid="delivered">3.0<' in unit_page


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Pledge))


def test_the_street_signs_and_the_unit_or_the_street_changes_a_pledge(session, client, api_token, factory, street):
    body = {"organisation_id": street.unit.id, "year": 2026, "room_hours": 100, "volunteer_hours": 40}
    refused = client.post("/api/v1/pledges", headers=api_token(street.unit_staff), json=body)
    assert refused.status_code == 403 and "只有街道可以登记共驻共建承诺" in json.dumps(refused.json, ensure_ascii=False)
    other_street = build_street(factory, session)
    assert client.post("/api/v1/pledges", headers=api_token(other_street.street_staff), json=body).status_code == 403
    assert count(session) == 0

    made = client.post("/api/v1/pledges", headers=api_token(street.street_staff), json=body)
    assert made.status_code == 201 and made.json["pledged"] == {"room_hours": 100.0, "volunteer_hours": 40.0}
    again = client.post("/api/v1/pledges", headers=api_token(street.admin), json=body)
    assert again.status_code == 409 and "已经登记过了" in json.dumps(again.json, ensure_ascii=False)

    pledge_id = made.json["id"]
    changed = client.patch(f"/api/v1/pledges/{pledge_id}", headers=api_token(street.unit_staff),
                           json={"volunteer_hours": 60})
    assert changed.status_code == 200 and changed.json["pledged"] == {"room_hours": 100.0, "volunteer_hours": 60.0}
    assert client.patch(f"/api/v1/pledges/{pledge_id}", headers=api_token(street.resident),
                        json={"room_hours": 1}).status_code == 403
    session.expire_all()
    assert (session.get(Pledge, pledge_id).room_hours, count(session)) == (100, 1)


def test_bad_input_is_refused_in_the_users_language_and_nothing_is_written(session, client, api_token, login, street):
    headers = api_token(street.admin)
    good = {"organisation_id": street.unit.id, "year": 2026, "room_hours": 10, "volunteer_hours": 10}
    for change, says in [({"year": 1999}, "year"), ({"room_hours": -1}, "room_hours"),
                         ({"volunteer_hours": "十"}, "volunteer_hours"), ({"organisation_id": 999999}, "找不到这个组织")]:
        response = client.post("/api/v1/pledges", headers=headers, json={**good, **change})
        assert response.status_code in (404, 422) and says in json.dumps(response.json, ensure_ascii=False), change
    login(street.admin)
    page = client.post("/pledges/new", data={"organisation_id": str(street.unit.id), "year": "2026",
                                             "room_hours": "abc", "volunteer_hours": "3"})
    assert page.status_code == 422 and "小时数应为0到100000之间的整数" in page.get_data(as_text=True)
    street.admin.locale = "en"
    session.commit()
    page = client.post("/pledges/new", data={"organisation_id": str(street.unit.id), "year": "1888",
                                             "room_hours": "3", "volunteer_hours": "3"})
    assert page.status_code == 422 and "The year must be between 2000 and 2999" in page.get_data(as_text=True)
    assert count(session) == 0


def test_the_pages_sign_and_change_a_pledge(session, client, login, street):
    assert 'data-testid="new-pledge"' not in client.get("/pledges").get_data(as_text=True)
    login(street.street_staff)
    assert 'data-testid="new-pledge"' in client.get("/pledges").get_data(as_text=True)
    assert street.unit.name in client.get("/pledges/new").get_data(as_text=True)
    signed = client.post("/pledges/new", data={"organisation_id": str(street.unit.id), "year": "2026",
                                               "room_hours": "200", "volunteer_hours": "50"})
    assert signed.status_code == 302 and "notice=signed" in signed.headers["Location"]
    pledge = session.scalars(select(Pledge)).one()
    client.post("/logout")
    login(street.unit_staff)
    assert client.get("/pledges/new").status_code == 403
    saved = client.post(f"/pledges/{pledge.id}/edit", data={"room_hours": "250", "volunteer_hours": "50"})
    assert saved.status_code == 302
    session.expire_all()
    assert session.get(Pledge, pledge.id).room_hours == 250
    client.post("/logout")
    login(street.resident)
    assert client.post(f"/pledges/{pledge.id}/edit", data={"room_hours": "1", "volunteer_hours": "1"}).status_code == 403
