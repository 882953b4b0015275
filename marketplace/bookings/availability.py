"""When a listing can be booked: opening hours and exceptions, bookings and their buffers, capacity,
minimum notice and maximum advance, the slot grid and the allowed durations.

Everything local (weekly hours, exceptions, the slot grid) is computed in the deployment's zone,
whose name services receive as a plain value; everything returned or compared is a UTC instant.
Slot starts are wall-clock times (09:00, 09:30 …): on the day clocks go forward the skipped
times are not offered, and on the day they go back a repeated time is offered once, at its first
occurrence (see ``core.zones``).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from functools import cache
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import String, bindparam, cast, inspect, null, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.bookings.models import ACTIVE_STATUSES, Booking, BookingStatus, HoldPurpose, SlotHold
from marketplace.core import clock
from marketplace.core.db import UTCDateTime
from marketplace.core.errors import Conflict, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.zones import (day_bounds, get_zone, in_supported_years, is_nonexistent, local_date, to_local,
                                    to_utc)
from marketplace.listings.models import Listing, ListingException, ListingStatus, OpeningHours
from marketplace.places.models import Place

MAX_WINDOW_DAYS = 62
# Listing validation caps a booking at 7 days and a buffer at 1 day, so no booking blocks more than
# 8 days: bookings overlapping a window start at most this long before it, which lets the
# (listing_id, start_at, blocked_until) index bound its range scan from both sides.
LONGEST_BLOCKED_SPAN = timedelta(days=8)
ALTERNATIVES_PER_KIND = 3
SIMILAR_LISTINGS_SCANNED = 20
OTHER_DAYS_SEARCHED = 7
# What the rules read of an exception, selected as plain rows where the listing has not loaded its own.
EXCEPTION_COLUMNS = (ListingException.listing_id, ListingException.day, ListingException.is_closed,
                     ListingException.opens, ListingException.closes)
# Built once: every booking checks its day's exceptions (see "The path of a request" in docs/ARCHITECTURE.md).
_EXCEPTIONS_BETWEEN = select(*EXCEPTION_COLUMNS).where(
    ListingException.listing_id.in_(bindparam("listing_ids", expanding=True)),
    ListingException.day.between(bindparam("first_day"), bindparam("last_day")))


class SlotTaken(Conflict):
    """The slot is full: taken by someone else, possibly a moment ago by a racing request."""


class Slot(NamedTuple):
    """A bookable start: a booking of the asked duration from ``start`` to ``end`` fits, ``seats_left`` seats free;
    a ``taken`` one lies in open time but others' bookings (or holds) leave too few seats for it. A named tuple: a
    month of a listing's slots is hundreds of them, and a frozen dataclass takes twice as long to make."""

    start: datetime
    end: datetime
    seats_left: int
    taken: bool = False


@dataclass(frozen=True)
class Hold:
    """The span a booking (or a slot hold) blocks, its time plus buffer, and the seats it takes; ``held_until``
    is when a slot hold runs out and ``purpose`` what it is for (both None for a booking)."""

    start: datetime
    until: datetime
    seats: int
    held_until: datetime | None = None
    purpose: HoldPurpose | None = None


class OpeningPlan:
    """A listing's open time over some local days: merged UTC intervals and the UTC slot-grid starts."""

    def __init__(self, intervals: list[tuple[datetime, datetime]], starts: list[datetime]):
        self.intervals = _merged(intervals)
        self._interval_starts = [start for start, _ in self.intervals]
        self.starts = sorted(set(starts))

    def contains(self, start: datetime, end: datetime) -> bool:
        """Whether [start, end) lies inside one stretch of open time."""
        index = bisect_right(self._interval_starts, start) - 1
        return index >= 0 and end <= self.intervals[index][1]

    def is_grid_start(self, instant: datetime) -> bool:
        index = bisect_left(self.starts, instant)
        return index < len(self.starts) and self.starts[index] == instant

    def starts_between(self, first: datetime, last: datetime) -> list[datetime]:
        """Grid starts in [first, last]."""
        return self.starts[bisect_left(self.starts, first):bisect_right(self.starts, last)]


class Occupancy:
    """Seats taken at every instant, as a step function built from holds."""

    def __init__(self, holds: list[Hold]):
        deltas: dict[datetime, int] = defaultdict(int)
        for hold in holds:
            deltas[hold.start] += hold.seats
            deltas[hold.until] -= hold.seats
        self.times = sorted(deltas)
        self.levels = []
        level = 0
        for instant in self.times:
            level += deltas[instant]
            self.levels.append(level)

    def peak(self, start: datetime, end: datetime) -> int:
        """The most seats taken at any instant of [start, end)."""
        index = bisect_right(self.times, start) - 1
        peak = self.levels[index] if index >= 0 else 0
        index += 1
        while index < len(self.times) and self.times[index] < end:
            peak = max(peak, self.levels[index])
            index += 1
        return peak


def _merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _subtract(span: tuple[int, int], closures: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``span`` (minutes of the day) outside every closure."""
    pieces = [span]
    for closed_from, closed_to in closures:
        remaining = []
        for start, end in pieces:
            if closed_to <= start or end <= closed_from:
                remaining.append((start, end))
                continue
            if start < closed_from:
                remaining.append((start, closed_from))
            if closed_to < end:
                remaining.append((closed_to, end))
        pieces = remaining
    return pieces


def _local_pieces(day: date, hours: dict[int, list[tuple[int, int]]],
                  exceptions: list[ListingException]) -> list[tuple[int, int, int]]:
    """(grid anchor, from, to) in minutes of ``day``: the weekly hours unless closed, minus closed spans, plus
    extra openings. The slot grid of a piece keeps the anchor of the opening it was cut from."""
    closed_all_day = any(e.is_closed and e.opens is None for e in exceptions)
    closures = [(_minutes(e.opens), _minutes(e.closes)) for e in exceptions if e.is_closed and e.opens is not None]
    pieces = []
    if not closed_all_day:
        for opens, closes in hours.get(day.weekday(), []):
            pieces += [(opens, start, end) for start, end in _subtract((opens, closes), closures)]
    for extra in exceptions:
        if not extra.is_closed and extra.opens is not None:
            opens = _minutes(extra.opens)
            pieces += [(opens, start, end) for start, end in _subtract((opens, _minutes(extra.closes)), closures)]
    return pieces


def opening_plan(session: Session, listing: Listing, first_day: date, last_day: date, zone: str) -> OpeningPlan:
    """The listing's open intervals and slot-grid starts (UTC) for the local days first_day..last_day."""
    return opening_plans(session, [listing], first_day, last_day, zone)[listing.id]


def opening_plans(session: Session, listings: list[Listing], first_day: date, last_day: date,
                  zone: str) -> dict[int, OpeningPlan]:
    """``opening_plan`` of several listings, by id, in at most one query for their hours and one for exceptions."""
    _load_opening_hours(session, listings)
    exceptions = _exceptions_between(session, listings, first_day, last_day)
    return {listing.id: _plan(listing, listing.opening_hours, exceptions[listing.id], first_day, last_day, zone)
            for listing in listings}


def open_intervals(session: Session, listing_ids: list[int], day: date,
                   zone: str) -> dict[int, list[tuple[datetime, datetime]]]:
    """Each listing's open intervals (UTC) on one local day, the ``intervals`` of its ``opening_plan``, read as
    plain rows (the day's weekly hours in one query, its exceptions in another) without loading the listings or
    laying out their slot grids: for figures over many listings at once."""
    hours: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for listing_id, opens, closes in session.execute(select(
            OpeningHours.listing_id, OpeningHours.opens, OpeningHours.closes).where(
            OpeningHours.listing_id.in_(listing_ids), OpeningHours.weekday == day.weekday())):
        hours[listing_id].append((_minutes(opens), _minutes(closes)))
    exceptions: dict[int, list[ListingException]] = defaultdict(list)
    for exception in session.execute(select(*EXCEPTION_COLUMNS).where(
            ListingException.listing_id.in_(listing_ids), ListingException.day == day)):
        exceptions[exception.listing_id].append(exception)
    tz = get_zone(zone)
    midnight = datetime.combine(day, time())
    # Most listings share a few opening times: each (from, to) is converted to UTC once.
    converted: dict[tuple[int, int], tuple[datetime, datetime] | None] = {}
    intervals = {}
    for listing_id in listing_ids:
        pieces = []
        for _anchor, begin, finish in _local_pieces(day, {day.weekday(): hours[listing_id]}, exceptions[listing_id]):
            if (begin, finish) not in converted:
                converted[(begin, finish)] = _utc_piece(midnight, begin, finish, tz)
            if converted[(begin, finish)] is not None:
                pieces.append(converted[(begin, finish)])
        intervals[listing_id] = _merged(pieces)
    return intervals


def _utc_piece(midnight: datetime, begin: int, finish: int, tz) -> tuple[datetime, datetime] | None:
    """A local piece of a day (minutes from midnight) in UTC; None if it fell wholly into a skipped hour."""
    opens_at = to_utc(midnight + timedelta(minutes=begin), tz, nonexistent="shift_forward")
    closes_at = to_utc(midnight + timedelta(minutes=finish), tz, nonexistent="shift_forward")
    return None if closes_at <= opens_at else (opens_at, closes_at)


@cache
def _grid_offsets(step: int, count: int) -> tuple[timedelta, ...]:
    """0, step, 2 × step … minutes: a piece's slot starts from its first (made once, not for every day)."""
    return tuple(timedelta(minutes=step * index) for index in range(count))


def _plan(listing: Listing, opening_hours, exceptions, first_day: date, last_day: date, zone: str) -> OpeningPlan:
    tz = get_zone(zone)
    hours: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for interval in opening_hours:
        hours[interval.weekday].append((_minutes(interval.opens), _minutes(interval.closes)))
    exceptions_by_day: dict[date, list[ListingException]] = defaultdict(list)
    for exception in exceptions:
        if first_day <= exception.day <= last_day:
            exceptions_by_day[exception.day].append(exception)
    step = listing.slot_minutes
    intervals, starts = [], []
    day = first_day
    while day <= last_day:
        midnight = datetime.combine(day, time())
        for anchor, begin, finish in _local_pieces(day, hours, exceptions_by_day.get(day, [])):
            piece = _utc_piece(midnight, begin, finish, tz)
            if piece is None:
                continue  # the whole piece fell into the hour skipped by a clock change
            intervals.append(piece)
            opens_at = piece[0]
            first = begin + (-(begin - anchor) % step)
            wall_starts = range(first, finish, step)
            if tz.utcoffset(midnight + timedelta(minutes=begin)) == tz.utcoffset(midnight + timedelta(minutes=finish)):
                # Same UTC offset at both ends: no clock change inside, the grid is plain arithmetic.
                base = opens_at + timedelta(minutes=first - begin)
                starts += [base + offset for offset in _grid_offsets(step, len(wall_starts))]
            else:
                for minute in wall_starts:
                    wall = midnight + timedelta(minutes=minute)
                    if not is_nonexistent(wall, tz):
                        starts.append(to_utc(wall, tz))
        day += timedelta(days=1)
    return OpeningPlan(intervals, starts)


def holds_overlapping(session: Session, listing_id: int, start: datetime, end: datetime, now: datetime, *,
                      exclude_booking_id: int | None = None) -> list[Hold]:
    """The blocked spans of the listing's confirmed bookings, pending ones still within their approval
    deadline, and slot holds not yet run out, that overlap [start, end). A request nobody decided in
    time no longer holds its slot, nor does a waitlist hold past its ``held_until``."""
    return [Hold(row.start_at, row.blocked_until, row.seats, row.held_until,
                 None if row.purpose is None else HoldPurpose(row.purpose))
            for row in session.execute(*_holding([listing_id], start, end, now, exclude_booking_id))]


def _holding_statement(excluding: bool):
    """What holds time of some listings overlapping [start, end), bookings and slot holds in one statement: the
    one statement of that rule. Built once (per ``excluding``), since every booking and availability runs it."""
    listing_ids = bindparam("listing_ids", expanding=True)
    start, end, earliest, now = (bindparam(name, type_=UTCDateTime()) for name in ("start", "end", "earliest", "now"))
    bookings = select(Booking.listing_id, Booking.start_at, Booking.blocked_until, Booking.seats,
                      cast(null(), UTCDateTime()).label("held_until"), cast(null(), String(16)).label("purpose")).where(
        Booking.listing_id.in_(listing_ids),
        Booking.start_at < end,
        Booking.start_at >= earliest,
        Booking.blocked_until > start,
        Booking.status.in_(ACTIVE_STATUSES),
        or_(Booking.status == BookingStatus.confirmed, Booking.approval_deadline > now),
    )
    if excluding:
        bookings = bookings.where(Booking.id != bindparam("exclude_booking_id"))
    holds = select(SlotHold.listing_id, SlotHold.start_at, SlotHold.blocked_until, SlotHold.seats,
                   SlotHold.held_until, SlotHold.purpose).where(
        SlotHold.listing_id.in_(listing_ids),
        SlotHold.start_at < end,
        SlotHold.start_at >= earliest,
        SlotHold.blocked_until > start,
        SlotHold.held_until > now,
    )
    return union_all(bookings, holds)


_HOLDING = {excluding: _holding_statement(excluding) for excluding in (False, True)}


def _holding(listing_ids: list[int], start: datetime, end: datetime, now: datetime,
             exclude_booking_id: int | None) -> tuple:
    """The holding statement and its parameters, for ``session.execute(*...)``."""
    parameters = {"listing_ids": listing_ids, "start": start, "end": end, "earliest": start - LONGEST_BLOCKED_SPAN,
                  "now": now}
    if exclude_booking_id is None:
        return _HOLDING[False], parameters
    return _HOLDING[True], {**parameters, "exclude_booking_id": exclude_booking_id}


def open_days(session: Session, listing: Listing, first_day: date, last_day: date, zone: str) -> set[date]:
    """The local days in first_day..last_day on which the listing opens at all (hours and exceptions)."""
    days = set()
    for opens_at, closes_at in opening_plan(session, listing, first_day, last_day, zone).intervals:
        day, last = local_date(opens_at, zone), local_date(closes_at - timedelta(microseconds=1), zone)
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    return days


def check_duration(listing: Listing, start: datetime, end: datetime, *, field: str = "end") -> None:
    """Refuse an end before the start, or a duration outside the listing's minimum, maximum and grid."""
    if end <= start:
        raise ValidationFailed(field, _l("结束时间必须晚于开始时间"))
    minutes, remainder = divmod((end - start).total_seconds(), 60)
    if minutes < listing.min_duration_minutes:
        raise ValidationFailed(field, _l("预约时长至少%(n)s分钟", n=listing.min_duration_minutes))
    if minutes > listing.max_duration_minutes:
        raise ValidationFailed(field, _l("预约时长最多%(n)s分钟", n=listing.max_duration_minutes))
    if remainder or minutes % listing.slot_minutes:
        raise ValidationFailed(field, _l("预约时长应是%(n)s分钟的整数倍", n=listing.slot_minutes))


def check_seats(listing: Listing, seats) -> int:
    """The number of seats asked for, refused unless a whole number from 1 to the capacity."""
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= listing.capacity:
        if listing.capacity == 1:
            raise ValidationFailed("seats", _l("这个资源每次只能一人（或一个团队）整体预约，人数请填1"))
        raise ValidationFailed("seats", _l("人数应在1到%(n)s之间", n=listing.capacity))
    return seats


def check_window(listing: Listing, start: datetime, now: datetime) -> None:
    """Refuse a start in the past, inside the minimum notice, or beyond the maximum advance."""
    if start < now:
        raise ValidationFailed("start", _l("不能预约已经过去的时间"))
    if start < now + timedelta(minutes=listing.min_notice_minutes):
        raise ValidationFailed("start", _l("至少需要提前%(n)s分钟预约", n=listing.min_notice_minutes))
    if start > now + timedelta(days=listing.max_advance_days):
        raise ValidationFailed("start", _l("最多只能提前%(n)s天预约", n=listing.max_advance_days))


def check_bookable(session: Session, listing: Listing, start: datetime, end: datetime, seats: int, *, zone: str,
                   now: datetime | None = None, exclude_booking_id: int | None = None,
                   extra_holds: tuple[Hold, ...] | list[Hold] = ()) -> int:
    """Check every availability rule for one booking and return the seats that would remain free.

    Raises ValidationFailed (field ``start``/``end``/``seats``) for a rule of the listing broken, and
    SlotTaken when other bookings (plus ``extra_holds``, e.g. earlier dates of a series being
    previewed) leave too few seats. ``exclude_booking_id`` ignores a booking being moved.
    """
    now = now or clock.now()
    check_duration(listing, start, end)
    check_seats(listing, seats)
    check_window(listing, start, now)
    day = local_date(start, zone)
    plan = opening_plan(session, listing, day, day, zone)
    if not plan.contains(start, end):
        raise ValidationFailed("start", _l("所选时间不在开放时间内"))
    if not plan.is_grid_start(start):
        raise ValidationFailed("start", _l("开始时间需要对齐到时段（每%(n)s分钟一格）", n=listing.slot_minutes))
    blocked_until = end + timedelta(minutes=listing.buffer_minutes)
    holds = holds_overlapping(session, listing.id, start, blocked_until, now, exclude_booking_id=exclude_booking_id)
    holds += [hold for hold in extra_holds if hold.start < blocked_until and start < hold.until]
    seats_left = listing.capacity - Occupancy(holds).peak(start, blocked_until)
    if seats_left < seats:
        if any(hold.purpose is HoldPurpose.lottery for hold in holds):
            raise SlotTaken(_l("这个时段通过抽签分配，不能直接预约，请在抽签页报名"),
                            details={"seats_left": 0, "lottery": True})
        bookings_only = [hold for hold in holds if hold.held_until is None]
        if listing.capacity - Occupancy(bookings_only).peak(start, blocked_until) >= seats:
            held_until = max(hold.held_until for hold in holds if hold.held_until is not None)
            raise SlotTaken(_l("这个时段正为候补的居民保留到%(time)s", time=to_local(held_until, zone).strftime("%H:%M")),
                            details={"seats_left": max(seats_left, 0),
                                     "held_until": to_local(held_until, zone).isoformat()})
        if seats_left > 0:
            raise SlotTaken(_l("这个时段只剩%(n)s个名额了", n=seats_left), field="seats",
                            details={"seats_left": seats_left})
        raise SlotTaken(_l("这个时段刚刚被别人预约了"), details={"seats_left": 0})
    return seats_left - seats


def check_supported_years(**instants: datetime) -> None:
    """Refuse, on the field named, an instant outside the supported years (where date arithmetic overflows)."""
    for field, instant in instants.items():
        if not in_supported_years(instant):
            raise ValidationFailed(field, _l("时间超出了可预约的范围"))


def check_window_size(start: datetime, end: datetime) -> None:
    """Refuse a query window outside the supported years, ending before it starts or spanning more than
    MAX_WINDOW_DAYS."""
    check_supported_years(start=start, end=end)
    if end <= start:
        raise ValidationFailed("end", _l("结束时间必须晚于开始时间"))
    if end - start > timedelta(days=MAX_WINDOW_DAYS):
        raise ValidationFailed("end", _l("查询范围不能超过%(n)s天", n=MAX_WINDOW_DAYS))


def availability(session: Session, listing: Listing, start: datetime, end: datetime, zone: str,
                 now: datetime | None = None, *, duration_minutes: int | None = None, seats: int = 1,
                 exclude_booking_id: int | None = None, with_taken: bool = False) -> list[Slot]:
    """Bookable slot starts in [start, end), each with its end and the seats left.

    A slot is a booking of ``duration_minutes`` (default: the listing's minimum) for ``seats`` that
    create_booking would accept at ``now``: every slot returned can be booked as it is, except, when
    ``with_taken``, the ``taken`` ones that only the seats already taken refuse (those one may wait for).
    Raises ValidationFailed for a window over MAX_WINDOW_DAYS, a duration or seat count the listing refuses.
    """
    return availability_of(session, [listing], start, end, zone, now, duration_minutes=duration_minutes,
                           seats=seats, exclude_booking_id=exclude_booking_id, with_taken=with_taken)[listing.id]


def availability_of(session: Session, listings: list[Listing], start: datetime, end: datetime, zone: str,
                    now: datetime | None = None, *, duration_minutes: int | None = None, seats: int = 1,
                    exclude_booking_id: int | None = None, with_taken: bool = False) -> dict[int, list[Slot]]:
    """``availability`` of several listings at once, by listing id, in at most one query each for their opening
    hours, exceptions and bookings (none for hours or exceptions a listing already has loaded).

    Raises ValidationFailed as ``availability`` does, for the first listing that refuses the duration or seats.
    """
    now = now or clock.now()
    check_window_size(start, end)
    windows = {}
    for listing in listings:
        duration = timedelta(minutes=duration_minutes if duration_minutes is not None
                             else listing.min_duration_minutes)
        check_duration(listing, start, start + duration, field="duration")
        check_seats(listing, seats)
        earliest = max(start, now + timedelta(minutes=listing.min_notice_minutes))
        latest = min(end - timedelta(microseconds=1), now + timedelta(days=listing.max_advance_days))
        if earliest <= latest and listing.status is ListingStatus.published:
            windows[listing.id] = (listing, duration, earliest, latest)
    slots: dict[int, list[Slot]] = {listing.id: [] for listing in listings}
    if not windows:
        return slots
    open_listings = [listing for listing, _, _, _ in windows.values()]
    _load_opening_hours(session, open_listings)
    first_day = min(local_date(earliest, zone) for _, _, earliest, _ in windows.values())
    last_day = max(local_date(latest, zone) for _, _, _, latest in windows.values())
    exceptions = _exceptions_between(session, open_listings, first_day, last_day)
    holds = _holds_of(session, windows, now, exclude_booking_id)
    for listing_id, (listing, duration, earliest, latest) in windows.items():
        plan = _plan(listing, listing.opening_hours, exceptions[listing_id], local_date(earliest, zone),
                     local_date(latest, zone), zone)
        slots[listing_id] = _free_slots(listing, plan, Occupancy(holds[listing_id]), duration, earliest, latest,
                                        seats, with_taken)
    return slots


def _free_slots(listing: Listing, plan: OpeningPlan, occupancy: Occupancy, duration: timedelta,
                earliest: datetime, latest: datetime, seats: int, with_taken: bool) -> list[Slot]:
    buffer = timedelta(minutes=listing.buffer_minutes)
    capacity = listing.capacity  # read once: a mapped attribute costs more than a local in this loop
    slots = []
    for slot_start in plan.starts_between(earliest, latest):
        slot_end = slot_start + duration
        if not plan.contains(slot_start, slot_end):
            continue
        seats_left = capacity - occupancy.peak(slot_start, slot_end + buffer)
        if seats_left >= seats:
            slots.append(Slot(slot_start, slot_end, seats_left))
        elif with_taken:
            slots.append(Slot(slot_start, slot_end, max(seats_left, 0), taken=True))
    return slots


def is_free_during(session: Session, listing: Listing, start: datetime, end: datetime, *, zone: str,
                   now: datetime | None = None) -> bool:
    """Whether a resident asking for "free from start to end" would find this listing free then (see free_during)."""
    return listing.id in free_during(session, [listing], start, end, zone=zone, now=now)


def free_during(session: Session, listings: list[Listing], start: datetime, end: datetime, *, zone: str,
                now: datetime | None = None) -> set[int]:
    """The ids of those listings a resident asking for "free from start to end" would find free then.

    One is when one booking of the whole window would be accepted now. A listing whose bookings are
    all shorter than the window (its maximum duration is less) is free when one booking of its
    longest length fits inside the window; one whose bookings are all longer (its minimum duration
    is more) is free when one booking of its shortest length covers the window. Listings asking the
    same question are answered together (``availability_of``: a few queries for all of them, not a few
    each); a listing whose grid cannot make that booking's length is not free, and does not stop the others.
    """
    now = now or clock.now()
    window = (end - start).total_seconds() / 60
    # (first start, last start, booking minutes, kind of fit) → the listings asking it
    asked: dict[tuple[datetime, datetime, int, str], list[Listing]] = defaultdict(list)
    for listing in listings:
        if window > listing.max_duration_minutes:
            minutes = listing.max_duration_minutes - listing.max_duration_minutes % listing.slot_minutes
            question = (start, end, minutes, "inside")
        elif window < listing.min_duration_minutes:
            minutes = listing.min_duration_minutes
            question = (end - timedelta(minutes=minutes), start + timedelta(microseconds=1), minutes, "covering")
        elif window.is_integer():
            minutes = int(window)
            question = (start, start + timedelta(microseconds=1), minutes, "whole")
        else:  # no booking ends between two minutes
            continue
        try:
            check_duration(listing, start, start + timedelta(minutes=minutes))
        except ValidationFailed:
            continue
        asked[question].append(listing)
    fits = {"inside": lambda slot: slot.end <= end, "covering": lambda slot: slot.end >= end,
            "whole": lambda slot: slot.start == start and slot.end == end}
    free = set()
    for (first, last, minutes, fit), asking in asked.items():
        slots = availability_of(session, asking, first, last, zone, now, duration_minutes=minutes)
        free.update(listing.id for listing in asking if any(map(fits[fit], slots[listing.id])))
    return free


def _load_opening_hours(session: Session, listings: list[Listing]) -> None:
    """Load the opening hours of those listings that have not loaded them yet, in one query."""
    unloaded = {listing.id: listing for listing in listings if "opening_hours" in inspect(listing).unloaded}
    if not unloaded:
        return
    by_listing: dict[int, list[OpeningHours]] = defaultdict(list)
    for interval in session.scalars(select(OpeningHours).where(OpeningHours.listing_id.in_(unloaded))
                                    .order_by(OpeningHours.listing_id, OpeningHours.weekday, OpeningHours.opens)):
        by_listing[interval.listing_id].append(interval)
    for listing_id, listing in unloaded.items():
        set_committed_value(listing, "opening_hours", by_listing[listing_id])


def _exceptions_between(session: Session, listings: list[Listing], first_day: date,
                        last_day: date) -> dict[int, list[ListingException]]:
    """Each listing's exceptions (a superset of) first_day..last_day: the loaded ones, else one query for the rest,
    as rows of the columns the rules read."""
    found: dict[int, list[ListingException]] = defaultdict(list)
    unloaded = []
    for listing in listings:
        if "exceptions" in inspect(listing).unloaded:
            unloaded.append(listing.id)
        else:
            found[listing.id] = list(listing.exceptions)
    if unloaded:
        for exception in session.execute(_EXCEPTIONS_BETWEEN, {"listing_ids": unloaded, "first_day": first_day,
                                                               "last_day": last_day}):
            found[exception.listing_id].append(exception)
    return found


def _holds_of(session: Session, windows: dict, now: datetime,
              exclude_booking_id: int | None) -> dict[int, list[Hold]]:
    """The holds (see holds_overlapping) on each window's listing that may overlap its slots, in one query: the
    union of the windows bounds it, holds outside a listing's own window change none of its peaks."""
    since = min(earliest for _, _, earliest, _ in windows.values())
    until = max(latest + duration + timedelta(minutes=listing.buffer_minutes)
                for listing, duration, _, latest in windows.values())
    holds: dict[int, list[Hold]] = defaultdict(list)
    for row in session.execute(*_holding(list(windows), since, until, now, exclude_booking_id)):
        holds[row.listing_id].append(Hold(row.start_at, row.blocked_until, row.seats, row.held_until))
    return holds


def _community_prefix(place: Place) -> str:
    """The path of the community (or street) a place belongs to, for "same community" matches."""
    parts = place.path.strip("/").split("/")
    return "/" + "/".join(parts[:2]) + "/"


def _fits(session: Session, listing: Listing, start: datetime, end: datetime, seats: int, zone: str,
          now: datetime) -> bool:
    try:
        check_bookable(session, listing, start, end, seats, zone=zone, now=now)
    except (ValidationFailed, Conflict):
        return False
    return True


def nearest_alternatives(session: Session, listing: Listing, start: datetime, end: datetime, seats: int, *,
                         zone: str, now: datetime | None = None) -> dict:
    """What to offer instead of a taken slot: other starts that day, the same time on nearby days, and
    similar listings (same kind, same community, enough capacity) free at that very time.

    Returns ``{"same_day": [...], "other_days": [...], "similar_listings": [...]}``, each entry with
    ISO 8601 ``start``/``end`` in the deployment's zone, nearest first.
    """
    now = now or clock.now()
    duration = end - start
    duration_minutes = int(duration.total_seconds() // 60)
    searched_from = start - timedelta(days=OTHER_DAYS_SEARCHED)
    searched_to = start + timedelta(days=OTHER_DAYS_SEARCHED + 1)
    free = {slot.start: slot for slot in availability(session, listing, searched_from, searched_to, zone, now,
                                                      duration_minutes=duration_minutes, seats=seats)}
    day_start, day_end = day_bounds(local_date(start, zone), zone)
    same_day = sorted((s for s in free.values() if day_start <= s.start < day_end and s.start != start),
                      key=lambda s: abs(s.start - start))[:ALTERNATIVES_PER_KIND]
    wall = to_local(start, zone).replace(tzinfo=None)
    other_days = []
    for offset in range(1, OTHER_DAYS_SEARCHED + 1):
        for sign in (1, -1):
            candidate = wall + timedelta(days=sign * offset)
            if is_nonexistent(candidate, zone):
                continue
            slot = free.get(to_utc(candidate, zone))
            if slot is not None and len(other_days) < ALTERNATIVES_PER_KIND:
                other_days.append(slot)
    similar = []
    candidates = session.scalars(
        select(Listing).join(Place, Listing.place_id == Place.id).where(
            Listing.id != listing.id,
            Listing.kind == listing.kind,
            Listing.status == ListingStatus.published,
            Listing.capacity >= seats,
            Place.path.startswith(_community_prefix(listing.place)),
        ).order_by(Listing.id).limit(SIMILAR_LISTINGS_SCANNED)
    )
    for candidate in candidates:
        if _fits(session, candidate, start, end, seats, zone, now):
            similar.append({"listing_id": candidate.id, "title": candidate.title,
                            "start": to_local(start, zone).isoformat(), "end": to_local(end, zone).isoformat()})
            if len(similar) == ALTERNATIVES_PER_KIND:
                break

    def as_json(slot: Slot) -> dict:
        return {"start": to_local(slot.start, zone).isoformat(), "end": to_local(slot.end, zone).isoformat(),
                "seats_left": slot.seats_left}

    return {"same_day": [as_json(s) for s in same_day], "other_days": [as_json(s) for s in other_days],
            "similar_listings": similar}
