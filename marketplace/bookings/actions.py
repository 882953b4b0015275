"""What a viewer may do with a booking right now: the pages show only these buttons.

The services remain the judges (a direct POST is refused there with a clear message); these
predicates mirror their rules so that nobody is offered a button that can only fail.
"""
from __future__ import annotations

from datetime import datetime

from marketplace.bookings.models import Booking, BookingStatus
from marketplace.bookings.permissions import can_provide, is_booker
from marketplace.bookings.services import CHECK_IN_OPENS_BEFORE, booker_may_cancel


def available_actions(user, booking: Booking, now: datetime) -> frozenset[str]:
    """The actions among cancel / cancel_by_provider / approve / reject / check_in / no_show open to ``user``."""
    actions = set()
    active = booking.is_active
    if active and is_booker(user, booking) and booker_may_cancel(booking, now):
        actions.add("cancel")
    if not can_provide(user, booking.listing):
        return frozenset(actions)
    if active and now < booking.end_at and "cancel" not in actions:
        actions.add("cancel_by_provider")
    if booking.status is BookingStatus.pending:
        actions.add("reject")
        if booking.approval_deadline is None or now < booking.approval_deadline:
            actions.add("approve")
    if booking.status is BookingStatus.confirmed and booking.checked_in_at is None:
        if booking.start_at - CHECK_IN_OPENS_BEFORE <= now < booking.end_at:
            actions.add("check_in")
        if now >= booking.start_at:
            actions.add("no_show")
    return frozenset(actions)
