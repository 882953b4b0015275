"""Volunteer service records: what was given and who recorded it, certificates per recorder, the CSV."""
from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest

from marketplace.bookings import lifecycle
from marketplace.core import clock, zones
from marketplace.exchange import volunteers
from marketplace.listings import services as listings
from marketplace.reviews.models import Review, ReviewSide
from marketplace.wishes import services as wishes
from tests.wishes.conftest import Wishes

from .conftest import ZONE

START = zones.to_utc(datetime(2026, 6, 2, 10, 0), ZONE)


@pytest.fixture
def served(session, factory):
    """A volunteer who served two of an organisation's bookings (1 h and 2 h), gave a 1.5 h lesson of their own
    skill, fulfilled a wish worth 1.5 h that the resident confirmed, and was reviewed by the organisation."""
    clock.travel_to(START - timedelta(days=1))
    world = Wishes(session, factory)
    volunteer = world.volunteers[0]
    room = factory.listing(organisation=world.office, title="书法教室")
    first = factory.booking(listing=room, start=START, minutes=60)
    second = factory.booking(listing=room, start=START + timedelta(days=1), minutes=120)
    unserved = factory.booking(listing=room, start=START + timedelta(days=2), minutes=60)
    lesson_listing = listings.create_listing(session, volunteer, listings.ListingData(
        kind="skill", title="英语口语陪练", place_id=world.tree["c1"].id), organisation_id=None)
    listings.set_opening_hours(session, volunteer, lesson_listing, [
        listings.HoursInterval(weekday=d, opens=time(8), closes=time(20)) for d in range(7)])
    listings.publish_listing(session, volunteer, lesson_listing)
    session.commit()
    lesson = factory.booking(listing=lesson_listing, start=START + timedelta(days=3), minutes=90)
    wish = world.fulfilled()
    wishes.confirm_wish(session, world.resident, wish, thanks="谢谢")
    first.served_by_id = second.served_by_id = volunteer.id
    session.commit()
    clock.travel_to(START + timedelta(days=5))
    for booking in (first, second, unserved, lesson):
        lifecycle.complete_booking(session, booking)
    session.add(Review(booking_id=first.id, side=ReviewSide.organisation, author_id=world.staff.id,
                       listing_id=room.id, organisation_id=world.office.id, reviewee_id=volunteer.id, stars=5,
                       text="准时细心", window_closes_at=clock.now(), revealed_at=clock.now()))
    session.commit()
    return world, volunteer


def test_the_record_lists_each_service_with_who_recorded_it(session, served):
    world, volunteer = served
    record = volunteers.volunteer_record(session, volunteer, platform_name="社区资源超市")
    assert [(e.kind, e.title, e.hours, e.issuer_name) for e in record.entries] == [
        ("wish", "帮忙修理水龙头", Decimal("1.5"), "社区资源超市"),
        ("served", "书法教室", Decimal("1.0"), world.office.name),
        ("served", "书法教室", Decimal("2.0"), world.office.name),
        ("skill", "英语口语陪练", Decimal("1.5"), "社区资源超市")]
    assert record.hours == Decimal("6.0")
    assert [(e.stars, e.text) for e in record.evaluations] == [(5, "准时细心")]
    assert not record.training_modelled and not record.honours_modelled


def test_each_recorder_certifies_only_the_hours_it_recorded_under_a_stable_number(session, served):
    world, volunteer = served
    record = volunteers.volunteer_record(session, volunteer, platform_name="社区资源超市")
    certificates = {c.issuer: c for c in record.certificates}
    assert {issuer: c.hours for issuer, c in certificates.items()} == {
        f"org-{world.office.id}": Decimal("3.0"), "platform": Decimal("3.0")}
    again = volunteers.volunteer_record(session, volunteer, platform_name="社区资源超市").certificates
    assert [c.number for c in again] == [c.number for c in record.certificates]
    assert all(c.number.startswith(volunteers.volunteer_number(volunteer.id)) for c in again)
    assert len({c.number for c in again}) == 2


def test_the_volunteer_number_is_stable_and_its_check_digit_catches_a_typo():
    number = volunteers.volunteer_number(1234)
    assert number == volunteers.volunteer_number(1234) and number.startswith("ZY00001234")
    assert volunteers.volunteer_number(1243)[-1] != number[-1]


def test_the_printable_certificate_names_issuer_hours_and_number(client, login, session, served):
    world, volunteer = served
    login(volunteer)
    assert 'href="/me/volunteer-record"' in client.get("/profile").get_data(as_text=True)
    page = client.get("/me/volunteer-record").get_data(as_text=True)
    assert volunteers.volunteer_number(volunteer.id) in page and "准时细心" in page
    assert "本平台不记录培训和表彰情况" in page
    certificate = client.get(f"/me/volunteer-record/certificates/org-{world.office.id}")
    text = certificate.get_data(as_text=True)
    assert certificate.status_code == 200 and "css/certificate.css" in text
    assert world.office.name in text and "3.0" in text and "英语口语陪练" not in text
    assert client.get("/me/volunteer-record/certificates/org-999999").status_code == 404
    api = client.get("/api/v1/me/volunteer-record").json
    assert api["hours"] == "6.0" and len(api["certificates"]) == 2


def test_an_organisation_exports_its_volunteers_as_csv_with_bom(client, login, session, served):
    world, volunteer = served
    login(world.staff)
    response = client.get(f"/organisations/{world.office.id}/volunteer-records.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "志愿者编号"
    assert rows[1][:4] == [volunteers.volunteer_number(volunteer.id), volunteer.display_name, "2", "3.0"]
    assert len(rows) == 2
    api = client.get(f"/api/v1/organisations/{world.office.id}/volunteer-records").json
    assert [(r["number"], r["hours"]) for r in api] == [(volunteers.volunteer_number(volunteer.id), "3.0")]


def test_only_the_organisations_staff_may_export_its_volunteers(client, login, served):
    world, volunteer = served
    login(volunteer)
    assert client.get(f"/organisations/{world.office.id}/volunteer-records.csv").status_code == 403
    assert client.get(f"/api/v1/organisations/{world.office.id}/volunteer-records").status_code == 403
