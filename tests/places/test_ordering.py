"""Places are listed in the order people count them, Chinese numerals included, everywhere."""
from __future__ import annotations

import re

import pytest

from marketplace.places import services as places
from marketplace.places.models import PlaceKind
from marketplace.places.ordering import natural_key


def test_numbers_in_names_sort_as_numbers_arabic_and_chinese():
    assert sorted(["第一网格", "第三网格", "第十一网格", "第二网格", "第十网格"], key=natural_key) == [
        "第一网格", "第二网格", "第三网格", "第十网格", "第十一网格"]
    assert sorted(["10号楼", "8号楼", "9号楼", "二十号楼"], key=natural_key) == ["8号楼", "9号楼", "10号楼", "二十号楼"]


@pytest.fixture
def community(session):
    street = places.create_place(session, kind=PlaceKind.street, name="排序街道", parent_id=None)
    community = places.create_place(session, kind=PlaceKind.community, name="排序社区", parent_id=street.id)
    grids = {name: places.create_place(session, kind=PlaceKind.grid, name=name, parent_id=community.id)
             for name in ("第一网格", "第三网格", "第十网格", "第二网格")}
    for name in ("10号楼", "8号楼", "9号楼"):
        places.create_place(session, kind=PlaceKind.building, name=name, parent_id=grids["第一网格"].id)
    return community, grids


def test_lists_dropdowns_and_the_tree_count_grids_and_buildings_in_order(session, community):
    community, grids = community
    expected_grids = ["第一网格", "第二网格", "第三网格", "第十网格"]
    assert [p.name for p in places.list_places(session, parent_id=community.id)] == expected_grids
    children = places.children_by_parent(session)
    assert [p.name for p in children[community.id]] == expected_grids
    assert [p.name for p in children[grids["第一网格"].id]] == ["8号楼", "9号楼", "10号楼"]
    ours = [name.strip("　") for _, name in places.place_choices(session) if name.strip("　") in
            {"排序社区", *expected_grids, "8号楼", "9号楼", "10号楼"}]
    assert ours == ["排序社区", "第一网格", "8号楼", "9号楼", "10号楼", "第二网格", "第三网格", "第十网格"]


def test_the_paged_places_api_and_the_search_filter_use_the_same_order(client, session, community):
    community, _ = community
    body = client.get("/api/v1/places", query_string={"parent_id": community.id, "per_page": 2, "page": 2}).json
    assert [node["name"] for node in body["items"]] == ["第三网格", "第十网格"] and body["total"] == 4
    for name in ("第十社区", "第二社区"):
        places.create_place(session, kind=PlaceKind.community, name=name, parent_id=community.parent_id)
    page = client.get("/search").get_data(as_text=True)
    listed = re.findall(r"<option value=\"\d+\" >(第[^<]+社区)</option>", page)
    assert listed == ["第二社区", "第十社区"], listed
