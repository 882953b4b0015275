"""Ids from outside (paths, query strings, form fields) that cannot be ids get a 404 or a message, never a 500.

An id column holds at most 2**31 - 1 (PostgreSQL INTEGER); SQLite overflows past 2**63. A larger
number must not reach the database, where it would raise instead of matching nothing.
"""
import re

import pytest
from werkzeug.routing import IntegerConverter

from marketplace.core.db import MAX_ID, get_by_id
from marketplace.core.errors import NotFound
from marketplace.listings.models import Listing
from marketplace.places.services import get_place

TOO_BIG = [MAX_ID + 1, 2**63, 10**30]


def _routes_with_ids(app):
    for rule in app.url_map.iter_rules():
        if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values()):
            yield rule


def _with_id(rule, value: int) -> str:
    return re.sub(r"<[^>]+>", str(value), rule.rule)


@pytest.mark.parametrize("too_big", TOO_BIG)
def test_every_route_answers_a_404_to_an_id_too_big_for_the_database(app, client, factory, login, too_big):
    login(factory.user(platform_admin=True))
    checked = 0
    for rule in _routes_with_ids(app):
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        response = client.open(_with_id(rule, too_big), method=method, json={} if rule.rule.startswith("/api/") else None)
        assert response.status_code == 404, (method, rule.rule, response.status_code)
        checked += 1
    assert checked > 40  # the HTML pages and the API both


@pytest.mark.parametrize("path", ["/listings?community={n}", "/listings?grid={n}&community={n}", "/listings?place={n}",
                                  "/organisations/directory?community={n}", "/bookings/requests?organisation={n}"])
def test_query_ids_too_big_for_the_database_are_ignored_like_any_other_garbage(client, factory, login, path):
    login(factory.user())
    assert client.get(path.format(n=2**63)).status_code == 200


def test_a_form_naming_a_place_id_too_big_for_the_database_gets_a_message(client, factory, login, session):
    login(factory.user())
    response = client.post("/organisations/apply", data={"name": "书法协会", "type": "social_organisation",
                                                         "place_id": str(2**63)})
    assert response.status_code == 422
    assert "请选择所在社区" in response.data.decode()


@pytest.mark.parametrize("value", [0, -1, MAX_ID + 1, 2**63, True, "1", None, 1.0])
def test_get_by_id_finds_nothing_for_what_cannot_be_an_id(session, value):
    assert get_by_id(session, Listing, value) is None


def test_services_answer_not_found_for_an_id_too_big_for_the_database(session):
    with pytest.raises(NotFound):
        get_place(session, 2**63)
