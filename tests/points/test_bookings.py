"""Points follow bookings: held when a booking of a points-priced listing is made (refused when the booker cannot
pay), taken by the provider when it completes or its booker does not show, returned when it is cancelled,
rejected or expired; a volunteer's free skill or service earns hours × rate when completed."""
from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.bookings import lifecycle
from marketplace.bookings import series as series_services
from marketplace.bookings import services as bookings
from marketplace.bookings.models import Booking
from marketplace.core import clock, events, transactions
from marketplace.points import services
from marketplace.points.models import AccountKind, PointsTransfer, Reason
from marketplace.points.services import InsufficientPoints
from tests.bookings.conftest import SHANGHAI
from tests.points.conftest import POLICY, balance, complete, local


def staff_of(listing):
    return next(m.user for m in listing.organisation.memberships)


def reasons(session, booking) -> list[Reason]:
    return list(session.scalars(select(PointsTransfer.reason).where(
        PointsTransfer.reference_type == "booking", PointsTransfer.reference_id == booking.id)
        .order_by(PointsTransfer.id)))


def held(session) -> Decimal:
    return services.balance_of(session, services.system_account(session, AccountKind.holds).id)


def test_booking_a_points_listing_holds_its_fee_in_the_same_transaction(session, factory, fund, points_listing, now):
    booker = factory.user()
    fund(user=booker, amount="12")
    booking = factory.booking(listing=points_listing(), booker=booker, start=local(1, 10))
    assert balance(session, booker) == Decimal("7.00")
    assert held(session) == Decimal("5.00")
    assert reasons(session, booking) == [Reason.hold]
    assert services.held_from(session, services.user_account(session, booker.id)) == Decimal("5.00")


def test_a_booker_who_cannot_pay_is_refused_and_no_booking_is_written(session, factory, fund, points_listing, now):
    booker = factory.user()
    fund(user=booker, amount="4")
    listing = points_listing()
    with pytest.raises(InsufficientPoints) as refused:
        factory.booking(listing=listing, booker=booker, start=local(1, 10))
    session.rollback()
    assert "积分不足" in str(refused.value.message)
    assert refused.value.details == {"needed": "5.00", "balance": "4.00"}
    assert session.scalar(select(Booking.id).where(Booking.listing_id == listing.id)) is None
    assert balance(session, booker) == Decimal("4.00")


def test_a_free_listing_holds_nothing(session, factory, now):
    booking = factory.booking(listing=factory.listing(), start=local(1, 10))
    assert reasons(session, booking) == []


def test_completing_the_booking_gives_the_held_points_to_the_providing_organisation(
        session, factory, fund, points_listing, deliver, now):
    booker = factory.user()
    fund(user=booker, amount="5")
    listing = points_listing()
    booking = factory.booking(listing=listing, booker=booker, start=local(1, 10))
    complete(session, booking)
    deliver()
    assert reasons(session, booking) == [Reason.hold, Reason.take]
    assert balance(session, organisation=listing.organisation) == Decimal("5.00")
    assert held(session) == 0
    assert services.verify(session, POLICY) == []


def test_a_no_show_gives_the_held_points_to_the_provider_too(session, factory, fund, points_listing, deliver, now):
    booker = factory.user()
    fund(user=booker, amount="5")
    listing = points_listing()
    booking = factory.booking(listing=listing, booker=booker, start=local(1, 10))
    clock.travel_to(local(1, 10, 30))
    with transactions.read_only(False):
        bookings.mark_no_show(session, staff_of(listing), booking)
        session.commit()
    deliver()
    assert reasons(session, booking) == [Reason.hold, Reason.take]
    assert balance(session, organisation=listing.organisation) == Decimal("5.00")


@pytest.mark.parametrize("ending", ["cancel", "reject", "expire"])
def test_a_booking_that_does_not_happen_returns_the_held_points(session, factory, fund, points_listing, deliver, now,
                                                                 ending):
    booker = factory.user()
    fund(user=booker, amount="5")
    listing = points_listing(instant_booking=ending == "cancel")
    booking = factory.booking(listing=listing, booker=booker, start=local(2, 10))
    assert balance(session, booker) == 0
    with transactions.read_only(False):
        if ending == "cancel":
            bookings.cancel_booking(session, booker, booking, "有事去不了")
        elif ending == "reject":
            bookings.reject_booking(session, staff_of(listing), booking, "当天有活动")
        else:
            clock.travel_to(booking.approval_deadline + timedelta(minutes=1))
            assert lifecycle.expire_due(session, clock.now(), limit=10) == (1, 1)
        session.commit()
    assert services.verify(session, POLICY) != [], "before the outbox runs the hold lags the booking"
    deliver()
    assert reasons(session, booking) == [Reason.hold, Reason.release]
    assert balance(session, booker) == Decimal("5.00")
    assert services.verify(session, POLICY) == []


def test_the_hold_ends_once_however_often_its_events_are_delivered(session, factory, fund, points_listing, now):
    booker = factory.user()
    fund(user=booker, amount="5")
    booking = factory.booking(listing=points_listing(), booker=booker, start=local(2, 10))
    services.end_hold(session, booking.id, take=False)
    assert services.end_hold(session, booking.id, take=False) is None
    assert services.end_hold(session, booking.id, take=True) is None
    assert reasons(session, booking) == [Reason.hold, Reason.release]


def test_each_booking_of_a_series_holds_its_fee_and_a_series_beyond_the_balance_is_refused_whole(
        session, factory, fund, points_listing, now):
    booker = factory.user()
    fund(user=booker, amount="12")
    listing = points_listing()

    def book(count):
        return series_services.create_series(session, booker, series_services.SeriesRequest(
            listing_id=listing.id, start=local(1, 10), end=local(1, 11), frequency="weekly", count=count,
            purpose="合唱团排练"), mode="all_free", zone=SHANGHAI)

    with transactions.read_only(False):
        with pytest.raises(InsufficientPoints):
            book(3)
        session.rollback()
        assert balance(session, booker) == Decimal("12.00")
        book(2)
        session.commit()
    assert balance(session, booker) == Decimal("2.00")


def test_a_volunteers_completed_free_skill_earns_hours_times_rate_once(
        session, factory, volunteer_listing, deliver, now):
    volunteer = factory.user(volunteer=True)
    listing = volunteer_listing(volunteer)
    booking = factory.booking(listing=listing, start=local(1, 10), minutes=90)
    complete(session, booking)
    assert deliver() >= 1
    assert balance(session, volunteer) == Decimal("15.00")  # 1.5 hours × 10 (the tests' rate)
    assert services.earn_for_booking(session, booking.id, POLICY) is None
    assert balance(session, volunteer) == Decimal("15.00")


def test_a_volunteers_points_priced_skill_earns_the_fee_and_no_more(
        session, factory, fund, volunteer_listing, deliver, now):
    volunteer = factory.user(volunteer=True)
    listing = volunteer_listing(volunteer, fee_type="points", fee_amount="3")
    booker = factory.user()
    fund(user=booker, amount="3")
    booking = factory.booking(listing=listing, booker=booker, start=local(1, 10), minutes=120)
    complete(session, booking)
    deliver()
    assert balance(session, volunteer) == Decimal("3.00")
    assert reasons(session, booking) == [Reason.hold, Reason.take]


def test_an_organisations_completed_service_earns_nobody_anything(session, factory, deliver, now):
    booking = factory.booking(listing=factory.listing(kind="service"), start=local(1, 10))
    complete(session, booking)
    deliver()
    assert reasons(session, booking) == []


def test_a_confirmed_wish_earns_the_claimant_and_each_co_claimer_hours_times_rate_once(session, factory, deliver,
                                                                                     now):
    claimant, helper, resident = factory.user(volunteer=True), factory.user(), factory.user()
    payload = {"wish_id": 41, "claimant_id": claimant.id, "co_claimer_ids": [helper.id, claimant.id], "hours": 1.5,
               "confirmed_by_id": resident.id, "on_behalf": False}
    with transactions.read_only(False):
        for _ in range(2):  # the same event recorded twice (a retry upstream) earns nothing more
            events.record(session, "wish.confirmed", subject=("wish", 41), payload=payload, actor_id=resident.id)
        session.commit()
    deliver()
    assert balance(session, claimant) == Decimal("15.00")
    assert balance(session, helper) == Decimal("15.00")
    assert services.verify(session, POLICY) == []


def test_a_wish_event_with_nonsense_hours_fails_its_delivery_and_earns_nothing(session, factory, deliver, now):
    claimant = factory.user()
    with transactions.read_only(False):
        events.record(session, "wish.confirmed", subject=("wish", 7), payload={
            "wish_id": 7, "claimant_id": claimant.id, "co_claimer_ids": [], "hours": -2, "confirmed_by_id": None,
            "on_behalf": True})
        session.commit()
    deliver()
    assert balance(session, claimant) == 0
    delivery = session.scalar(select(events.EventDelivery).where(
        events.EventDelivery.subscriber == "marketplace.points.subscribers.earn_for_wish"))
    assert delivery.status == events.PENDING and "ValidationFailed" in delivery.last_error


def test_a_wish_confirmed_with_no_hours_earns_nothing_and_is_done(session, factory, deliver, now):
    claimant = factory.user()
    with transactions.read_only(False):
        events.record(session, "wish.confirmed", subject=("wish", 8), payload={
            "wish_id": 8, "claimant_id": claimant.id, "co_claimer_ids": [], "hours": 0, "confirmed_by_id": None,
            "on_behalf": False})
        session.commit()
    deliver()
    assert balance(session, claimant) == 0
    delivery = session.scalar(select(events.EventDelivery).where(
        events.EventDelivery.subscriber == "marketplace.points.subscribers.earn_for_wish"))
    assert delivery.status == events.DONE


def test_one_outbox_run_of_many_bookings_moves_the_same_points_as_running_them_one_by_one(
        session, factory, fund, points_listing, volunteer_listing, deliver, now, caplog, monkeypatch):
    """The three booking subscribers take an outbox run's events as a batch: completed, no-show, cancelled and
    free bookings, a volunteer's skill, and a hold already ended, all in one run, end as they do one by one."""

    def ledger(one_by_one: bool) -> list:
        clock.travel_to(now)
        booker, volunteer = factory.user(), factory.user(volunteer=True)
        fund(user=booker, amount="20")
        listing, skill = points_listing(), volunteer_listing(volunteer)
        made = [factory.booking(listing=listing, booker=booker, start=local(1, hour)) for hour in (10, 12, 14, 16)]
        made += [factory.booking(listing=skill, start=local(1, 10), minutes=90),
                 factory.booking(listing=factory.listing(), start=local(1, 10))]
        with transactions.read_only(False):
            services.end_hold(session, made[3].id, take=False)  # ended before its event is delivered
            bookings.cancel_booking(session, booker, made[2], "有事去不了")
            bookings.cancel_booking(session, booker, made[3], "有事去不了")
            clock.travel_to(local(1, 12, 30))
            bookings.mark_no_show(session, staff_of(listing), made[1])
            clock.travel_to(local(1, 20))
            for booking in (made[0], made[4], made[5]):
                lifecycle.complete_booking(session, booking)
            session.commit()
        if one_by_one:
            while events.process_outbox(session, clock.now(), limit=1):
                session.commit()
        else:
            with caplog.at_level(logging.INFO, logger=events.__name__):
                assert deliver() < 500, "one run, so each subscriber gets its events together"
            assert "failed on a batch" not in caplog.text, "a failed batch runs its events alone: not a batch"
        assert session.scalar(select(func.count()).select_from(events.EventDelivery).where(
            events.EventDelivery.status != events.DONE)) == 0
        return [[(row.reason, row.amount, row.destination.kind) for row in session.scalars(
            select(PointsTransfer).where(PointsTransfer.reference_type == "booking",
                                         PointsTransfer.reference_id == booking.id).order_by(PointsTransfer.id))]
                for booking in made]

    monkeypatch.setattr(events.log, "disabled", False)  # the migrations' logging set-up turned it off
    alone = ledger(one_by_one=True)
    assert [[reason for reason, _amount, _kind in rows] for rows in alone] == [
        [Reason.hold, Reason.take], [Reason.hold, Reason.take], [Reason.hold, Reason.release],
        [Reason.hold, Reason.release], [Reason.earn_service], []]
    assert ledger(one_by_one=False) == alone
    assert services.verify(session, POLICY) == []
