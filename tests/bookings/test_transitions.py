"""The state machine: every allowed move, every refused one, who may make it, and the log it leaves."""
from datetime import time, timedelta

import pytest

from marketplace.bookings import lifecycle, services
from marketplace.bookings.availability import availability
from marketplace.bookings.models import BookingStatus
from marketplace.core import clock
from marketplace.core.errors import Conflict, Forbidden, ValidationFailed
from marketplace.listings import services as listings
from tests.bookings.conftest import SHANGHAI, TODAY, local


@pytest.fixture
def approval_listing(factory):
    return factory.listing(instant_booking=False, cancel_cutoff_minutes=120)


@pytest.fixture
def staff(approval_listing):
    return approval_listing.organisation.memberships[0].user


def attempts(session, staff):
    """Every move a person or the scheduler can make on a booking, each at a time its own rules allow."""
    return {
        "approve": lambda b: services.approve_booking(session, staff, b, zone=SHANGHAI),
        "reject": lambda b: services.reject_booking(session, staff, b, "已满"),
        "cancel": lambda b: services.cancel_booking(session, b.booker, b),
        "cancel_by_provider": lambda b: services.cancel_booking(session, staff, b, "停电"),
        "expire": lambda b: lifecycle.expire_booking(session, b, now=b.start_at),
        "complete": lambda b: lifecycle.complete_booking(session, b, now=b.end_at),
        "no_show": lambda b: services.mark_no_show(session, staff, b, now=b.start_at + timedelta(minutes=15)),
    }


def refused(session, booking, moves, names) -> list[str]:
    """The moves (by name) refused with Conflict; each leaves the status and the log as they were."""
    result = []
    for name in names:
        status, logged = booking.status, len(booking.events)
        try:
            moves[name](booking)
        except Conflict:
            assert (booking.status, len(booking.events)) == (status, logged), name
            result.append(name)
    return result


def test_a_pending_request_cannot_be_completed_or_marked_no_show(factory, session, now, writing, approval_listing,
                                                                   staff):
    booking = factory.booking(listing=approval_listing, start=local(1, 10))
    assert refused(session, booking, attempts(session, staff), ["complete", "no_show"]) == ["complete", "no_show"]
    assert booking.status is BookingStatus.pending


def test_a_confirmed_booking_cannot_be_approved_rejected_or_expired(factory, session, now, writing):
    listing = factory.listing(cancel_cutoff_minutes=120)
    booking = factory.booking(listing=listing, start=local(1, 10))
    moves = attempts(session, listing.organisation.memberships[0].user)
    assert refused(session, booking, moves, ["approve", "reject", "expire"]) == ["approve", "reject", "expire"]
    assert booking.status is BookingStatus.confirmed


@pytest.mark.parametrize("final, path", [
    ("rejected", ["reject"]), ("cancelled", ["approve", "cancel"]), ("expired", ["expire"]),
    ("completed", ["approve", "complete"]), ("no_show", ["approve", "no_show"]),
])
def test_a_finished_booking_cannot_move_again(factory, session, now, writing, approval_listing, staff, final, path):
    booking = factory.booking(listing=approval_listing, start=local(1, 10))
    moves = attempts(session, staff)
    for step in path:
        moves[step](booking)
    assert booking.status is BookingStatus(final)
    assert refused(session, booking, moves, list(moves)) == list(moves)


def test_the_provider_approves_and_the_log_says_who_and_why(factory, session, now, writing, approval_listing, staff):
    booking = factory.booking(listing=approval_listing)
    services.approve_booking(session, staff, booking, zone=SHANGHAI, reason="欢迎使用")
    assert booking.status is BookingStatus.confirmed and booking.approval_deadline is None
    event = booking.events[-1]
    assert (event.action, event.from_status, event.to_status, event.actor_id, event.reason) == (
        "approve", BookingStatus.pending, BookingStatus.confirmed, staff.id, "欢迎使用")


def test_only_the_provider_decides(factory, session, now, writing, approval_listing):
    booking = factory.booking(listing=approval_listing)
    other_org_staff = factory.listing().organisation.memberships[0].user
    for decide in (lambda u: services.approve_booking(session, u, booking, zone=SHANGHAI),
                   lambda u: services.reject_booking(session, u, booking, "不行")):
        with pytest.raises(Forbidden):
            decide(booking.booker)
        with pytest.raises(Forbidden):
            decide(other_org_staff)
    assert booking.status is BookingStatus.pending


def test_rejecting_needs_a_reason_the_booker_sees(factory, session, now, writing, approval_listing, staff):
    booking = factory.booking(listing=approval_listing)
    with pytest.raises(ValidationFailed, match="请填写拒绝的原因"):
        services.reject_booking(session, staff, booking, "   ")
    services.reject_booking(session, staff, booking, "当天有社区活动")
    assert booking.status is BookingStatus.rejected and booking.decision_reason == "当天有社区活动"


def test_illegal_moves_are_refused_with_the_current_status(factory, session, now, writing, approval_listing, staff):
    booking = factory.booking(listing=approval_listing)
    services.reject_booking(session, staff, booking, "已满")
    with pytest.raises(Conflict, match="当前是“未通过”状态，不能批准"):
        services.approve_booking(session, staff, booking, zone=SHANGHAI)
    with pytest.raises(Conflict, match="不能取消"):
        services.cancel_booking(session, booking.booker, booking)
    with pytest.raises(Conflict):
        services.mark_no_show(session, staff, booking, now=booking.start_at + timedelta(minutes=5))
    assert [e.action for e in booking.events] == ["create", "reject"]


def test_a_request_past_its_deadline_cannot_be_approved_and_expires(factory, session, now, writing, approval_listing,
                                                                    staff):
    booking = factory.booking(listing=approval_listing, start=local(5, 10))
    deadline = booking.approval_deadline
    with pytest.raises(ValidationFailed, match="还没到审批期限"):
        lifecycle.expire_booking(session, booking, now=deadline - timedelta(minutes=1))
    with pytest.raises(Conflict, match="审批期限已过"):
        services.approve_booking(session, staff, booking, zone=SHANGHAI, now=deadline)
    lifecycle.expire_booking(session, booking, now=deadline)
    assert booking.status is BookingStatus.expired and booking.events[-1].actor_id is None
    assert lifecycle.due_for_expiry(session, deadline) == []


def test_the_scheduler_finds_due_requests_and_ended_bookings(factory, session, now, writing, approval_listing):
    pending = factory.booking(listing=approval_listing, start=local(5, 10))
    confirmed = factory.booking(listing=factory.listing(), start=local(1, 10))
    assert lifecycle.due_for_expiry(session, pending.approval_deadline) == [pending.id]
    assert lifecycle.due_for_completion(session, confirmed.end_at - timedelta(seconds=1)) == []
    assert lifecycle.due_for_completion(session, confirmed.end_at) == [confirmed.id]
    lifecycle.complete_booking(session, confirmed, now=confirmed.end_at)
    assert confirmed.status is BookingStatus.completed


def test_completion_waits_for_the_end(factory, session, now, writing):
    booking = factory.booking()
    with pytest.raises(ValidationFailed, match="结束后"):
        lifecycle.complete_booking(session, booking, now=booking.end_at - timedelta(minutes=1))


def test_the_booker_cancels_before_the_cutoff_and_is_refused_after(factory, session, now, writing):
    listing = factory.listing(cancel_cutoff_minutes=120)
    early = factory.booking(listing=listing, start=local(1, 10))
    services.cancel_booking(session, early.booker, early, now=early.start_at - timedelta(minutes=121))
    assert early.status is BookingStatus.cancelled and early.events[-1].action == "cancel_by_booker"
    late = factory.booking(listing=listing, start=local(1, 14))
    with pytest.raises(ValidationFailed, match="不足120分钟，不能再取消"):
        services.cancel_booking(session, late.booker, late, now=late.start_at - timedelta(minutes=119))
    with pytest.raises(Forbidden):
        services.cancel_booking(session, factory.user(), late)
    assert late.status is BookingStatus.confirmed


def test_a_pending_request_can_be_withdrawn_until_it_starts(factory, session, now, writing, approval_listing):
    booking = factory.booking(listing=approval_listing, start=local(1, 10))
    services.cancel_booking(session, booking.booker, booking, now=booking.start_at - timedelta(minutes=5))
    assert booking.status is BookingStatus.cancelled


def test_the_provider_cancels_with_a_reason_any_time_before_the_end(factory, session, now, writing):
    listing = factory.listing()
    staff = listing.organisation.memberships[0].user
    booking = factory.booking(listing=listing, start=local(1, 10))
    with pytest.raises(ValidationFailed, match="需要填写原因"):
        services.cancel_booking(session, staff, booking, "", now=booking.start_at + timedelta(minutes=10))
    services.cancel_booking(session, staff, booking, "突发停电", now=booking.start_at + timedelta(minutes=10))
    assert booking.events[-1].action == "cancel_by_provider" and booking.decision_reason == "突发停电"
    ended = factory.booking(listing=listing, start=local(1, 14))
    with pytest.raises(ValidationFailed, match="已经结束"):
        services.cancel_booking(session, staff, ended, "太晚了", now=ended.end_at)


def test_check_in_opens_shortly_before_the_start(factory, session, now, writing):
    listing = factory.listing()
    staff = listing.organisation.memberships[0].user
    booking = factory.booking(listing=listing, start=local(1, 10))
    with pytest.raises(ValidationFailed, match="开始前30分钟内"):
        services.check_in(session, staff, booking, now=booking.start_at - timedelta(minutes=31))
    with pytest.raises(Forbidden):
        services.check_in(session, booking.booker, booking, now=booking.start_at)
    services.check_in(session, staff, booking, now=booking.start_at - timedelta(minutes=20))
    assert booking.checked_in_at == booking.start_at - timedelta(minutes=20)
    assert booking.status is BookingStatus.confirmed and booking.events[-1].action == "check_in"
    with pytest.raises(Conflict, match="已经签到过了"):
        services.check_in(session, staff, booking, now=booking.start_at)
    with pytest.raises(Conflict, match="不能标记为爽约"):
        services.mark_no_show(session, staff, booking, now=booking.start_at + timedelta(minutes=30))


def test_a_no_show_is_marked_by_the_provider_after_the_start(factory, session, now, writing):
    listing = factory.listing()
    staff = listing.organisation.memberships[0].user
    booking = factory.booking(listing=listing, start=local(1, 10))
    with pytest.raises(ValidationFailed, match="开始后才能"):
        services.mark_no_show(session, staff, booking, now=booking.start_at - timedelta(minutes=1))
    services.mark_no_show(session, staff, booking, now=booking.start_at + timedelta(minutes=15))
    assert booking.status is BookingStatus.no_show and booking.events[-1].actor_id == staff.id


def test_a_volunteer_decides_on_their_own_listing(factory, session, now, writing):
    volunteer = factory.user(volunteer=True)
    listing = listings.create_listing(session, volunteer, listings.ListingData(
        kind="skill", title="法律咨询", place_id=factory.place_tree()["c1"].id, instant_booking=False),
        organisation_id=None)
    listings.set_opening_hours(session, volunteer, listing,
                               [listings.HoursInterval(weekday=d, opens=time(9), closes=time(17)) for d in range(7)])
    listings.publish_listing(session, volunteer, listing)
    session.commit()
    booking = factory.booking(listing=listing)
    assert [b.id for b, _ in services.pending_requests(session, volunteer, zone=SHANGHAI)] == [booking.id]
    services.approve_booking(session, volunteer, booking, zone=SHANGHAI)
    assert booking.status is BookingStatus.confirmed


def test_approval_conflicts_show_a_closure_added_after_the_request(factory, session, now, writing, approval_listing,
                                                                   staff):
    booking = factory.booking(listing=approval_listing, start=local(2, 10))
    assert services.approval_conflicts(session, booking, zone=SHANGHAI) == []
    listings.add_exception(session, staff, approval_listing, listings.ExceptionData(day=TODAY + timedelta(days=2)))
    session.commit()
    kinds = [c["kind"] for c in services.approval_conflicts(session, booking, zone=SHANGHAI)]
    assert kinds == ["closed"]
    [(request, conflicts)] = services.pending_requests(session, staff, organisation=approval_listing.organisation,
                                                       zone=SHANGHAI)
    assert request.id == booking.id and conflicts[0]["kind"] == "closed"
    with pytest.raises(Forbidden):
        services.pending_requests(session, booking.booker, organisation=approval_listing.organisation, zone=SHANGHAI)


def test_a_request_nobody_decided_in_time_stops_holding_its_slot(factory, session, now, approval_listing):
    start = local(5, 10)
    stale = factory.booking(listing=approval_listing, start=start)
    assert stale.approval_deadline == now + timedelta(hours=48)
    window = (local(5, 0), local(6, 0))
    assert start not in [slot.start for slot in availability(session, approval_listing, *window, SHANGHAI)]

    clock.advance(timedelta(hours=49))  # no scheduler has swept the request yet
    assert stale.status is BookingStatus.pending
    assert start in [slot.start for slot in availability(session, approval_listing, *window, SHANGHAI)]
    fresh = services.create_booking(session, factory.user(), services.BookingRequest(
        listing_id=approval_listing.id, start=start, end=start + timedelta(hours=1)), zone=SHANGHAI)
    session.commit()
    assert fresh.status is BookingStatus.pending
    assert stale.status is BookingStatus.expired
    assert (stale.events[-1].action, stale.events[-1].actor_id) == ("expire", None)


def test_a_request_past_its_deadline_is_no_conflict_for_the_next_one(factory, session, now):
    """On a listing of several places no booking lapses an overdue request (the database guard covers exclusive
    ones only); until the scheduler sweeps it, it must not make the provider's next decision look over capacity."""
    hall = factory.listing(capacity=2, instant_booking=False)
    start = local(5, 10)
    stale = factory.booking(listing=hall, start=start, seats=2)
    clock.advance(timedelta(hours=49))  # nobody decided; no scheduler swept it yet
    fresh = factory.booking(listing=hall, start=start, seats=2)
    assert stale.status is fresh.status is BookingStatus.pending
    assert services.approval_conflicts(session, fresh, zone=SHANGHAI) == []


def test_a_request_past_its_deadline_cannot_be_moved(factory, session, now, approval_listing):
    stale = factory.booking(listing=approval_listing, start=local(5, 10))
    clock.advance(timedelta(hours=49))
    with pytest.raises(Conflict, match="已过审批期限"):
        services.edit_booking(session, stale.booker, stale, services.BookingChange(shift_minutes=60), zone=SHANGHAI)
