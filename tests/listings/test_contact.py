"""The provider's public contact on listing and booking pages: an organisation's office contact always,
a volunteer's only what they chose to show (nothing by default)."""
from datetime import time

import pytest

from marketplace.accounts import services as accounts
from marketplace.core.errors import ValidationFailed
from marketplace.listings import services as listings
from marketplace.organisations import services as organisations

VOLUNTEER_PHONE = "13912348765"
MASKED = "139****8765"


@pytest.fixture
def volunteer_listing(factory, session):
    volunteer = factory.user(name="退休律师老张", phone=VOLUNTEER_PHONE, volunteer=True)
    place = factory.place_tree()["c1_building"]
    listing = listings.create_listing(session, volunteer, listings.ListingData(
        kind="skill", title="法律咨询", place_id=place.id), organisation_id=None)
    listings.set_opening_hours(session, volunteer, listing,
                               [listings.HoursInterval(weekday=d, opens=time(9), closes=time(21)) for d in range(7)])
    listings.publish_listing(session, volunteer, listing)
    session.commit()
    return listing


def _choose(session, volunteer, *, shows_phone, note=""):
    accounts.set_public_contact(session, volunteer, shows_phone=shows_phone, note=note)
    session.commit()


def test_an_organisations_office_phone_address_and_hours_show_on_its_listing_page(client, factory, session):
    organisation = factory.organisation(name="幸福里社区居委会")
    admin = organisation.memberships[0].user
    organisations.update_organisation(session, admin, organisation, organisations.OrganisationData(
        name=organisation.name, type="community_office", place_id=organisation.place_id, address="幸福里12号",
        contact_phone="010-88886666", office_hours="周一至周五 9:00–17:00"))
    session.commit()
    listing = factory.listing(organisation=organisation)

    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)

    assert 'data-testid="contact-phone">010-88886666<' in page
    assert 'data-testid="contact-address">幸福里12号<' in page
    assert 'data-testid="contact-hours">周一至周五 9:00–17:00<' in page
    body = client.get(f"/api/v1/listings/{listing.id}").json
    assert body["provider"]["contact"] == {"phone": "010-88886666", "address": "幸福里12号",
                                           "hours": "周一至周五 9:00–17:00", "note": ""}


def test_a_volunteer_shows_no_contact_by_default_and_their_phone_stays_masked(client, volunteer_listing):
    page = client.get(f"/listings/{volunteer_listing.id}").get_data(as_text=True)

    assert "data-testid=\"contact-" not in page
    assert VOLUNTEER_PHONE not in page
    assert client.get(f"/api/v1/listings/{volunteer_listing.id}").json["provider"]["contact"] == {
        "phone": "", "address": "", "hours": "", "note": ""}
    assert client.get(f"/api/v1/listings?per_page=100").get_data(as_text=True).count(VOLUNTEER_PHONE) == 0


def test_a_volunteer_who_chooses_to_show_their_phone_and_a_note_has_both_shown_unmasked(
        client, factory, login, session, volunteer_listing):
    volunteer = volunteer_listing.provider_user
    _choose(session, volunteer, shows_phone=True, note="工作日晚上7点后方便联系")
    booker = factory.user()
    booking = factory.booking(listing=volunteer_listing, booker=booker)

    listing_page = client.get(f"/listings/{volunteer_listing.id}").get_data(as_text=True)
    login(booker)
    booking_page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)

    for page in (listing_page, booking_page):
        assert f'data-testid="contact-phone">{VOLUNTEER_PHONE}<' in page
        assert 'data-testid="contact-note">工作日晚上7点后方便联系<' in page
    assert client.get(f"/api/v1/listings/{volunteer_listing.id}").json["provider"]["contact"]["phone"] == \
        VOLUNTEER_PHONE


def test_the_chosen_phone_is_shown_only_on_the_contact_elsewhere_it_stays_masked(
        client, factory, api_token, session, volunteer_listing):
    volunteer = volunteer_listing.provider_user
    _choose(session, volunteer, shows_phone=True)
    organisation = factory.organisation()
    admin = organisation.memberships[0].user
    organisations.add_staff(session, admin, organisation, volunteer.phone, "staff")
    session.commit()

    staff = client.get(f"/api/v1/organisations/{organisation.id}/staff", headers=api_token(admin)).json

    assert [m["user"]["phone"] for m in staff if m["user"]["id"] == volunteer.id] == [MASKED]


def test_a_volunteer_who_withdraws_the_choice_shows_nothing_again(client, session, volunteer_listing):
    volunteer = volunteer_listing.provider_user
    _choose(session, volunteer, shows_phone=True, note="随时联系")
    _choose(session, volunteer, shows_phone=False)

    page = client.get(f"/listings/{volunteer_listing.id}").get_data(as_text=True)

    assert VOLUNTEER_PHONE not in page and "随时联系" not in page


def test_the_choice_is_made_on_the_profile_page(client, login, session, volunteer_listing):
    volunteer = volunteer_listing.provider_user
    login(volunteer)
    profile = client.get("/profile").get_data(as_text=True)
    assert 'data-testid="public-contact"' in profile
    assert '<input id="contact-shows_phone_publicly" name="contact-shows_phone_publicly" type="checkbox"' in profile

    response = client.post("/profile/public-contact", data={
        "contact-shows_phone_publicly": "y", "contact-public_contact_note": "  周末上午在家  "})

    assert response.status_code == 302
    session.refresh(volunteer)
    assert volunteer.shows_phone_publicly is True and volunteer.public_contact_note == "周末上午在家"
    assert '<input checked id="contact-shows_phone_publicly"' in client.get("/profile").get_data(as_text=True)


def test_a_too_long_note_is_refused_on_the_profile_page_and_nothing_changes(client, login, session,
                                                                          volunteer_listing):
    volunteer = volunteer_listing.provider_user
    login(volunteer)

    response = client.post("/profile/public-contact", data={
        "contact-shows_phone_publicly": "y", "contact-public_contact_note": "长" * 201})

    assert response.status_code == 422
    assert "联系说明不能超过200个字" in response.get_data(as_text=True)
    session.refresh(volunteer)
    assert volunteer.shows_phone_publicly is False and volunteer.public_contact_note == ""


def test_the_choice_through_the_api(client, api_token, session, volunteer_listing):
    volunteer = volunteer_listing.provider_user
    headers = api_token(volunteer)
    assert client.get("/api/v1/me/public-contact", headers=headers).json == {
        "shows_phone_publicly": False, "public_contact_note": ""}

    response = client.put("/api/v1/me/public-contact", headers=headers,
                          json={"shows_phone_publicly": True, "public_contact_note": "晚上7点后"})

    assert response.status_code == 200
    assert response.json == {"shows_phone_publicly": True, "public_contact_note": "晚上7点后"}
    assert client.get(f"/api/v1/listings/{volunteer_listing.id}").json["provider"]["contact"] == {
        "phone": VOLUNTEER_PHONE, "address": "", "hours": "", "note": "晚上7点后"}


def test_an_account_without_a_phone_cannot_choose_to_show_one(factory, session):
    user = factory.user(email="lao.zhang@example.com")

    with pytest.raises(ValidationFailed) as refused:
        accounts.set_public_contact(session, user, shows_phone=True, note="")

    assert refused.value.field == "shows_phone_publicly"


def test_office_hours_are_edited_on_the_organisation_edit_page_and_through_patch(client, factory, login,
                                                                                 api_token, session):
    admin = factory.user()
    organisation = factory.organisation(admin=admin, name="幸福里社区居委会")
    login(admin)
    assert 'name="office_hours"' in client.get(f"/organisations/{organisation.id}/edit").get_data(as_text=True)

    response = client.post(f"/organisations/{organisation.id}/edit", data={
        "name": organisation.name, "type": "community_office", "place_id": str(organisation.place_id),
        "contact_phone": "010-88886666", "office_hours": "周一至周五 9:00–17:00"})
    assert response.status_code == 302
    session.refresh(organisation)
    assert organisation.office_hours == "周一至周五 9:00–17:00"

    patched = client.patch(f"/api/v1/organisations/{organisation.id}", headers=api_token(admin),
                           json={"office_hours": "每天 8:30–12:00"})
    assert patched.status_code == 200
    assert patched.json["office_hours"] == "每天 8:30–12:00" and patched.json["contact_phone"] == "010-88886666"
    too_long = client.patch(f"/api/v1/organisations/{organisation.id}", headers=api_token(admin),
                            json={"office_hours": "长" * 201})
    assert too_long.status_code == 422
