"""A street with its office, a community with its office, and a resident unit with a listing, on the moved clock."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from marketplace.accounts.models import User
from marketplace.core import clock, events
from marketplace.listings.models import Listing
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Organisation, OrganisationType, StaffRole
from tests.bookings.conftest import NOW


@dataclass
class Street:
    tree: dict
    street_office: Organisation
    street_staff: User
    community_office: Organisation
    office_staff: User
    unit: Organisation
    unit_staff: User
    listing: Listing
    resident: User
    neighbour: User
    admin: User


def build_street(factory, session) -> Street:
    tree = factory.place_tree()
    street_staff, office_staff, unit_staff = factory.user(name="街道干部"), factory.user(name="社区书记"), \
        factory.user(name="单位联络员")
    street_office = factory.organisation(admin=street_staff, place=tree["street"], name=f"街道党群服务中心{street_staff.id}")
    street_office.type = OrganisationType.party_branch
    community_office = factory.organisation(admin=office_staff, place=tree["c1"], name=f"幸福里社区居委会{office_staff.id}")
    unit = factory.organisation(admin=unit_staff, place=tree["c1_grid"], name=f"东大街第一小学{unit_staff.id}")
    unit.type = OrganisationType.resident_unit
    session.commit()
    listing = factory.listing(organisation=unit, actor=unit_staff, capacity=20)
    return Street(tree, street_office, street_staff, community_office, office_staff, unit, unit_staff, listing,
                  factory.user(name="张阿姨"), factory.user(name="李大爷"), factory.user(name="平台管理员",
                                                                                  platform_admin=True))


@pytest.fixture
def street(factory, session):
    clock.travel_to(NOW)
    return build_street(factory, session)


@pytest.fixture
def deliver(session):
    """Run the outbox's due deliveries (what the scheduler's process_outbox does) and commit."""

    def run() -> int:
        ran = events.process_outbox(session, clock.now())
        session.commit()
        return ran

    return run


def add_staff(session, org: Organisation, admin: User, user: User) -> None:
    organisations.add_staff(session, admin, org, user.login_name, StaffRole.staff)
    session.commit()
