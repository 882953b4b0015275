"""Random sequences of earning, spending (booking points-priced listings), cancelling, completing and reversing
keep every ledger invariant: the balances sum to zero and equal their transfers, nobody's balance goes below
zero, each hold matches its booking, and each person's balance is what a simple model of the rules says."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.bookings import lifecycle
from marketplace.bookings import services as bookings
from marketplace.bookings.models import BookingStatus
from marketplace.core import clock, events, transactions
from marketplace.points import services
from marketplace.points.models import PointsTransfer, Reason
from marketplace.points.services import InsufficientPoints
from tests.bookings.conftest import NOW, SHANGHAI, local
from tests.points.conftest import POLICY, balance

PEOPLE = 3
FEES = ["3", "5"]

steps = st.lists(st.one_of(
    st.tuples(st.just("earn"), st.integers(0, PEOPLE - 1), st.sampled_from(["0.5", "1", "2.25"])),
    st.tuples(st.just("book"), st.integers(0, PEOPLE - 1), st.integers(0, len(FEES) - 1)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("complete"), st.integers(0, 20)),
    st.tuples(st.just("reverse"), st.integers(0, 20)),
), max_size=14)


# About 20 s on SQLite (a shared machine); `make test` draws them derandomised (tests/conftest.py), the same ones every run.
@settings(max_examples=20, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=steps)
def test_random_histories_keep_every_invariant(factory, session, points_listing, history):
    clock.travel_to(NOW)
    cast = session.info.setdefault("points_cast", {})
    if not cast:
        cast["admin"] = factory.user(platform_admin=True)
    people = [factory.user() for _ in range(PEOPLE)]
    listings = [points_listing(fee_amount=fee) for fee in FEES]
    expected = [Decimal("0.00")] * PEOPLE
    made, earned = [], []  # (booking, person, fee) of active bookings; earning transfers not yet reversed
    wish_ids = session.info.setdefault("points_wish_ids", iter(range(1, 10**6)))
    with transactions.read_only(False):
        for k, step in enumerate(history):
            if step[0] == "earn":
                _, who, hours = step
                earned += services.earn_for_wish(session, next(wish_ids), {"claimant_id": people[who].id,
                                                                           "hours": hours}, POLICY)
                expected[who] += Decimal(hours) * POLICY.per_hour
            elif step[0] == "book":
                _, who, which = step
                fee = Decimal(FEES[which])
                try:
                    booking = bookings.create_booking(session, people[who], bookings.BookingRequest(
                        listing_id=listings[which].id, start=local(1 + k // 10, 9 + k % 10),
                        end=local(1 + k // 10, 10 + k % 10)), zone=SHANGHAI)
                except InsufficientPoints:
                    session.rollback()
                    assert expected[who] < fee
                else:
                    assert expected[who] >= fee
                    expected[who] -= fee
                    made.append((booking, who, fee))
            elif step[0] in ("cancel", "complete") and made:
                booking, who, fee = made.pop(step[1] % len(made))
                if step[0] == "cancel":
                    bookings.cancel_booking(session, people[who], booking, "")
                    expected[who] += fee
                else:
                    lifecycle.complete_booking(session, booking, now=booking.end_at + timedelta(hours=1))
            elif step[0] == "reverse" and earned:
                original = earned[step[1] % len(earned)]
                who = next(i for i, p in enumerate(people) if services.user_account(session, p.id).id
                           == original.destination_id)
                try:
                    services.reverse(session, cast["admin"], original.id, "记错了", POLICY)
                except InsufficientPoints:
                    session.rollback()
                    assert expected[who] < original.amount
                else:
                    earned.remove(original)
                    expected[who] -= original.amount
            session.commit()
            events.process_outbox(session, clock.now())
            session.commit()
            assert services.verify(session, POLICY) == [], history[:k + 1]
            assert [balance(session, p) for p in people] == expected, history[:k + 1]
            assert all(b >= 0 for b in expected)
    assert {b.status for b, _who, _fee in made} <= {BookingStatus.confirmed}
    reversal_count = session.query(PointsTransfer).filter(PointsTransfer.reason == Reason.reversal).count()
    assert reversal_count == session.query(PointsTransfer).filter(PointsTransfer.reverses_id.isnot(None)).count()
