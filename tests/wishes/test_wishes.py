"""Micro-wishes through both faces: posting (also 代办), review, the public wall's privacy, claims, fulfilment,
confirmation with the wish.confirmed event, and bad input refused with 4xx in the user's language."""
from __future__ import annotations

import json
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.core import clock, events
from marketplace.core.events import DomainEvent
from marketplace.groups import services as groups
from marketplace.notifications.models import Kind, Notification
from marketplace.wishes import services as wishes
from marketplace.wishes.models import Wish, WishCoClaimer, WishStatus
from tests.bookings.conftest import TODAY


def recorded(session, wish, event_type: str) -> list[DomainEvent]:
    return list(session.scalars(select(DomainEvent).where(
        DomainEvent.type == event_type, DomainEvent.subject_type == "wish", DomainEvent.subject_id == wish.id)))


def post_body(world, **overrides) -> dict:
    return {"title": "陪我去医院复查", "need": "下周三上午需要有人陪同去区医院复查", "needed_by":
            (TODAY + timedelta(days=7)).isoformat(), "place_id": world.tree["c1_building"].id, **overrides}


def test_the_life_cycle_through_the_api_ends_in_wish_confirmed_for_the_points(client, session, world, api_token):
    resident, staff, volunteer = world.resident, world.staff, world.volunteers[0]
    helper = world.volunteers[1]
    created = client.post("/api/v1/wishes", json=post_body(world), headers=api_token(resident))
    assert created.status_code == 201, created.json
    wish_id = created.json["id"]
    assert created.json["status"] == "pending" and created.json["details"]["on_behalf"] is False
    assert client.get("/api/v1/wishes").json["total"] == 0, "a wish is not public before review"

    assert client.post(f"/api/v1/wishes/{wish_id}/approve", headers=api_token(staff)).json["status"] == "open"
    assert [item["id"] for item in client.get("/api/v1/wishes").json["items"]] == [wish_id]
    claimed = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=api_token(volunteer))
    assert claimed.status_code == 200 and claimed.json["status"] == "claimed"
    assert client.post(f"/api/v1/wishes/{wish_id}/join", headers=api_token(helper)).status_code == 200
    fulfilled = client.post(f"/api/v1/wishes/{wish_id}/fulfil", json={"note": "陪同复查，一切顺利", "hours": 3.5},
                            headers=api_token(volunteer))
    assert fulfilled.status_code == 200 and fulfilled.json["status"] == "fulfilled"
    confirmed = client.post(f"/api/v1/wishes/{wish_id}/confirm", json={"thanks": "谢谢小伙子们", "rating": 5},
                            headers=api_token(resident))
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"
    assert confirmed.json["details"]["rating"] == 5 and confirmed.json["details"]["thanks"] == "谢谢小伙子们"

    wish = session.get(Wish, wish_id)
    [event] = recorded(session, wish, "wish.confirmed")
    assert event.payload == {"wish_id": wish_id, "claimant_id": volunteer.id, "co_claimer_ids": [helper.id],
                             "hours": 3.5, "confirmed_by_id": resident.id, "on_behalf": False, "rating": 5,
                             "group_id": None}
    assert [e.type for e in session.scalars(select(DomainEvent).where(DomainEvent.subject_type == "wish")
                                            .order_by(DomainEvent.id))] == [
        "wish.posted", "wish.approved", "wish.claimed", "wish.fulfilled", "wish.confirmed"]
    assert client.get("/api/v1/wishes").json["total"] == 0, "a confirmed wish leaves the wall"


def test_a_wish_staff_post_for_a_resident_waits_for_the_residents_word_before_it_can_go_on_the_wall(
        client, session, world, api_token):
    resident, staff = world.resident, world.staff
    created = client.post("/api/v1/wishes", json=post_body(world, resident_login=resident.phone),
                          headers=api_token(staff))
    assert created.status_code == 201
    wish = session.get(Wish, created.json["id"])
    assert (wish.resident_id, wish.posted_by_id, wish.resident_confirmed_at) == (resident.id, staff.id, None)
    assert created.json["details"]["on_behalf"] is True and created.json["details"]["resident_confirmed"] is False

    refused = client.post(f"/api/v1/wishes/{wish.id}/approve", headers=api_token(staff))
    assert refused.status_code == 409 and "确认" in refused.json["message"]
    assert [w["id"] for w in client.get("/api/v1/me/wishes", headers=api_token(resident)).json] == [wish.id]
    assert client.post(f"/api/v1/wishes/{wish.id}/confirm-posting", headers=api_token(resident)).status_code == 200
    session.refresh(wish)
    assert wish.resident_confirmed_by_id == resident.id
    assert client.post(f"/api/v1/wishes/{wish.id}/approve", headers=api_token(staff)).json["status"] == "open"


def test_staff_may_record_the_residents_word_and_confirm_the_fulfilment_for_them_recorded_as_on_behalf(
        session, world):
    wish = world.posted(by=world.staff, for_resident=world.resident)
    wishes.confirm_posting(session, world.staff, wish)
    assert wish.resident_confirmed_by_id == world.staff.id
    wishes.approve_wish(session, world.staff, wish, rules=world.rules)
    wishes.claim_wish(session, world.party_member, wish, rules=world.rules)
    wishes.fulfil_wish(session, world.party_member, wish, "买好了米和油送上门", 1)
    wishes.confirm_wish(session, world.staff, wish)
    [event] = recorded(session, wish, "wish.confirmed")
    assert event.payload["on_behalf"] is True and event.payload["confirmed_by_id"] == world.staff.id
    assert event.payload["claimant_id"] == world.party_member.id and event.payload["hours"] == 1.0


def test_a_sent_back_wish_keeps_the_reason_and_its_poster_is_told(session, world, client, api_token):
    wish = world.posted()
    response = client.post(f"/api/v1/wishes/{wish.id}/send-back", json={"reason": "请写清楚需要哪天"},
                           headers=api_token(world.staff))
    assert response.status_code == 200 and response.json["details"]["sent_back_reason"] == "请写清楚需要哪天"
    events.process_outbox(session, clock.now())
    told = session.scalars(select(Notification).where(Notification.recipient_id == world.resident.id,
                                                      Notification.kind == Kind.wishes)).all()
    assert [n.text for n in told] == ["你的心愿「帮忙修理水龙头」被退回修改：请写清楚需要哪天"]
    assert told[0].link == f"/wishes/{wish.id}"


def test_only_staff_of_the_wishs_community_office_see_and_review_it(client, world, api_token):
    wish = world.posted()
    assert client.post(f"/api/v1/wishes/{wish.id}/approve", headers=api_token(world.other_staff)).status_code == 404
    assert client.post(f"/api/v1/wishes/{wish.id}/approve", headers=api_token(world.resident)).status_code == 403
    assert client.get("/api/v1/wishes/review-queue", headers=api_token(world.other_staff)).json == []
    assert [w["id"] for w in client.get("/api/v1/wishes/review-queue", headers=api_token(world.staff)).json] == [
        wish.id]


def test_the_wall_names_nobody_and_shows_the_grid_not_the_building_in_html_and_json(client, session, world):
    world.tree["c1_building"].name = "幸福里7号楼2单元301"
    session.commit()
    wish = world.claimed()
    page = client.get("/wishes").get_data(as_text=True)
    body = json.dumps(client.get("/api/v1/wishes").json, ensure_ascii=False)
    detail = client.get(f"/wishes/{wish.id}").get_data(as_text=True)
    detail_json = json.dumps(client.get(f"/api/v1/wishes/{wish.id}").json, ensure_ascii=False)
    assert wish.title in page and wish.title in body and world.tree["c1_grid"].name in page
    for shown in (page, body, detail, detail_json):
        for secret in ("独居的张阿姨", "13712345678", "幸福里7号楼2单元301", "居委会小王", "志愿者0"):
            assert secret not in shown
    assert client.get(f"/api/v1/wishes/{wish.id}").json["details"] is None


def test_a_wish_not_yet_approved_is_seen_only_by_those_concerned(client, world, api_token):
    wish = world.posted()
    assert client.get(f"/api/v1/wishes/{wish.id}").status_code == 404
    assert client.get(f"/api/v1/wishes/{wish.id}", headers=api_token(world.volunteers[0])).status_code == 404
    assert client.get(f"/api/v1/wishes/{wish.id}", headers=api_token(world.staff)).json["details"]["resident"][
        "display_name"] == "独居的张阿姨"


def test_a_second_claim_is_told_the_wish_is_taken_and_may_join_instead(client, session, world, api_token):
    wish = world.claimed(by=world.volunteers[0])
    late = client.post(f"/api/v1/wishes/{wish.id}/claim", headers=api_token(world.volunteers[1]))
    assert late.status_code == 409 and late.json["message"] == "这个心愿刚被别人认领了，你可以加入一起帮忙"
    assert client.post(f"/api/v1/wishes/{wish.id}/join", headers=api_token(world.volunteers[1])).status_code == 200
    again = client.post(f"/api/v1/wishes/{wish.id}/join", headers=api_token(world.volunteers[1]))
    assert again.status_code == 409
    session.refresh(wish)
    assert wish.claimant_id == world.volunteers[0].id and wishes.co_claimer_ids(wish) == [world.volunteers[1].id]


def test_only_volunteers_and_party_members_claim_and_nobody_claims_their_own_wish(client, session, world,
                                                                                 api_token):
    wish = world.approved()
    neighbour = world.factory.user()
    assert client.post(f"/api/v1/wishes/{wish.id}/claim", headers=api_token(neighbour)).status_code == 403
    world.resident.is_volunteer = True
    session.commit()
    assert client.post(f"/api/v1/wishes/{wish.id}/claim", headers=api_token(world.resident)).status_code == 403
    session.refresh(wish)
    assert wish.status is WishStatus.open


def test_releasing_a_claim_puts_the_wish_back_on_the_wall_and_the_helpers_leave_with_it(client, session, world,
                                                                                       api_token):
    wish = world.claimed()
    wishes.join_wish(session, world.volunteers[1], wish)
    session.commit()
    assert client.post(f"/api/v1/wishes/{wish.id}/release", headers=api_token(world.volunteers[1])).status_code == 403
    released = client.post(f"/api/v1/wishes/{wish.id}/release", headers=api_token(world.volunteers[0]))
    assert released.status_code == 200 and released.json["status"] == "open"
    assert session.scalars(select(WishCoClaimer).where(WishCoClaimer.wish_id == wish.id)).all() == []
    [event] = recorded(session, wish, "wish.released")
    assert event.payload["automatic"] is False and event.payload["co_claimer_ids"] == [world.volunteers[1].id]
    session.refresh(wish)
    assert wish.escalate_at == clock.now() + timedelta(days=current_app.config["WISH_ESCALATE_AFTER_DAYS"])


def test_bad_input_is_refused_with_a_4xx_saying_what_is_wrong(client, world, api_token):
    headers = api_token(world.resident)
    cases = [
        ({"title": "   "}, "title", "请填写心愿标题"),
        ({"needed_by": (TODAY - timedelta(days=1)).isoformat()}, "needed_by", "日期不能早于今天"),
        ({"place_id": world.tree["c1"].id}, "place_id", "请选择所在的网格或楼栋"),
        ({"place_id": 2**31 - 1}, "place_id", "请选择所在的网格或楼栋"),
        ({"resident_login": "13000000000"}, "resident_login", "找不到这个居民的账号（手机号或邮箱）"),
    ]
    for change, field, message in cases:
        response = client.post("/api/v1/wishes", json=post_body(world, **change), headers=headers)
        assert response.status_code == 422, (change, response.json)
        assert response.json["field"] == field and response.json["message"] == message
    assert client.post("/api/v1/wishes", json=post_body(world, title="x" * 61), headers=headers).status_code == 422
    assert client.post("/api/v1/wishes", data="title=x", headers=headers).status_code == 415
    other = world.factory.user()
    assert client.post("/api/v1/wishes", json=post_body(world, resident_login=other.phone),
                       headers=headers).status_code == 403

    wish = world.claimed()
    claimant = api_token(wish.claimant)
    for hours in (0, -1, 100.5, 1.25, "abc", None):
        response = client.post(f"/api/v1/wishes/{wish.id}/fulfil", json={"note": "做好了", "hours": hours},
                               headers=claimant)
        assert response.status_code == 422, hours
    fulfilled = world.fulfilled()
    response = client.post(f"/api/v1/wishes/{fulfilled.id}/confirm", json={"rating": 6}, headers=headers)
    assert response.status_code == 422
    assert client.post("/api/v1/wishes/99999/claim", headers=claimant).status_code == 404


def test_a_refusal_comes_in_english_for_a_user_who_chose_english(client, session, world, api_token):
    accounts.set_locale(session, world.resident, "en")
    session.commit()
    response = client.post("/api/v1/wishes", json=post_body(world, title=""), headers=api_token(world.resident))
    assert response.status_code == 422
    assert response.json["message"] == "Please give the wish a title"


def test_the_pages_walk_a_wish_from_posting_to_confirmation(client, session, world, login):
    login(world.resident)
    form = {"title": "帮我贴春联", "need": "手够不着门框，想请人帮忙贴春联", "needed_by": (TODAY + timedelta(days=3)).isoformat(),
            "place_id": str(world.tree["c1_building"].id)}
    response = client.post("/wishes/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    wish = session.scalars(select(Wish).where(Wish.title == "帮我贴春联")).one()
    refused = client.post("/wishes/new", data={**form, "needed_by": (TODAY - timedelta(days=3)).isoformat()})
    assert refused.status_code == 422 and "日期不能早于今天" in refused.get_data(as_text=True)

    login(world.staff)
    assert "帮我贴春联" in client.get("/wishes/mine").get_data(as_text=True)
    assert client.post(f"/wishes/{wish.id}/approve").status_code == 302
    login(world.volunteers[0])
    assert 'data-testid="claim-wish"' in client.get(f"/wishes/{wish.id}").get_data(as_text=True)
    assert client.post(f"/wishes/{wish.id}/claim").status_code == 302
    refused = client.post(f"/wishes/{wish.id}/fulfil", data={"note": "贴好了", "hours": "零"})
    assert refused.status_code == 422 and "服务时长" in refused.get_data(as_text=True)
    assert client.post(f"/wishes/{wish.id}/fulfil", data={"note": "贴好了", "hours": "0.5"}).status_code == 302
    login(world.volunteers[1])
    taken = client.post(f"/wishes/{wish.id}/claim")
    assert taken.status_code == 409 and "不能这样操作" in taken.get_data(as_text=True)
    login(world.resident)
    assert client.post(f"/wishes/{wish.id}/confirm", data={"rating": "4", "thanks": "贴得真正"}).status_code == 302
    session.refresh(wish)
    assert (wish.status, wish.rating, wish.confirmed_by_id) == (WishStatus.confirmed, 4, world.resident.id)


def test_the_wall_is_linked_from_the_home_page_and_the_navigation(client):
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="home-wishes"' in page and 'data-testid="nav-wishes"' in page


def test_each_move_tells_the_people_its_event_names_in_their_inbox(session, world):
    wish = world.fulfilled()
    wishes.confirm_wish(session, world.resident, wish, thanks="谢谢")
    session.commit()
    events.process_outbox(session, clock.now())
    texts = {(n.recipient_id, n.text) for n in session.scalars(select(Notification).where(
        Notification.kind == Kind.wishes))}
    assert (world.staff.id, "新的微心愿待审核：「帮忙修理水龙头」（幸福里社区第一网格）。") in texts
    assert (world.resident.id, "你的心愿「帮忙修理水龙头」有人认领了。") in texts
    assert (world.resident.id, "心愿「帮忙修理水龙头」已完成，请确认。") in texts
    assert (world.volunteers[0].id, "心愿「帮忙修理水龙头」的主人确认已实现，谢谢你！") in texts
    assert not any(recipient == world.other_staff.id for recipient, _ in texts)


def test_a_sweeper_holding_a_batch_another_sweeper_released_moves_none_of_it(session, world, app):
    wish = world.claimed()
    clock.travel_to(wish.claim_due_at)
    rules = world.rules
    first, second = wishes.due_claims(session, clock.now(), limit=10), wishes.due_claims(session, clock.now(), limit=10)
    assert [w.id for w in first] == [w.id for w in second] == [wish.id]
    assert wishes.release_if_due(session, first[0], clock.now(), rules=rules) is True
    assert wishes.release_if_due(session, second[0], clock.now(), rules=rules) is False
    assert len(recorded(session, wish, "wish.released")) == 1


def test_a_sweeper_holding_a_wish_another_sweeper_escalated_moves_it_no_further(session, world):
    wish = world.approved()
    clock.travel_to(wish.escalate_at)
    [held] = wishes.due_escalations(session, clock.now(), limit=10)
    assert wishes.escalate_if_due(session, held, clock.now(), rules=world.rules) is True
    assert wishes.escalate_if_due(session, held, clock.now(), rules=world.rules) is False
    assert wish.wall_place_id == world.tree["c1"].id
    assert len(recorded(session, wish, "wish.escalated")) == 1


def test_a_wish_does_not_climb_before_its_days_on_the_wall_are_up(session, world):
    wish = world.approved()
    clock.travel_to(wish.escalate_at - timedelta(seconds=1))
    assert wishes.due_escalations(session, clock.now(), limit=10) == []


def test_a_sent_back_wish_its_poster_changes_goes_back_for_review_and_the_staff_hear_of_it(client, session, world,
                                                                                          api_token):
    wish = world.posted()
    wishes.send_back_wish(session, world.staff, wish, "请写清楚哪天需要")
    session.commit()
    body = post_body(world, title="周六上午帮忙修水龙头")
    assert client.put(f"/api/v1/wishes/{wish.id}", json=body, headers=api_token(world.volunteers[0])).status_code \
        == 404
    changed = client.put(f"/api/v1/wishes/{wish.id}", json=body, headers=api_token(world.resident))
    assert changed.status_code == 200, changed.json
    assert changed.json["status"] == "pending" and changed.json["title"] == "周六上午帮忙修水龙头"
    assert changed.json["details"]["sent_back_reason"] is None
    [event] = recorded(session, wish, "wish.resubmitted")
    assert event.payload["staff_ids"] == [world.staff.id]
    wishes.approve_wish(session, world.staff, wish, rules=world.rules)
    session.commit()
    late = client.put(f"/api/v1/wishes/{wish.id}", json=body, headers=api_token(world.resident))
    assert late.status_code == 409


def test_the_edit_page_shows_the_reason_and_sends_the_wish_back_for_review(client, session, world, login):
    wish = world.posted()
    wishes.send_back_wish(session, world.staff, wish, "请写清楚哪天需要")
    session.commit()
    login(world.resident)
    page = client.get(f"/wishes/{wish.id}/edit").get_data(as_text=True)
    assert "请写清楚哪天需要" in page and wish.title in page
    response = client.post(f"/wishes/{wish.id}/edit", data={
        "title": "周六帮忙修水龙头", "need": wish.need, "needed_by": (TODAY + timedelta(days=4)).isoformat(),
        "place_id": str(world.tree["c1_grid"].id)})
    assert response.status_code == 302
    session.refresh(wish)
    assert (wish.status, wish.title, wish.place_id) == (WishStatus.pending, "周六帮忙修水龙头", world.tree["c1_grid"].id)


def test_a_group_leader_claims_for_the_group_they_lead_and_only_that_group(client, session, world, api_token):
    leader = world.factory.user(name="合唱团团长")
    choir = groups.create_group(session, leader, "幸福里合唱团")
    other = groups.create_group(session, world.volunteers[1], "象棋队")
    session.commit()
    wish = world.approved()
    headers = api_token(leader)
    assert client.post(f"/api/v1/wishes/{wish.id}/claim", headers=headers).status_code == 403
    assert client.post(f"/api/v1/wishes/{wish.id}/claim", json={"group_id": other.id},
                       headers=headers).status_code == 403
    unknown = client.post(f"/api/v1/wishes/{wish.id}/claim", json={"group_id": 999999}, headers=headers)
    assert unknown.status_code == 422 and unknown.json["field"] == "group_id"
    claimed = client.post(f"/api/v1/wishes/{wish.id}/claim", json={"group_id": choir.id}, headers=headers)
    assert claimed.status_code == 200
    assert claimed.json["details"]["claimant_group"] == {"id": choir.id, "name": "幸福里合唱团"}
    wishes.fulfil_wish(session, leader, wish, "合唱团的阿姨们一起去帮忙了", 4)
    wishes.confirm_wish(session, world.resident, wish)
    [event] = recorded(session, wish, "wish.confirmed")
    assert (event.payload["claimant_id"], event.payload["group_id"]) == (leader.id, choir.id)
