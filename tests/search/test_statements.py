"""The anonymous results page costs a fixed number of SQL statements, however many hits it shows: every hit's
next free slot comes from one query each for exceptions and bookings, places from the hits' own query."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app

from marketplace.core import clock, zones
from tests.listings.test_statements import busy_listings, sent_by

# Every statement sent, without the BEGIN the pages bench counts (see tests/listings/test_statements.py):
# the hits with their provider, place, photos and hours; exceptions; bookings. The community and building
# names (place words, the community filter) come from the process's copy (places.directory).
SEARCH_PAGE_STATEMENTS = 3


def test_the_results_page_runs_as_many_statements_for_twelve_hits_as_for_two(client, factory, session, index):
    busy_listings(factory, session, 2)
    few = sent_by(client, session, "/search?q=活动室")
    busy_listings(factory, session, 10)
    many = sent_by(client, session, "/search?q=活动室")
    assert client.get("/search?q=活动室").get_data(as_text=True).count('data-testid="search-hit"') == 12
    assert len(few) == len(many) <= SEARCH_PAGE_STATEMENTS, many


def test_a_free_at_search_runs_as_many_statements_for_twelve_candidates_as_for_two(client, factory, session, index):
    day = zones.local_date(clock.now(), current_app.config["TIMEZONE"]) + timedelta(days=2)
    path = f"/search?q=活动室&free_date={day.isoformat()}&free_from=14:00&free_to=16:00"
    busy_listings(factory, session, 2)
    few = sent_by(client, session, path)
    busy_listings(factory, session, 10)
    many = sent_by(client, session, path)
    assert client.get(path).get_data(as_text=True).count('data-testid="search-hit"') == 12  # all free then
    assert len(few) == len(many), many
