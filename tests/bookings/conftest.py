"""Shared pieces of the booking tests: a frozen clock and local wall-clock instants."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from marketplace.core import clock, zones

SHANGHAI = "Asia/Shanghai"
BERLIN = "Europe/Berlin"
# Monday 1 June 2026, 08:00 in Shanghai.
TODAY = date(2026, 6, 1)
NOW = zones.to_utc(datetime(2026, 6, 1, 8, 0), SHANGHAI)


def local(day: date | int, hour: int, minute: int = 0, zone: str = SHANGHAI) -> datetime:
    """The UTC instant of a wall-clock time; ``day`` is a date or a number of days after TODAY."""
    if isinstance(day, int):
        day = TODAY + timedelta(days=day)
    return zones.to_utc(datetime.combine(day, time(hour, minute)), zone)


@pytest.fixture
def now():
    clock.travel_to(NOW)
    return NOW


@pytest.fixture
def writing(session):
    """Start the test's unit of work the way the API does (BEGIN IMMEDIATE on SQLite)."""
    return session
