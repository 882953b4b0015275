"""The community tree page, and platform admins growing the tree."""
import pytest
from sqlalchemy import func, select

from marketplace.core.audit import AuditEntry
from marketplace.places.models import Place, PlaceKind


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_anyone_sees_the_tree_but_only_platform_admins_get_the_add_form(client, factory, login):
    factory.place_tree()
    page = client.get("/places/").data.decode()
    assert "幸福里社区" in page and "幸福里社区第一网格" in page and "3号楼" in page
    assert "添加地点" not in page
    login(factory.user())
    assert "添加地点" not in client.get("/places/").data.decode()


def test_a_platform_admin_adds_a_community_a_grid_and_a_building(client, factory, login, session):
    tree = factory.place_tree()
    admin = factory.user(platform_admin=True)
    login(admin)
    assert "添加地点" in client.get(f"/places/?parent={tree['street'].id}").data.decode()
    parent_id = tree["street"].id
    for name, kind in (("滨河社区", PlaceKind.community), ("滨河第二网格", PlaceKind.grid), ("7号楼", PlaceKind.building)):
        response = client.post("/places/", data={"parent_id": str(parent_id), "name": name})
        assert response.status_code == 302, response.data.decode()
        place = session.scalar(select(Place).where(Place.name == name))
        assert (place.kind, place.parent_id) == (kind, parent_id)
        parent_id = place.id
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "place.create")).all()
    assert [(e.actor_id, e.after["name"]) for e in entries] == [
        (admin.id, "滨河社区"), (admin.id, "滨河第二网格"), (admin.id, "7号楼")]
    assert "滨河第二网格" in client.get("/places/").data.decode()


def test_a_new_street_needs_no_parent(client, factory, login, session):
    login(factory.user(platform_admin=True))
    assert client.post("/places/", data={"parent_id": "", "name": "西大街街道"}).status_code == 302
    assert session.scalar(select(Place).where(Place.name == "西大街街道")).kind is PlaceKind.street


def test_non_admins_cannot_add_places(client, factory, login, session):
    tree = factory.place_tree()
    login(factory.user())
    before = _count(session, Place)
    response = client.post("/places/", data={"parent_id": str(tree["c1"].id), "name": "偷偷加的网格"})
    assert response.status_code == 403
    assert _count(session, Place) == before


@pytest.mark.parametrize(("parent", "name", "message"), [
    ("c1", "", "请填写名称"),
    ("c1", "名" * 10_000, "名称不能超过100个字"),
    ("unknown", "新网格", "找不到这个地点"),
    ("c1_building", "不存在的层级", "楼栋之下不能再添加节点"),
])
def test_bad_places_are_refused_with_a_message_and_write_nothing(client, factory, login, session,
                                                                  parent, name, message):
    tree = factory.place_tree()
    login(factory.user(platform_admin=True))
    places_before, audit_before = _count(session, Place), _count(session, AuditEntry)
    parent_id = tree[parent].id if parent in tree else 999999
    response = client.post("/places/", data={"parent_id": str(parent_id), "name": name})
    assert response.status_code == 422
    assert message in response.data.decode()
    assert (_count(session, Place), _count(session, AuditEntry)) == (places_before, audit_before)


def test_place_names_are_escaped(client, factory, login):
    tree = factory.place_tree()
    login(factory.user(platform_admin=True))
    client.post("/places/", data={"parent_id": str(tree["c1"].id), "name": "<b>网格</b>"})
    page = client.get("/places/").data.decode()
    assert "&lt;b&gt;网格&lt;/b&gt;" in page and "<b>网格</b>" not in page
