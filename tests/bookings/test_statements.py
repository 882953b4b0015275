"""Booking a slot costs a fixed, small number of SQL statements: each read the rules need once, the inserts of the
booking, its history entry, its event and the event's deliveries."""
from __future__ import annotations

from sqlalchemy import event

from marketplace.bookings.services import BookingRequest, create_booking
from marketplace.extensions import db
from tests.bookings.conftest import SHANGHAI, local

# The listing with its organisation and hours, its overdue requests, its exceptions that day, what holds the
# slot, the booker's standing; then the four inserts. PostgreSQL adds the listing's row lock and the savepoint
# (SAVEPOINT, RELEASE) that lets the unit of work go on when the overlap guard refuses the insert.
SQLITE_STATEMENTS = 9
POSTGRESQL_EXTRA = 3


def test_booking_a_slot_costs_a_fixed_number_of_statements(factory, session, now, writing):
    listing = factory.listing()
    warm, booker = factory.user(), factory.user()
    create_booking(session, warm, BookingRequest(listing_id=listing.id, start=local(1, 10), end=local(1, 11)),
                   zone=SHANGHAI)
    session.flush()
    booker_id = booker.id
    session.expunge_all()  # a request starts with an empty session; the test's shares its objects
    booker = session.get(type(booker), booker_id)
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        create_booking(session, booker, BookingRequest(listing_id=listing.id, start=local(2, 10), end=local(2, 11)),
                       zone=SHANGHAI)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    expected = SQLITE_STATEMENTS + (0 if session.connection().dialect.name == "sqlite" else POSTGRESQL_EXTRA)
    assert len(sent) == expected, "\n".join(sent)
