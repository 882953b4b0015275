"""iCalendar (RFC 5545) documents of bookings, for phone and desktop calendar apps.

Events are written in UTC (``DTSTART:20260602T110000Z``), so no VTIMEZONE is needed and every
app shows them in its own zone. A booking's UID never changes, so a re-fetched feed updates the
same event instead of adding a copy; SEQUENCE grows with each logged change of the booking.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from marketplace.accounts.models import User
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core.i18n import _l
from marketplace.listings.models import Listing

if TYPE_CHECKING:
    from icalendar import Calendar, Event

PRODUCT_ID = "-//社区资源超市//预约日历//ZH"
UID_DOMAIN = "bookings.community-marketplace"


def booking_uid(booking: Booking) -> str:
    """The stable identity of a booking's event, the same in every feed that shows it."""
    return f"booking-{booking.id}@{UID_DOMAIN}"


# A booking that no longer happens: a downloaded copy of it then cancels the event already imported.
NOT_HAPPENING = (BookingStatus.cancelled, BookingStatus.rejected, BookingStatus.expired)


def _status(booking: Booking) -> str:
    if booking.status is BookingStatus.pending:
        return "TENTATIVE"
    return "CANCELLED" if booking.status in NOT_HAPPENING else "CONFIRMED"


# icalendar (about 3 MB) is imported when a calendar is first written, not with the web worker: most never do.
def _calendar(name: str) -> Calendar:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def _event(booking: Booking, now: datetime) -> Event:
    """The fields every feed shares: nothing about the booker."""
    from icalendar import Event

    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", now)
    event.add("dtstart", booking.start_at)
    event.add("dtend", booking.end_at)
    event.add("summary", booking.listing.title)
    event.add("status", _status(booking))
    event.add("transp", "OPAQUE")
    event.add("sequence", max(len(booking.events) - 1, 0))
    event.add("last-modified", booking.updated_at)
    return event


def listing_calendar(listing: Listing, bookings: Iterable[Booking], *, now: datetime) -> bytes:
    """Public busy times of one listing: when it is taken (已预约), and nothing about by whom or why."""
    calendar = _calendar(str(_l("%(title)s · 预约情况", title=listing.title)))
    for booking in bookings:
        event = _event(booking, now)
        event.add("description", str(_l("已预约")) if booking.status is BookingStatus.confirmed
                  else str(_l("已预约（待审批）")))
        event.add("class", "PUBLIC")
        calendar.add_component(event)
    return calendar.to_ical()


def _private_event(booking: Booking, now: datetime, booking_url: Callable[[Booking], str]) -> Event:
    """A booking as those who may see it get it: where, what for, and a link back to its page."""
    event = _event(booking, now)
    listing = booking.listing
    event.add("location", "，".join(part for part in (listing.place.full_name, listing.address) if part))
    lines = [str(_l("状态：%(status)s", status=booking.status.label))]
    if booking.purpose:
        lines.append(str(_l("用途：%(purpose)s", purpose=booking.purpose)))
    event.add("description", "\n".join(lines))
    event.add("url", booking_url(booking))
    event.add("class", "PRIVATE")
    return event


def personal_calendar(user: User, bookings: Iterable[Booking], *, now: datetime,
                      booking_url: Callable[[Booking], str]) -> bytes:
    """One person's bookings with where, what for and a link back to each booking's page."""
    calendar = _calendar(str(_l("我的预约 · 社区资源超市")))
    for booking in bookings:
        calendar.add_component(_private_event(booking, now, booking_url))
    return calendar.to_ical()


def booking_calendar(booking: Booking, *, now: datetime, booking_url: Callable[[Booking], str]) -> bytes:
    """One booking to add to a calendar by hand: the same event (same UID) as in the personal feed."""
    calendar = _calendar(booking.listing.title)
    calendar.add_component(_private_event(booking, now, booking_url))
    return calendar.to_ical()
