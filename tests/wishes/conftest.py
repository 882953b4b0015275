"""Shared pieces of the wish tests: a street with two communities, each with a verified community office, a
resident, volunteers, and wishes built through the real services."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import current_app

from marketplace.core import clock, zones
from marketplace.organisations import services as organisations
from marketplace.organisations.models import StaffRole
from marketplace.wishes import services as wishes
from tests.bookings.conftest import NOW
from tests.conftest import Factory, writing_units


@writing_units
@dataclass
class Wishes:
    """The people and places of a wish test, and wishes moved through the real services to a given state."""

    session: object
    factory: Factory

    def __post_init__(self):
        self.tree = self.factory.place_tree()
        self.staff = self.factory.user(name="居委会小王")
        self.office = self.factory.organisation(admin=self.staff, place=self.tree["c1"])
        self.other_staff = self.factory.user(name="建设路小李")
        self.factory.organisation(admin=self.other_staff, place=self.tree["c2"], name="建设路社区居委会")
        self.resident = self.factory.user(name="独居的张阿姨", phone="13712345678")
        self.volunteers = [self.factory.user(name=f"志愿者{n}", volunteer=True) for n in range(3)]
        self.party_member = self.factory.user(name="党员老刘", party_member=True)

    @property
    def rules(self) -> wishes.Rules:
        return wishes.Rules.from_config(current_app.config)

    def add_staff(self, user) -> None:
        organisations.add_staff(self.session, self.staff, self.office, user.login_name, StaffRole.staff)
        self.session.commit()

    def posted(self, *, title="帮忙修理水龙头", by=None, for_resident=None, in_person=False, days=5):
        """A pending wish in c1's building, by the resident (or by ``by`` for ``for_resident``)."""
        poster = by or self.resident
        wish = wishes.post_wish(self.session, poster, wishes.WishInput(
            title=title, need="厨房水龙头漏水，需要有人帮忙换一个",
            needed_by=zones.local_date(clock.now(), self.rules.zone) + timedelta(days=days),
            place_id=self.tree["c1_building"].id,
            resident_login=for_resident.login_name if for_resident else None, confirmed_in_person=in_person),
            rules=self.rules)
        self.session.commit()
        return wish

    def approved(self, **kwargs):
        wish = self.posted(**kwargs)
        wishes.approve_wish(self.session, self.staff, wish, rules=self.rules)
        self.session.commit()
        return wish

    def claimed(self, by=None, **kwargs):
        wish = self.approved(**kwargs)
        wishes.claim_wish(self.session, by or self.volunteers[0], wish, rules=self.rules)
        self.session.commit()
        return wish

    def fulfilled(self, **kwargs):
        wish = self.claimed(**kwargs)
        wishes.fulfil_wish(self.session, wish.claimant, wish, "换好了新的水龙头", "1.5")
        self.session.commit()
        return wish


@pytest.fixture
def world(session, factory):
    clock.travel_to(NOW)
    return Wishes(session, factory)
