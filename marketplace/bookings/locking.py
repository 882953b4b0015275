"""Serialising the check-and-insert of bookings, per database.

"Is the slot free?" and "insert the booking" must happen as one indivisible step, or two racing
requests both see the slot free and both insert. What we chose:

- **PostgreSQL**: the unit of work locks the listing's row (``SELECT … FOR UPDATE``) before checking,
  so bookings of one listing are decided one at a time while other listings proceed in parallel;
  under READ COMMITTED the check after the lock sees every booking committed before it. As a
  second line the database refuses overlapping active bookings of exclusive listings by itself
  (the ``bookings_no_overlap`` exclusion constraint, see the migration).
- **SQLite**: there is a single writer anyway; every unit of work that may write begins with
  ``BEGIN IMMEDIATE`` (``core.transactions`` decides that for all of them), taking the write lock
  before its first read; a racing request waits (busy_timeout) and then reads the winner's booking.
  The ``bookings_no_overlap`` trigger is the second line here.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.bookings.models import Booking
from marketplace.core.transactions import holds_write_lock
from marketplace.listings.models import Listing
from marketplace.organisations.models import Organisation

def lock_listing(session: Session, listing_id: int) -> None:
    """Hold the lock under which the listing's bookings are checked and written, until the unit of work ends."""
    if _row_locks(session):
        session.execute(select(Listing.id).where(Listing.id == listing_id).with_for_update())


def lock_listings(session: Session, listing_ids) -> None:
    """``lock_listing`` for several listings in one statement, in id order, so that two such units of work
    cannot deadlock on each other."""
    if listing_ids and _row_locks(session):
        session.execute(select(Listing.id).where(Listing.id.in_(listing_ids)).order_by(Listing.id).with_for_update())


def _row_locks(session: Session) -> bool:
    """Whether the database needs row locks (PostgreSQL); on SQLite, checks the unit of work holds the write lock."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if not holds_write_lock(connection):
            raise RuntimeError("bookings are written in a read-only unit of work (a GET request or read_only())")
        return False
    return True


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
