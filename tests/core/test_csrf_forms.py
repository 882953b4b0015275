"""Every form that posts carries its CSRF token: the pages are rendered with CSRF on and each <form method="post">
is read, so a form written without ``hidden_tag()`` or ``csrf_token()`` fails here instead of in a browser."""
import re
from datetime import date, datetime, time

import pytest

from marketplace.core import clock, zones
from marketplace.groups import services as groups
from marketplace.listings import photos
from marketplace.listings import services as listings
from marketplace.organisations import services as organisations
from tests.listings.test_api import png_bytes

POST_FORM = re.compile(r'<form[^>]*method="post"[^>]*>(.*?)</form>', re.S)
# Flask-WTF also accepts the token of a prefixed form ("approve-csrf_token").
CSRF_FIELD = re.compile(r'name="([\w-]+-)?csrf_token"')


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_every_post_form_on_every_page_carries_a_csrf_token(app, client, factory, session, csrf_on):
    clock.travel_to(zones.to_utc(datetime(2026, 6, 1, 8), "Asia/Shanghai"))
    organisation = factory.organisation()
    staff = organisation.memberships[0].user
    staff.is_platform_admin = True  # one person who sees every page: staff, admin, booker and group leader
    session.commit()
    listing = factory.listing(organisation=organisation, instant_booking=False)
    booking = factory.booking(listing=listing, booker=staff, start=zones.to_utc(
        datetime.combine(datetime(2026, 6, 2), time(10)), "Asia/Shanghai"), minutes=60)
    group = groups.create_group(session, staff, "夕阳红合唱团")
    groups.add_member(session, staff, group, factory.user().phone)
    listings.add_exception(session, staff, listing, listings.ExceptionData(day=date(2026, 10, 1), note="国庆节闭馆"))
    photos.add_photo(session, staff, listing, png_bytes(), upload_dir=app.config["UPLOAD_DIR"], max_bytes=10**6)
    organisations.add_staff(session, staff, organisation, factory.user().phone, "staff")
    session.commit()
    anonymous_pages = ["/login", "/register", "/password-reset/confirm"]
    pages = [
        "/", f"/listings/{listing.id}", "/manage/listings/new", f"/manage/listings/{listing.id}/edit",
        f"/manage/listings/{listing.id}/hours", f"/manage/listings/{listing.id}/exceptions",
        f"/manage/listings/{listing.id}/photos", "/organisations/apply", f"/organisations/{organisation.id}/edit",
        f"/organisations/{organisation.id}/staff", f"/admin/organisations/{organisation.id}", "/admin/users",
        f"/admin/listings/{listing.id}", "/places/", "/profile", "/groups/", f"/groups/{group.id}",
        f"/listings/{listing.id}/book", f"/listings/{listing.id}/series", f"/bookings/{booking.id}",
        f"/bookings/{booking.id}/cancel", "/bookings/requests", "/bookings/calendar-feed", "/favourites/", "/help",
        "/profile/password", "/profile/tokens", "/organisations/password-reset", "/organisations/",
    ]
    forms_seen = 0
    for path in anonymous_pages + ["login"] + pages:
        if path == "login":
            client.post("/login", data={"login": staff.login_name, "password": "correct-horse-9",
                                        "csrf_token": _token(client)})
            continue
        response = client.get(path)
        assert response.status_code == 200, path
        for body in POST_FORM.findall(response.get_data(as_text=True)):
            assert CSRF_FIELD.search(body), (path, body[:200])
            forms_seen += 1
    assert forms_seen > 25


def _token(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
