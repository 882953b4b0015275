"""Co-building pledges: the street signs a unit's pledge for a year, the unit and the street change its hours,
and what the unit delivered is computed from completed bookings.

What counts as delivered, for a pledge of ``year`` (local calendar year of the deployment's zone, by each
booking's start), counting each completed booking's length once whatever its seats:
- room hours: completed bookings of the unit's own *space* listings;
- volunteering hours: completed bookings of the unit's own *skill* and *service* listings, and of every
  listing offered as a volunteer by someone who is (now) a member of the unit's staff;
in both only bookings by others: a booker on the unit's staff (or the volunteer themself) does not count.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload

from marketplace.accounts.models import User
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core import audit
from marketplace.core.db import get_by_id, is_id
from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.permissions import is_platform_admin, role_in
from marketplace.core.zones import MAX_YEAR, MIN_YEAR, to_utc
from marketplace.listings.models import Listing, ListingKind
from marketplace.organisations import offices
from marketplace.organisations.models import Membership, Organisation, OrganisationStatus
from marketplace.places.models import PlaceKind
from marketplace.pledges.models import Pledge

MAX_HOURS = 100_000


@dataclass
class PledgeInput:
    """What the street signs: the unit, the year and the hours pledged."""

    organisation_id: int
    year: int
    room_hours: int
    volunteer_hours: int


@dataclass(frozen=True)
class Delivered:
    room_hours: float = 0.0
    volunteer_hours: float = 0.0


@dataclass(frozen=True)
class PledgeReport:
    """A pledge beside what its unit delivered."""

    pledge: Pledge
    delivered: Delivered

    @staticmethod
    def share(delivered: float, pledged: int) -> float | None:
        return round(delivered / pledged, 3) if pledged else None

    @property
    def room_share(self) -> float | None:
        return self.share(self.delivered.room_hours, self.pledge.room_hours)

    @property
    def volunteer_share(self) -> float | None:
        return self.share(self.delivered.volunteer_hours, self.pledge.volunteer_hours)


def may_sign(session: Session, user, org: Organisation) -> bool:
    """Platform admins, and the staff of the street the unit is in."""
    return is_platform_admin(user) or offices.is_office_staff(session, user, org.place.ancestor_ids[:1])


def may_sign_some(session: Session, user) -> bool:
    """Whether the user signs pledges anywhere (platform admins, the staff of a street's office)."""
    return is_platform_admin(user) or any(place.kind is PlaceKind.street
                                          for place in offices.office_places(session, user))


def may_edit(session: Session, user, pledge: Pledge) -> bool:
    """Those who may sign it, and the unit's own staff."""
    return role_in(user, pledge.organisation) is not None or may_sign(session, user, pledge.organisation)


def _hours(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_HOURS:
        raise ValidationFailed(field, _l("小时数应为0到%(n)s之间的整数", n=MAX_HOURS))
    return value


def _year(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_YEAR <= value <= MAX_YEAR:
        raise ValidationFailed("year", _l("年份应在%(low)s到%(high)s之间", low=MIN_YEAR, high=MAX_YEAR))
    return value


def sign_pledge(session: Session, actor: User, data: PledgeInput) -> Pledge:
    """Record a unit's co-building pledge for a year (the agreement), audited.

    Raises ValidationFailed (year, hours, no unit chosen), NotFound (no verified organisation), Forbidden (not
    the street), Conflict (the unit already has that year's pledge, also when two signings race).
    """
    year = _year(data.year)
    room_hours, volunteer_hours = _hours(data.room_hours, "room_hours"), _hours(data.volunteer_hours, "volunteer_hours")
    if not is_id(data.organisation_id):
        raise ValidationFailed("organisation_id", _l("请选择驻区单位"))
    org = get_by_id(session, Organisation, data.organisation_id)
    if org is None or not org.is_verified:
        raise NotFound(_l("找不到这个组织"))
    if not may_sign(session, actor, org):
        raise Forbidden(_l("只有街道可以登记共驻共建承诺"))
    pledge = Pledge(organisation_id=org.id, year=year, room_hours=room_hours, volunteer_hours=volunteer_hours,
                    signed_by_id=actor.id)
    try:
        with session.begin_nested():
            session.add(pledge)
            session.flush()
    except IntegrityError:
        raise Conflict(_l("%(name)s %(year)s年的共驻共建承诺已经登记过了", name=org.name, year=year),
                       field="year") from None
    audit.record(session, actor, "pledge.sign", pledge)
    return pledge


def update_pledge(session: Session, actor: User, pledge: Pledge, *, room_hours=None,
                  volunteer_hours=None) -> Pledge:
    """Change the hours pledged (those given), audited; Forbidden for others, ValidationFailed for bad hours."""
    if not may_edit(session, actor, pledge):
        raise Forbidden(_l("只有本单位工作人员和街道可以修改承诺"))
    changes = {}
    if room_hours is not None:
        changes["room_hours"] = _hours(room_hours, "room_hours")
    if volunteer_hours is not None:
        changes["volunteer_hours"] = _hours(volunteer_hours, "volunteer_hours")
    if not changes:
        raise ValidationFailed(None, _l("请给出要修改的小时数"))
    before = audit.snapshot(pledge)
    for name, value in changes.items():
        setattr(pledge, name, value)
    session.flush()
    audit.record(session, actor, "pledge.update", pledge, before=before)
    return pledge


def get_pledge(session: Session, pledge_id) -> Pledge:
    pledge = session.get(Pledge, pledge_id, options=[selectinload(Pledge.organisation)]) if is_id(pledge_id) else None
    if pledge is None:
        raise NotFound(_l("找不到这项承诺"))
    return pledge


def _year_bounds(year: int, zone: str) -> tuple[datetime, datetime]:
    start = to_utc(datetime.combine(date(year, 1, 1), time()), zone)
    end = to_utc(datetime.combine(date(year + 1, 1, 1), time()), zone) if year < MAX_YEAR else None
    return start, end


def _booking_hours(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", Booking.end_at - Booking.start_at) / 3600.0
    return (func.julianday(Booking.end_at) - func.julianday(Booking.start_at)) * 24.0


def delivered(session: Session, organisation_ids: list[int], year: int, *, zone: str) -> dict[int, Delivered]:
    """What each unit delivered in the year (see the module's docstring): three grouped statements."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return {}
    start, end = _year_bounds(year, zone)
    hours = func.sum(_booking_hours(session))
    completed = [Booking.status == BookingStatus.completed, Booking.start_at >= start]
    if end is not None:
        completed.append(Booking.start_at < end)

    def booked_by_staff(org_id_column):
        staff = aliased(Membership)
        return exists().where(staff.organisation_id == org_id_column, staff.user_id == Booking.booker_id)

    own = (select(Listing.organisation_id, Listing.kind, hours)
           .join(Listing, Booking.listing_id == Listing.id)
           .where(Listing.organisation_id.in_(ids), *completed, ~booked_by_staff(Listing.organisation_id))
           .group_by(Listing.organisation_id, Listing.kind))
    rooms = {org_id: 0.0 for org_id in ids}
    volunteering = {org_id: 0.0 for org_id in ids}
    for org_id, kind, total in session.execute(own):
        (rooms if kind is ListingKind.space else volunteering)[org_id] += float(total or 0)
    by_members = (select(Membership.organisation_id, hours)
                  .join(Listing, Booking.listing_id == Listing.id)
                  .join(Membership, Membership.user_id == Listing.provider_user_id)
                  .where(Membership.organisation_id.in_(ids), Listing.organisation_id.is_(None), *completed,
                         Booking.booker_id != Listing.provider_user_id, ~booked_by_staff(Membership.organisation_id))
                  .group_by(Membership.organisation_id))
    for org_id, total in session.execute(by_members):
        volunteering[org_id] += float(total or 0)
    return {org_id: Delivered(round(rooms[org_id], 2), round(volunteering[org_id], 2)) for org_id in ids}


def pledge_reports(session: Session, *, year: int, zone: str, organisation_id: int | None = None) -> list[PledgeReport]:
    """The year's pledges (of one unit when named) by unit name, each with what was delivered."""
    stmt = (select(Pledge).join(Organisation, Pledge.organisation_id == Organisation.id)
            .where(Pledge.year == _year(year)).options(selectinload(Pledge.organisation))
            .order_by(Organisation.name, Pledge.id))
    if organisation_id is not None:
        stmt = stmt.where(Pledge.organisation_id == organisation_id)
    pledges = list(session.scalars(stmt))
    figures = delivered(session, [pledge.organisation_id for pledge in pledges], year, zone=zone)
    return [PledgeReport(pledge, figures[pledge.organisation_id]) for pledge in pledges]


def report_of(session: Session, pledge: Pledge, *, zone: str) -> PledgeReport:
    return PledgeReport(pledge, delivered(session, [pledge.organisation_id], pledge.year, zone=zone)[pledge.organisation_id])


def pledges_of(session: Session, organisation_id: int, *, zone: str) -> list[PledgeReport]:
    """Every year's pledge of one unit, newest year first, with what it delivered (the unit's page)."""
    pledges = list(session.scalars(select(Pledge).where(Pledge.organisation_id == organisation_id)
                                   .options(selectinload(Pledge.organisation)).order_by(Pledge.year.desc())))
    return [report_of(session, pledge, zone=zone) for pledge in pledges]


def signable_units(session: Session, actor) -> list[Organisation]:
    """Verified organisations the actor may sign pledges with, by name (none without asking when they sign none)."""
    if not may_sign_some(session, actor):
        return []
    orgs = session.scalars(select(Organisation).where(Organisation.status == OrganisationStatus.verified)
                           .options(selectinload(Organisation.place)).order_by(Organisation.name))
    return [org for org in orgs if may_sign(session, actor, org)]
