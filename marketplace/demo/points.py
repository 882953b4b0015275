"""Service points on the demo street: every resident starts with the street's pilot grant (so the points-priced
kitchen and homework club can be booked, and their holds taken or returned as the history plays), the
community office thanks the volunteers from its own account, and the demo resident ends with a booking of a
points-priced listing still holding its fee. Volunteers' free skills completed in the history earn hours × rate
through the outbox like anywhere else."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.bookings import services as bookings
from marketplace.core import clock
from marketplace.core.errors import DomainError
from marketplace.listings.models import FeeType, Listing, ListingStatus
from marketplace.organisations.models import Organisation
from marketplace.points import services as points
from marketplace.points.models import MAY_OVERDRAW

PILOT_GRANT = "20"
OFFICE_FUND = "60"
THANKS = ("8", "楼道清扫志愿服务"), ("5", "重阳节敬老活动帮忙"), ("3", "社区议事会记录")
# The street issues the pilot grants whatever a deployment's setting: the demo is its own little street.
POLICY = points.Policy(per_hour=points.quantize(10), overdraft=frozenset(MAY_OVERDRAW))


def fund_the_street(session: Session, admin: User, residents: list[User], office: Organisation,
                    office_admin: User, volunteers: list[User]) -> None:
    """The pilot grant to each resident, the office's fund, and its thanks to the volunteers."""
    for resident in residents:
        points.grant(session, admin, None, points.GrantRequest(amount=PILOT_GRANT, memo="志愿积分试点启动",
                                                               user_id=resident.id), POLICY)
    points.grant(session, admin, None, points.GrantRequest(amount=OFFICE_FUND, memo="社区志愿服务奖励金",
                                                           organisation_id=office.id), POLICY)
    for volunteer, (amount, memo) in zip(volunteers, THANKS):
        points.grant(session, office_admin, office, points.GrantRequest(amount=amount, memo=memo,
                                                                        user_id=volunteer.id), POLICY)


def book_with_points(session: Session, resident: User, *, zone: str) -> None:
    """A booking of the first bookable points-priced listing in the next days, its fee on hold."""
    tz = ZoneInfo(zone)
    today = clock.now().astimezone(tz).date()
    priced = session.scalars(select(Listing).where(Listing.fee_type == FeeType.points,
                                                   Listing.status == ListingStatus.published).order_by(Listing.id))
    for listing in priced:
        for days in range(2, 9):
            day = today + timedelta(days=days)
            for hours in (h for h in listing.opening_hours if h.weekday == day.weekday()):
                start = datetime.combine(day, hours.opens, tz)
                try:
                    with session.begin_nested():
                        bookings.create_booking(session, resident, bookings.BookingRequest(
                            listing_id=listing.id, start=start,
                            end=start + timedelta(minutes=listing.min_duration_minutes), purpose="邻里聚餐"),
                            zone=zone)
                    return
                except DomainError:
                    continue
