"""One booking as a calendar file: the same event as in the personal feed, for those who may see the booking."""
from icalendar import Calendar

from marketplace.bookings import services
from marketplace.groups import services as groups
from tests.bookings.conftest import local


def only_event(response):
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    return event


def test_the_booker_downloads_their_booking_from_its_page(client, factory, login, now):
    listing = factory.listing(title="幸福里多功能活动室", address="幸福里12号")
    booker = factory.user()
    booking = factory.booking(listing=listing, booker=booker, start=local(1, 10), purpose="合唱排练")
    login(booker)

    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert f'href="/bookings/{booking.id}/calendar.ics"' in page
    event = only_event(client.get(f"/bookings/{booking.id}/calendar.ics"))

    assert str(event["UID"]) == f"booking-{booking.id}@bookings.community-marketplace"
    assert event.decoded("DTSTART") == local(1, 10) and event.decoded("DTEND") == local(1, 11)
    assert str(event["SUMMARY"]) == "幸福里多功能活动室" and str(event["STATUS"]) == "CONFIRMED"
    assert "幸福里12号" in str(event["LOCATION"]) and "合唱排练" in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(f"/bookings/{booking.id}")


def test_the_file_holds_the_same_event_as_the_personal_feed(client, factory, login, api_token, now):
    booker = factory.user()
    booking = factory.booking(booker=booker, start=local(2, 10), purpose="读书会")
    feed_url = client.post("/api/v1/me/calendar-feed/reset", headers=api_token(booker)).json["url"]
    [in_feed] = Calendar.from_ical(client.get(feed_url).data).walk("VEVENT")
    login(booker)

    alone = only_event(client.get(f"/bookings/{booking.id}/calendar.ics"))

    assert alone.to_ical() == in_feed.to_ical()


def test_group_members_and_provider_staff_may_download_it(client, factory, api_token, session, now):
    leader, member = factory.user(), factory.user()
    group = groups.create_group(session, leader, "夕阳红合唱团")
    groups.add_member(session, leader, group, member.phone)
    session.commit()
    booking = factory.booking(booker=leader, group=group, start=local(1, 10))
    staff = booking.listing.organisation.memberships[0].user

    for person in (member, staff):
        response = client.get(f"/api/v1/bookings/{booking.id}/calendar.ics", headers=api_token(person))
        assert str(only_event(response)["UID"]) == f"booking-{booking.id}@bookings.community-marketplace"


def test_a_stranger_gets_404_for_someone_elses_booking_file(client, factory, login, api_token, now):
    booking = factory.booking(start=local(1, 10), purpose="家长会秘密议题")
    stranger = factory.user()

    api = client.get(f"/api/v1/bookings/{booking.id}/calendar.ics", headers=api_token(stranger))
    login(stranger)
    page = client.get(f"/bookings/{booking.id}/calendar.ics")

    assert api.status_code == 404 and page.status_code == 404
    assert "家长会" not in api.get_data(as_text=True) + page.get_data(as_text=True)
    assert client.get("/bookings/999999/calendar.ics").status_code == 404


def test_visitors_must_sign_in(client, factory, now):
    booking = factory.booking(start=local(1, 10))

    assert client.get(f"/api/v1/bookings/{booking.id}/calendar.ics").status_code == 401
    assert client.get(f"/bookings/{booking.id}/calendar.ics").status_code == 302


def test_a_cancelled_booking_downloads_as_a_cancelled_event(client, factory, login, session, now):
    booker = factory.user()
    booking = factory.booking(booker=booker, start=local(1, 10))
    services.cancel_booking(session, booker, booking)
    session.commit()
    login(booker)

    assert str(only_event(client.get(f"/bookings/{booking.id}/calendar.ics"))["STATUS"]) == "CANCELLED"


def test_the_api_documents_the_calendar_file(client):
    operation = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/bookings/{booking_id}/calendar.ics"]["get"]

    assert "text/calendar" in operation["responses"]["200"]["content"]
    assert {"401", "404"} <= set(operation["responses"])
