"""Community office staff, the one rule: a verified 居委会 at a community; at the street, a verified 居委会 or party
branch; nothing at a grid or a building, nothing unverified. Feedback, wishes, pledges and desk resets all ask it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from flask_login import AnonymousUserMixin

from marketplace.core import clock, zones
from marketplace.feedback import services as feedback
from marketplace.organisations import offices
from marketplace.organisations import resets
from marketplace.organisations.models import OrganisationType
from marketplace.pledges import services as pledges
from marketplace.wishes import services as wishes
from tests.bookings.conftest import NOW


@pytest.fixture
def tree(factory):
    clock.travel_to(NOW)
    return factory.place_tree()


def organisation(factory, session, place, kind: OrganisationType, *, verified=True):
    """An organisation of this type at this place, with its own admin; returns (organisation, admin)."""
    admin = factory.user()
    org = factory.organisation(admin=admin, place=place, verified=verified, name=f"{kind.value}{admin.id}")
    org.type = kind
    session.commit()
    return org, admin


def test_a_communitys_office_is_its_verified_residents_committee(factory, session, tree):
    office, office_staff = organisation(factory, session, tree["c1"], OrganisationType.community_office)
    _, branch_staff = organisation(factory, session, tree["c1"], OrganisationType.party_branch)
    _, unit_staff = organisation(factory, session, tree["c1"], OrganisationType.resident_unit)
    _, pending_staff = organisation(factory, session, tree["c1"], OrganisationType.community_office, verified=False)
    _, grid_staff = organisation(factory, session, tree["c1_grid"], OrganisationType.community_office)

    assert offices.office_staff_ids(session, [tree["c1"].id]) == [office_staff.id]
    assert offices.community_office(session, tree["c1"].id) == office
    assert offices.office_staff_ids(session, [tree["c1_grid"].id, tree["c1_building"].id]) == []
    assert offices.office_places(session, office_staff) == [tree["c1"]]
    for outsider in (branch_staff, unit_staff, pending_staff, grid_staff):
        assert not offices.is_office_staff(session, outsider), outsider


def test_the_streets_office_is_a_residents_committee_or_the_party_branch_placed_there(factory, session, tree):
    _, committee_staff = organisation(factory, session, tree["street"], OrganisationType.community_office)
    _, branch_staff = organisation(factory, session, tree["street"], OrganisationType.party_branch)
    _, unit_staff = organisation(factory, session, tree["street"], OrganisationType.enterprise)

    assert offices.office_staff_ids(session, [tree["street"].id]) == sorted([committee_staff.id, branch_staff.id])
    assert offices.is_office_staff(session, branch_staff, [tree["street"].id])
    assert not offices.is_office_staff(session, branch_staff, [tree["c1"].id])
    assert not offices.is_office_staff(session, unit_staff)
    assert offices.community_office(session, tree["street"].id) is not None
    assert not offices.is_office_staff(session, AnonymousUserMixin())
    assert offices.office_staff_ids(session, [None]) == []


def test_feedback_wishes_pledges_and_resets_ask_the_same_rule(factory, session, tree):
    _, street_branch_staff = organisation(factory, session, tree["street"], OrganisationType.party_branch)
    _, community_branch_staff = organisation(factory, session, tree["c1"], OrganisationType.party_branch)
    unit, unit_staff = organisation(factory, session, tree["c1_grid"], OrganisationType.resident_unit)
    resident = factory.user(name="张阿姨")
    resident.home_place_id = tree["c1_building"].id
    session.commit()
    item = feedback.send_feedback(session, resident, feedback.FeedbackInput(
        kind="complaint", subject="organisation", subject_id=unit.id, text="操场周末不开门", anonymous=False))
    rules = wishes.Rules.from_config(current_app.config)
    wish = wishes.post_wish(session, resident, wishes.WishInput(
        title="帮忙修水龙头", need="厨房水龙头漏水", place_id=tree["c1_building"].id,
        needed_by=zones.local_date(clock.now(), rules.zone) + timedelta(days=5)), rules=rules)
    session.commit()

    def answers_for_the_community(user) -> list[bool]:
        return [feedback.may_answer(session, user, item), wishes.can_review(session, user, wish),
                wishes.is_office_staff(session, user), pledges.may_sign(session, user, unit),
                pledges.may_sign_some(session, user), resets.can_reset_password_of(session, user, resident)]

    assert answers_for_the_community(street_branch_staff) == [True] * 6
    assert answers_for_the_community(community_branch_staff) == [False] * 6
    assert wishes.level_staff_ids(session, tree["street"]) == [street_branch_staff.id]
    assert not resets.can_reset_password_of(session, street_branch_staff, unit_staff)  # staff of an organisation
