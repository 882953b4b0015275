"""The deployment's zone at the edges: local wall-clock dates and times ↔ UTC instants.

The database holds UTC; opening hours, slot grids and the words people use ("Tuesday 19:00") are
local. Converting between the two is where daylight saving bites, so every conversion goes
through here and handles the two awkward cases on purpose:

- a **nonexistent** local time (the hour skipped when clocks go forward, e.g. 02:30 on the last
  Sunday of March in Europe/Berlin) is either refused or, for boundaries such as an opening time,
  shifted forward by the length of the gap (02:30 → 03:30), the rule java.time and most calendars use;
- an **ambiguous** local time (the hour repeated when clocks go back) means its first occurrence
  (``fold=0``, still on summer time), so a wall-clock time maps to exactly one instant.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc
Nonexistent = Literal["shift_forward", "raise"]
# The years a booking, a calendar week or a query window may name: near datetime's own limits (years 1 and
# 9999) moving to another zone or adding a few days overflows, and nobody books a room for the year 9000.
MIN_YEAR, MAX_YEAR = 2000, 2999


def in_supported_years(value: date) -> bool:
    """Whether a date (or datetime, by its own calendar) falls in MIN_YEAR..MAX_YEAR."""
    return MIN_YEAR <= value.year <= MAX_YEAR


class NonexistentLocalTime(ValueError):
    """A local wall-clock time that the zone skips (clocks went forward over it)."""


@lru_cache(maxsize=64)
def get_zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; ValueError when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r}") from error


def _zone(zone: ZoneInfo | str) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else get_zone(zone)


def is_nonexistent(local: datetime, zone: ZoneInfo | str) -> bool:
    """Whether the naive wall-clock time ``local`` falls in a gap of ``zone``."""
    tz = _zone(zone)
    placed = local.replace(tzinfo=tz, fold=0)
    return placed.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(fold=0)


def is_ambiguous(local: datetime, zone: ZoneInfo | str) -> bool:
    """Whether the naive wall-clock time ``local`` happens twice in ``zone`` (clocks went back)."""
    tz = _zone(zone)
    if is_nonexistent(local, tz):
        return False
    return local.replace(tzinfo=tz, fold=0).utcoffset() != local.replace(tzinfo=tz, fold=1).utcoffset()


def to_utc(local: datetime, zone: ZoneInfo | str, *, nonexistent: Nonexistent = "raise") -> datetime:
    """The UTC instant of the naive wall-clock time ``local`` in ``zone``.

    Ambiguous times resolve to their first occurrence. Nonexistent times raise
    NonexistentLocalTime, or with ``nonexistent="shift_forward"`` move forward by the gap.
    """
    if local.tzinfo is not None:
        raise ValueError("to_utc expects a naive local datetime")
    tz = _zone(zone)
    if nonexistent == "raise" and is_nonexistent(local, tz):
        raise NonexistentLocalTime(f"{local.isoformat()} does not exist in {tz.key}")
    # fold=0 is the first occurrence of an ambiguous time; for a time in a gap it applies the offset
    # in force before the change, which lands the gap's length later: 02:30 CET → 01:30 UTC = 03:30 CEST.
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def to_local(instant: datetime, zone: ZoneInfo | str) -> datetime:
    """The aware instant as an aware datetime in ``zone``."""
    if instant.tzinfo is None:
        raise ValueError("to_local expects an aware datetime")
    return instant.astimezone(_zone(zone))


def local_date(instant: datetime, zone: ZoneInfo | str) -> date:
    """The calendar date in ``zone`` at the aware instant."""
    return to_local(instant, zone).date()


def day_bounds(day: date, zone: ZoneInfo | str) -> tuple[datetime, datetime]:
    """The UTC half-open interval [start, end) of the local calendar day (23 or 25 hours on change days)."""
    start = to_utc(datetime.combine(day, time()), zone, nonexistent="shift_forward")
    end = to_utc(datetime.combine(day + timedelta(days=1), time()), zone, nonexistent="shift_forward")
    return start, end


def week_bounds(day: date, zone: ZoneInfo | str) -> tuple[datetime, datetime]:
    """The UTC half-open interval of the local Monday-to-Sunday week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return day_bounds(monday, zone)[0], day_bounds(monday + timedelta(days=7), zone)[0]
