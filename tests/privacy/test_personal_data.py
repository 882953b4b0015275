"""People's own data: every area's part in the export, and a deletion that leaves what others rely on intact."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

import marketplace.models  # noqa: F401 - every table in the metadata
from marketplace.accounts import services as accounts
from marketplace.accounts.models import ApiToken, LoginAttempt, UserSession
from marketplace.bookings import conversation
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core import clock, personal_data, transactions
from marketplace.core.audit import AuditEntry
from marketplace.core.db import Base
from marketplace.favourites import services as favourites
from marketplace.feedback import services as feedback
from marketplace.groups import services as groups
from marketplace.listings.models import Listing, ListingStatus
from marketplace.notifications.models import Notification
from marketplace.points.models import PointsAccount
from marketplace.reviews.models import Review
from marketplace.usage.models import UsageSnapshot
from marketplace.lotteries import services as lotteries
from marketplace.organisations.resets import issue_office_reset
from marketplace.privacy import services
from marketplace.waitlist import services as waitlist
from tests.bookings.conftest import SHANGHAI
from tests.bookings.test_conversation import RULES
from tests.lotteries.test_lotteries import SLOT, open_lottery
from tests.conftest import PASSWORD
from tests.points.conftest import complete, local
from tests.points.test_verify import run_verify
from tests.wishes.conftest import Wishes


def user_foreign_keys() -> set[tuple[str, str]]:
    return {(table.name, key.parent.name) for table in Base.metadata.tables.values()
            for key in table.foreign_keys if key.column.table.name == "users"}


def test_every_user_foreign_key_is_erased_or_kept_on_purpose_on_deletion():
    missing = user_foreign_keys() - personal_data.erased_or_kept()
    assert not missing, f"no area's personal_data erases or keeps {sorted(missing)}"


def test_every_user_foreign_key_is_in_the_export_or_kept_as_anothers_record():
    missing = user_foreign_keys() - personal_data.exported_or_kept()
    assert not missing, f"no area's personal_data exports {sorted(missing)}"


def planted(session, factory, fund, points_listing, deliver):
    """A person with something in every area, and the values to find in their export."""
    wishes = Wishes(session, factory)
    person = wishes.resident
    listing = points_listing()
    fund(user=person, amount="20")
    booking = factory.booking(listing=listing, booker=person, start=local(2, 10), purpose="社区合唱排练")
    full = factory.listing(title="乒乓球室")
    factory.booking(listing=full, start=SLOT[0] + timedelta(days=1))
    lottery = open_lottery(session, factory.listing(title="社区礼堂"))
    wishes.posted(title="代买降压药", by=wishes.staff, for_resident=person)
    with transactions.read_only(False):
        favourites.save_listing(session, person, listing.id)
        groups.create_group(session, person, "银发合唱团")
        feedback.send_feedback(session, person, feedback.FeedbackInput(
            kind="complaint", subject="listing", subject_id=listing.id, text="希望周末也开放活动室"))
        conversation.post_message(session, person, booking, "我们大约十五个人", rules=RULES)
        waitlist.join_waitlist(session, person, waitlist.WaitRequest(
            listing_id=full.id, start=SLOT[0] + timedelta(days=1), end=SLOT[1] + timedelta(days=1)), zone=SHANGHAI)
        lotteries.apply(session, person, lottery)
        session.commit()
    deliver()
    return person, booking, wishes, {
        "profile": "独居的张阿姨", "bookings": "社区合唱排练", "groups": "银发合唱团", "feedback": "希望周末也开放活动室",
        "booking_messages": "我们大约十五个人", "points": "20.00", "wishes": "代买降压药",
        "waitlist": f'"listing_id": {full.id}', "lottery_applications": f'"lottery_id": {lottery.id}',
        "favourites": f'"listing_id": {listing.id}', "notifications": f'"subject_id": {booking.id}'}


def test_the_export_holds_a_planted_value_from_every_area_and_the_calendar(
        app, session, factory, fund, points_listing, client, api_token, deliver, now):
    person, booking, _, values = planted(session, factory, fund, points_listing, deliver)
    response = client.get("/api/v1/me/export", headers=api_token(person))
    assert response.status_code == 200
    body = json.dumps(response.json, ensure_ascii=False)
    sections = response.json["sections"]
    for section, value in values.items():
        assert value in json.dumps(sections[section], ensure_ascii=False), section
    assert set(sections) == set(personal_data.EXPORTERS)
    assert sections["login_history"] and sections["api_tokens"]
    assert "token_hash" not in body and "password_hash" not in body
    assert response.json["calendar_ics"].count("BEGIN:VEVENT") == 1 and "社区合唱排练" in response.json["calendar_ics"]


def test_the_profile_page_downloads_the_same_export(session, factory, client, login):
    person = factory.user(name="李秀英")
    login(person)
    assert b"export-my-data" in client.get("/profile").data
    response = client.get("/profile/data/export.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.json["sections"]["profile"]["display_name"] == "李秀英"


def test_deleting_an_account_keeps_the_ledger_reviews_and_usage_figures(
        app, session, factory, fund, points_listing, client, api_token, deliver, now):
    person, booking, _, _ = planted(session, factory, fund, points_listing, deliver)
    future = factory.booking(listing=booking.listing, booker=person, start=local(5, 10))
    complete(session, booking)
    deliver()
    session.add(Review(booking_id=booking.id, side="booker", author_id=person.id, listing_id=booking.listing_id,
                       stars=5, text="很好", window_closes_at=booking.end_at + timedelta(days=7),
                       revealed_at=booking.end_at))
    session.commit()
    usage_before = [(row.listing_id, row.day, row.bookings) for row in session.scalars(select(UsageSnapshot))]
    phone, headers = person.phone, api_token(person)

    assert client.delete("/api/v1/me", json={"password": "wrong-password-1"}, headers=headers).status_code == 422
    assert client.delete("/api/v1/me", json={"password": PASSWORD}, headers=headers).status_code == 204
    deliver()

    session.expire_all()
    assert session.get(Booking, future.id).status is BookingStatus.cancelled
    assert session.get(Booking, booking.id).status is BookingStatus.completed
    assert [(row.listing_id, row.day, row.bookings) for row in session.scalars(select(UsageSnapshot))] == usage_before
    assert session.scalar(select(PointsAccount).where(PointsAccount.user_id == person.id)) is not None
    result = run_verify(app)
    assert result.exit_code == 0, result.stdout + result.stderr
    review = session.scalar(select(Review).where(Review.booking_id == booking.id))
    assert review.author.display_name == "已注销用户"
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    for model in (ApiToken, UserSession, LoginAttempt):
        assert session.scalar(select(func.count()).select_from(model).where(model.user_id == person.id)) == 0
    assert client.post("/api/v1/auth/tokens", json={"login": phone, "password": PASSWORD}).status_code == 401
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.deleted"))
    assert entry.object_id == person.id and phone not in json.dumps(entry.after)
    with transactions.read_only(False):
        again = accounts.register_user(session, accounts.Registration(
            phone=phone, email=None, password=PASSWORD, display_name="新住户"))
    assert again.id != person.id


def test_the_profile_page_refuses_a_wrong_password_and_deletes_with_the_right_one(session, factory, client, login):
    person = factory.user()
    login(person)
    page = client.get("/profile/data")
    assert b"delete-account" in page.data
    refused = client.post("/profile/delete", data={"password": "wrong-password-1"})
    assert refused.status_code == 422 and "密码不正确" in refused.data.decode()
    done = client.post("/profile/delete", data={"password": PASSWORD})
    assert done.status_code == 302
    assert client.get("/profile").status_code == 302  # signed out, sent to log in
    session.expire_all()
    assert session.get(type(person), person.id).phone is None


def test_what_staff_did_on_a_residents_behalf_is_listed_for_them(session, factory, client, login, now):
    wishes = Wishes(session, factory)
    wishes.posted(title="代买降压药", by=wishes.staff, for_resident=wishes.resident)
    wishes.posted(title="自己发的心愿")
    login(wishes.resident)
    page = client.get("/profile/data").data.decode()
    assert "居委会小王" in page and "代为发布了微心愿" in page
    clock.advance(timedelta(hours=1))
    with transactions.read_only(False):
        wishes.resident.home_place_id = wishes.tree["c1_building"].id
        issue_office_reset(session, wishes.staff, wishes.resident.login_name)
        session.commit()
    records = services.on_behalf_records(session, wishes.resident)
    assert [(r.actor_name, r.action) for r in records] == [
        ("居委会小王", "user.password_reset"), ("居委会小王", "wish.posted")]


def test_the_privacy_notice_is_linked_from_the_footer_in_both_languages(client):
    home = client.get("/privacy")
    assert home.status_code == 200 and "隐私说明" in home.data.decode()
    assert 'data-testid="footer-privacy"' in home.data.decode()
    client.post("/language/en", data={"next": "/privacy"})
    assert "Privacy" in client.get("/privacy").data.decode()


def test_a_volunteer_who_deletes_their_account_withdraws_their_offers_and_their_bookers_are_told(
        session, factory, client, api_token, deliver, now):
    volunteer = factory.user(name="退休律师老周", volunteer=True)
    advice = factory.volunteer_listing(volunteer)
    resident = factory.user()
    past = factory.booking(listing=advice, booker=resident, start=local(1, 10))
    coming = factory.booking(listing=advice, booker=resident, start=local(5, 10))
    deliver()
    clock.travel_to(now + timedelta(days=2))

    assert client.delete("/api/v1/me", json={"password": PASSWORD}, headers=api_token(volunteer)).status_code == 204
    deliver()

    session.expire_all()
    assert session.get(Listing, advice.id).status is ListingStatus.suspended
    assert session.get(Booking, coming.id).status is BookingStatus.cancelled
    assert session.get(Booking, past.id).status is BookingStatus.confirmed  # history stays as it was
    told = session.scalars(select(Notification).where(Notification.recipient_id == resident.id,
                                                      Notification.subject_id == coming.id)).all()
    assert [note.kind.value for note in told][-1:] == ["decisions"] and "注销" in told[-1].text
    assert client.get(f"/listings/{advice.id}").status_code == 404
