"""Building the demo street through the real services, the same way every time and only once."""
from __future__ import annotations

import random
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.demo import history
from marketplace.demo import points as demo_points
from marketplace.demo.listings import (EXTRA_SATURDAY, HOLIDAY, MAINTENANCE, ORGANISATION_LISTINGS,
                                       VOLUNTEER_LISTINGS, DemoListing)
from marketplace.demo.lotteries import run_lotteries
from marketplace.demo.needs import publish_need
from marketplace.demo.organisations import ORGANISATIONS
from marketplace.demo.people import (DEMO_LOGINS, DEMO_RESIDENT_PHONE, RESIDENT_NAMES, RESIDENT_PASSWORD,
                                     RESIDENT_PHONES, VOLUNTEER_PHONES)
from marketplace.demo.places import COMMUNITIES, GRID_NAMES, STREET
from marketplace.demo.reviews import Reviewers
from marketplace.demo.voices import raise_voices_and_pledges
from marketplace.demo.wishes import seed_wishes
from marketplace.listings import services as listings
from marketplace.listings.models import Listing, ListingStatus
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Organisation, StaffRole
from marketplace.places import services as places
from marketplace.places.models import Place, PlaceKind

RANDOM_SEED = 20260101
REVIEWS_SEED = 20260102
VOLUNTEER_SHARE = 0.3
PARTY_MEMBER_SHARE = 0.25
PUBLIC_HOLIDAYS = ((1, 1, "元旦"), (5, 1, "劳动节"), (10, 1, "国庆节"))
# 幸福里社区居委会's social worker reviews the wishes; the volunteer lawyer and a neighbour claim them.
WISH_STAFF_PHONE = "13800000003"
WISH_VOLUNTEER_PHONES = ("13800000004", "13800000026")


def seed(session: Session, *, timezone: str = "Asia/Shanghai") -> bool:
    """Create the demo street unless it exists; return whether anything was created."""
    if session.scalar(select(Place.id).where(Place.kind == PlaceKind.street, Place.name == STREET)):
        return False
    rng = random.Random(RANDOM_SEED)
    began = clock.now()
    today = began.astimezone(ZoneInfo(timezone)).date()
    tree = _build_tree(session)
    people = _register_people(session, tree, rng)
    founded = _found_organisations(session, tree, people)
    offers = _offer_listings(session, tree, people, founded, today)
    residents = [people[phone] for phone in RESIDENT_PHONES]
    published = [offer for offer in offers if offer.listing.status is ListingStatus.published]
    platform_admin = people[DEMO_LOGINS[0].person.phone]
    office_admin = people[DEMO_LOGINS[1].person.phone]
    office = next(org for org in founded.values() if org.is_verified and any(
        m.user_id == office_admin.id for m in org.memberships))
    volunteers = [people[phone] for phone in sorted(VOLUNTEER_PHONES)]
    demo_points.fund_the_street(session, platform_admin, list(dict.fromkeys(
        [people[DEMO_RESIDENT_PHONE], *residents, *volunteers])), office, office_admin, volunteers)
    # The reviewers draw from their own generator, so that reviewing leaves the bookings as they were.
    reviewers = Reviewers(platform_admin, residents, people[DEMO_RESIDENT_PHONE], random.Random(REVIEWS_SEED),
                          seeding_began=began)
    made = history.play(session, published, residents, people[DEMO_RESIDENT_PHONE], today=today, zone=timezone,
                        rng=rng, seeding_began=began, reviewers=reviewers)
    history.wait_and_talk(session, published, made, residents, people[DEMO_RESIDENT_PHONE], zone=timezone,
                          seeding_began=began)
    raise_voices_and_pledges(session, people[DEMO_RESIDENT_PHONE], residents[0], people[DEMO_LOGINS[0].person.phone],
                             founded, zone=timezone)
    seed_wishes(session, tree, people[DEMO_RESIDENT_PHONE], people[WISH_STAFF_PHONE],
                [people[phone] for phone in RESIDENT_PHONES[30:]], [people[phone] for phone in WISH_VOLUNTEER_PHONES],
                zone=timezone)
    run_lotteries(session, residents, rng, zone=timezone)
    publish_need(session, zone=timezone)
    demo_points.book_with_points(session, people[DEMO_RESIDENT_PHONE], zone=timezone)
    return True


def _build_tree(session: Session) -> dict[str, Place]:
    """Places keyed "东大街街道", "幸福里社区", "幸福里社区/第一网格", "幸福里社区/3号楼"."""
    street = places.create_place(session, kind=PlaceKind.street, name=STREET, parent_id=None)
    tree = {STREET: street}
    for community_name, buildings_per_grid in COMMUNITIES.items():
        community = places.create_place(session, kind=PlaceKind.community, name=community_name,
                                        parent_id=street.id)
        tree[community_name] = community
        building_number = 0
        for grid_name, building_count in zip(GRID_NAMES, buildings_per_grid):
            grid = places.create_place(session, kind=PlaceKind.grid, name=grid_name, parent_id=community.id)
            tree[f"{community_name}/{grid_name}"] = grid
            for _ in range(building_count):
                building_number += 1
                name = f"{building_number}号楼"
                tree[f"{community_name}/{name}"] = places.create_place(
                    session, kind=PlaceKind.building, name=name, parent_id=grid.id)
    return tree


def _register_people(session: Session, tree: dict[str, Place], rng: random.Random) -> dict[str, User]:
    """The demo logins and the residents, keyed by phone number."""
    people: dict[str, User] = {}
    for entry in DEMO_LOGINS:
        person = entry.person
        user = accounts.register_user(session, accounts.Registration(
            password=entry.password, display_name=person.display_name, phone=person.phone, email=person.email))
        user.is_platform_admin = entry.platform_admin
        accounts.update_profile(session, user, accounts.ProfileUpdate(
            display_name=person.display_name, home_place_id=tree[person.home].id,
            is_party_member=person.party_member, is_volunteer=person.volunteer))
        people[person.phone] = user
    # Residents share the demo resident's password, so they share its hash: forty more rounds of
    # scrypt would make seeding take several seconds for nothing.
    shared_hash = next(people[entry.person.phone].password_hash for entry in DEMO_LOGINS
                       if entry.password == RESIDENT_PASSWORD)
    buildings = [place for place in tree.values() if place.kind is PlaceKind.building]
    for phone, name in RESIDENT_NAMES.items():
        user = User(phone=accounts.normalise_phone(phone), display_name=name, password_hash=shared_hash)
        session.add(user)
        session.flush()
        accounts.update_profile(session, user, accounts.ProfileUpdate(
            display_name=name, home_place_id=rng.choice(buildings).id,
            is_volunteer=phone in VOLUNTEER_PHONES or rng.random() < VOLUNTEER_SHARE,
            is_party_member=rng.random() < PARTY_MEMBER_SHARE))
        people[phone] = user
    return people


def _found_organisations(session: Session, tree: dict[str, Place],
                         people: dict[str, User]) -> dict[str, Organisation]:
    """Apply for every organisation; the platform admin verifies all but one pending and one rejected."""
    platform_admin = next(user for user in people.values() if user.is_platform_admin)
    founded = {}
    for spec in ORGANISATIONS:
        applicant = people[spec.admin_phone]
        organisation = organisations.apply_for_organisation(session, applicant, organisations.OrganisationData(
            name=spec.name, type=spec.type, place_id=tree[spec.where].id, description=spec.description,
            address=spec.address, contact_phone=spec.contact_phone))
        if spec.status == "verified":
            organisations.verify_organisation(session, platform_admin, organisation)
        elif spec.status == "rejected":
            organisations.reject_organisation(session, platform_admin, organisation, spec.rejection_reason)
        for phone in spec.staff_phones:
            organisations.add_staff(session, applicant, organisation, phone, StaffRole.staff)
        founded[spec.name] = organisation
    return founded


def _offer_listings(session: Session, tree: dict[str, Place], people: dict[str, User],
                    founded: dict[str, Organisation], today: date) -> list[history.Offer]:
    offers = []
    for organisation_name, specs in ORGANISATION_LISTINGS.items():
        organisation = founded[organisation_name]
        admin = people[next(o.admin_phone for o in ORGANISATIONS if o.name == organisation_name)]
        offers.extend(history.Offer(_offer(session, admin, spec, tree, today, organisation=organisation), admin)
                      for spec in specs)
    for phone, specs in VOLUNTEER_LISTINGS.items():
        offers.extend(history.Offer(_offer(session, people[phone], spec, tree, today, organisation=None),
                                    people[phone]) for spec in specs)
    return offers


def _offer(session: Session, actor: User, spec: DemoListing, tree: dict[str, Place], today: date, *,
           organisation: Organisation | None) -> Listing:
    data = listings.ListingData(
        kind=spec.kind, title=spec.title, place_id=tree[spec.where].id, description=spec.description,
        tags=list(spec.tags), facilities=list(spec.facilities), rules=spec.rules,
        address=spec.address or (organisation.address if organisation else ""), **spec.settings)
    listing = listings.create_listing(session, actor, data,
                                      organisation_id=organisation.id if organisation else None)
    listings.set_opening_hours(session, actor, listing, _weekly_hours(spec.hours))
    for exception in spec.exceptions:
        listings.add_exception(session, actor, listing, _exception_on_a_real_date(exception, today))
    if spec.status in ("published", "suspended"):
        listings.publish_listing(session, actor, listing)
    if spec.status == "suspended":
        listings.suspend_listing(session, actor, listing, spec.suspension_reason)
    return listing


def _weekly_hours(spans) -> list[listings.HoursInterval]:
    intervals = []
    for weekdays, span in spans:
        opens, closes = (time.fromisoformat(part) for part in span.split("-"))
        intervals.extend(listings.HoursInterval(weekday=day, opens=opens, closes=closes) for day in weekdays)
    return intervals


def _exception_on_a_real_date(kind: str, today: date) -> listings.ExceptionData:
    holiday, holiday_name = _next_public_holiday(today)
    if kind == HOLIDAY:
        return listings.ExceptionData(day=holiday, is_closed=True, note=f"{holiday_name}假期闭馆")
    if kind == EXTRA_SATURDAY:
        saturday = _next_weekday(today + timedelta(days=7), 5)
        if saturday == holiday:
            saturday += timedelta(days=7)
        return listings.ExceptionData(day=saturday, is_closed=False, opens=time(9), closes=time(12),
                                      note="周六上午加开，方便上班族预约")
    if kind == MAINTENANCE:
        wednesday = _next_weekday(today + timedelta(days=3), 2)
        return listings.ExceptionData(day=wednesday, is_closed=True, opens=time(14), closes=time(17),
                                      note="空调设备检修，下午暂停开放")
    raise ValueError(f"unknown demo exception {kind!r}")


def _next_weekday(start: date, weekday: int) -> date:
    """The first day on or after ``start`` falling on ``weekday`` (0 is Monday)."""
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _next_public_holiday(today: date) -> tuple[date, str]:
    upcoming = [(date(year, month, day), name) for year in (today.year, today.year + 1)
                for month, day, name in PUBLIC_HOLIDAYS if date(year, month, day) > today]
    return min(upcoming)
