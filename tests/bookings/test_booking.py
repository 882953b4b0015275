"""Booking a slot: instant or approval, the rules refused with clear messages, fair use, groups, alternatives."""
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from marketplace.bookings.availability import SlotTaken
from marketplace.bookings.models import Booking, BookingEvent, BookingStatus
from marketplace.bookings.services import BookingChange, BookingRequest, create_booking, edit_booking, needs_approval
from marketplace.core import clock
from marketplace.core.errors import Forbidden, NotFound, ValidationFailed
from marketplace.groups import services as groups
from marketplace.listings import services as listings
from marketplace.listings.services import HoursInterval
from tests.bookings.conftest import NOW, SHANGHAI, local


def book(session, booker, listing, start, end, **fields):
    return create_booking(session, booker, BookingRequest(listing_id=listing.id, start=start, end=end, **fields),
                          zone=SHANGHAI)


def test_an_instant_listing_confirms_at_once_and_logs_who_booked(factory, session, now, writing):
    listing = factory.listing()
    booker = factory.user()
    booking = book(session, booker, listing, local(1, 10), local(1, 11), purpose="合唱团排练")
    assert booking.status is BookingStatus.confirmed and booking.approval_deadline is None
    assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in booking.events] == [
        ("create", None, BookingStatus.confirmed, booker.id)]
    assert booking.blocked_until == booking.end_at and booking.exclusive


def test_an_approval_listing_creates_a_pending_request_with_a_deadline(factory, session, now, writing):
    listing = factory.listing(instant_booking=False)
    soon = book(session, factory.user(), listing, local(1, 10), local(1, 11))
    later = book(session, factory.user(), listing, local(10, 10), local(10, 11))
    assert soon.status is BookingStatus.pending
    assert soon.approval_deadline == local(1, 10)  # the start comes before 48 hours have passed
    assert later.approval_deadline == NOW + timedelta(hours=48)


def test_the_approval_policy_lives_in_one_place(factory):
    booker = factory.user()
    assert needs_approval(factory.listing(instant_booking=False), booker)
    assert not needs_approval(factory.listing(instant_booking=True), booker)


def test_the_buffer_is_stored_as_the_span_the_booking_blocks(factory, session, now, writing):
    listing = factory.listing(buffer_minutes=15, capacity=5)
    booking = book(session, factory.user(), listing, local(1, 10), local(1, 11), seats=2)
    assert booking.blocked_until == local(1, 11, 15) and not booking.exclusive


def test_a_taken_slot_is_refused_with_the_nearest_alternatives(factory, session, now, writing):
    listing = factory.listing(slot_minutes=60, min_duration_minutes=60)
    similar = factory.listing(organisation=listing.organisation, slot_minutes=60, min_duration_minutes=60)
    other_kind = factory.listing(organisation=listing.organisation, kind="service")
    factory.booking(listing=listing, start=local(3, 14))
    with pytest.raises(SlotTaken) as taken:
        book(session, factory.user(), listing, local(3, 14), local(3, 15))
    assert str(taken.value.message) == "这个时段刚刚被别人预约了" and taken.value.status_code == 409
    alternatives = taken.value.details["alternatives"]
    assert [a["start"] for a in alternatives["same_day"]] == [
        "2026-06-04T13:00:00+08:00", "2026-06-04T15:00:00+08:00", "2026-06-04T12:00:00+08:00"]
    assert [a["start"] for a in alternatives["other_days"]] == [
        "2026-06-05T14:00:00+08:00", "2026-06-03T14:00:00+08:00", "2026-06-06T14:00:00+08:00"]
    assert [s["listing_id"] for s in alternatives["similar_listings"]] == [similar.id]
    assert other_kind.id not in [s["listing_id"] for s in alternatives["similar_listings"]]


def test_too_few_seats_left_says_how_many_remain(factory, session, now, writing):
    listing = factory.listing(capacity=5)
    factory.booking(listing=listing, seats=4)
    with pytest.raises(SlotTaken, match="只剩1个名额"):
        factory.booking(listing=listing, seats=2)
    assert factory.booking(listing=listing, seats=1).seats == 1


@pytest.mark.parametrize("change, field, message", [
    ({"start": datetime(2026, 6, 2, 10)}, "start", "时间需要带时区"),
    ({"start": "tomorrow"}, "start", "请填写时间"),
    ({"purpose": "长" * 201}, "purpose", "不能超过200个字"),
    ({"seats": 0}, "seats", "人数请填1"),
    ({"seats": "2"}, "seats", "人数请填1"),
    ({"end": "2026-06-02T11:00:00+08:00"}, "end", "请填写时间"),
])
def test_malformed_requests_are_refused_field_by_field(factory, session, now, writing, change, field, message):
    listing = factory.listing()
    request = {"start": local(1, 10), "end": local(1, 11), **change}
    with pytest.raises(ValidationFailed) as refused:
        book(session, factory.user(), listing, **request)
    assert refused.value.field == field and message in str(refused.value.message)
    assert session.scalar(select(func.count(Booking.id))) == 0


def test_unknown_draft_and_suspended_listings_cannot_be_booked(factory, session, now, writing):
    booker = factory.user()
    with pytest.raises(NotFound):
        create_booking(session, booker, BookingRequest(listing_id=999999, start=local(1, 10), end=local(1, 11)),
                       zone=SHANGHAI)
    with pytest.raises(NotFound):
        book(session, booker, factory.listing(publish=False), local(1, 10), local(1, 11))
    suspended = factory.listing()
    listings.suspend_listing(session, suspended.organisation.memberships[0].user, suspended, "维修")
    session.commit()
    with pytest.raises(ValidationFailed, match="已暂停"):
        book(session, booker, suspended, local(1, 10), local(1, 11))


def test_booking_for_a_group_needs_membership(factory, session, now, writing):
    leader, member, outsider = factory.user(), factory.user(), factory.user()
    choir = groups.create_group(session, leader, "夕阳红合唱团")
    groups.add_member(session, leader, choir, member.phone)
    session.commit()
    listing = factory.listing(capacity=30)
    booking = book(session, member, listing, local(1, 10), local(1, 11), group_id=choir.id)
    assert booking.group_id == choir.id
    with pytest.raises(Forbidden):
        book(session, outsider, listing, local(1, 12), local(1, 13), group_id=choir.id)
    with pytest.raises(NotFound):
        book(session, member, listing, local(1, 12), local(1, 13), group_id=424242)


def test_fair_use_caps_active_bookings_per_booker(factory, session, now, writing):
    listing = factory.listing(max_active_bookings_per_booker=2)
    booker = factory.user()
    book(session, booker, listing, local(1, 10), local(1, 11))
    book(session, booker, listing, local(2, 10), local(2, 11))
    with pytest.raises(ValidationFailed, match="达到上限2个"):
        book(session, booker, listing, local(3, 10), local(3, 11))
    assert book(session, factory.user(), listing, local(3, 10), local(3, 11)).status is BookingStatus.confirmed


def test_a_request_past_its_deadline_does_not_hold_the_listings_cap(factory, session, now, writing):
    listing = factory.listing(max_active_bookings_per_booker=1, instant_booking=False)
    booker = factory.user()
    request = book(session, booker, listing, local(5, 10), local(5, 11))
    with pytest.raises(ValidationFailed, match="达到上限1个"):
        book(session, booker, listing, local(4, 10), local(4, 11))
    clock.travel_to(NOW + timedelta(hours=49))  # nobody decided within 48 hours, and no scheduler swept it yet
    assert book(session, booker, listing, local(4, 10), local(4, 11)).status is BookingStatus.pending
    assert request.status is BookingStatus.pending  # not in the new booking's way: it lapses when swept


def test_fair_use_caps_hours_per_local_week_for_the_group_too(factory, session, now, writing):
    listing = factory.listing(max_hours_per_week_per_booker=3, capacity=10, max_duration_minutes=240)
    leader, member = factory.user(), factory.user()
    chess = groups.create_group(session, leader, "象棋社")
    groups.add_member(session, leader, chess, member.phone)
    session.commit()
    book(session, leader, listing, local(1, 10), local(1, 12), group_id=chess.id)  # Tuesday, 2 hours
    with pytest.raises(ValidationFailed, match="团队“象棋社”本周.*3小时"):
        book(session, member, listing, local(2, 10), local(2, 12), group_id=chess.id)
    book(session, member, listing, local(2, 10), local(2, 11), group_id=chess.id)  # exactly 3 hours
    # Next Monday starts a new week.
    assert book(session, member, listing, local(7, 10), local(7, 12), group_id=chess.id).seats == 1


def test_the_database_itself_refuses_overlapping_exclusive_bookings(factory, session, now, writing):
    listing = factory.listing(buffer_minutes=30)
    first = factory.booking(listing=listing, start=local(1, 10))
    row = {column: getattr(first, column) for column in (
        "listing_id", "booker_id", "seats", "exclusive", "status", "purpose", "created_at", "updated_at")}
    # Starts inside the first booking's buffer: the service would refuse it; so must the database.
    clash = {**row, "start_at": local(1, 11, 15), "end_at": local(1, 12), "blocked_until": local(1, 12, 30)}
    with pytest.raises(IntegrityError, match="bookings_no_overlap"):
        with session.begin_nested():
            session.execute(insert(Booking).values(**clash))
    after_buffer = {**clash, "start_at": local(1, 11, 30), "blocked_until": local(1, 12, 30)}
    with session.begin_nested():
        session.execute(insert(Booking).values(**after_buffer))
    cancelled_overlap = {**clash, "status": BookingStatus.cancelled}
    with session.begin_nested():
        session.execute(insert(Booking).values(**cancelled_overlap))


def test_a_clash_the_checks_missed_is_refused_by_the_database_as_taken_with_alternatives(
        factory, session, now, writing, monkeypatch):
    # As if the lock or the check had let a racing booking through: the overlap guard is the last line.
    listing = factory.listing(slot_minutes=60, min_duration_minutes=60)
    factory.booking(listing=listing, start=local(3, 14))
    monkeypatch.setattr("marketplace.bookings.services.check_bookable", lambda *args, **kwargs: 0)
    with pytest.raises(SlotTaken) as taken:
        book(session, factory.user(), listing, local(3, 14), local(3, 15))
    assert str(taken.value.message) == "这个时段刚刚被别人预约了"
    assert "2026-06-04T15:00:00+08:00" in [a["start"] for a in taken.value.details["alternatives"]["same_day"]]
    # Only the refused insert was undone: the unit of work goes on.
    assert session.scalar(select(func.count(Booking.id)).where(Booking.listing_id == listing.id)) == 1


def test_a_move_into_a_clash_the_checks_missed_is_refused_by_the_database_as_taken(
        factory, session, now, writing, monkeypatch):
    listing = factory.listing(slot_minutes=60, min_duration_minutes=60)
    factory.booking(listing=listing, start=local(3, 14))
    later = factory.booking(listing=listing, start=local(3, 16))
    monkeypatch.setattr("marketplace.bookings.services.check_bookable", lambda *args, **kwargs: 0)
    with pytest.raises(SlotTaken, match="这个时段刚刚被别人预约了"):
        edit_booking(session, later.booker, later, BookingChange(shift_minutes=-120), zone=SHANGHAI)
    # Only the refused change was undone: the unit of work goes on.
    assert session.scalar(select(func.count(Booking.id)).where(Booking.listing_id == listing.id)) == 2


def test_nothing_is_written_when_a_booking_is_refused(factory, session, now, writing):
    listing = factory.listing(hours=[HoursInterval(weekday=0, opens=time(9), closes=time(12))])
    with pytest.raises(ValidationFailed):
        book(session, factory.user(), listing, local(1, 10), local(1, 11))
    session.rollback()
    assert session.scalar(select(func.count(BookingEvent.id))) == 0


def test_a_shared_listing_refuses_a_booking_whose_buffer_runs_into_a_full_slot(factory, session, now, writing):
    listing = factory.listing(capacity=2, buffer_minutes=30, slot_minutes=30, min_duration_minutes=30,
                              hours=[HoursInterval(weekday=d, opens=time(9), closes=time(13)) for d in range(7)])
    factory.booking(listing=listing, start=local(1, 11), minutes=60, seats=2)  # full 11:00–12:00, blocked to 12:30
    with pytest.raises(SlotTaken):
        book(session, factory.user(), listing, local(1, 10), local(1, 11))  # its buffer runs to 11:30
    with pytest.raises(SlotTaken):
        book(session, factory.user(), listing, local(1, 12), local(1, 12, 30))  # inside the full booking's buffer
    before = book(session, factory.user(), listing, local(1, 9, 30), local(1, 10, 30))
    after = book(session, factory.user(), listing, local(1, 12, 30), local(1, 13))
    assert (before.blocked_until, after.start_at) == (local(1, 11), local(1, 12, 30))
