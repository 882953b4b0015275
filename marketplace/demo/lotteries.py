"""Lotteries of the demo street: a hall's evening open for applications (residents of its community
first), and another hall's evening drawn yesterday, its seed and applicants published.

Built through the real services; the drawn one with the clock back at its window and its draw, then returned,
and with a seed from the street's own random numbers, so that seeding comes out the same every time.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.errors import DomainError
from marketplace.listings.models import Listing
from marketplace.lotteries import services as lotteries
from marketplace.lotteries.models import Lottery

OPEN_HALL = "新华社区多功能厅"
DRAWN_HALL = "公园社区活动中心大厅"
OPEN_APPLICANTS = 8
DRAWN_APPLICANTS = 6
DAYS_TRIED = 21


def _evenings(after: date, zone: str):
    """19:00–21:00 on the days after ``after``, a few weeks of them: the first the hall opens and nobody booked."""
    for days in range(1, DAYS_TRIED + 1):
        start = datetime.combine(after + timedelta(days=days), time(19), tzinfo=ZoneInfo(zone))
        yield start, start + timedelta(hours=2)


def _open_lottery(session: Session, listing: Listing, opens: datetime, closes: datetime, draw_at: datetime,
                  zone: str) -> Lottery | None:
    staff = next(m.user for m in listing.organisation.memberships)
    for start, end in _evenings(draw_at.astimezone(ZoneInfo(zone)).date(), zone):
        try:
            with session.begin_nested():
                return lotteries.create_lottery(session, staff, listing.id, lotteries.LotteryRequest(
                    start=start, end=end, applications_open_at=opens, applications_close_at=closes,
                    draw_at=draw_at, priority="community_residents"), zone=zone)
        except DomainError:
            continue
    return None


def run_lotteries(session: Session, residents: list[User], rng: random.Random, *, zone: str) -> None:
    """The open lottery with applicants, and the drawn one (see the module's docstring)."""
    saved = clock.state()
    began = clock.now()
    halls = {listing.title: listing for listing in session.scalars(
        select(Listing).where(Listing.title.in_([OPEN_HALL, DRAWN_HALL])))}
    try:
        opened = _open_lottery(session, halls[OPEN_HALL], began, began + timedelta(days=3),
                               began + timedelta(days=3, hours=1), zone)
        for resident in residents[:OPEN_APPLICANTS] if opened else ():
            lotteries.apply(session, resident, opened)
        clock.travel_to(began - timedelta(days=3))
        drawn = _open_lottery(session, halls[DRAWN_HALL], clock.now(), began - timedelta(days=1),
                              began - timedelta(days=1) + timedelta(hours=1), zone)
        if drawn is not None:
            for resident in residents[OPEN_APPLICANTS:OPEN_APPLICANTS + DRAWN_APPLICANTS]:
                lotteries.apply(session, resident, drawn)
            clock.travel_to(drawn.draw_at)
            lotteries.draw_if_due(session, drawn.id, drawn.listing_id, clock.now(), zone=zone,
                                  seed=f"{rng.getrandbits(256):064x}")
        session.flush()
    finally:
        clock.restore(saved)
