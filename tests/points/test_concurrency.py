"""Concurrent spends from one account against the real, committed database (SQLite, or PostgreSQL with
TEST_DATABASE_URL), each racer a request of its own in its own thread: the account never overdraws, and each
refusal is the clear 409 that a booker short of points gets, never a 500 from the database's guard."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

from flask.testing import FlaskClient

from marketplace.accounts.tokens import issue_api_token
from marketplace.core import clock, transactions, zones
from marketplace.points import services
from marketplace.points.models import AccountKind
from tests.bookings.conftest import NOW, SHANGHAI, local
from tests.conftest import Factory
from tests.points.conftest import POLICY
from tests.waitlist.test_waitlist_concurrency import together

RACERS = 5


def test_concurrent_bookings_of_different_points_listings_never_overdraw_the_booker(app, committed_db):
    clock.travel_to(NOW)
    factory = Factory(committed_db)
    organisation = factory.organisation()
    listing_ids = [factory.listing(organisation=organisation, fee_type="points", fee_amount="5").id
                   for _ in range(RACERS)]
    booker, admin = factory.user(), factory.user(platform_admin=True)
    with transactions.read_only(False):
        services.grant(committed_db, admin, None, services.GrantRequest(amount="10", memo="启动", user_id=booker.id),
                       POLICY)
        token = issue_api_token(committed_db, booker)
        committed_db.commit()
    start = local(1, 10)

    def book(listing_id):
        client = FlaskClient(app, app.response_class)
        response = client.post("/api/v1/bookings", headers={"Authorization": f"Bearer {token}"}, json={
            "listing_id": listing_id, "start": zones.to_local(start, SHANGHAI).isoformat(),
            "end": zones.to_local(start + timedelta(hours=1), SHANGHAI).isoformat()})
        return response.status_code, response.get_json()

    answers = together(*[lambda listing_id=listing_id: book(listing_id) for listing_id in listing_ids])

    assert Counter(status for status, _body in answers) == {201: 2, 409: RACERS - 2}, answers
    assert all(body["message"].startswith("积分不足") for status, body in answers if status == 409)
    committed_db.commit()
    assert services.balance_of(committed_db, services.user_account(committed_db, booker.id).id) == 0
    holds = services.system_account(committed_db, AccountKind.holds)
    assert services.balance_of(committed_db, holds.id) == Decimal("10.00")
    assert services.verify(committed_db, POLICY) == []


def test_concurrent_grants_from_one_organisation_never_overdraw_it(app, committed_db):
    factory = Factory(committed_db)
    organisation = factory.organisation()
    admin = next(m.user for m in organisation.memberships)
    street_admin = factory.user(platform_admin=True)
    recipients = [factory.user() for _ in range(RACERS)]
    with transactions.read_only(False):
        services.grant(committed_db, street_admin, None, services.GrantRequest(
            amount="10", memo="启动", organisation_id=organisation.id), POLICY)
        token = issue_api_token(committed_db, admin)
        committed_db.commit()
    organisation_id, recipient_ids = organisation.id, [user.id for user in recipients]

    def give(user_id):
        client = FlaskClient(app, app.response_class)
        response = client.post(f"/api/v1/organisations/{organisation_id}/points/grants",
                               headers={"Authorization": f"Bearer {token}"},
                               json={"amount": "4", "memo": "志愿服务", "user_id": user_id})
        return response.status_code

    statuses = together(*[lambda user_id=user_id: give(user_id) for user_id in recipient_ids])

    assert Counter(statuses) == {201: 2, 409: RACERS - 2}
    committed_db.commit()
    account = services.organisation_account(committed_db, organisation_id)
    assert services.balance_of(committed_db, account.id) == Decimal("2.00")
    assert services.verify(committed_db, POLICY) == []
