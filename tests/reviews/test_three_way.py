"""Three-way reviews: staff record which member served an organisation's booking; then the organisation and that
volunteer review each other (a pair revealed on its own), and the booker's review counts for the volunteer too."""
from __future__ import annotations

from datetime import time, timedelta
from types import SimpleNamespace

import pytest
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.bookings import lifecycle
from marketplace.bookings import services as bookings
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core import clock
from marketplace.core.audit import AuditEntry
from marketplace.core.events import DomainEvent
from marketplace.core.reputation import Reputation
from marketplace.listings import services as listings
from marketplace.organisations import services as organisations
from marketplace.organisations.models import StaffRole
from marketplace.reputation import services as reputation
from marketplace.reputation.services import Policy
from marketplace.reviews import services as reviews
from marketplace.reviews.models import Review, ReviewSide
from marketplace.scheduler.jobs import JOBS
from tests.bookings.conftest import local
from tests.reviews.conftest import WINDOW

POLICY = Policy()


def put_served_by(client, headers, booking, user_id):
    return client.put(f"/api/v1/bookings/{booking.id}/served-by", headers=headers, json={"user_id": user_id})


def post_review(client, headers, booking, **body):
    return client.post(f"/api/v1/bookings/{booking.id}/reviews", headers=headers,
                       json={"stars": 5, "tags": [], "text": "", **body})


def figures(session, subject_type, subject_id) -> Reputation | None:
    return session.get(Reputation, (subject_type, subject_id), populate_existing=True)


@pytest.fixture
def team(factory, session, now):
    """An organisation with its admin and a volunteer member, and an instant listing of it."""
    admin, volunteer = factory.user(name="李红梅"), factory.user(name="孙建华", volunteer=True)
    org = factory.organisation(admin=admin)
    organisations.add_staff(session, admin, org, volunteer.login_name, StaffRole.staff)
    session.commit()
    return SimpleNamespace(admin=admin, volunteer=volunteer, org=org,
                           listing=factory.listing(organisation=org, actor=admin, kind="service"))


@pytest.fixture
def served(factory, session, team):
    """A booking of the team's listing served by its volunteer, completed (``complete=False``: still confirmed)."""

    def make(*, day=1, complete=True):
        booking = factory.booking(listing=team.listing, start=local(day, 10))
        reviews.record_served_by(session, team.admin, booking, team.volunteer.id)
        session.commit()
        if complete:
            clock.travel_to(local(day, 12))
            lifecycle.complete_booking(session, booking)
            session.commit()
        return booking

    return make


# Recording who served -----------------------------------------------------------------------------------------------

def test_staff_record_who_served_through_the_api_with_an_event_and_an_audit_entry(
        client, api_token, factory, session, team):
    booking = factory.booking(listing=team.listing, start=local(1, 10))
    response = put_served_by(client, api_token(team.admin), booking, team.volunteer.id)
    assert response.status_code == 200 and response.json["served_by"]["id"] == team.volunteer.id
    event = session.scalars(select(DomainEvent).where(DomainEvent.type == "booking.served_by")).one()
    assert (event.subject_id, event.payload["served_by_id"], event.actor_id) == (booking.id, team.volunteer.id,
                                                                                  team.admin.id)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "booking.served_by")).one()
    assert (entry.object_id, entry.before, entry.after) == (booking.id, {"served_by_id": None},
                                                            {"served_by_id": team.volunteer.id})
    again = put_served_by(client, api_token(team.admin), booking, team.volunteer.id)
    assert again.status_code == 200
    assert session.scalar(select(func.count()).where(DomainEvent.type == "booking.served_by")) == 1
    cleared = put_served_by(client, api_token(team.admin), booking, None)
    assert cleared.status_code == 200 and cleared.json["served_by"] is None


def test_only_the_organisations_staff_record_who_served(client, api_token, factory, session, team):
    booking = factory.booking(listing=team.listing, start=local(1, 10))
    assert put_served_by(client, api_token(booking.booker), booking, team.volunteer.id).status_code == 403
    assert put_served_by(client, api_token(factory.user()), booking, team.volunteer.id).status_code == 404
    other_org = factory.organisation()
    other_staff = next(m.user for m in other_org.memberships)
    assert put_served_by(client, api_token(other_staff), booking, team.volunteer.id).status_code == 404
    assert session.get(Booking, booking.id, populate_existing=True).served_by_id is None


def test_who_served_must_be_a_member_of_the_organisation_and_not_the_booker(client, api_token, factory, session,
                                                                           team):
    team.admin.locale = "en"
    session.commit()
    booking = factory.booking(listing=team.listing, start=local(1, 10))
    outsider = put_served_by(client, api_token(team.admin), booking, factory.user().id)
    assert outsider.status_code == 422 and "must be a member of the organisation" in outsider.json["message"]
    assert put_served_by(client, api_token(team.admin), booking, booking.booker_id).status_code == 422
    assert put_served_by(client, api_token(team.admin), booking, "孙建华").status_code == 422
    assert session.get(Booking, booking.id, populate_existing=True).served_by_id is None


def test_who_served_is_refused_on_a_booking_neither_confirmed_nor_completed_and_on_a_volunteers_listing(
        client, api_token, factory, session, team):
    staff = api_token(team.admin)
    approval = factory.listing(organisation=team.org, actor=team.admin, instant_booking=False)
    pending = factory.booking(listing=approval, start=local(1, 10))
    assert pending.status is BookingStatus.pending
    assert put_served_by(client, staff, pending, team.volunteer.id).status_code == 409
    cancelled = factory.booking(listing=team.listing, start=local(2, 10))
    bookings.cancel_booking(session, cancelled.booker, cancelled)
    session.commit()
    assert put_served_by(client, staff, cancelled, team.volunteer.id).status_code == 409
    skill = listings.create_listing(session, team.volunteer, listings.ListingData(
        kind="skill", title="电脑维修", place_id=team.org.place_id, description="帮邻居修电脑"), organisation_id=None)
    listings.set_opening_hours(session, team.volunteer, skill, [
        listings.HoursInterval(weekday=d, opens=time(9), closes=time(21)) for d in range(7)])
    listings.publish_listing(session, team.volunteer, skill)
    session.commit()
    own = factory.booking(listing=skill, start=local(3, 10))
    assert reviews.servers_of(session, own) == []
    assert put_served_by(client, api_token(team.volunteer), own, team.admin.id).status_code == 409


def test_who_served_is_fixed_once_a_review_of_the_booking_is_revealed(client, api_token, session, served, team):
    booking = served()
    post_review(client, api_token(booking.booker), booking, stars=4)
    post_review(client, api_token(team.admin), booking, side="provider")
    assert put_served_by(client, api_token(team.admin), booking, None).status_code == 409
    assert session.get(Booking, booking.id, populate_existing=True).served_by_id == team.volunteer.id


def test_changing_who_served_before_any_reveal_moves_the_bookers_review_to_the_new_volunteer(
        client, api_token, factory, session, served, team, deliver):
    booking = served()
    post_review(client, api_token(booking.booker), booking, stars=4)
    other = factory.user(name="王志愿")
    organisations.add_staff(session, team.admin, team.org, other.login_name, StaffRole.staff)
    session.commit()
    assert put_served_by(client, api_token(team.admin), booking, other.id).status_code == 200
    post_review(client, api_token(team.admin), booking, side="provider")
    deliver()
    assert figures(session, "provider", other.id).review_count == 1
    assert figures(session, "provider", team.volunteer.id) is None


def test_staff_record_who_served_from_the_booking_page(client, login, factory, session, team):
    booking = factory.booking(listing=team.listing, start=local(1, 10))
    login(team.admin)
    page = client.get(f"/bookings/{booking.id}").data.decode()
    assert 'data-testid="record-served-by"' in page
    form = client.get(f"/bookings/{booking.id}/served-by").data.decode()
    assert "孙建华" in form and booking.booker.display_name not in form.split("<select", 1)[1]
    response = client.post(f"/bookings/{booking.id}/served-by", data={"user_id": str(team.volunteer.id)})
    assert response.status_code == 302 and "notice=served_by" in response.location
    shown = client.get(response.location).data.decode()
    assert 'data-testid="served-by"' in shown and "孙建华" in shown.split('data-testid="served-by"', 1)[1][:300]


def test_a_refused_record_from_the_page_says_why_in_the_users_language(client, login, factory, session, team):
    team.admin.locale = "en"
    session.commit()
    booking = factory.booking(listing=team.listing, start=local(1, 10))
    login(team.admin)
    response = client.post(f"/bookings/{booking.id}/served-by", data={"user_id": str(factory.user().id)})
    assert response.status_code == 422 and "must be a member of the organisation" in response.data.decode()
    login(booking.booker)
    assert client.get(f"/bookings/{booking.id}/served-by").status_code == 403
    assert client.post(f"/bookings/{booking.id}/served-by", data={"user_id": ""}).status_code == 403


# The four parties ---------------------------------------------------------------------------------------------------

def test_four_parties_review_and_each_pair_is_revealed_when_both_of_it_have_written(
        client, api_token, login, session, served, team):
    booking = served()
    booker, staff, volunteer = api_token(booking.booker), api_token(team.admin), api_token(team.volunteer)
    login(team.admin)
    page = client.get(f"/bookings/{booking.id}").data.decode()
    assert 'data-testid="write-review"' in page and 'data-testid="write-review-organisation"' in page
    login(team.volunteer)
    page = client.get(f"/bookings/{booking.id}").data.decode()
    assert 'data-testid="write-review-volunteer"' in page and 'data-testid="write-review-organisation"' not in page
    login(booking.booker)
    page = client.get(f"/bookings/{booking.id}").data.decode()
    assert 'data-testid="write-review"' in page and "write-review-volunteer" not in page

    assert post_review(client, booker, booking, stars=5).json["revealed"] is False
    assert post_review(client, staff, booking, side="provider").json["revealed"] is True
    about_volunteer = post_review(client, staff, booking, side="organisation", stars=4, tags=["responsible"])
    assert about_volunteer.status_code == 201 and about_volunteer.json["revealed"] is False
    assert about_volunteer.json["reviewee_id"] == team.volunteer.id
    seen = {r["side"] for r in client.get(f"/api/v1/bookings/{booking.id}/reviews", headers=volunteer).json}
    assert seen == {"booker", "provider"}  # the organisation's review of them waits for theirs
    about_org = post_review(client, volunteer, booking, side="volunteer", stars=3, tags=["well_organised"])
    assert about_org.status_code == 201 and about_org.json["revealed"] is True
    shown = {r["side"]: r for r in client.get(f"/api/v1/bookings/{booking.id}/reviews", headers=volunteer).json}
    assert set(shown) == {"booker", "provider", "organisation", "volunteer"}
    assert shown["organisation"]["revealed"] and shown["organisation"]["tag_labels"] == ["认真负责"]
    assert shown["booker"]["reviewee_id"] == team.volunteer.id
    assert post_review(client, volunteer, booking, side="volunteer").status_code == 409


def test_one_of_the_pair_reviewing_is_revealed_by_the_scheduler_when_the_window_closes(
        client, api_token, session, served, team):
    booking = served()
    post_review(client, api_token(team.volunteer), booking, side="volunteer", stars=2)
    assert client.get(f"/api/v1/bookings/{booking.id}/reviews", headers=api_token(team.admin)).json == []
    clock.travel_to(clock.now() + WINDOW - timedelta(minutes=1))
    assert JOBS["reveal_reviews"].step(session, clock.now(), 100, current_app.config) == (0, 0)
    clock.travel_to(clock.now() + timedelta(minutes=1))
    assert JOBS["reveal_reviews"].step(session, clock.now(), 100, current_app.config) == (1, 1)
    session.commit()
    shown = client.get(f"/api/v1/bookings/{booking.id}/reviews", headers=api_token(team.admin)).json
    assert [(r["side"], r["stars"]) for r in shown] == [("volunteer", 2)]


def test_the_side_is_inferred_when_only_one_is_open_and_asked_for_when_two_are(client, api_token, session, served,
                                                                               team):
    booking = served()
    staff = api_token(team.admin)
    both_open = post_review(client, staff, booking)
    assert both_open.status_code == 422 and both_open.json["field"] == "side"
    assert post_review(client, staff, booking, side="provider").status_code == 201
    inferred = post_review(client, staff, booking)
    assert inferred.status_code == 201 and inferred.json["side"] == "organisation"
    assert post_review(client, api_token(booking.booker), booking, side="organisation").status_code == 403
    assert post_review(client, staff, booking, side="volunteer").status_code == 403
    assert post_review(client, staff, booking, side="everyone").status_code == 422


def test_the_three_way_sides_need_a_completed_booking_with_someone_recorded(client, api_token, factory, session,
                                                                            served, team, finished):
    plain = finished(listing=team.listing, day=3)
    assert post_review(client, api_token(team.admin), plain, side="organisation").status_code == 403
    assert post_review(client, api_token(team.volunteer), plain, side="volunteer").status_code == 403
    missed = served(day=5, complete=False)
    clock.travel_to(local(5, 12))
    bookings.mark_no_show(session, team.admin, missed)
    session.commit()
    assert post_review(client, api_token(team.admin), missed, side="organisation").status_code == 409


def test_one_review_per_booking_and_side_at_the_database_level(session, served, team):
    booking = served()
    reviews.write_review(session, team.admin, booking, reviews.ReviewInput(stars=4), window_days=14,
                         side=ReviewSide.organisation)
    session.commit()
    written = session.scalars(select(Review).where(Review.booking_id == booking.id)).one()
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.add(Review(booking_id=booking.id, side=ReviewSide.organisation, author_id=team.admin.id,
                               listing_id=booking.listing_id, reviewee_id=team.volunteer.id, stars=5,
                               window_closes_at=written.window_closes_at))
            session.flush()


def test_replies_go_to_whom_each_review_is_about(session, served, team, factory):
    booking = served()
    by_org = reviews.write_review(session, team.admin, booking, reviews.ReviewInput(stars=4), window_days=14,
                                  side=ReviewSide.organisation)
    by_volunteer = reviews.write_review(session, team.volunteer, booking, reviews.ReviewInput(stars=4),
                                        window_days=14, side=ReviewSide.volunteer)
    session.commit()
    assert reviews.may_reply(team.volunteer, by_org) and not reviews.may_reply(team.admin, by_org)
    assert reviews.may_reply(team.admin, by_volunteer) and not reviews.may_reply(team.volunteer, by_volunteer)
    reviews.reply_to_review(session, team.volunteer, by_org, "谢谢组织的信任")
    session.commit()
    with pytest.raises(reviews.Forbidden):
        reviews.reply_to_review(session, factory.user(), by_volunteer, "不相干的人")


# Reputation ---------------------------------------------------------------------------------------------------------

def test_the_volunteer_is_rated_by_the_booker_and_the_organisation_but_the_organisation_not_by_its_volunteer(
        client, api_token, session, served, team, deliver):
    booking = served()
    post_review(client, api_token(booking.booker), booking, stars=5)
    post_review(client, api_token(team.admin), booking, side="provider", stars=4)
    post_review(client, api_token(team.admin), booking, side="organisation", stars=3)
    post_review(client, api_token(team.volunteer), booking, side="volunteer", stars=1)
    deliver()
    now = clock.now()
    written = {r.side: r for r in session.scalars(select(Review).where(Review.booking_id == booking.id))}
    w = {side: 2 ** (-(now - review.created_at).total_seconds() / 86400 / 180) for side, review in written.items()}
    volunteer = figures(session, "provider", team.volunteer.id)
    assert (volunteer.review_count, volunteer.distribution) == (2, {1: 0, 2: 0, 3: 1, 4: 0, 5: 1})
    # The reviews about providers on the platform are the booker's 5 and the organisation's 3: a mean of 4.
    expected = (5 * 4 + w[ReviewSide.booker] * 5 + w[ReviewSide.organisation] * 3) / (
        5 + w[ReviewSide.booker] + w[ReviewSide.organisation])
    assert reputation.score_at(volunteer, 4.0, POLICY, now) == pytest.approx(expected, abs=1e-12)
    assert volunteer.score == pytest.approx(expected, abs=1e-9)
    organisation = figures(session, "organisation", team.org.id)
    assert (organisation.review_count, organisation.distribution[1], organisation.distribution[5]) == (1, 0, 1)
    before = {(row.subject_type, row.subject_id): (row.review_count, row.weighted_stars)
              for row in session.scalars(select(Reputation))}
    reputation.recompute_all(session, POLICY, now)
    session.commit()
    after = {(row.subject_type, row.subject_id): (row.review_count, row.weighted_stars)
             for row in session.scalars(select(Reputation).execution_options(populate_existing=True))}
    for subject in (("provider", team.volunteer.id), ("organisation", team.org.id)):
        assert after[subject][0] == before[subject][0] and after[subject][1] == pytest.approx(before[subject][1])


def test_the_volunteers_reviews_and_reputation_show_on_the_api_and_their_page(client, api_token, session, served,
                                                                              team, deliver):
    booking = served()
    post_review(client, api_token(booking.booker), booking, stars=5, text="孙师傅很耐心")
    post_review(client, api_token(team.admin), booking, side="provider")
    post_review(client, api_token(team.admin), booking, side="organisation", stars=4)
    post_review(client, api_token(team.volunteer), booking, side="volunteer", stars=2)
    deliver()
    listed = client.get(f"/api/v1/users/{team.volunteer.id}/reviews").json
    assert sorted((r["side"], r["stars"]) for r in listed["items"]) == [("booker", 5), ("organisation", 4)]
    figures_api = client.get(f"/api/v1/users/{team.volunteer.id}/reputation").json["provider"]
    assert figures_api["review_count"] == 2
    page = client.get(f"/users/{team.volunteer.id}/reviews").data.decode()
    assert 'data-testid="reputation-score"' in page and "孙师傅很耐心" in page
    assert 'data-testid="booker-figures"' not in page


def test_served_bookings_are_listed_for_the_volunteer_under_my_bookings(client, login, api_token, session, served,
                                                                        team):
    booking = served()
    listed = client.get("/api/v1/bookings?when=served", headers=api_token(team.volunteer)).json
    assert [item["id"] for item in listed["items"]] == [booking.id]
    login(team.volunteer)
    page = client.get("/bookings?when=served").data.decode()
    assert f'href="/bookings/{booking.id}"' in page and 'data-testid="review-link"' in page
    login(booking.booker)
    assert f'href="/bookings/{booking.id}"' not in client.get("/bookings?when=served").data.decode()
