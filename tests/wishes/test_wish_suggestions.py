"""The listings and volunteers suggested on a wish (the search service, through needs.suggest_listings): what
they are, for whom, on both faces, and wider once the wish has climbed to the street's wall."""
from __future__ import annotations

from datetime import time, timedelta

import pytest

from marketplace.core import clock
from marketplace.listings import services as listings
from marketplace.wishes import services as wishes


def volunteer_offer(session, volunteer, place, title, description=""):
    listing = listings.create_listing(session, volunteer, listings.ListingData(
        kind="skill", title=title, description=description, place_id=place.id), organisation_id=None)
    listings.set_opening_hours(session, volunteer, listing,
                               [listings.HoursInterval(weekday=d, opens=time(9), closes=time(21)) for d in range(7)])
    listings.publish_listing(session, volunteer, listing)
    session.commit()
    return listing


@pytest.fixture
def offers(session, factory, world):
    """Near the resident (幸福里): a repair service of the office, a volunteer's repair skill, a chess room; in the
    other community (建设路): another repair service."""
    repairer = factory.user(name="水电工老王", volunteer=True)
    far_office = factory.organisation(place=world.tree["c2"], name="建设路物业服务站")
    return {
        "office_repair": factory.listing(organisation=world.office, actor=world.staff, kind="service",
                                         title="水龙头维修", description="上门维修水龙头、水管"),
        "volunteer_repair": volunteer_offer(session, repairer, world.tree["c1_building"], "义务维修水龙头",
                                            "退休水电工，周末可以上门修水龙头"),
        "chess": factory.listing(organisation=world.office, actor=world.staff, title="棋牌室",
                                 description="象棋围棋"),
        "far_repair": factory.listing(organisation=far_office, kind="service", title="水龙头维修服务",
                                      description="建设路社区上门维修水龙头"),
        "repairer": repairer,
    }


def test_a_claimant_sees_listings_and_volunteers_for_the_wish_in_the_residents_community(
        client, world, offers, api_token):
    wish = world.claimed(title="水龙头")
    response = client.get(f"/api/v1/wishes/{wish.id}/suggestions", headers=api_token(world.volunteers[0]))
    assert response.status_code == 200, response.json
    assert [item["id"] for item in response.json["listings"]] == [offers["office_repair"].id]
    [volunteer] = response.json["volunteers"]
    assert (volunteer["id"], volunteer["display_name"], volunteer["offer"]["id"]) == (
        offers["repairer"].id, "水电工老王", offers["volunteer_repair"].id)


def test_once_the_wish_climbs_to_the_street_its_suggestions_reach_the_whole_street(
        client, session, world, offers, api_token):
    wish = world.approved(title="水龙头")
    for _level in ("community", "street"):
        clock.travel_to(wish.escalate_at + timedelta(minutes=1))
        assert wishes.escalate_if_due(session, wish, clock.now(), rules=world.rules)
        session.commit()
    assert wish.level == "street"
    response = client.get(f"/api/v1/wishes/{wish.id}/suggestions", headers=api_token(world.volunteers[1]))
    assert {item["id"] for item in response.json["listings"]} == {offers["office_repair"].id,
                                                                   offers["far_repair"].id}


def test_suggestions_are_for_volunteers_and_those_taking_part_only(client, factory, world, offers, api_token):
    wish = world.approved(title="水龙头")
    path = f"/api/v1/wishes/{wish.id}/suggestions"
    assert client.get(path).status_code == 401
    stranger = client.get(path, headers=api_token(factory.user()))
    assert stranger.status_code == 403 and stranger.json["message"] == "志愿者、党员和参与这个心愿的人可以看推荐"
    assert client.get(path, headers=api_token(world.resident)).status_code == 200
    assert client.get(path, headers=api_token(world.party_member)).status_code == 200
    assert client.get("/api/v1/wishes/999999/suggestions", headers=api_token(world.party_member)).status_code == 404


def test_the_wish_page_shows_the_suggestions_to_a_volunteer_and_not_to_a_stranger(
        client, factory, world, offers, login):
    wish = world.approved(title="水龙头")
    login(world.volunteers[0])
    page = client.get(f"/wishes/{wish.id}").get_data(as_text=True)
    assert 'data-testid="wish-suggestions"' in page
    assert f'/listings/{offers["office_repair"].id}"' in page and "水电工老王" in page
    assert f'/listings/{offers["chess"].id}"' not in page and f'/listings/{offers["far_repair"].id}"' not in page
    login(factory.user())
    assert 'data-testid="wish-suggestions"' not in client.get(f"/wishes/{wish.id}").get_data(as_text=True)


def test_the_suggestions_are_in_the_openapi_document(client):
    operation = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/wishes/{wish_id}/suggestions"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/WishSuggestions")
