"""The anonymous listing and browse pages cost a fixed, small number of SQL statements, however many cards
they show and whatever each card holds (provider, place and its ancestors, photos, hours, exceptions, bookings)."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import event

from marketplace.core import clock, zones
from marketplace.extensions import db
from marketplace.listings import services as listings

# Every statement sent. The test's requests run inside the test's transaction, so there is no BEGIN: the
# pages bench, which counts one, sees one more (its target is 4).
LISTING_PAGE_STATEMENTS = 2  # one more, for its latest reviews, once it has some
BROWSE_PAGE_STATEMENTS = 3
HOME_PAGE_STATEMENTS = 3  # the newest (counted, then loaded) and the popular ones, each with their cards


@contextmanager
def statements():
    sent: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def busy_listings(factory, session, count: int):
    """``count`` published listings in buildings, each with an exception ahead and a booking."""
    tree = factory.place_tree()
    org = factory.organisation(place=tree["c1"])
    actor = next(m.user for m in org.memberships)
    made = []
    for n in range(count):
        listing = factory.listing(organisation=org, place_id=tree["c1_building" if n % 2 else "c2_building"].id)
        # Two days after the booking's (tomorrow, local), whatever the hour of the day in UTC.
        closed = zones.local_date(clock.now(), current_app.config["TIMEZONE"]) + timedelta(days=3)
        listings.add_exception(session, actor, listing, listings.ExceptionData(
            day=closed, is_closed=True, opens=None, closes=None, note="维修"))
        session.commit()
        factory.booking(listing=listing)
        made.append(listing)
    return made


def sent_by(client, session, path: str) -> list[str]:
    assert client.get(path).status_code == 200  # warm: first-request work is not what is counted
    session.expunge_all()  # a request starts with an empty session; the test's shares its objects
    with statements() as sent:
        assert client.get(path).status_code == 200
    return sent


def test_the_listing_page_runs_a_fixed_handful_of_statements(client, factory, session):
    listing = busy_listings(factory, session, 1)[0]
    sent = sent_by(client, session, f"/listings/{listing.id}")
    assert len(sent) <= LISTING_PAGE_STATEMENTS, sent


def test_the_browse_page_runs_as_many_statements_for_twelve_cards_as_for_two(client, factory, session):
    busy_listings(factory, session, 2)
    few = len(sent_by(client, session, "/listings"))
    busy_listings(factory, session, 10)
    many = sent_by(client, session, "/listings")
    assert few == len(many) <= BROWSE_PAGE_STATEMENTS, many


def test_the_home_page_runs_as_many_statements_for_many_listings_as_for_few(client, factory, session):
    busy_listings(factory, session, 2)
    few = len(sent_by(client, session, "/"))
    busy_listings(factory, session, 14)
    many = sent_by(client, session, "/")
    assert few == len(many) <= HOME_PAGE_STATEMENTS, many
