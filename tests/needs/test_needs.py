"""Needs and matching: publishing a need with items, the listings the search service suggests for each item
(words, kind, community, free at the item's time), inviting their providers, and the needs, resources and
projects lists of a community.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.core import clock, events, zones
from marketplace.needs import services
from marketplace.needs.models import NeedStatus
from marketplace.notifications.models import Kind, Notification
from marketplace.search.sync import search_index
from tests.bookings.conftest import NOW, SHANGHAI, local

ROOM_TIME = (local(2, 14), local(2, 16))


def iso(instant):
    return zones.to_local(instant, SHANGHAI).isoformat()


@pytest.fixture
def now():
    clock.travel_to(NOW)
    return NOW


@pytest.fixture
def office(factory, now):
    """A community office (its first staff member publishes) and its community."""
    tree = factory.place_tree()
    org = factory.organisation(place=tree["c1"])
    return org, next(m.user for m in org.memberships), tree


def summer_care(session, office, *, text="安静的自习教室", kind="space", window=ROOM_TIME):
    org, staff, _tree = office
    need = services.create_need(session, staff, services.NeedData(
        organisation_id=org.id, title="暑期托管", description="暑假里照看双职工家庭的孩子",
        items=[services.ItemData(kind=kind, text=text, start=window[0], end=window[1])]))
    session.commit()
    return need


def suggested_titles(session, need) -> list[str]:
    [found] = services.suggestions(session, search_index(), need, zone=SHANGHAI)
    return [hit.listing.title for hit in found.hits]


def test_a_listing_matching_the_items_words_ranks_in_its_suggestions(session, factory, office):
    org, staff, _tree = office
    factory.listing(organisation=org, actor=staff, title="社区自习教室", description="安静明亮的自习教室，适合孩子写作业。")
    factory.listing(organisation=org, actor=staff, title="乒乓球室", description="两张球台，晚上开放。")
    need = summer_care(session, office)
    titles = suggested_titles(session, need)
    assert titles[0] == "社区自习教室" and "乒乓球室" not in titles


def test_suggestions_leave_out_listings_taken_at_the_items_time_and_of_another_kind(session, factory, office):
    org, staff, _tree = office
    booked = factory.listing(organisation=org, actor=staff, title="自习教室甲", description="安静的自习教室")
    factory.listing(organisation=org, actor=staff, title="自习教室乙", description="安静的自习教室")
    factory.booking(listing=booked, start=ROOM_TIME[0], minutes=120)
    need = summer_care(session, office)
    assert suggested_titles(session, need) == ["自习教室乙"]
    tutoring = summer_care(session, office, text="自习辅导老师", kind="skill")
    assert suggested_titles(session, tutoring) == []


def test_suggestions_stay_in_the_needs_community(session, factory, office):
    org, staff, tree = office
    elsewhere = factory.organisation(place=tree["c2"])
    factory.listing(organisation=elsewhere, title="建设路自习教室", description="安静的自习教室")
    need = summer_care(session, office)
    assert suggested_titles(session, need) == []


def test_inviting_a_suggested_listing_tells_its_provider_and_makes_the_need_a_project(
        session, factory, office, client, api_token):
    org, staff, tree = office
    volunteer_org = factory.organisation(place=tree["c1"])
    room = factory.listing(organisation=volunteer_org, title="社区自习教室", description="安静的自习教室")
    need = summer_care(session, office)
    [item] = need.items
    response = client.get(f"/api/v1/needs/{need.id}/suggestions")
    assert [row["id"] for row in response.json["items"][0]["listings"]] == [room.id]
    invited = client.post(f"/api/v1/needs/{need.id}/invitations", headers=api_token(staff),
                          json={"item_id": item.id, "listing_id": room.id})
    assert invited.status_code == 201 and invited.json["invited_by_id"] == staff.id
    again = client.post(f"/api/v1/needs/{need.id}/invitations", headers=api_token(staff),
                        json={"item_id": item.id, "listing_id": room.id})
    assert again.status_code == 409
    session.refresh(need)
    assert need.status is NeedStatus.in_progress
    events.process_outbox(session, clock.now())
    provider = next(m.user for m in volunteer_org.memberships)
    [told] = session.scalars(select(Notification).where(Notification.kind == Kind.invitations)).all()
    assert told.recipient_id == provider.id and "暑期托管" in told.text and told.link == f"/needs/{need.id}"
    stranger = factory.user()
    assert client.post(f"/api/v1/needs/{need.id}/invitations", headers=api_token(stranger),
                       json={"item_id": item.id, "listing_id": room.id}).status_code == 403


def test_the_lists_show_needs_and_projects_per_community(session, factory, office, client):
    org, staff, tree = office
    asking = summer_care(session, office)
    started = summer_care(session, office, text="急救培训师", kind="skill")
    room = factory.listing(organisation=org, actor=staff, title="社区自习教室")
    services.invite(session, staff, started, started.items[0].id, room.id)
    session.commit()
    c1, c2 = tree["c1"].id, tree["c2"].id
    assert [n["id"] for n in client.get(f"/api/v1/needs?status=open&community_id={c1}").json["items"]] == [asking.id]
    assert [n["id"] for n in client.get(f"/api/v1/needs?status=in_progress").json["items"]] == [started.id]
    assert client.get(f"/api/v1/needs?community_id={c2}").json["total"] == 0
    page = client.get(f"/needs?list=projects&community_id={c1}").get_data(as_text=True)
    assert f"/needs/{started.id}" in page and f"/needs/{asking.id}\"" not in page
    resources = client.get(f"/needs?list=resources&community_id={c1}").get_data(as_text=True)
    assert "社区自习教室" in resources


def test_bad_input_gets_a_clear_4xx_in_the_users_language(session, factory, office, client, api_token):
    org, staff, _tree = office
    body = {"organisation_id": org.id, "title": "暑期托管",
            "items": [{"kind": "space", "text": "教室", "start": iso(ROOM_TIME[1]), "end": iso(ROOM_TIME[0])}]}
    response = client.post("/api/v1/needs", headers=api_token(staff), json=body)
    assert response.status_code == 422 and response.json["message"] == "需求项的结束时间必须晚于开始时间"
    staff.locale = "en"
    session.commit()
    response = client.post("/api/v1/needs", headers=api_token(staff), json=body)
    assert response.status_code == 422 and response.json["message"] == "An item must end after it starts"
    body["items"][0]["end"] = iso(ROOM_TIME[1])
    assert client.post("/api/v1/needs", headers=api_token(factory.user()), json=body).status_code == 403
    assert client.post("/api/v1/needs", headers=api_token(staff), json={**body, "items": []}).status_code == 422


def test_staff_publish_a_need_and_invite_from_the_pages(session, factory, office, client, login):
    org, staff, _tree = office
    room = factory.listing(organisation=org, actor=staff, title="社区自习教室", description="安静的自习教室")
    login(staff)
    assert client.get("/needs/new").get_data(as_text=True).count('data-testid="need-item"') == 3
    start = zones.to_local(ROOM_TIME[0], SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    created = client.post("/needs/new", data={
        "organisation_id": str(org.id), "title": "暑期托管", "description": "",
        "items-0-kind": "space", "items-0-text": "安静的自习教室", "items-0-quantity": "1",
        "items-0-start": start, "items-0-hours": "2"})
    assert created.status_code == 302, created.get_data(as_text=True)[-3000:]
    detail = created.headers["Location"].split("?")[0]
    page = client.get(detail).get_data(as_text=True)
    assert "社区自习教室" in page and 'data-testid="invite"' in page
    need_id = int(detail.rsplit("/", 1)[1])
    item_id = services.get_need(session, need_id).items[0].id
    assert client.post(f"{detail}/invite", data={"item_id": item_id, "listing_id": room.id}).status_code == 302
    assert "进行中的项目" in client.get(detail).get_data(as_text=True)
    refused = client.post("/needs/new", data={"organisation_id": str(org.id), "title": "暑期托管"})
    assert refused.status_code == 422 and "一个需求需要1到10项" in refused.get_data(as_text=True)
