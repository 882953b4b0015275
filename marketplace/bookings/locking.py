"""Serialising the check-and-insert of bookings, per database.

"Is the slot free?" and "insert the booking" must happen as one indivisible step, or two racing
requests both see the slot free and both insert. What we chose:

- **PostgreSQL**: the unit of work locks the listing's row (``SELECT … FOR UPDATE``) before checking,
  so bookings of one listing are decided one at a time while other listings proceed in parallel;
  under READ COMMITTED the check after the lock sees every booking committed before it. As a
  second line the database refuses overlapping active bookings of exclusive listings by itself
  (the ``bookings_no_overlap`` exclusion constraint, see the migration).
- **SQLite**: there is a single writer anyway, so the unit of work starts with ``BEGIN IMMEDIATE``
  (:func:`begin_writing`), taking the write lock before its first read; a racing request waits
  (busy_timeout) and then reads the winner's booking. A deferred transaction would not do: once it
  has read, SQLite refuses to upgrade it to a writer after another commit (SQLITE_BUSY, a 500).
  The ``bookings_no_overlap`` trigger is the second line here.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from marketplace.bookings.models import Booking
from marketplace.listings.models import Listing
from marketplace.organisations.models import Organisation

BEGIN_IMMEDIATE = "sqlite_begin_immediate"


def begin_writing(session: Session) -> None:
    """Start the unit of work that will check and write bookings; call it before the service, first thing.

    On SQLite this ends the read-only transaction a request may have opened (loading the signed-in
    user) and begins a new one with BEGIN IMMEDIATE. Refuses to run over unflushed or unsaved changes,
    which it would otherwise throw away. On other databases it does nothing: the row lock is taken
    by :func:`lock_listing` inside the service.
    """
    if isinstance(session, scoped_session):  # Flask-SQLAlchemy's db.session: work on the session behind it
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_writing() must run before anything is changed in the session")
    if session.in_transaction():
        if session.connection().get_execution_options().get(BEGIN_IMMEDIATE):
            return
        session.rollback()  # only reads happened: nothing is lost, the read snapshot is released
    session.connection(execution_options={BEGIN_IMMEDIATE: True})


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
