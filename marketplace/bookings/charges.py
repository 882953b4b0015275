"""What a new booking costs, settled inside the booking's own transaction by the areas that price bookings.

The points area (which sits above bookings and so cannot be imported here) registers its hold with
:func:`on_create`; every way a booking is made (one booking, a series, a waitlist offer taken up) calls
:func:`charge_new_booking` once the booking is flushed, under the listing lock. A charge that cannot be paid
raises a domain error, and the booking is refused with it: the unit of work rolls back whole.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from marketplace.bookings.models import Booking

Charge = Callable[[Session, Booking], object]

_charges: list[Charge] = []


def on_create(charge: Charge) -> Charge:
    """Register ``charge(session, booking)`` for every new booking."""
    if charge not in _charges:
        _charges.append(charge)
    return charge


def charge_new_booking(session: Session, booking: Booking) -> None:
    """Run every registered charge for the new (flushed) booking; whatever a charge raises refuses it."""
    for charge in _charges:
        charge(session, booking)
