"""Local wall-clock ↔ UTC in the deployment's zone, including both daylight-saving changes."""
from datetime import date, datetime, timedelta

import pytest

from marketplace.core import zones

BERLIN = "Europe/Berlin"


def test_shanghai_is_eight_hours_ahead_all_year():
    assert zones.to_utc(datetime(2026, 1, 5, 9, 0), "Asia/Shanghai").isoformat() == "2026-01-05T01:00:00+00:00"
    assert zones.to_utc(datetime(2026, 7, 5, 9, 0), "Asia/Shanghai").isoformat() == "2026-07-05T01:00:00+00:00"


def test_a_time_skipped_in_spring_is_refused_or_shifted_forward_by_the_gap():
    skipped = datetime(2026, 3, 29, 2, 30)
    assert zones.is_nonexistent(skipped, BERLIN)
    with pytest.raises(zones.NonexistentLocalTime):
        zones.to_utc(skipped, BERLIN)
    shifted = zones.to_utc(skipped, BERLIN, nonexistent="shift_forward")
    assert zones.to_local(shifted, BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_a_time_repeated_in_autumn_means_its_first_occurrence():
    repeated = datetime(2026, 10, 25, 2, 30)
    assert zones.is_ambiguous(repeated, BERLIN) and not zones.is_nonexistent(repeated, BERLIN)
    assert zones.to_utc(repeated, BERLIN).isoformat() == "2026-10-25T00:30:00+00:00"  # still CEST, +02:00


def test_days_are_23_or_25_hours_long_on_change_days():
    start, end = zones.day_bounds(date(2026, 3, 29), BERLIN)
    assert end - start == timedelta(hours=23)
    start, end = zones.day_bounds(date(2026, 10, 25), BERLIN)
    assert end - start == timedelta(hours=25)


def test_a_week_runs_from_local_monday_midnight():
    start, end = zones.week_bounds(date(2026, 6, 4), "Asia/Shanghai")  # a Thursday
    assert start.isoformat() == "2026-05-31T16:00:00+00:00"  # Monday 1 June 00:00 in Shanghai
    assert end - start == timedelta(days=7)


def test_naive_and_unknown_inputs_are_refused():
    with pytest.raises(ValueError):
        zones.get_zone("Mars/Olympus_Mons")
    with pytest.raises(ValueError):
        zones.to_local(datetime(2026, 1, 1), BERLIN)
    with pytest.raises(ValueError):
        zones.to_utc(datetime(2026, 1, 1, tzinfo=zones.UTC), BERLIN)
