"""The demo street: built through the real services, big enough to look real, and seeded only once.

Seeding hashes a handful of passwords and writes a few thousand rows, so the module seeds one street
(twice, to prove it comes out the same) inside an outer transaction, and every test runs in a savepoint
on top of it that is rolled back afterwards; the whole street is rolled back when the module ends.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.bookings.models import Booking, BookingMessage, BookingStatus
from marketplace.core.audit import AuditEntry
from marketplace.core import clock
from marketplace.demo import DEMO_ACCOUNTS, RESIDENT_PASSWORD, seed
from marketplace.extensions import db
from marketplace.feedback.models import Feedback, FeedbackKind
from marketplace.listings import services as listings
from marketplace.listings.models import FeeType, Listing, ListingException, ListingKind, ListingStatus, OpeningHours
from marketplace.lotteries import draw
from marketplace.needs import services as needs
from marketplace.needs.models import Need
from marketplace.lotteries.models import Lottery, LotteryApplication, LotteryStatus
from marketplace.organisations.models import Membership, Organisation, OrganisationStatus, StaffRole
from marketplace.notifications.models import Notification
from marketplace.places.models import Place, PlaceKind
from marketplace.pledges import services as pledges
from marketplace.reputation import services as reputation
from marketplace.reputation.models import Reputation
from marketplace.reviews import services as reviews
from marketplace.reviews.models import COUNTERPART, Review, ReviewSide
from marketplace.points import services as points
from marketplace.points.models import PointsTransfer, Reason
from marketplace.search.index import SearchIndex
from marketplace.waitlist.models import EntryStatus, WaitlistEntry
from marketplace.wishes.models import Wish, WishStatus

TABLES = (Place, User, Organisation, Membership, Listing, OpeningHours, ListingException, AuditEntry, Booking)
SEEDED_AT = datetime(2026, 4, 20, 2, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai, before 劳动节


def count(session, model, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions))


def account(role: str) -> dict:
    return next(entry for entry in DEMO_ACCOUNTS if entry["role"] == role)


def street_fingerprint(session) -> tuple[list, list, list]:
    """What a visitor would notice, without database ids (sequences differ between runs on PostgreSQL)."""
    offers = [(listing.title, listing.kind, listing.place.full_name, listing.people, listing.capacity,
               listing.fee_type,
               [(hours.weekday, hours.opens, hours.closes) for hours in listing.opening_hours])
              for listing in session.scalars(select(Listing).order_by(Listing.title))]
    people = [(user.phone, user.display_name, user.is_volunteer, user.is_party_member, user.home_place.full_name)
              for user in session.scalars(select(User).order_by(User.phone))]
    history = [(booking.listing.title, booking.booker.phone, booking.start_at, booking.status)
               for booking in session.scalars(select(Booking).order_by(Booking.start_at, Booking.listing_id))]
    return offers, people, history


@dataclass
class SeededStreet:
    connection: Connection
    created: bool
    first_run: tuple
    second_run: tuple


@pytest.fixture(scope="module")
def demo_street(app):
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        seeding = Session(bind=connection, join_transaction_mode="create_savepoint")
        clock.travel_to(SEEDED_AT)
        try:
            discarded = seeding.begin_nested()
            seed(seeding)
            first_run = street_fingerprint(seeding)
            discarded.rollback()
            # Objects reloaded inside the savepoint survive its rollback; forget them before ids are reused.
            seeding.expunge_all()
            created = seed(seeding)
            second_run = street_fingerprint(seeding)
            seeding.commit()
            seeding.close()
        finally:
            clock.reset()
        yield SeededStreet(connection, created, first_run, second_run)
        outer.rollback()
        connection.close()


@pytest.fixture
def session(app, demo_street):
    """This module's own session: a savepoint on top of the seeded street, rolled back after each test."""
    with app.app_context():
        test_savepoint = demo_street.connection.begin_nested()
        original = db.session
        db.session = scoped_session(sessionmaker(bind=demo_street.connection,
                                                 join_transaction_mode="create_savepoint"))
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            test_savepoint.rollback()


def test_seeding_an_empty_database_builds_the_street(demo_street, session):
    assert demo_street.created is True

    communities = session.scalars(select(Place).where(Place.kind == PlaceKind.community)).all()
    assert len(communities) >= 5
    for community in communities:
        grids = [child for child in community.children if child.kind is PlaceKind.grid]
        assert 2 <= len(grids) <= 4
        assert all(grid.children for grid in grids), "every grid has buildings"
    assert count(session, Organisation) >= 15
    assert count(session, User) >= 40
    _, published = listings.browse_listings(session, per_page=1)
    assert published >= 50


def test_organisations_wait_in_every_state_of_verification(session):
    assert count(session, Organisation, Organisation.status == OrganisationStatus.pending) == 1
    rejected = session.scalars(select(Organisation).where(Organisation.status == OrganisationStatus.rejected)).one()
    assert rejected.rejection_reason
    assert count(session, Organisation, Organisation.status == OrganisationStatus.verified) >= 13


def test_listings_cover_every_kind_and_state(session):
    for kind in ("space", "skill", "service"):
        assert listings.browse_listings(session, kind=kind)[1] >= 10
    assert count(session, Listing, Listing.status == ListingStatus.draft) == 1
    suspended = session.scalars(select(Listing).where(Listing.status == ListingStatus.suspended)).one()
    assert suspended.suspension_reason
    volunteer_offers = listings.browse_listings(session, per_page=100)[0]
    assert sum(listing.provider_user_id is not None for listing in volunteer_offers) >= 3
    assert count(session, Listing, Listing.fee_type != FeeType.free) >= 3
    assert count(session, Listing, Listing.instant_booking.is_(False)) >= 5


def test_every_community_has_published_listings(session):
    for community in session.scalars(select(Place).where(Place.kind == PlaceKind.community)):
        assert listings.browse_listings(session, place_id=community.id)[1] >= 3, community.name


def test_published_listings_have_hours_a_described_provider_and_a_real_description(session):
    published = session.scalars(select(Listing).where(Listing.status == ListingStatus.published)).all()
    for listing in published:
        assert listing.opening_hours, listing.title
        assert listing.description.count("。") >= 2, listing.title
        if listing.organisation is not None:
            assert listing.organisation.is_verified
        else:
            assert listing.provider_user.is_volunteer


def test_seeding_twice_creates_nothing_the_second_time(session):
    before = {model.__name__: count(session, model) for model in TABLES}

    assert seed(session) is False

    assert {model.__name__: count(session, model) for model in TABLES} == before


def test_exceptions_fall_on_the_coming_holiday_and_weekends(session):
    exceptions = session.scalars(select(ListingException)).all()
    holiday_closures = {e.day.isoformat() for e in exceptions if e.is_closed and e.opens is None}
    extra_openings = {e.day.isoformat() for e in exceptions if not e.is_closed}
    assert holiday_closures == {"2026-05-01"}
    assert extra_openings == {"2026-05-02"}
    assert all(e.note for e in exceptions)


def test_every_demo_account_signs_in_with_its_listed_password(session):
    for entry in DEMO_ACCOUNTS:
        assert len(entry["password"]) >= 8
        user = accounts.authenticate(session, entry["login"], entry["password"])
        assert user.display_name
    plain_resident = session.scalar(select(User).where(User.phone == "13800000040"))
    assert accounts.authenticate(session, "13800000040", RESIDENT_PASSWORD) == plain_resident


def test_demo_accounts_hold_the_roles_the_readme_promises(session):
    users = {entry["role"]: accounts.find_user_by_login(session, entry["login"]) for entry in DEMO_ACCOUNTS}
    office = session.scalars(select(Organisation).where(Organisation.name == "幸福里社区居委会")).one()
    roles = {membership.user_id: membership.role for membership in office.memberships}

    assert users["platform_admin"].is_platform_admin
    assert account("organisation_admin")["login"] == "13800000002"
    assert roles[users["organisation_admin"].id] is StaffRole.admin
    assert roles[users["staff"].id] is StaffRole.staff
    assert users["volunteer"].is_volunteer
    assert count(session, Listing, Listing.provider_user_id == users["volunteer"].id) >= 1
    assert not any(u.is_platform_admin for role, u in users.items() if role != "platform_admin")
    assert users["resident"].id not in roles


def test_the_demo_admin_gets_an_api_token(client):
    admin = account("platform_admin")

    response = client.post("/api/v1/auth/tokens", json={"login": admin["login"], "password": admin["password"]})

    assert response.status_code == 201, response.json
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.status_code == 200
    assert me.json["is_platform_admin"] is True


def test_seeding_is_deterministic(demo_street):
    assert demo_street.first_run == demo_street.second_run
    assert len(demo_street.first_run[0]) >= 50


def test_the_listings_api_reports_the_published_demo_listings(client, session):
    xingfuli = session.scalars(select(Place).where(Place.name == "幸福里社区")).one()

    everything = client.get("/api/v1/listings")
    one_community = client.get(f"/api/v1/listings?community={xingfuli.id}&kind=space")

    assert everything.status_code == 200
    assert everything.json["total"] >= 50
    assert 0 < one_community.json["total"] < everything.json["total"]
    assert {item["kind"] for item in one_community.json["items"]} == {"space"}


def test_every_space_says_how_many_people_it_holds_as_its_description_does(session):
    stated_size = re.compile(r"可(?:容纳|坐)(\d+)人|(\d+)人(?:小?会议室|研讨间)|(\d+)座")
    stated_seats = re.compile(r"(\d+)个(?:阅览)?座位")
    for listing in session.scalars(select(Listing)):
        if listing.kind is ListingKind.space:
            assert listing.people, listing.title
        size = stated_size.search(listing.description)
        if size:
            assert listing.people == int(next(n for n in size.groups() if n)), listing.title
        seats = stated_seats.search(listing.description)
        if seats:
            assert listing.capacity == int(seats.group(1)), listing.title
    hall = session.scalars(select(Listing).where(Listing.title == "党群服务中心多功能厅")).one()
    assert (hall.people, hall.capacity) == (120, 1)


def test_every_address_names_the_listings_own_building_and_community(session):
    communities = {place.name.removesuffix("社区"): place for place in
                   session.scalars(select(Place).where(Place.kind == PlaceKind.community))}
    checked = 0
    for listing in session.scalars(select(Listing).where(Listing.address != "")):
        path = [listing.place] + list(_ancestors(session, listing.place))
        building = next((place.name for place in path if place.kind == PlaceKind.building), None)
        named_buildings = set(re.findall(r"(?<!\d)\d+号楼", listing.address))
        if building is not None:
            assert named_buildings == {building}, (listing.title, listing.address, building)
            checked += 1
        for word, community in communities.items():
            if word in listing.address:
                assert community in path, (listing.title, listing.address)
    assert checked >= 10


def _ancestors(session, place):
    while place.parent_id is not None:
        place = session.get(Place, place.parent_id)
        yield place


def test_the_street_has_four_weeks_of_bookings_behind_it(session):
    past = session.scalars(select(Booking).where(Booking.end_at < SEEDED_AT)).all()
    outcomes = {status: sum(booking.status is status for booking in past) for status in BookingStatus}

    assert outcomes[BookingStatus.completed] >= 30
    assert outcomes[BookingStatus.no_show] >= 3
    assert outcomes[BookingStatus.cancelled] >= 3
    assert {event.action for booking in past for event in booking.events} >= {
        "create", "approve", "complete", "no_show", "cancel_by_booker"}
    # Played at the moments they happened: booked before they began, closed after they ended.
    assert all(booking.created_at < booking.start_at for booking in past)
    completed = [booking for booking in past if booking.status is BookingStatus.completed]
    assert all(booking.events[-1].at > booking.end_at for booking in completed)
    assert min(booking.start_at for booking in past) < SEEDED_AT - timedelta(days=21)


def test_the_week_ahead_has_confirmed_bookings_and_requests_waiting_for_staff(session):
    upcoming = session.scalars(select(Booking).where(Booking.start_at > SEEDED_AT)).all()

    assert sum(booking.status is BookingStatus.confirmed for booking in upcoming) >= 5
    assert sum(booking.status is BookingStatus.pending for booking in upcoming) >= 2
    assert all(booking.status in (BookingStatus.confirmed, BookingStatus.pending, BookingStatus.cancelled,
                                  BookingStatus.rejected) for booking in upcoming)


def test_the_demo_resident_has_bookings_behind_and_ahead(session):
    resident = accounts.find_user_by_login(session, account("resident")["login"])
    theirs = session.scalars(select(Booking).where(Booking.booker_id == resident.id)).all()

    assert any(booking.status is BookingStatus.completed for booking in theirs)
    assert any(booking.start_at > SEEDED_AT and booking.is_active for booking in theirs)


def test_the_demo_resident_has_unread_news_and_older_news_already_read(session):
    resident = accounts.find_user_by_login(session, account("resident")["login"])
    theirs = session.scalars(select(Notification).where(Notification.recipient_id == resident.id)).all()

    assert any(n.read_at is None for n in theirs)
    assert all(n.read_at is not None for n in theirs if n.created_at < SEEDED_AT - timedelta(days=2))
    assert all(n.created_at <= SEEDED_AT for n in theirs)


def test_a_popular_room_has_a_line_with_the_demo_resident_in_it(session):
    resident = accounts.find_user_by_login(session, account("resident")["login"])
    line = session.scalars(select(WaitlistEntry).where(WaitlistEntry.id.not_in(  # the drawn lottery's line aside
        select(LotteryApplication.waitlist_entry_id).where(LotteryApplication.waitlist_entry_id.is_not(None))))
        .order_by(WaitlistEntry.created_at)).all()

    assert len(line) >= 2 and len({(e.listing_id, e.start_at) for e in line}) == 1
    assert line[0].user_id == resident.id and all(e.status is EntryStatus.waiting for e in line)


def test_the_demo_resident_asked_a_question_and_the_provider_answered(session):
    resident = accounts.find_user_by_login(session, account("resident")["login"])
    messages = session.scalars(select(BookingMessage).order_by(BookingMessage.created_at)).all()

    assert [m.author_id == resident.id for m in messages] == [True, False]
    assert messages[0].booking.booker_id == resident.id


def test_past_bookings_carry_believable_reviews_that_show_in_reputation(session):
    from marketplace.core.reputation import Reputation
    from marketplace.reviews.models import Review, ReviewReport, ReviewSide

    about_providers = session.scalars(select(Review).where(Review.side == ReviewSide.booker,
                                                          Review.revealed_at.is_not(None))).all()
    assert len(about_providers) >= 20
    good = [review for review in about_providers if review.stars >= 4]
    assert len(good) >= 0.8 * len(about_providers)
    critical = [review for review in about_providers if review.stars == 2]
    assert critical and all(review.reply for review in critical)
    hidden = [review for review in about_providers if review.hidden]
    assert len(hidden) == 1 and count(session, ReviewReport, ReviewReport.review_id == hidden[0].id) == 1
    rated = session.scalars(select(Reputation).where(Reputation.subject_type == "listing",
                                                     Reputation.review_count > 0)).all()
    assert len(rated) >= 10 and len({round(row.score, 2) for row in rated}) > 1
    resident = session.scalars(select(User).where(User.phone == account("resident")["login"])).one()
    assert any(review.author_id == resident.id for review in about_providers)


def test_every_review_belongs_to_a_closed_booking_of_the_history_and_was_revealed_by_the_rules(app, session):
    window = app.config["REVIEW_WINDOW_DAYS"]
    written = session.scalars(select(Review).order_by(Review.id)).all()
    assert len(written) >= 40
    for review in written:
        booking = review.booking
        assert reviews.may_write(booking, review.side), (booking, review.side)
        # Of the replayed history: booked before it began, closed when it ended, reviewed inside its window.
        finished = reviews.finished_at(session, booking)
        assert booking.created_at < booking.start_at and booking.events[0].action == "create"
        assert finished < review.created_at < min(finished + timedelta(days=window), SEEDED_AT)
        assert review.window_closes_at == finished + timedelta(days=window)
        other = session.scalar(select(Review).where(Review.booking_id == booking.id,
                                                    Review.side == COUNTERPART[review.side]))
        if other is not None and other.created_at < review.window_closes_at:
            # Double-blind: both became public when the second of them was written.
            assert review.revealed_at == max(review.created_at, other.created_at), review.id
        elif review.window_closes_at < SEEDED_AT - timedelta(minutes=5):
            assert review.window_closes_at <= review.revealed_at <= review.window_closes_at + timedelta(minutes=5)
        else:
            assert review.revealed_at is None, review.id
    assert any(review.revealed_at is None for review in written), "some still wait for the other side"
    assert any(review.booking.status is BookingStatus.no_show for review in written)


def test_every_reputation_figure_is_what_a_full_recompute_gives(app, session):
    def figures() -> dict:
        return {(row.subject_type, row.subject_id): {name: getattr(row, name) for name in reputation.COUNTERS}
                for row in session.scalars(select(Reputation).where(Reputation.subject_type != "platform")
                                           .execution_options(populate_existing=True))}

    seeded = figures()
    policy = reputation.Policy.from_config(app.config)
    reputation.recompute_all(session, policy, SEEDED_AT)
    recomputed = figures()

    assert sum(values["review_count"] for values in seeded.values()) >= 40
    assert {subject for subject, values in seeded.items() if any(values.values())} == recomputed.keys()
    means = {side: reputation.platform_mean(reputation.reputation_of(session, "platform", side)) for side in (1, 2)}
    for subject, values in recomputed.items():
        mine = reputation._Totals(seeded[subject])
        for name in reputation.COUNTERS:
            assert getattr(mine, name) == pytest.approx(values[name], rel=1e-9, abs=1e-9), (subject, name)
        mean = means[2 if subject[0] == "booker" else 1]
        assert reputation.score_at(mine, mean, policy, SEEDED_AT) == pytest.approx(
            reputation.reputation_of(session, *subject).score, rel=1e-9, abs=1e-9), subject


def test_some_past_bookings_were_served_by_a_volunteer_and_reviewed_three_ways(session):
    from marketplace.core.reputation import Reputation
    from marketplace.reviews.models import Review, ReviewSide

    served = session.scalars(select(Booking).where(Booking.served_by_id.is_not(None))).all()
    assert len(served) >= 2
    for booking in served:
        sides = {review.side: review for review in session.scalars(select(Review).where(Review.booking_id == booking.id))}
        assert set(sides) == set(ReviewSide) and all(review.revealed_at for review in sides.values())
        assert sides[ReviewSide.organisation].reviewee_id == booking.served_by_id
    volunteer = session.get(Reputation, ("provider", served[0].served_by_id))
    assert volunteer is not None and volunteer.review_count >= 2


def test_an_answered_and_an_unanswered_complaint_and_a_pledge_half_delivered(session):
    complaints = session.scalars(select(Feedback).where(Feedback.kind == FeedbackKind.complaint)
                                 .order_by(Feedback.id)).all()
    answered, waiting = complaints
    assert answered.answers and 0 < answered.response_seconds < 86400 and answered.organisation_id
    assert not waiting.answers and waiting.anonymous and waiting.escalated_at is None
    [report] = pledges.pledge_reports(session, year=2026, zone="Asia/Shanghai")
    assert report.delivered.room_hours > 0 and report.room_share == 0.5


def test_the_wish_wall_holds_wishes_in_every_state_and_one_posted_for_the_demo_resident(session):
    assert {wish.status for wish in session.scalars(select(Wish))} == set(WishStatus)
    resident = session.scalar(select(User).where(User.phone == account("resident")["login"]))
    waiting = session.scalars(select(Wish).where(Wish.resident_id == resident.id,
                                                 Wish.resident_confirmed_at.is_(None))).all()
    assert [wish.on_behalf for wish in waiting] == [True]
    assert any(wish.wall_place.kind is PlaceKind.community for wish in session.scalars(select(Wish)))


def test_a_hall_takes_lottery_applications_and_another_published_its_draw(session):
    [open_one] = session.scalars(select(Lottery).where(Lottery.status == LotteryStatus.open)).all()
    [drawn] = session.scalars(select(Lottery).where(Lottery.status == LotteryStatus.drawn)).all()

    assert count(session, LotteryApplication, LotteryApplication.lottery_id == open_one.id) >= 5
    assert open_one.applications_close_at > SEEDED_AT and open_one.start_at > open_one.draw_at
    by_rank = sorted(drawn.applications, key=lambda application: application.rank)
    assert draw.ranking(drawn.seed, [a.user_id for a in by_rank if a.tier == 0],
                        [a.user_id for a in by_rank if a.tier == 1]) == [a.user_id for a in by_rank]
    assert by_rank[0].booking_id is not None and all(a.waitlist_entry_id for a in by_rank[1:])


def test_a_community_need_finds_its_rooms_and_tutors_through_search(app, session, tmp_path):
    index = SearchIndex(str(tmp_path / "index"), app.config["SEARCH_RANKING_REPUTATION_WEIGHT"])
    index.rebuild(session)
    [need] = session.scalars(select(Need)).all()
    clock.travel_to(SEEDED_AT)
    room, tutors, _first_aid = needs.suggestions(session, index, need, zone="Asia/Shanghai")

    assert "新华社区儿童之家" in [hit.listing.title for hit in room.hits]
    assert "四点半课堂作业辅导" in [hit.listing.title for hit in tutors.hits]


def test_volunteers_have_points_and_statements_and_the_demo_resident_a_points_hold(app, session):
    volunteer = accounts.find_user_by_login(session, account("volunteer")["login"])
    account_of = points.user_account(session, volunteer.id)
    entries, total = points.statement(session, account_of)
    assert points.balance_of(session, account_of.id) > 0 and total >= 2
    assert count(session, PointsTransfer, PointsTransfer.reason == Reason.take) >= 1
    resident = accounts.find_user_by_login(session, account("resident")["login"])
    assert points.held_from(session, points.user_account(session, resident.id)) > 0
    problems = points.verify(session, points.Policy.from_config(app.config),
                             in_flight=points.bookings_in_flight(session))
    assert problems == []
