"""The HSDS API pages in the database: a list page and a detail request run a fixed handful of statements and read
as many rows whether the catalogue holds a few listings or many (no table built for all of them per request, no
walk over every listing to find an id)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.listings.test_statements import sent_by

LIST_PAGE_STATEMENTS = 7
DETAIL_STATEMENTS = 6
KINDS = ("services", "service_at_locations", "organizations")


@contextmanager
def rows_read():
    """How many rows each ORM statement run in the block returned (their results are passed on unchanged)."""
    counts: list[int] = []

    def count(state):
        frozen = state.invoke_statement().freeze()
        counts.append(len(frozen().all()))
        return frozen()

    event.listen(Session, "do_orm_execute", count)
    try:
        yield counts
    finally:
        event.remove(Session, "do_orm_execute", count)


def cost_of(client, session, path: str) -> tuple[int, int]:
    """The statements a request sends and the rows it reads (warmed, with an empty session, as a request starts)."""
    statements = len(sent_by(client, session, path))
    session.expunge_all()
    with rows_read() as counts:
        assert client.get(path).status_code == 200
    return statements, sum(counts)


def more_listings(factory, count: int) -> None:
    """Listings of new organisations, each in a street of its own (so each brings new places to name)."""
    for _ in range(count):
        factory.listing(organisation=factory.organisation())


@pytest.mark.parametrize("kind", KINDS)
def test_a_list_page_costs_the_same_for_a_big_catalogue_as_for_a_small_one(client, factory, session, catalogue,
                                                                          kind):
    path = f"/api/v1/exchange/hsds/{kind}?per_page=1"
    few = cost_of(client, session, path)
    more_listings(factory, 12)
    many = cost_of(client, session, path)
    assert few == many and many[0] <= LIST_PAGE_STATEMENTS, (few, many)


@pytest.mark.parametrize("kind", KINDS)
def test_a_detail_request_costs_the_same_for_a_big_catalogue_as_for_a_small_one(client, factory, session,
                                                                               catalogue, kind):
    hsds_id = client.get(f"/api/v1/exchange/hsds/{kind}?per_page=1").json["contents"][0]["id"]
    path = f"/api/v1/exchange/hsds/{kind}/{hsds_id}"
    few = cost_of(client, session, path)
    more_listings(factory, 12)
    many = cost_of(client, session, path)
    assert few == many and many[0] <= DETAIL_STATEMENTS, (few, many)


def test_a_page_of_listings_in_many_places_runs_as_many_statements_as_a_page_in_a_few(client, factory, session,
                                                                                     catalogue):
    more_listings(factory, 12)
    few_places = sent_by(client, session, "/api/v1/exchange/hsds/services?per_page=4")  # the catalogue's street
    many_places = sent_by(client, session, "/api/v1/exchange/hsds/services?per_page=16")  # and 12 more streets
    assert len(few_places) == len(many_places) <= LIST_PAGE_STATEMENTS, many_places
