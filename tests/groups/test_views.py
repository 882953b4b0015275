"""Group pages: form a group, add members by phone or email, list my groups, leave; and booking for a group."""
from datetime import time

from sqlalchemy import select

from marketplace.bookings.models import Booking
from marketplace.core import clock
from marketplace.groups.models import Group
from marketplace.listings.services import HoursInterval
from tests.bookings.conftest import NOW, local


def text(response) -> str:
    return response.get_data(as_text=True)


def test_forming_a_group_and_adding_a_member_by_phone(client, login, session, factory):
    leader = factory.user(name="合唱团王老师")
    member = factory.user(name="赵阿姨", phone="13900001111")
    login(leader)
    response = client.post("/groups/", data={"name": "夕阳红合唱团", "description": "每周二排练"})
    assert response.status_code == 302 and "notice=created" in response.location
    group = session.scalar(select(Group).where(Group.name == "夕阳红合唱团"))
    added = client.post(f"/groups/{group.id}/members", data={"login": "13900001111"})
    assert added.status_code == 302
    page = text(client.get(added.location))
    assert page.count('data-testid="member"') == 2 and "赵阿姨" in page and "13900001111" not in page
    listing = text(client.get("/groups/"))
    assert "夕阳红合唱团" in listing and "2名成员" in listing
    login(member)
    assert "夕阳红合唱团" in text(client.get("/groups/"))


def test_group_forms_refuse_bad_input_in_chinese(client, login, session, factory):
    leader = factory.user()
    login(leader)
    for data, message in [({"name": ""}, "请填写团队名称"), ({"name": "很" * 51}, "团队名称不能超过50个字")]:
        response = client.post("/groups/", data=data)
        assert response.status_code == 422 and message in text(response)
    client.post("/groups/", data={"name": "象棋社"})
    group = session.scalar(select(Group).where(Group.name == "象棋社"))
    unknown = client.post(f"/groups/{group.id}/members", data={"login": "13000000000"})
    assert unknown.status_code == 422 and "请先让对方注册" in text(unknown)
    twice = client.post(f"/groups/{group.id}/members", data={"login": leader.login_name})
    assert twice.status_code == 409 and "已经是团队成员" in text(twice)


def test_only_the_leader_adds_members_and_outsiders_do_not_see_the_group(client, login, factory, session):
    leader, member, outsider = factory.user(), factory.user(), factory.user()
    login(leader)
    client.post("/groups/", data={"name": "亲子阅读会"})
    group = session.scalar(select(Group).where(Group.name == "亲子阅读会"))
    client.post(f"/groups/{group.id}/members", data={"login": member.login_name})
    login(member)
    assert 'data-testid="member-form"' not in text(client.get(f"/groups/{group.id}"))
    assert client.post(f"/groups/{group.id}/members", data={"login": outsider.login_name}).status_code == 403
    login(outsider)
    assert client.get(f"/groups/{group.id}").status_code == 404
    login(member)
    leave = client.post(f"/groups/{group.id}/members/{member.id}/remove")
    assert leave.status_code == 302 and "notice=left" in leave.location
    assert client.get(f"/groups/{group.id}").status_code == 404


def test_members_book_for_their_group_from_the_listing_page(client, login, session, factory):
    clock.travel_to(NOW)
    listing = factory.listing(slot_minutes=60, min_duration_minutes=60,
                              hours=[HoursInterval(weekday=d, opens=time(9), closes=time(12)) for d in range(7)])
    leader = factory.user()
    login(leader)
    client.post("/groups/", data={"name": "太极拳队"})
    group = session.scalar(select(Group).where(Group.name == "太极拳队"))
    page = text(client.get(f"/listings/{listing.id}"))
    assert f'<option value="{group.id}">太极拳队</option>' in page
    response = client.post(f"/listings/{listing.id}/book", data={
        "start": "2026-06-02T10:00:00+08:00", "duration": "60", "group_id": str(group.id)})
    assert response.status_code == 302
    booking = session.scalar(select(Booking))
    assert booking.group_id == group.id and booking.start_at == local(1, 10)
    assert "太极拳队" in text(client.get(response.location))
