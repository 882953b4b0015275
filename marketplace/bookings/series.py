"""Recurring bookings: every week, every two weeks, or monthly on a weekday ("the 2nd Tuesday").

Occurrences repeat on the local wall clock (Tuesday 19:00 stays 19:00 across a daylight-saving
change) and are generated with python-dateutil's ``rrule`` from the first occurrence, until a
local date (inclusive) or for N times. Every date is checked as a whole before anything is
written (:func:`preview_series`); :func:`create_series` then books every free date, or none.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekdays
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.bookings.availability import Hold, SlotTaken, check_bookable, check_duration
from marketplace.bookings.models import Booking, BookingSeries, SeriesFrequency
from marketplace.bookings.permissions import can_provide, is_booker
from marketplace.bookings.services import (MAX_PURPOSE_LENGTH, BookingChange, aware_utc, cancel_booking,
                                           check_fair_use, edit_booking, get_bookable_listing, group_to_book_for,
                                           insert_checked_booking, lock_listing_for_booking)
from marketplace.core import clock
from marketplace.core.db import get_by_id
from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.permissions import is_platform_admin
from marketplace.core.validation import clean_text
from marketplace.core.zones import is_nonexistent, to_local, to_utc

MAX_OCCURRENCES = 60
MAX_SERIES_SPAN = timedelta(days=366)
MODES = ("all_free", "all_or_nothing")
SCOPES = ("occurrence", "following", "all")


@dataclass
class SeriesRequest:
    """A recurring booking as the booker describes it: the first occurrence and how it repeats."""

    listing_id: int
    start: datetime
    end: datetime
    frequency: SeriesFrequency | str
    until: date | None = None
    count: int | None = None
    seats: int = 1
    group_id: int | None = None
    purpose: str = ""


@dataclass
class Occurrence:
    """One date of a series: free to book, or why not (``problem`` is "taken" or "rule")."""

    start: datetime
    end: datetime
    free: bool
    problem: str | None = None
    reason: str | None = None


@dataclass
class SeriesPreview:
    occurrences: list[Occurrence]
    rule: str

    @property
    def free(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.free]

    @property
    def conflicts(self) -> list[Occurrence]:
        return [o for o in self.occurrences if not o.free]


@dataclass
class SeriesCancellation:
    """What a series cancellation did: the bookings cancelled and those kept, with the reason."""

    cancelled: list[Booking] = field(default_factory=list)
    kept: list[tuple[Booking, str]] = field(default_factory=list)


def _frequency(value) -> SeriesFrequency:
    try:
        return SeriesFrequency(value)
    except ValueError:
        raise ValidationFailed("frequency", _l("重复方式只能是每周、每两周或每月")) from None


def recurrence_rule(frequency: SeriesFrequency, first: datetime, *, until: date | None, count: int | None) -> rrule:
    """The dateutil rule over naive local wall-clock times, starting at the naive local ``first``.

    Monthly repeats on the same weekday of the month as ``first`` ("2nd Tuesday"), or on the last
    one when ``first`` is the fifth of its month, since most months have no fifth.
    """
    bound = {"until": datetime.combine(until, time.max.replace(microsecond=0))} if until else {"count": count}
    if frequency is SeriesFrequency.monthly:
        nth = (first.day - 1) // 7 + 1
        return rrule(MONTHLY, dtstart=first, byweekday=weekdays[first.weekday()](-1 if nth == 5 else nth), **bound)
    return rrule(WEEKLY, interval=2 if frequency is SeriesFrequency.biweekly else 1, dtstart=first, **bound)


def _checked_bounds(request: SeriesRequest, first_local: datetime) -> tuple[date | None, int | None]:
    until, count = request.until, request.count
    if (until is None) == (count is None):
        raise ValidationFailed("until", _l("请选择重复到某天，或重复多少次（二选一）"))
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_OCCURRENCES:
            raise ValidationFailed("count", _l("重复次数应在1到%(n)s之间", n=MAX_OCCURRENCES))
    elif not isinstance(until, date) or isinstance(until, datetime):
        raise ValidationFailed("until", _l("请选择结束日期"))
    elif until < first_local.date():
        raise ValidationFailed("until", _l("结束日期不能早于第一次预约"))
    elif until > (first_local + MAX_SERIES_SPAN).date():
        raise ValidationFailed("until", _l("周期预约最长一年"))
    return until, count


def occurrence_times(request: SeriesRequest, zone: str) -> tuple[str, list[tuple[datetime, datetime, bool]]]:
    """The rule text and every occurrence as (start, end, exists) in UTC; ``exists`` is False for a wall-clock
    time skipped by a daylight-saving change (its instants are then shifted forward, for display)."""
    start, end = aware_utc(request.start, "start"), aware_utc(request.end, "end")
    if end <= start:
        raise ValidationFailed("end", _l("结束时间必须晚于开始时间"))
    frequency = _frequency(request.frequency)
    first_local = to_local(start, zone).replace(tzinfo=None)
    until, count = _checked_bounds(request, first_local)
    rule = recurrence_rule(frequency, first_local, until=until, count=count)
    duration = end - start
    times = []
    for wall in rule:
        if len(times) == MAX_OCCURRENCES:
            raise ValidationFailed("until", _l("一个周期预约最多%(n)s次", n=MAX_OCCURRENCES))
        exists = not is_nonexistent(wall, zone)
        occurrence_start = to_utc(wall, zone, nonexistent="shift_forward")
        times.append((occurrence_start, occurrence_start + duration, exists))
    return str(rule), times


def _check_occurrences(session: Session, listing, booker: User, group, request: SeriesRequest, *, zone: str,
                       now: datetime) -> SeriesPreview:
    rule, times = occurrence_times(request, zone)
    check_duration(listing, times[0][0], times[0][1])
    accepted_holds: list[Hold] = []
    accepted_spans: list[tuple[datetime, datetime]] = []
    buffer = timedelta(minutes=listing.buffer_minutes)
    occurrences = []
    for start, end, exists in times:
        if not exists:
            occurrences.append(Occurrence(start, end, False, "rule", str(_l("这一天因夏令时调整，这个时间不存在"))))
            continue
        try:
            check_bookable(session, listing, start, end, request.seats, zone=zone, now=now,
                           extra_holds=accepted_holds)
            check_fair_use(session, listing, booker, group, start, end, zone=zone, now=now,
                           also_holding=accepted_spans)
        except SlotTaken as taken:
            occurrences.append(Occurrence(start, end, False, "taken", str(taken.message)))
            continue
        except ValidationFailed as refusal:
            occurrences.append(Occurrence(start, end, False, "rule", str(refusal.message)))
            continue
        accepted_holds.append(Hold(start, end + buffer, request.seats))
        accepted_spans.append((start, end))
        occurrences.append(Occurrence(start, end, True))
    return SeriesPreview(occurrences, rule)


def preview_series(session: Session, booker: User, request: SeriesRequest, *, zone: str,
                   now: datetime | None = None) -> SeriesPreview:
    """Which dates of the series are free and which conflict, and why; writes nothing.

    Dates are checked together: a later date counts the earlier free ones as booked (capacity,
    fair-use caps). Raises NotFound/Forbidden/ValidationFailed for a wrong request as a whole.
    """
    now = now or clock.now()
    listing = get_bookable_listing(session, request.listing_id)
    group = group_to_book_for(session, booker, request.group_id)
    clean_text(request.purpose, "purpose", MAX_PURPOSE_LENGTH)
    return _check_occurrences(session, listing, booker, group, request, zone=zone, now=now)


def create_series(session: Session, booker: User, request: SeriesRequest, *, mode: str, zone: str,
                  now: datetime | None = None) -> tuple[BookingSeries, SeriesPreview]:
    """Book a series: ``mode="all_free"`` books every free date, ``"all_or_nothing"`` books only if all are free.

    The dates are re-checked under the listing lock. Raises Conflict (with ``details["occurrences"]``)
    when all-or-nothing meets a conflict or no date at all is free.
    """
    now = now or clock.now()
    if mode not in MODES:
        raise ValidationFailed("mode", _l("请选择“预约所有空闲日期”或“全部可约才预约”"))
    listing = get_bookable_listing(session, request.listing_id)
    group = group_to_book_for(session, booker, request.group_id)
    purpose = clean_text(request.purpose, "purpose", MAX_PURPOSE_LENGTH)
    lock_listing_for_booking(session, listing)
    preview = _check_occurrences(session, listing, booker, group, request, zone=zone, now=now)
    details = {"occurrences": [occurrence_json(o, zone) for o in preview.occurrences]}
    if not preview.free:
        raise Conflict(_l("所选的日期都无法预约"), details=details)
    if mode == "all_or_nothing" and preview.conflicts:
        raise Conflict(_l("有%(n)s个日期无法预约，按“全部可约才预约”没有创建任何预约", n=len(preview.conflicts)),
                       details=details)
    first = preview.occurrences[0]
    series = BookingSeries(
        listing_id=listing.id, booker_id=booker.id, group_id=group.id if group else None,
        frequency=_frequency(request.frequency), rrule=preview.rule, zone=zone,
        duration_minutes=int((first.end - first.start).total_seconds() // 60),
        occurrence_count=len(preview.occurrences), purpose=purpose, created_at=now,
    )
    session.add(series)
    session.flush()  # its id, which each booking's insert names
    for occurrence in preview.free:
        insert_checked_booking(session, listing, booker, group, occurrence.start, occurrence.end, request.seats,
                               purpose, zone=zone, now=now, series=series)
    return series, preview


def occurrence_json(occurrence: Occurrence, zone: str) -> dict:
    """An occurrence for JSON bodies, times in the deployment's zone."""
    return {"start": to_local(occurrence.start, zone).isoformat(), "end": to_local(occurrence.end, zone).isoformat(),
            "free": occurrence.free, "problem": occurrence.problem, "reason": occurrence.reason}


def get_series(session: Session, series_id, *, viewer) -> BookingSeries:
    """The series if the viewer is its booker, its listing's provider or a platform admin; NotFound otherwise."""
    series = get_by_id(session, BookingSeries, series_id)
    if series is None or viewer is None or not (
            viewer.id == series.booker_id or can_provide(viewer, series.listing) or is_platform_admin(viewer)):
        raise NotFound(_l("找不到这个周期预约"))
    return series


def _targets(series: BookingSeries, scope: str, booking_id, now: datetime) -> list[Booking]:
    """The active, not yet started bookings a scoped action applies to, in date order."""
    if scope not in SCOPES:
        raise ValidationFailed("scope", _l("范围只能是本次、本次及以后或整个系列"))
    if scope == "all":
        chosen_start = None
    else:
        chosen = next((b for b in series.bookings if b.id == booking_id), None)
        if chosen is None:
            raise ValidationFailed("booking_id", _l("请选择这个周期预约中的一次"))
        if scope == "occurrence":
            return [chosen]
        chosen_start = chosen.start_at
    return [b for b in series.bookings
            if b.is_active and b.start_at > now and (chosen_start is None or b.start_at >= chosen_start)]


def cancel_series(session: Session, actor: User, series: BookingSeries, *, scope: str, booking_id: int | None = None,
                  reason: str = "", now: datetime | None = None) -> SeriesCancellation:
    """Cancel one occurrence, this one and the later ones, or the whole rest of the series.

    One occurrence is cancelled or refused like a single booking (cancel_booking's rules). For the
    wider scopes every active occurrence not yet started is tried; those the rules keep (e.g. inside
    the cutoff) are reported in ``kept`` with the reason. Conflict when nothing is left to cancel.
    """
    now = now or clock.now()
    if not (is_booker(actor, series) or can_provide(actor, series.listing)):
        raise Forbidden(_l("你不能取消别人的周期预约"))
    result = SeriesCancellation()
    targets = _targets(series, scope, booking_id, now)
    if scope == "occurrence":
        result.cancelled.append(cancel_booking(session, actor, targets[0], reason, now=now))
        return result
    for booking in targets:
        try:
            with session.begin_nested():
                result.cancelled.append(cancel_booking(session, actor, booking, reason, now=now))
        except (ValidationFailed, Conflict) as refusal:
            result.kept.append((booking, str(refusal.message)))
    if not result.cancelled:
        if result.kept:
            raise ValidationFailed(None, result.kept[0][1])
        raise Conflict(_l("这个周期预约没有可以取消的预约了"))
    return result


def edit_series(session: Session, actor: User, series: BookingSeries, change: BookingChange, *, scope: str,
                booking_id: int | None = None, zone: str, now: datetime | None = None) -> list[Booking]:
    """Apply a change (purpose, seats, time shift) to one occurrence, this and later ones, or the whole series.

    All or nothing: if any occurrence cannot take the change, Conflict names the dates and the
    caller's unit of work is rolled back. Booker only.
    """
    now = now or clock.now()
    if not is_booker(actor, series):
        raise Forbidden(_l("只有预约人可以修改周期预约"))
    targets = _targets(series, scope, booking_id, now)
    if not targets:
        raise Conflict(_l("这个周期预约没有可以修改的预约了"))
    failures = []
    for booking in targets:
        try:
            edit_booking(session, actor, booking, change, zone=zone, now=now)
        except (ValidationFailed, Conflict) as refusal:
            failures.append({"start": to_local(booking.start_at, zone).isoformat(), "reason": str(refusal.message)})
    if failures:
        raise Conflict(_l("有%(n)s次预约无法按要求修改，所有修改都未保存", n=len(failures)),
                       details={"failures": failures})
    if scope == "all" and change.purpose is not None:
        series.purpose = targets[0].purpose
    session.flush()
    return targets


def series_status_counts(series: BookingSeries) -> dict[str, int]:
    """How many of the series' bookings are in each status, for summaries."""
    counts: dict[str, int] = {}
    for booking in series.bookings:
        counts[booking.status.value] = counts.get(booking.status.value, 0) + 1
    return counts
