"""Reputation from revealed reviews and kept bookings: what the formula says, kept incrementally from the outbox,
the same as the nightly full recompute, and its consequences (approval for unreliable bookers, search order)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from marketplace.bookings import lifecycle
from marketplace.bookings import services as bookings
from marketplace.bookings.models import BookingStatus
from marketplace.core import clock
from marketplace.core.events import EventDelivery
from marketplace.core.reputation import Reputation
from marketplace.reputation import services as reputation
from marketplace.reputation.services import Policy
from marketplace.organisations import services as organisations
from marketplace.organisations.models import StaffRole
from marketplace.reviews import services as reviews
from marketplace.reviews.models import ReviewSide
from marketplace.scheduler.jobs import JOBS
from marketplace.search.services import SearchFilters, search_listings
from marketplace.search.sync import search_index
from marketplace.core.zones import local_date, to_utc
from tests.bookings.conftest import SHANGHAI, local
from tests.reviews.conftest import staff_of

POLICY = Policy()


def figures(session, subject_type, subject_id) -> Reputation | None:
    return session.get(Reputation, (subject_type, subject_id), populate_existing=True)


def both_review(session, booking, *, booker_stars, provider_stars=5):
    reviews.write_review(session, booking.booker, booking, reviews.ReviewInput(stars=booker_stars), window_days=14)
    reviews.write_review(session, staff_of(booking.listing), booking, reviews.ReviewInput(stars=provider_stars),
                         window_days=14)
    session.commit()


def test_a_revealed_review_moves_the_score_by_what_the_formula_says(factory, session, finished, deliver):
    good, poor = factory.listing(), factory.listing()
    both_review(session, finished(listing=good), booker_stars=5)
    deliver()
    # Alone on the platform, its 5 stars are the mean too: (5·5 + 1·5) / (5 + 1).
    assert figures(session, "listing", good.id).score == pytest.approx(5.0, abs=1e-12)
    both_review(session, finished(listing=poor, day=2), booker_stars=1)
    deliver()
    # The mean of 5 and 1 is 3: (5·3 + 1·1) / (5 + 1).
    assert figures(session, "listing", poor.id).score == pytest.approx(16 / 6, abs=1e-12)
    reputation.recompute_all(session, POLICY, clock.now())
    written = session.scalars(select(reviews.Review.created_at).where(
        reviews.Review.listing_id == good.id, reviews.Review.side == reviews.ReviewSide.booker)).one()
    assert figures(session, "listing", good.id).score == pytest.approx(
        (5 * 3 + 2 ** (-(clock.now() - written).total_seconds() / 86400 / 180) * 5)
        / (5 + 2 ** (-(clock.now() - written).total_seconds() / 86400 / 180)), abs=1e-12)
    # Half a life later, the review weighs a half: (5·3 + ½·5) / (5 + ½).
    reputation.recompute_all(session, POLICY, written + timedelta(days=180))
    assert figures(session, "listing", good.id).score == pytest.approx(17.5 / 5.5, abs=1e-12)
    row = figures(session, "listing", good.id)
    assert (row.review_count, row.distribution[5], row.rating) == (1, 1, 3.2)


def test_a_no_show_lowers_the_bookers_score_and_attendance(factory, session, finished, deliver):
    booker = factory.user()
    finished(booker=booker)
    deliver()
    kept = figures(session, "booker", booker.id)
    assert (kept.attendance, kept.no_shows, kept.rating) == (1.0, 0, None)
    finished(booker=booker, no_show=True, day=3)
    deliver()
    missed = figures(session, "booker", booker.id)
    assert (missed.attendance, missed.no_shows) == (0.5, 1)
    # One failure weighs as a 1-star review against the neutral prior: (5·3 + 1) / (5 + 1).
    assert missed.score == pytest.approx(16 / 6, abs=1e-12) and missed.rating == 2.7


def test_a_booker_with_repeated_no_shows_needs_approval_on_an_instant_listing_and_is_told_why(
        client, login, factory, session, finished, deliver):
    booker = factory.user()
    instant = factory.listing(instant_booking=True)
    for day in (1, 3):
        finished(booker=booker, no_show=True, day=day)
    deliver()
    assert figures(session, "booker", booker.id).standing == "no_shows"
    booking = factory.booking(listing=instant, booker=booker, start=local(6, 10))
    assert booking.status is BookingStatus.pending
    login(booker)
    page = client.get(f"/bookings/{booking.id}").data.decode()
    assert 'data-testid="approval-note"' in page and "你已爽约2次" in page
    assert factory.booking(listing=instant, start=local(6, 14)).status is BookingStatus.confirmed


def test_a_hidden_review_stops_counting(factory, session, finished, deliver):
    booking = finished()
    both_review(session, booking, booker_stars=1)
    deliver()
    assert figures(session, "listing", booking.listing_id).review_count == 1
    review = session.scalars(select(reviews.Review).where(reviews.Review.side == reviews.ReviewSide.booker)).one()
    reviews.moderate_review(session, factory.user(platform_admin=True), review, "hide", "辱骂")
    session.commit()
    deliver()
    row = figures(session, "listing", booking.listing_id)
    assert (row.review_count, row.distribution[1], row.rating) == (0, 0, None)


def test_the_nightly_recompute_runs_once_a_night(session, finished, deliver):
    finished()
    step = JOBS["recompute_reputation"].step
    first_night = clock.now().replace(hour=19, minute=0)  # 03:00 in Shanghai
    assert step(session, first_night - timedelta(hours=2), 100, current_app.config) == (0, 0)  # the first sweep notes
    assert step(session, first_night - timedelta(minutes=1), 100, current_app.config) == (0, 0)
    assert step(session, first_night, 100, current_app.config) == (0, 1)
    assert step(session, first_night + timedelta(hours=23), 100, current_app.config) == (0, 0)
    assert step(session, first_night + timedelta(days=1), 100, current_app.config) == (0, 1)


def test_good_reviews_lift_a_listing_above_an_equally_relevant_one(factory, session, finished, deliver):
    org = factory.organisation()
    plain = factory.listing(organisation=org, title="社区乒乓球室", description="两张球台")
    liked = factory.listing(organisation=org, title="社区乒乓球室", description="两张球台")

    def order():
        return [hit.listing.id for hit in search_listings(session, search_index(), "乒乓球", SearchFilters()).hits]

    first = order()
    assert set(first) == {plain.id, liked.id}
    for day in (1, 2):
        both_review(session, finished(listing=liked, day=day), booker_stars=5)
    both_review(session, finished(listing=plain, day=3), booker_stars=1)
    deliver()
    assert order() == [liked.id, plain.id]


ACTIONS = ("both_review", "booker_reviews", "provider_reviews", "no_show", "late_cancel", "early_cancel",
           "provider_cancel", "hide", "advance", "served", "served_after_booker_wrote", "served_pair")


def test_incremental_updates_agree_with_the_full_recompute(factory, session, deliver):
    """Random sequences of reviews (three-way ones of bookings a volunteer served too), reveals, hides, no-shows and
    cancellations, each counted from the outbox as it happens; the nightly recompute from scratch then finds the
    same figures (within 1e-9)."""
    from hypothesis import HealthCheck, given, settings, strategies as st

    listings = [factory.listing(capacity=50, cancel_cutoff_minutes=60), factory.listing(capacity=50)]
    bookers = [factory.user() for _ in range(3)]
    admin = factory.user(platform_admin=True)
    # Each listing's organisation has a volunteer member who serves its "served" bookings.
    admins = {listing.id: staff_of(listing) for listing in listings}
    volunteers = {listing.id: factory.user(volunteer=True) for listing in listings}
    for listing in listings:
        organisations.add_staff(session, admins[listing.id], listing.organisation, volunteers[listing.id].login_name,
                                StaffRole.staff)
    session.commit()

    def book(listing, booker, *, days_ahead=1, hours_before=None):
        """At 10:00 local ``days_ahead`` days from today; first moving the clock to ``hours_before`` the start."""
        start = to_utc(datetime.combine(local_date(clock.now(), SHANGHAI) + timedelta(days=days_ahead), time(10)),
                       SHANGHAI)
        if hours_before is not None:
            clock.travel_to(start - timedelta(hours=hours_before))
        booking = factory.booking(listing=listing, booker=booker, start=start)
        if booking.status is BookingStatus.pending:  # the booker's standing asks for approval by now
            bookings.approve_booking(session, staff_of(listing), booking, zone=SHANGHAI)
            session.commit()
        return booking

    def finish(booking, *, no_show=False):
        clock.travel_to(booking.end_at + timedelta(hours=1))
        if no_show:
            bookings.mark_no_show(session, staff_of(booking.listing), booking)
        else:
            lifecycle.complete_booking(session, booking)
        session.commit()

    def write(booking, author, stars, side=None):
        reviews.write_review(session, author, booking, reviews.ReviewInput(stars=stars), window_days=14, side=side)
        session.commit()

    def serve(booking):
        reviews.record_served_by(session, admins[booking.listing_id], booking, volunteers[booking.listing_id].id)
        session.commit()

    def apply(action, listing, booker, stars, days):
        if action in ("served", "served_after_booker_wrote", "served_pair"):
            booking = book(listing, booker)
            if action != "served_after_booker_wrote":
                serve(booking)
            finish(booking)
            if action != "served_pair":
                write(booking, booker, stars)
            if action == "served_after_booker_wrote":
                serve(booking)  # the booker's unrevealed review moves to the volunteer
            write(booking, admins[listing.id], 6 - stars, ReviewSide.organisation)
            if stars % 2:
                write(booking, volunteers[listing.id], stars, ReviewSide.volunteer)
            if action == "served":
                write(booking, admins[listing.id], stars, ReviewSide.provider)
        elif action in ("both_review", "booker_reviews", "provider_reviews", "no_show"):
            booking = book(listing, booker)
            finish(booking, no_show=action == "no_show")
            if action in ("both_review", "booker_reviews"):
                write(booking, booker, stars)
            if action in ("both_review", "provider_reviews", "no_show"):
                write(booking, staff_of(listing), 6 - stars)
        elif action in ("late_cancel", "early_cancel"):
            booking = book(listing, booker, hours_before=3) if action == "late_cancel" else book(
                listing, booker, days_ahead=3)
            bookings.cancel_booking(session, booker, booking)
        elif action == "provider_cancel":
            bookings.cancel_booking(session, staff_of(listing), book(listing, booker), "场地临时维修")
        elif action == "hide":
            shown = session.scalars(select(reviews.Review).where(reviews.Review.hidden.is_(False))
                                    .order_by(reviews.Review.id)).all()
            if shown:
                reviews.moderate_review(session, admin, shown[stars % len(shown)], "hide", "不实")
        else:
            clock.travel_to(clock.now() + timedelta(days=days))
        session.commit()
        JOBS["reveal_reviews"].step(session, clock.now(), 100, current_app.config)
        deliver()

    def snapshot() -> dict:
        return {(row.subject_type, row.subject_id): {name: getattr(row, name) for name in reputation.COUNTERS}
                for row in session.scalars(select(Reputation).where(Reputation.subject_type != "platform")
                                           .execution_options(populate_existing=True))}

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 1), st.integers(0, 2), st.integers(1, 5),
                              st.integers(1, 200)), min_size=1, max_size=6))
    def agree(steps):
        for action, listing, booker, stars, days in steps:
            apply(action, listings[listing], bookers[booker], stars, days)
        incremental = snapshot()
        now = clock.now()
        reputation.recompute_all(session, POLICY, now)
        session.commit()
        full = snapshot()
        assert incremental.keys() <= full.keys() | {s for s, v in incremental.items() if not any(v.values())}
        means = {side: reputation.platform_mean(figures(session, "platform", side)) for side in (1, 2)}
        for subject, values in full.items():
            mine = reputation._Totals(incremental.get(subject))
            for name in reputation.COUNTERS:
                assert getattr(mine, name) == pytest.approx(values[name], rel=1e-9, abs=1e-9), (subject, name)
            mean = means[2 if subject[0] == "booker" else 1]
            assert reputation.score_at(mine, mean, POLICY, now) == pytest.approx(
                figures(session, *subject).score, rel=1e-9, abs=1e-9), subject
            if subject[0] == "booker":
                assert reputation.standing(mine, reputation.score_at(mine, mean, POLICY, now), POLICY) \
                    == figures(session, *subject).standing

    agree()


def test_the_listing_organisation_and_person_endpoints_carry_the_figures(client, api_token, factory, session,
                                                                         finished, deliver):
    booking = finished()
    both_review(session, booking, booker_stars=4, provider_stars=2)
    deliver()
    listing = client.get(f"/api/v1/listings/{booking.listing_id}").json
    assert (listing["review_count"], listing["rating_distribution"]["4"], listing["reliability"]) == (1, 1, 1.0)
    assert listing["reputation"] == figures(session, "listing", booking.listing_id).rating
    organisation = client.get(f"/api/v1/organisations/{booking.listing.organisation_id}").json
    assert (organisation["review_count"], organisation["reliability"]) == (1, 1.0)
    anonymous = client.get(f"/api/v1/users/{booking.booker_id}/reputation").json
    assert anonymous["booker"] is None
    as_staff = client.get(f"/api/v1/users/{booking.booker_id}/reputation",
                          headers=api_token(staff_of(booking.listing))).json
    assert (as_staff["booker"]["review_count"], as_staff["booker"]["attendance"]) == (1, 1.0)
    assert client.get(f"/api/v1/users/{booking.booker_id}/reviews").json["total"] == 0
    assert client.get(f"/api/v1/users/{booking.booker_id}/reviews",
                      headers=api_token(booking.booker)).json["total"] == 1


def test_a_provider_below_the_threshold_is_flagged_on_the_admin_organisation_page(client, login, factory, session,
                                                                                  finished, deliver):
    booking = finished()
    both_review(session, booking, booker_stars=1)
    reputation.recompute_all(session, POLICY, clock.now())  # alone on the platform: its 1 star is the mean too
    session.commit()
    login(factory.user(platform_admin=True))
    page = client.get(f"/admin/organisations/{booking.listing.organisation_id}").data.decode()
    assert 'data-testid="reputation-flag"' in page


def test_a_provider_cancelling_counts_against_the_provider_even_for_a_booker_nobody_has_rated(factory, session, now,
                                                                                             deliver):
    booking = factory.booking(listing=factory.listing(), start=local(3, 10))
    bookings.cancel_booking(session, staff_of(booking.listing), booking, "设备检修")  # against the provider only
    session.commit()
    deliver()

    assert session.scalar(select(EventDelivery.last_error).where(EventDelivery.last_error != "")) is None
    assert figures(session, "booker", booking.booker_id) is None
    assert figures(session, "listing", booking.listing_id) is not None


def test_a_booker_cancelling_less_than_the_late_hours_before_the_start_counts_against_them(factory, session, now,
                                                                                         deliver):
    """Exactly 24 hours before is in time; a microsecond later is late, for the incremental update and the
    recompute alike."""
    booker, listing = factory.user(), factory.listing()
    for hour, before in ((10, timedelta(hours=24)), (14, timedelta(hours=24) - timedelta(microseconds=1))):
        booking = factory.booking(listing=listing, booker=booker, start=local(3, hour))
        clock.travel_to(booking.start_at - before)
        bookings.cancel_booking(session, booker, booking, now=clock.now())
        session.commit()
    deliver()
    counted = figures(session, "booker", booker.id)
    assert (counted.late_cancels, counted.kept, counted.attendance) == (1, 0, 0.0)
    reputation.recompute_all(session, POLICY, clock.now())
    session.commit()
    recomputed = figures(session, "booker", booker.id)
    assert (recomputed.late_cancels, recomputed.weight) == (1, pytest.approx(counted.weight, rel=1e-12))


def test_one_outbox_run_counts_many_bookings_of_the_same_people_as_the_recompute_does(factory, session, now, deliver):
    """The bookings' outcomes arrive at the subscriber as one batch: kept, no-shows, a late and an early
    cancellation, two by one booker of one listing; each counts once, as the recompute counts it."""
    listing = factory.listing(capacity=10, cancel_cutoff_minutes=60)
    regular, other = factory.user(), factory.user()
    made = [factory.booking(listing=listing, booker=booker, start=local(day, 10))
            for booker, day in [(regular, 1), (regular, 2), (other, 2), (regular, 3), (other, 4)]]
    bookings.cancel_booking(session, regular, made[3])  # early: days ahead
    clock.travel_to(local(2, 12))
    lifecycle.complete_booking(session, made[0])
    bookings.mark_no_show(session, staff_of(listing), made[1])
    lifecycle.complete_booking(session, made[2])
    clock.travel_to(local(4, 8))
    bookings.cancel_booking(session, other, made[4])  # late: two hours before
    session.commit()
    assert deliver() > 0

    counted = {subject: (row.attendance, row.no_shows, row.score)
               for subject in [("booker", regular.id), ("booker", other.id), ("listing", listing.id)]
               for row in [figures(session, *subject)]}
    assert counted[("booker", regular.id)][:2] == (0.5, 1) and counted[("booker", other.id)][:2] == (0.5, 0)
    reputation.recompute_all(session, POLICY, clock.now())
    session.commit()
    for subject, (attendance, no_shows, score) in counted.items():
        again = figures(session, *subject)
        assert (again.attendance, again.no_shows) == (attendance, no_shows), subject
        assert again.score == pytest.approx(score, abs=1e-9), subject
