"""Serialising the check-and-insert of bookings, per database.

"Is the slot free?" and "insert the booking" must happen as one indivisible step, or two racing
requests both see the slot free and both insert. What we chose:

- **PostgreSQL**: the unit of work locks the listing's row (``SELECT … FOR UPDATE``) before checking,
  so bookings of one listing are decided one at a time while other listings proceed in parallel;
  under READ COMMITTED the check after the lock sees every booking committed before it. As a
  second line the database refuses overlapping active bookings of exclusive listings by itself
  (the ``bookings_no_overlap`` exclusion constraint, see the migration).
- **SQLite**: there is a single writer anyway, so the unit of work starts with ``BEGIN IMMEDIATE``
  (``begin_writing``, from ``core.transactions``), taking the write lock before its first read; a racing
  request waits (busy_timeout) and then reads the winner's booking. A deferred transaction would not do: once it
  has read, SQLite refuses to upgrade it to a writer after another commit (SQLITE_BUSY, a 500).
  The ``bookings_no_overlap`` trigger is the second line here.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.bookings.models import Booking
from marketplace.core.transactions import BEGIN_IMMEDIATE, begin_writing  # noqa: F401 - the bookings' start
from marketplace.listings.models import Listing
from marketplace.organisations.models import Organisation

def lock_listing(session: Session, listing_id: int) -> None:
    """Hold the lock under which the listing's bookings are checked and written, until the unit of work ends."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if not connection.get_execution_options().get(BEGIN_IMMEDIATE):
            raise RuntimeError("on SQLite, start the unit of work with bookings.locking.begin_writing(session)")
        return
    session.execute(select(Listing.id).where(Listing.id == listing_id).with_for_update())


def lock_organisation(session: Session, organisation_id: int) -> None:
    """Serialise bookings across all of an organisation's listings (for its organisation-wide caps).

    Taken after the listing's lock, always in that order, so two bookers cannot deadlock. SQLite's
    BEGIN IMMEDIATE already admits one writer at a time.
    """
    if session.connection().dialect.name != "sqlite":
        session.execute(select(Organisation.id).where(Organisation.id == organisation_id).with_for_update())


def lock_booking(session: Session, booking: Booking) -> Booking:
    """Re-read the booking under a row lock (PostgreSQL) so that two decisions on it cannot both apply."""
    session.refresh(booking, with_for_update=True)
    return booking
