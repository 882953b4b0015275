"""Points tests: a frozen clock, accounts funded through real grants, the outbox run on demand."""
from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.bookings import lifecycle
from marketplace.core import clock, events, transactions
from marketplace.listings import services as listings
from marketplace.points import services
from marketplace.points.models import PointsAccount
from marketplace.points.services import Policy
from tests.bookings.conftest import NOW, local  # noqa: F401 - local: re-exported for the points tests

POLICY = Policy(per_hour=Decimal("10"), overdraft=frozenset({services.AccountKind.issuance,
                                                             services.AccountKind.street}))


@pytest.fixture
def now():
    clock.travel_to(NOW)
    return NOW


@pytest.fixture
def deliver(session):
    """Run the outbox's due deliveries (the scheduler's process_outbox) and commit."""

    def run() -> int:
        with transactions.read_only(False):
            ran = events.process_outbox(session, clock.now())
            session.commit()
        return ran

    return run


@pytest.fixture
def street_admin(factory):
    return factory.user(platform_admin=True, name="街道管理员")


@pytest.fixture
def fund(session, street_admin):
    """Give a user (or an organisation) points from the street, as a platform admin would."""

    def give(*, user=None, organisation=None, amount="20"):
        with transactions.read_only(False):
            services.grant(session, street_admin, None, services.GrantRequest(
                amount=amount, memo="启动积分", user_id=user.id if user else None,
                organisation_id=organisation.id if organisation else None), POLICY)
            session.commit()

    return give


def balance(session, user=None, *, organisation=None) -> Decimal:
    account = session.scalar(select(PointsAccount).where(
        PointsAccount.user_id == user.id if user is not None else PointsAccount.organisation_id == organisation.id))
    return services.balance_of(session, account.id) if account is not None else Decimal("0.00")


@pytest.fixture
def points_listing(factory):
    """An instant listing of a community room priced at 5 points a booking."""

    def make(**fields):
        return factory.listing(**{"fee_type": "points", "fee_amount": "5", "capacity": 10, **fields})

    return make


def complete(session, booking):
    clock.travel_to(booking.end_at + timedelta(hours=2))
    with transactions.read_only(False):
        lifecycle.complete_booking(session, booking)
        session.commit()



@pytest.fixture
def volunteer_listing(session, factory):
    """A volunteer's own published skill or service listing (free unless told otherwise), open every day 9–21."""
    def make(volunteer, **fields):
        place = factory.place_tree()["c1"]
        with transactions.read_only(False):
            listing = listings.create_listing(session, volunteer, listings.ListingData(**{
                "kind": "skill", "title": "上门修电脑", "place_id": place.id, "description": "帮邻居修电脑、装软件。",
                **fields}), organisation_id=None)
            listings.set_opening_hours(session, volunteer, listing, [
                listings.HoursInterval(weekday=d, opens=time(9), closes=time(21)) for d in range(7)])
            listings.publish_listing(session, volunteer, listing)
            session.commit()
        return listing

    return make
