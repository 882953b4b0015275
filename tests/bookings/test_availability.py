"""The availability rules, one at a time: hours, exceptions, bookings, buffers, capacity, notice, advance, DST."""
from datetime import date, time, timedelta

import pytest

from marketplace.bookings.availability import availability, check_bookable, open_intervals, opening_plans
from marketplace.bookings.services import cancel_booking
from marketplace.core import clock
from marketplace.core.errors import ValidationFailed
from marketplace.core.zones import to_local
from marketplace.listings import services as listings
from marketplace.listings.services import ExceptionData, HoursInterval
from tests.bookings.conftest import BERLIN, SHANGHAI, TODAY, local


def starts(slots, zone=SHANGHAI):
    """Slot starts as local "HH:MM" strings."""
    return [to_local(slot.start, zone).strftime("%H:%M") for slot in slots]


def day_window(day, zone=SHANGHAI):
    return local(day, 0, zone=zone), local(day + 1 if isinstance(day, int) else day + timedelta(days=1), 0, zone=zone)


def monday_mornings(factory, **fields):
    return factory.listing(hours=[HoursInterval(weekday=0, opens=time(9), closes=time(12))], **fields)


def test_slots_follow_the_weekly_hours_on_the_slot_grid(factory, session, now):
    listing = monday_mornings(factory, slot_minutes=60, min_duration_minutes=60)
    slots = availability(session, listing, *day_window(7), SHANGHAI)
    assert starts(slots) == ["09:00", "10:00", "11:00"]
    assert all(slot.end - slot.start == timedelta(minutes=60) and slot.seats_left == 1 for slot in slots)
    assert availability(session, listing, *day_window(8), SHANGHAI) == []  # Tuesday: closed


def test_a_longer_duration_must_end_by_closing_time(factory, session, now):
    listing = monday_mornings(factory, slot_minutes=30, min_duration_minutes=30)
    slots = availability(session, listing, *day_window(7), SHANGHAI, duration_minutes=120)
    assert starts(slots) == ["09:00", "09:30", "10:00"]


def test_duration_outside_the_listings_limits_is_refused(factory, session, now):
    listing = monday_mornings(factory, min_duration_minutes=60, max_duration_minutes=120)
    with pytest.raises(ValidationFailed, match="至少60分钟"):
        availability(session, listing, *day_window(7), SHANGHAI, duration_minutes=30)
    with pytest.raises(ValidationFailed, match="最多120分钟"):
        availability(session, listing, *day_window(7), SHANGHAI, duration_minutes=150)
    with pytest.raises(ValidationFailed, match="整数倍"):
        availability(session, listing, *day_window(7), SHANGHAI, duration_minutes=75)


def test_a_whole_day_closure_removes_the_day(factory, session, now):
    listing = monday_mornings(factory)
    listings.add_exception(session, listing.organisation.memberships[0].user, listing,
                           ExceptionData(day=TODAY + timedelta(days=7), note="端午节"))
    session.commit()
    assert availability(session, listing, *day_window(7), SHANGHAI) == []
    assert availability(session, listing, *day_window(14), SHANGHAI) != []


def test_a_closed_span_cuts_the_hours_and_an_extra_opening_adds_some(factory, session, now):
    listing = monday_mornings(factory, slot_minutes=60, min_duration_minutes=60)
    staff = listing.organisation.memberships[0].user
    monday = TODAY + timedelta(days=7)
    listings.add_exception(session, staff, listing, ExceptionData(day=monday, opens=time(10), closes=time(11)))
    listings.add_exception(session, staff, listing, ExceptionData(day=monday, is_closed=False, opens=time(18),
                                                                   closes=time(20)))
    session.commit()
    assert starts(availability(session, listing, *day_window(7), SHANGHAI)) == ["09:00", "11:00", "18:00", "19:00"]


def test_pending_and_confirmed_bookings_hold_their_slot_cancelled_ones_free_it(factory, session, now, writing):
    instant = monday_mornings(factory, slot_minutes=60, min_duration_minutes=60)
    approval = monday_mornings(factory, slot_minutes=60, min_duration_minutes=60, instant_booking=False)
    confirmed = factory.booking(listing=instant, start=local(7, 10))
    pending = factory.booking(listing=approval, start=local(7, 10))
    assert (confirmed.status.value, pending.status.value) == ("confirmed", "pending")
    assert starts(availability(session, instant, *day_window(7), SHANGHAI)) == ["09:00", "11:00"]
    assert starts(availability(session, approval, *day_window(7), SHANGHAI)) == ["09:00", "11:00"]
    cancel_booking(session, pending.booker, pending)
    session.commit()
    assert starts(availability(session, approval, *day_window(7), SHANGHAI)) == ["09:00", "10:00", "11:00"]


def test_the_buffer_keeps_a_gap_after_every_booking(factory, session, now, writing):
    listing = factory.listing(slot_minutes=30, min_duration_minutes=60, buffer_minutes=30,
                              hours=[HoursInterval(weekday=0, opens=time(9), closes=time(16))])
    factory.booking(listing=listing, start=local(7, 12), minutes=60)
    free = starts(availability(session, listing, *day_window(7), SHANGHAI))
    # 10:30–11:30 plus its buffer ends exactly when the booking starts; 11:00 would overlap it.
    assert "10:30" in free and "11:00" not in free and "11:30" not in free
    # The booking's own buffer blocks until 13:30.
    assert "13:00" not in free and "13:30" in free


def test_capacity_is_the_sum_of_seats_at_every_instant(factory, session, now, writing):
    listing = factory.listing(capacity=3, slot_minutes=30, min_duration_minutes=30,
                              hours=[HoursInterval(weekday=0, opens=time(9), closes=time(13))])
    factory.booking(listing=listing, start=local(7, 10), minutes=60, seats=2)
    factory.booking(listing=listing, start=local(7, 10, 30), minutes=60, seats=1)
    left = {starts([s])[0]: s.seats_left for s in availability(session, listing, *day_window(7), SHANGHAI)}
    assert left["09:30"] == 3 and left["10:00"] == 1 and "10:30" not in left
    assert left["11:00"] == 2 and left["11:30"] == 3
    two_seats = starts(availability(session, listing, *day_window(7), SHANGHAI, seats=2))
    assert "10:00" not in two_seats and "11:00" in two_seats


def test_minimum_notice_and_maximum_advance_bound_the_slots(factory, session, now):
    listing = factory.listing(min_notice_minutes=120, max_advance_days=2, slot_minutes=60, min_duration_minutes=60)
    slots = availability(session, listing, local(0, 0), local(4, 0), SHANGHAI)
    assert slots[0].start == local(0, 10)  # now is 08:00, two hours' notice
    assert slots[-1].start == local(1, 20)  # now + 2 days is Wednesday 08:00, before Wednesday opens


def test_window_is_limited_and_must_end_after_it_starts(factory, session, now):
    listing = factory.listing()
    with pytest.raises(ValidationFailed, match="62天"):
        availability(session, listing, local(0, 0), local(63, 0), SHANGHAI)
    with pytest.raises(ValidationFailed, match="晚于开始"):
        availability(session, listing, local(2, 0), local(1, 0), SHANGHAI)


def test_check_bookable_names_the_rule_broken(factory, session, now):
    listing = monday_mornings(factory, slot_minutes=60, min_duration_minutes=60, capacity=4)

    def refusal(start, end, seats=1):
        with pytest.raises(ValidationFailed) as caught:
            check_bookable(session, listing, start, end, seats, zone=SHANGHAI)
        return caught.value.field, str(caught.value.message)

    assert refusal(local(7, 9, 30), local(7, 10, 30)) == ("start", "开始时间需要对齐到时段（每60分钟一格）")
    assert refusal(local(7, 11), local(7, 13)) == ("start", "所选时间不在开放时间内")
    assert refusal(local(8, 9), local(8, 10)) == ("start", "所选时间不在开放时间内")
    assert refusal(local(-7, 9), local(-7, 10)) == ("start", "不能预约已经过去的时间")
    assert refusal(local(35, 9), local(35, 10)) == ("start", "最多只能提前30天预约")
    assert refusal(local(7, 9), local(7, 10), seats=5) == ("seats", "人数应在1到4之间")
    assert refusal(local(7, 10), local(7, 9)) == ("end", "结束时间必须晚于开始时间")
    assert check_bookable(session, listing, local(7, 9), local(7, 10), 3, zone=SHANGHAI) == 1


def test_a_listing_in_berlin_keeps_wall_clock_slots_across_the_spring_change(factory, session):
    """29 March 2026: clocks jump from 02:00 to 03:00 in Berlin. No slot in the skipped hour."""
    clock.travel_to(local(date(2026, 3, 20), 12, zone=BERLIN))
    listing = factory.listing(slot_minutes=60, min_duration_minutes=60, min_notice_minutes=0,
                              hours=[HoursInterval(weekday=6, opens=time(0), closes=time(6))])
    day = date(2026, 3, 29)
    slots = availability(session, listing, *day_window(day, BERLIN), BERLIN)
    assert starts(slots, BERLIN) == ["00:00", "01:00", "03:00", "04:00", "05:00"]
    assert [s.start.strftime("%H:%M") for s in slots] == ["23:00", "00:00", "01:00", "02:00", "03:00"]  # UTC
    # The week before and after: plain CET then CEST offsets.
    assert availability(session, listing, *day_window(day - timedelta(days=7), BERLIN), BERLIN)[0].start.hour == 23
    assert availability(session, listing, *day_window(day + timedelta(days=7), BERLIN), BERLIN)[0].start.hour == 22


def test_a_listing_in_berlin_offers_the_repeated_autumn_hour_once(factory, session):
    """25 October 2026: clocks go back from 03:00 to 02:00. The 02:00 slot appears once, at its first occurrence."""
    clock.travel_to(local(date(2026, 10, 20), 12, zone=BERLIN))
    listing = factory.listing(slot_minutes=60, min_duration_minutes=60, min_notice_minutes=0,
                              hours=[HoursInterval(weekday=6, opens=time(0), closes=time(6))])
    slots = availability(session, listing, *day_window(date(2026, 10, 25), BERLIN), BERLIN)
    assert starts(slots, BERLIN) == ["00:00", "01:00", "02:00", "03:00", "04:00", "05:00"]
    assert [s.start.strftime("%H:%M") for s in slots] == ["22:00", "23:00", "00:00", "02:00", "03:00", "04:00"]
    assert len({s.start for s in slots}) == len(slots)


def test_a_booking_made_in_berlin_is_stored_in_utc(factory, session, writing):
    clock.travel_to(local(date(2026, 3, 20), 12, zone=BERLIN))
    listing = factory.listing(slot_minutes=60, min_duration_minutes=60, min_notice_minutes=0,
                              hours=[HoursInterval(weekday=6, opens=time(0), closes=time(6))])
    booking = factory.booking(listing=listing, start=local(date(2026, 3, 29), 3, zone=BERLIN), zone=BERLIN)
    session.expire_all()
    assert booking.start_at.isoformat() == "2026-03-29T01:00:00+00:00"
    assert "03:00" not in starts(availability(session, listing, *day_window(date(2026, 3, 29), BERLIN), BERLIN),
                                 BERLIN)


def test_the_maximum_advance_is_counted_to_the_minute(factory, session, now):
    listing = factory.listing(max_advance_days=2, slot_minutes=30, min_duration_minutes=30,
                              hours=[HoursInterval(weekday=d, opens=time(6), closes=time(22)) for d in range(7)])
    limit = now + timedelta(days=2)  # Wednesday 08:00
    assert availability(session, listing, *day_window(2), SHANGHAI)[-1].start == limit
    assert check_bookable(session, listing, limit, limit + timedelta(minutes=30), 1, zone=SHANGHAI) == 0
    with pytest.raises(ValidationFailed, match="最多只能提前2天预约"):
        check_bookable(session, listing, limit + timedelta(minutes=30), limit + timedelta(minutes=60), 1,
                       zone=SHANGHAI)


@pytest.mark.parametrize(("day", "zone"), [(TODAY + timedelta(days=7), SHANGHAI), (date(2026, 3, 29), BERLIN)],
                         ids=["shanghai-monday", "berlin-spring-change"])
def test_the_open_intervals_of_many_listings_at_once_are_their_opening_plans_intervals(factory, session, day, zone):
    clock.travel_to(local(day - timedelta(days=7), 12, zone=zone))
    weekday = day.weekday()
    org = factory.organisation()
    staff = org.memberships[0].user
    plain = factory.listing(organisation=org, hours=[HoursInterval(weekday=weekday, opens=time(0), closes=time(6))])
    split = factory.listing(organisation=org, hours=[HoursInterval(weekday=weekday, opens=time(1), closes=time(3)),
                                                     HoursInterval(weekday=weekday, opens=time(14), closes=time(17))])
    cut = factory.listing(organisation=org, hours=[HoursInterval(weekday=weekday, opens=time(0), closes=time(6))])
    listings.add_exception(session, staff, cut, ExceptionData(day=day, opens=time(1), closes=time(2)))
    listings.add_exception(session, staff, cut, ExceptionData(day=day, is_closed=False, opens=time(2, 15),
                                                              closes=time(2, 45)))
    shut = factory.listing(organisation=org, hours=[HoursInterval(weekday=weekday, opens=time(9), closes=time(12))])
    listings.add_exception(session, staff, shut, ExceptionData(day=day, note="端午节"))
    other_day = factory.listing(organisation=org, hours=[HoursInterval(weekday=(weekday + 1) % 7, opens=time(9),
                                                                       closes=time(12))])
    session.commit()
    chosen = [plain, split, cut, shut, other_day]
    ids = [listing.id for listing in chosen]
    session.expire_all()
    plans = opening_plans(session, [session.get(type(plain), listing_id) for listing_id in ids], day, day, zone)
    assert open_intervals(session, ids, day, zone) == {listing_id: plans[listing_id].intervals for listing_id in ids}
    assert plans[plain.id].intervals and plans[cut.id].intervals and not plans[shut.id].intervals
