"""What the booking pages show by the week: a listing's free and taken slots with the booking form (the widget on
the listing's page and the booking page), and the provider's week of bookings. Reads ``?week=`` and ``?duration=``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.bookings.availability import availability, open_days
from marketplace.bookings.forms import MAX_DURATION_CHOICES, BookingForm
from marketplace.bookings.permissions import can_provide
from marketplace.bookings.services import booked_spans
from marketplace.core.errors import ValidationFailed
from marketplace.core.http import deployment_zone, local_today
from marketplace.core.i18n import _l
from marketplace.core.zones import day_bounds, in_supported_years, local_date
from marketplace.extensions import db
from marketplace.groups.services import list_my_groups
from marketplace.listings.models import WEEKDAY_LABELS
from marketplace.listings.present import duration_label

DAYS_PER_WEEK = 7


def parse_day(raw: str | None, field: str = "week") -> date | None:
    """A YYYY-MM-DD query value; None when absent, ValidationFailed (422) when malformed or out of range."""
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        day = date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(field, _l("日期格式应为 YYYY-MM-DD，例如 2026-06-01")) from None
    if not in_supported_years(day):
        raise ValidationFailed(field, _l("时间超出了可预约的范围"))
    return day


def _parse_minutes(raw: str | None) -> int | None:
    """A ``?duration=`` value in minutes; None when absent, ValidationFailed (422) when not a whole number."""
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise ValidationFailed("duration", _l("时长应为整数分钟"))
    return int(raw)


def duration_choices(listing) -> list[tuple[int, str]]:
    """The durations a booker may pick, from the minimum to the maximum in slot steps (coarser when very many)."""
    step = listing.slot_minutes
    count = (listing.max_duration_minutes - listing.min_duration_minutes) // step + 1
    step *= -(-count // MAX_DURATION_CHOICES)
    return [(minutes, duration_label(minutes))
            for minutes in range(listing.min_duration_minutes, listing.max_duration_minutes + 1, step)]


def group_choices() -> list[tuple[str, str]]:
    return [("", _("不以团队名义（我自己）"))] + [(str(group.id), group.name)
                                                for group in list_my_groups(db.session, current_user)]


@dataclass
class Day:
    day: date
    label: str
    items: list
    closed: bool = False
    free: int = 0


@dataclass
class Week:
    """Seven local days from ``first``, each with its items (free slots or bookings), and where to page."""

    first: date
    days: list[Day]
    previous: date | None
    next: date | None

    @property
    def last(self) -> date:
        return self.first + timedelta(days=DAYS_PER_WEEK - 1)


def week_bounds(first: date) -> tuple[datetime, datetime]:
    zone = deployment_zone()
    return day_bounds(first, zone)[0], day_bounds(first + timedelta(days=DAYS_PER_WEEK - 1), zone)[1]


def group_by_day(first: date, items, start_of) -> list[Day]:
    zone = deployment_zone()
    days = [Day(first + timedelta(days=n), str(WEEKDAY_LABELS[(first + timedelta(days=n)).weekday()]), [])
            for n in range(DAYS_PER_WEEK)]
    for item in items:
        offset = (local_date(start_of(item), zone) - first).days
        if 0 <= offset < DAYS_PER_WEEK:
            days[offset].items.append(item)
    return days


@dataclass
class Widget:
    """Everything the booking widget shows: the week of free and taken slots (``window`` its UTC bounds), the
    form to book a free one, and ``own``, the viewer's bookings that week (a taken slot they overlap needs no
    waitlist)."""

    listing: object
    week: Week
    form: BookingForm
    durations: list[tuple[int, str]]
    duration: int
    bookable: bool
    is_provider: bool
    own: list[tuple[datetime, datetime]]
    window: tuple[datetime, datetime]

    @property
    def has_free(self) -> bool:
        return any(day.free for day in self.week.days)

    @property
    def has_taken(self) -> bool:
        return any(slot.taken for day in self.week.days for slot in day.items)

    def booked_by_viewer(self, slot) -> bool:
        return any(start < slot.end and slot.start < end for start, end in self.own)

    @property
    def duration_text(self) -> str:
        return dict(self.durations).get(self.duration) or duration_label(self.duration)


def build_widget(listing, form: BookingForm | None = None) -> Widget:
    """The week of slots, free and taken, from ``?week=`` (default today) for ``?duration=`` (default the
    listing's minimum), and a booking form; a re-shown ``form`` keeps the duration it was sent with."""
    today = local_today()
    first = max(parse_day(request.args.get("week")) or today, today)
    durations = duration_choices(listing)
    duration = _parse_minutes(request.args.get("duration")) or listing.min_duration_minutes
    if form is not None and form.duration.data in dict(durations):
        duration = form.duration.data
    start, end = week_bounds(first)
    slots = availability(db.session, listing, start, end, deployment_zone(), duration_minutes=duration,
                         with_taken=True) if listing.is_published else []
    following = first + timedelta(days=DAYS_PER_WEEK)
    days = group_by_day(first, slots, lambda slot: slot.start)
    opening = open_days(db.session, listing, first, following - timedelta(days=1), deployment_zone())
    for day in days:
        day.closed = day.day not in opening
        day.free = sum(1 for slot in day.items if not slot.taken)
    week = Week(first, days,
                previous=max(first - timedelta(days=DAYS_PER_WEEK), today) if first > today else None,
                next=following if following <= today + timedelta(days=listing.max_advance_days) else None)
    if form is None:
        form = BookingForm(formdata=None, data={"duration": duration, "seats": 1})
    if current_user.is_authenticated:
        form.group_id.choices = group_choices()
    own = booked_spans(db.session, current_user, listing.id, start, end) \
        if current_user.is_authenticated and any(slot.taken for slot in slots) else []
    return Widget(listing, week, form, durations, duration, bookable=listing.is_published,
                  is_provider=can_provide(current_user, listing), own=own, window=(start, end))
