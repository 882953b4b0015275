"""Recurring series: the dates a rule makes, the preview, all-free or all-or-nothing, cancel and edit by scope."""
from datetime import date, datetime, time, timedelta

import pytest

from marketplace.bookings.availability import SlotTaken
from marketplace.bookings.models import BookingStatus, SeriesFrequency
from marketplace.bookings.series import (SeriesRequest, cancel_series, create_series, edit_series, occurrence_times,
                                         preview_series, recurrence_rule)
from marketplace.bookings.services import BookingChange, edit_booking
from marketplace.core import clock
from marketplace.core.errors import Conflict, Forbidden, ValidationFailed
from marketplace.core.zones import to_local
from marketplace.listings.services import HoursInterval
from tests.bookings.conftest import BERLIN, SHANGHAI, local

TUESDAY_EVENINGS = [HoursInterval(weekday=1, opens=time(18), closes=time(22))]


def local_days(occurrences, zone=SHANGHAI):
    return [to_local(o.start, zone).strftime("%m-%d %H:%M") for o in occurrences]


def tuesday_series(listing, **fields):
    values = {"listing_id": listing.id, "start": local(1, 19), "end": local(1, 20), "frequency": "weekly",
              "count": 4, **fields}
    return SeriesRequest(**values)


@pytest.fixture
def hall(factory):
    return factory.listing(hours=TUESDAY_EVENINGS, slot_minutes=60, min_duration_minutes=60, max_advance_days=60)


def test_the_three_frequencies_make_the_expected_dates():
    first = datetime(2026, 6, 9, 19, 0)  # the second Tuesday of June
    weekly = recurrence_rule(SeriesFrequency.weekly, first, until=date(2026, 6, 30), count=None)
    assert [d.day for d in weekly] == [9, 16, 23, 30]
    biweekly = recurrence_rule(SeriesFrequency.biweekly, first, until=None, count=3)
    assert [(d.month, d.day) for d in biweekly] == [(6, 9), (6, 23), (7, 7)]
    monthly = recurrence_rule(SeriesFrequency.monthly, first, until=None, count=3)
    assert [(d.month, d.day) for d in monthly] == [(6, 9), (7, 14), (8, 11)]  # every second Tuesday
    fifth = recurrence_rule(SeriesFrequency.monthly, datetime(2026, 6, 30, 19), until=None, count=3)
    assert [(d.month, d.day) for d in fifth] == [(6, 30), (7, 28), (8, 25)]  # the last Tuesday


def test_a_series_keeps_its_wall_clock_time_across_a_dst_change():
    request = SeriesRequest(listing_id=1, start=local(date(2026, 3, 17), 19, zone=BERLIN),
                            end=local(date(2026, 3, 17), 20, zone=BERLIN), frequency="weekly", count=3)
    _, times = occurrence_times(request, BERLIN)
    assert [to_local(start, BERLIN).strftime("%d %H:%M") for start, _, _ in times] == ["17 19:00", "24 19:00",
                                                                                       "31 19:00"]
    assert [start.hour for start, _, _ in times] == [18, 18, 17]  # UTC moves, the local time does not


def test_preview_lists_free_dates_and_says_why_others_conflict(factory, session, now, writing, hall):
    factory.booking(listing=hall, start=local(8, 19))  # the second Tuesday is taken
    preview = preview_series(session, factory.user(), tuesday_series(hall, count=10), zone=SHANGHAI)
    assert local_days(preview.free) == ["06-02 19:00", "06-16 19:00", "06-23 19:00", "06-30 19:00", "07-07 19:00",
                                        "07-14 19:00", "07-21 19:00", "07-28 19:00"]
    taken, beyond = preview.conflicts
    assert (local_days([taken]), taken.problem, taken.reason) == (["06-09 19:00"], "taken", "这个时段刚刚被别人预约了")
    assert (local_days([beyond]), beyond.problem, beyond.reason) == (["08-04 19:00"], "rule", "最多只能提前60天预约")


def test_dates_of_one_series_count_against_each_other_for_fair_use(factory, session, now, writing):
    listing = factory.listing(hours=TUESDAY_EVENINGS, slot_minutes=60, min_duration_minutes=60,
                              max_active_bookings_per_booker=2)
    preview = preview_series(session, factory.user(), tuesday_series(listing), zone=SHANGHAI)
    assert [o.free for o in preview.occurrences] == [True, True, False, False]
    assert "上限2个" in preview.conflicts[0].reason


def test_all_free_books_every_free_date_and_all_or_nothing_books_none(factory, session, now, writing, hall):
    factory.booking(listing=hall, start=local(8, 19))
    booker = factory.user()
    with pytest.raises(Conflict, match="没有创建任何预约") as refused:
        create_series(session, booker, tuesday_series(hall), mode="all_or_nothing", zone=SHANGHAI)
    assert [o["free"] for o in refused.value.details["occurrences"]] == [True, False, True, True]
    session.rollback()
    series, preview = create_series(session, booker, tuesday_series(hall, purpose="合唱排练"), mode="all_free",
                                    zone=SHANGHAI)
    session.commit()
    assert [b.status for b in series.bookings] == [BookingStatus.confirmed] * 3
    assert local_days([o for o in preview.occurrences if not o.free]) == ["06-09 19:00"]
    assert series.rrule.endswith("RRULE:FREQ=WEEKLY;COUNT=4") and series.occurrence_count == 4
    assert {b.purpose for b in series.bookings} == {"合唱排练"}


def test_a_series_request_must_say_how_long_it_repeats(factory, session, now, hall):
    booker = factory.user()
    for fields, field in (({"count": None}, "until"), ({"until": date(2026, 7, 1)}, "until"),
                          ({"count": 0}, "count"), ({"count": None, "until": date(2027, 12, 1)}, "until"),
                          ({"frequency": "daily"}, "frequency")):
        with pytest.raises(ValidationFailed) as refused:
            preview_series(session, booker, tuesday_series(hall, **fields), zone=SHANGHAI)
        assert refused.value.field == field
    with pytest.raises(ValidationFailed, match="请选择“预约所有空闲日期”"):
        create_series(session, booker, tuesday_series(hall), mode="some", zone=SHANGHAI)


@pytest.fixture
def weekly(factory, session, now, writing, hall):
    series, _ = create_series(session, factory.user(), tuesday_series(hall), mode="all_free", zone=SHANGHAI)
    session.commit()
    return series


def test_cancel_one_occurrence(session, weekly):
    second = weekly.bookings[1]
    result = cancel_series(session, weekly.booker, weekly, scope="occurrence", booking_id=second.id)
    assert result.cancelled == [second]
    assert [b.status for b in weekly.bookings] == [BookingStatus.confirmed, BookingStatus.cancelled,
                                                    BookingStatus.confirmed, BookingStatus.confirmed]


def test_cancel_this_and_the_following_occurrences(session, weekly):
    result = cancel_series(session, weekly.booker, weekly, scope="following", booking_id=weekly.bookings[2].id)
    assert result.cancelled == weekly.bookings[2:]
    assert weekly.bookings[1].status is BookingStatus.confirmed


def test_cancelling_the_whole_series_keeps_what_the_cutoff_protects(session, weekly):
    clock.travel_to(weekly.bookings[0].start_at - timedelta(minutes=30))
    result = cancel_series(session, weekly.booker, weekly, scope="all")
    assert result.cancelled == weekly.bookings[1:]
    [(kept, reason)] = result.kept
    assert kept is weekly.bookings[0] and "不能再取消" in reason and kept.status is BookingStatus.confirmed
    with pytest.raises(Conflict, match="没有可以取消的预约"):
        cancel_series(session, weekly.booker, weekly, scope="following", booking_id=weekly.bookings[1].id)


def test_only_the_booker_or_the_provider_cancel_a_series(factory, session, weekly):
    with pytest.raises(Forbidden):
        cancel_series(session, factory.user(), weekly, scope="all")
    staff = weekly.listing.organisation.memberships[0].user
    result = cancel_series(session, staff, weekly, scope="all", reason="场地维修")
    assert {b.events[-1].action for b in result.cancelled} == {"cancel_by_provider"}


def test_an_edit_applies_to_this_and_later_occurrences(session, weekly):
    third = weekly.bookings[2]
    edited = edit_series(session, weekly.booker, weekly, BookingChange(purpose="改为读书会", shift_minutes=60),
                         scope="following", booking_id=third.id, zone=SHANGHAI)
    assert edited == weekly.bookings[2:]
    assert [to_local(b.start_at, SHANGHAI).hour for b in weekly.bookings] == [19, 19, 20, 20]
    assert [b.purpose for b in weekly.bookings] == ["", "", "改为读书会", "改为读书会"]
    assert third.blocked_until == third.end_at and third.events[-1].action == "edit"


def test_an_edit_that_does_not_fit_everywhere_changes_nothing(factory, session, weekly):
    factory.booking(listing=weekly.listing, start=local(15, 20))  # blocks 20:00 on the third Tuesday
    with pytest.raises(Conflict, match="有1次预约无法按要求修改") as refused:
        edit_series(session, weekly.booker, weekly, BookingChange(shift_minutes=60), scope="all", zone=SHANGHAI)
    assert refused.value.details["failures"][0]["start"].startswith("2026-06-16T19:00")
    session.rollback()
    assert [to_local(b.start_at, SHANGHAI).hour for b in weekly.bookings] == [19] * 4


def test_a_refused_edit_leaves_even_the_purpose_unchanged(factory, session, weekly):
    factory.booking(listing=weekly.listing, start=local(1, 20))  # blocks 20:00 on the first Tuesday
    first = weekly.bookings[0]
    with pytest.raises(SlotTaken):
        edit_booking(session, weekly.booker, first, BookingChange(purpose="改为读书会", shift_minutes=60), zone=SHANGHAI)
    assert first.purpose == "" and to_local(first.start_at, SHANGHAI).hour == 19


def test_only_the_booker_edits_a_series(factory, session, weekly):
    with pytest.raises(Forbidden):
        edit_series(session, factory.user(), weekly, BookingChange(purpose="x"), scope="all", zone=SHANGHAI)
    with pytest.raises(ValidationFailed, match="范围只能是"):
        edit_series(session, weekly.booker, weekly, BookingChange(purpose="x"), scope="some", zone=SHANGHAI)
