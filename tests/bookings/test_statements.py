"""Booking a slot costs a fixed, small number of SQL statements: each read the rules need once, the inserts of the
booking, its history entry, its event and the event's deliveries."""
from __future__ import annotations

from sqlalchemy import event

from marketplace.bookings.services import BookingRequest, create_booking
from marketplace.extensions import db
from tests.bookings.conftest import SHANGHAI, local

# The listing with its organisation and hours, its exceptions that day, what holds the slot, the booker's standing
# (read with the user when a signed-in request loads them, see test_api_booking_reads_the_booker_once); then the
# four inserts. PostgreSQL adds the listing's row lock and the savepoint (SAVEPOINT, RELEASE) that lets the unit of
# work go on when the overlap guard refuses the insert.
SQLITE_STATEMENTS = 8
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


def _people_reads(sent: list[str]) -> list[str]:
    return [statement for statement in sent
            if any(table in statement for table in ("FROM users", "FROM reputations", "FROM api_tokens",
                                                    "FROM user_sessions"))]


def test_api_booking_reads_the_booker_once(client, api_token, factory, session, now):
    """A signed-in request reads its user, with the standing the booking rules need, in the statement that checks
    its token: booking through the API reads no person a second time."""
    listing_id = factory.listing().id
    headers = api_token(factory.user())
    session.expunge_all()  # a request starts with an empty session; the test's shares its objects
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.post("/api/v1/bookings", headers=headers, json={
            "listing_id": listing_id, "start": local(2, 10).isoformat(), "end": local(2, 11).isoformat()})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 201, response.json
    [read] = _people_reads(sent)
    assert "FROM api_tokens" in read and "reputations" in read


def test_a_signed_in_page_reads_its_user_with_the_session(client, login, factory, session):
    login(factory.user())
    session.expunge_all()
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/bookings")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    [read] = _people_reads(sent)
    assert "FROM user_sessions" in read and "reputations" in read
