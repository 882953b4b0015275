"""The names searches read places by: one process's copy, fresh after a place is added through this process, and
re-read within the time it is kept when another process added one."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from marketplace.core import clock
from marketplace.places import directory, services as places
from marketplace.places.models import Place, PlaceKind


def names(session) -> set[str]:
    return {place.name for place in directory.directory(session).names}


def test_a_place_added_through_the_services_is_named_as_soon_as_it_commits(session, factory):
    tree = factory.place_tree()
    assert "9号楼" not in names(session)

    places.create_place(session, kind=PlaceKind.building, name="9号楼", parent_id=tree["c1_grid"].id)
    session.commit()

    building = next(place for place in directory.directory(session).buildings if place.name == "9号楼")
    assert building.community_id == tree["c1"].id


def test_a_place_another_process_added_is_named_once_the_copy_has_been_kept_its_time(session, factory):
    tree = factory.place_tree()
    assert "幸福二村社区" not in names(session)
    # Another process's insert: no event reaches this one.
    session.execute(insert(Place).values(kind=PlaceKind.community, name="幸福二村社区", parent_id=tree["street"].id,
                                         path=f"{tree['street'].path}999999/"))
    session.commit()

    assert "幸福二村社区" not in names(session)
    clock.advance(directory.KEPT_FOR + timedelta(seconds=1))
    assert "幸福二村社区" in names(session)


def test_communities_are_listed_in_the_order_people_count(session, factory):
    street = places.create_place(session, kind=PlaceKind.street, name="南关街道", parent_id=None)
    for name in ("第十社区", "第二社区", "第一社区"):
        places.create_place(session, kind=PlaceKind.community, name=name, parent_id=street.id)
    session.commit()

    ours = [place.name for place in directory.directory(session).communities if place.name.startswith("第")]
    assert ours == ["第一社区", "第二社区", "第十社区"]


def test_the_search_page_offers_a_community_added_through_the_api_at_once(client, login, session, factory):
    tree = factory.place_tree()
    assert "新村社区" not in client.get("/search?q=活动室").get_data(as_text=True)
    login(factory.user(platform_admin=True))

    created = client.post("/api/v1/places", json={"name": "新村社区", "parent_id": tree["street"].id})

    assert created.status_code == 201, created.json
    assert "新村社区" in client.get("/search?q=活动室").get_data(as_text=True)
