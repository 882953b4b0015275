"""The ledger's own guarantees, by the code and by the database: double entry, append only, no overdraft."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from marketplace.core.errors import Conflict, Forbidden, ValidationFailed
from marketplace.points import services
from marketplace.points.models import AccountKind, PointsTransfer, Reason
from marketplace.points.services import InsufficientPoints
from tests.points.conftest import POLICY, balance


def test_a_grant_from_the_street_moves_the_amount_between_the_two_balances(session, factory, fund):
    volunteer = factory.user(volunteer=True)
    fund(user=volunteer, amount="12.5")
    street = services.system_account(session, AccountKind.street)
    assert balance(session, volunteer) == Decimal("12.50")
    assert services.balance_of(session, street.id) == Decimal("-12.50")
    assert services.verify(session, POLICY) == []


def test_an_organisation_cannot_grant_more_than_it_has(session, factory, fund):
    organisation = factory.organisation()
    admin = next(m.user for m in organisation.memberships)
    fund(organisation=organisation, amount="10")
    resident = factory.user()
    services.grant(session, admin, organisation, services.GrantRequest(amount="6", memo="清扫楼道",
                                                                        user_id=resident.id), POLICY)
    with pytest.raises(InsufficientPoints):
        services.grant(session, admin, organisation, services.GrantRequest(amount="6", memo="再发一次",
                                                                            user_id=resident.id), POLICY)
    assert balance(session, organisation=organisation) == Decimal("4.00")
    assert balance(session, resident) == Decimal("6.00")


def test_only_the_organisations_admins_grant_from_it_and_only_platform_admins_from_the_street(session, factory):
    organisation = factory.organisation()
    outsider = factory.user()
    request = services.GrantRequest(amount="1", memo="谢谢", user_id=outsider.id)
    with pytest.raises(Forbidden):
        services.grant(session, outsider, organisation, request, POLICY)
    with pytest.raises(Forbidden):
        services.grant(session, outsider, None, request, POLICY)


@pytest.mark.parametrize("amount", ["0", "-3", "abc", "1.001", "10001", "NaN", "Infinity"])
def test_a_grant_of_a_nonsense_amount_is_refused_on_the_amount(session, factory, street_admin, amount):
    with pytest.raises(ValidationFailed) as refused:
        services.grant(session, street_admin, None, services.GrantRequest(amount=amount, memo="测试",
                                                                           user_id=factory.user().id), POLICY)
    assert refused.value.field == "amount"


def test_the_street_cannot_overdraw_when_the_setting_does_not_allow_it(session, factory, street_admin):
    strict = services.Policy(per_hour=Decimal("10"), overdraft=frozenset({AccountKind.issuance}))
    with pytest.raises(InsufficientPoints):
        services.grant(session, street_admin, None, services.GrantRequest(amount="1", memo="测试",
                                                                           user_id=factory.user().id), strict)


def test_a_reversal_undoes_a_grant_once_and_keeps_the_original(session, factory, fund, street_admin):
    volunteer = factory.user()
    fund(user=volunteer, amount="8")
    original = session.query(PointsTransfer).one()
    reversal = services.reverse(session, street_admin, original.id, "发错人了", POLICY)
    assert (reversal.source_id, reversal.destination_id, reversal.amount) == (
        original.destination_id, original.source_id, original.amount)
    assert balance(session, volunteer) == Decimal("0.00")
    with pytest.raises(Conflict):
        services.reverse(session, street_admin, original.id, "再冲一次", POLICY)
    with pytest.raises(Conflict):
        services.reverse(session, street_admin, reversal.id, "冲正冲正", POLICY)
    assert session.query(PointsTransfer).count() == 2
    assert services.verify(session, POLICY) == []


def test_a_reversal_is_refused_when_the_recipient_already_spent_the_points(session, factory, fund, street_admin):
    volunteer, neighbour = factory.user(), factory.user()
    fund(user=volunteer, amount="8")
    original = session.query(PointsTransfer).one()
    services.transfer(session, services.user_account(session, volunteer.id),
                      services.user_account(session, neighbour.id), "5", Reason.grant, ("grant", None))
    with pytest.raises(InsufficientPoints):
        services.reverse(session, street_admin, original.id, "发错了", POLICY)


def _raw(session, sql: str, **params):
    with session.begin_nested():
        session.execute(text(sql), params)


def test_the_database_refuses_to_change_or_delete_a_transfer(session, factory, fund):
    fund(user=factory.user(), amount="3")
    transfer_id = session.query(PointsTransfer.id).scalar()
    for sql in ("UPDATE points_transfers SET amount = 1 WHERE id = :id", "DELETE FROM points_transfers WHERE id = :id"):
        with pytest.raises(DBAPIError, match="append-only"):
            _raw(session, sql, id=transfer_id)
    assert session.query(PointsTransfer).count() == 1


def test_the_database_refuses_an_overdraft_that_the_code_did_not_check(session, factory):
    payer, payee = (services.user_account(session, factory.user().id) for _ in range(2))
    with pytest.raises(DBAPIError, match="no_overdraft"):
        _raw(session, "INSERT INTO points_transfers (source_id, destination_id, amount, reason, reference_type, "
                      "memo, created_at) VALUES (:s, :d, 100, 'grant', 'grant', '', CURRENT_TIMESTAMP)",
             s=payer.id, d=payee.id)
    assert services.balance_of(session, payer.id) == 0


@pytest.mark.parametrize("amount, same", [(0, False), (-100, False), (100, True)])
def test_the_database_refuses_a_transfer_of_nothing_or_to_the_same_account(session, factory, amount, same):
    street = services.system_account(session, AccountKind.street)
    payee = street if same else services.user_account(session, factory.user().id)
    with pytest.raises(DBAPIError, match="amount_positive|two_accounts"):
        _raw(session, "INSERT INTO points_transfers (source_id, destination_id, amount, reason, reference_type, "
                      "memo, created_at) VALUES (:s, :d, :a, 'grant', 'grant', '', CURRENT_TIMESTAMP)",
             s=street.id, d=payee.id, a=amount)


def test_the_balances_always_sum_to_zero_and_equal_their_transfers(session, factory, fund):
    people = [factory.user() for _ in range(3)]
    for k, person in enumerate(people):
        fund(user=person, amount=str(k + 1))
    services.transfer(session, services.user_account(session, people[2].id),
                      services.user_account(session, people[0].id), "2.5", Reason.grant, ("grant", None))
    total = session.execute(text("SELECT SUM(balance) FROM points_accounts")).scalar()
    assert total == 0
    assert [balance(session, p) for p in people] == [Decimal("3.50"), Decimal("2.00"), Decimal("0.50")]
    assert services.verify(session, POLICY) == []
