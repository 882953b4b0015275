"""Residents' groups: a leader forms one, adds members; members see it, outsiders do not."""
import pytest

from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.groups import services


def test_the_leader_forms_a_group_and_is_its_first_member(factory, session):
    leader = factory.user()
    group = services.create_group(session, leader, "  夕阳红合唱团 ", "每周二晚排练")
    assert group.name == "夕阳红合唱团" and group.has_member(leader)
    assert services.list_my_groups(session, leader) == [group]


def test_names_are_required_and_bounded(factory, session):
    leader = factory.user()
    with pytest.raises(ValidationFailed, match="请填写团队名称"):
        services.create_group(session, leader, "   ")
    with pytest.raises(ValidationFailed, match="不能超过50个字"):
        services.create_group(session, leader, "团" * 51)


def test_only_the_leader_adds_members_and_only_registered_ones(factory, session):
    leader, member, other = factory.user(), factory.user(), factory.user()
    group = services.create_group(session, leader, "象棋社")
    services.add_member(session, leader, group, member.phone)
    assert group.has_member(member)
    with pytest.raises(Forbidden):
        services.add_member(session, member, group, other.phone)
    with pytest.raises(Conflict):
        services.add_member(session, leader, group, member.phone)
    with pytest.raises(ValidationFailed, match="请先让对方注册"):
        services.add_member(session, leader, group, "13000000000")


def test_members_leave_or_are_removed_but_the_leader_stays(factory, session):
    leader, member = factory.user(), factory.user()
    group = services.create_group(session, leader, "亲子阅读会")
    services.add_member(session, leader, group, member.phone)
    services.remove_member(session, member, group, member.id)
    assert not group.has_member(member)
    with pytest.raises(ValidationFailed, match="负责人不能退出"):
        services.remove_member(session, leader, group, leader.id)
    with pytest.raises(NotFound):
        services.remove_member(session, leader, group, member.id)


def test_outsiders_do_not_learn_a_group_exists(factory, session):
    group = services.create_group(session, factory.user(), "广场舞队")
    with pytest.raises(NotFound):
        services.get_group(session, group.id, viewer=factory.user())


def test_the_groups_api(client, factory, api_token):
    leader, member, stranger = factory.user(), factory.user(), factory.user()
    headers = api_token(leader)
    created = client.post("/api/v1/groups", headers=headers, json={"name": "书法兴趣小组"})
    assert created.status_code == 201 and created.json["leader_id"] == leader.id
    group_id = created.json["id"]
    added = client.post(f"/api/v1/groups/{group_id}/members", headers=headers, json={"login": member.phone})
    assert added.status_code == 201 and added.json["user_id"] == member.id
    mine = client.get("/api/v1/groups", headers=api_token(member)).json["items"]
    assert [g["id"] for g in mine] == [group_id] and len(mine[0]["members"]) == 2
    assert client.get(f"/api/v1/groups/{group_id}", headers=api_token(stranger)).status_code == 404
    refused = client.post(f"/api/v1/groups/{group_id}/members", headers=api_token(member), json={"login": "x"})
    assert refused.status_code == 403
    assert client.post("/api/v1/groups", headers=headers, json={"name": ""}).status_code == 422
    assert client.post("/api/v1/groups", json={"name": "匿名"}).status_code == 401
    left = client.delete(f"/api/v1/groups/{group_id}/members/{member.id}", headers=api_token(member))
    assert left.status_code == 204
