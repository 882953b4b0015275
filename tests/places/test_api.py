"""The community tree API: nodes, the nested tree, and growing it (platform admins)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.places.models import Place

API = "/api/v1/places"


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Place))


def test_the_tree_nests_street_communities_grids_and_buildings(client, factory):
    tree = factory.place_tree()

    streets = client.get(f"{API}/tree").json
    [street] = [node for node in streets if node["id"] == tree["street"].id]

    assert street["kind"] == "street"
    assert [c["name"] for c in street["children"]] == ["幸福里社区", "建设路社区"]
    community = next(c for c in street["children"] if c["id"] == tree["c1"].id)
    [grid] = community["children"]
    assert (grid["id"], grid["kind"]) == (tree["c1_grid"].id, "grid")
    assert grid["children"] == [{"id": tree["c1_building"].id, "kind": "building", "name": "3号楼", "children": []}]


def test_nodes_are_a_paged_collection_filtered_by_level_and_parent(client, factory):
    tree = factory.place_tree()

    communities = client.get(API, query_string={"parent_id": tree["street"].id, "kind": "community"}).json
    first = client.get(API, query_string={"parent_id": tree["street"].id, "per_page": 1}).json

    assert communities["total"] == 2
    assert {item["id"] for item in communities["items"]} == {tree["c1"].id, tree["c2"].id}
    assert first["total"] == 2 and len(first["items"]) == 1


def test_one_node_carries_its_full_name(client, factory):
    tree = factory.place_tree()

    body = client.get(f"{API}/{tree['c1_building'].id}").json

    assert body["full_name"] == f"{tree['street'].name} · 幸福里社区 · 幸福里社区第一网格 · 3号楼"


def test_a_platform_admin_adds_a_node_one_level_below_its_parent(client, factory, api_token):
    tree = factory.place_tree()
    admin = factory.user(platform_admin=True)

    response = client.post(API, json={"name": "第二网格", "parent_id": tree["c1"].id}, headers=api_token(admin))

    assert response.status_code == 201
    assert (response.json["kind"], response.json["parent_id"]) == ("grid", tree["c1"].id)


def test_residents_cannot_grow_the_tree(client, session, factory, api_token):
    tree = factory.place_tree()
    before = count(session)

    response = client.post(API, json={"name": "假社区", "parent_id": tree["street"].id},
                           headers=api_token(factory.user()))

    assert response.status_code == 403
    assert count(session) == before


@pytest.mark.parametrize("body, status, expected", [
    ({}, 422, {"errors": {"name": ["必须填写"]}}),
    ({"name": "网" * 10_000}, 422, {"errors": {"name": ["不能超过100个字"]}}),
    ({"name": "网格", "parent_id": "一"}, 422, {"errors": {"parent_id": ["应为整数"]}}),
    ({"name": "网格", "kind": "grid"}, 422, {"errors": {"kind": ["不认识的字段"]}}),
    ({"name": "网格", "parent_id": 987654}, 404, {"message": "找不到这个地点"}),
], ids=["no name", "huge name", "parent as text", "unknown field", "unknown parent"])
def test_bad_nodes_are_refused_in_chinese(client, session, factory, api_token, body, status, expected):
    admin = factory.user(platform_admin=True)
    before = count(session)

    response = client.post(API, json=body, headers=api_token(admin))

    assert response.status_code == status
    assert {key: response.json[key] for key in expected} == expected
    assert count(session) == before


@pytest.mark.parametrize("path", [f"{API}/987654", f"{API}/99999999999999999999"])
def test_unknown_nodes_are_404(client, path):
    assert client.get(path).status_code == 404
