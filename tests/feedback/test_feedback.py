"""Feedback and complaints: who must answer, the time to first answer and each organisation's median, anonymity on
public faces, who may answer, refusals in the user's language, and who is told."""
from __future__ import annotations

import json
from datetime import time, timedelta

from sqlalchemy import func, select

from marketplace.core import clock
from marketplace.core.events import DomainEvent
from marketplace.feedback import services
from marketplace.feedback.models import Feedback, FeedbackAnswer
from marketplace.listings import services as listings
from marketplace.notifications.models import Kind, Notification
from tests.bookings.conftest import NOW


def send(session, author, subject, subject_id, *, kind="complaint", anonymous=False, text="活动室晚上空调坏了，一直没人修。"):
    item = services.send_feedback(session, author, services.FeedbackInput(
        kind=kind, subject=subject, subject_id=subject_id, text=text, anonymous=anonymous))
    session.commit()
    return item


def answer(session, actor, item, text="已安排师傅周三上门维修，谢谢提醒。"):
    made = services.answer_feedback(session, actor, item, text)
    session.commit()
    return made


def said(response) -> str:
    return json.dumps(response.json, ensure_ascii=False)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_each_subject_is_answered_by_its_responsible_side(session, factory, street):
    about_listing = send(session, street.resident, "listing", street.listing.id)
    about_unit = send(session, street.resident, "organisation", street.unit.id)
    about_community = send(session, street.resident, "community", street.tree["c1"].id)
    volunteer = factory.user(volunteer=True)
    own = listings.create_listing(session, volunteer, listings.ListingData(
        kind="skill", title="法律咨询", place_id=street.tree["c2_grid"].id, description="退休律师"),
        organisation_id=None)
    listings.set_opening_hours(session, volunteer, own, [listings.HoursInterval(weekday=1, opens=time(9), closes=time(12))])
    listings.publish_listing(session, volunteer, own)
    session.commit()
    about_volunteer = send(session, street.resident, "listing", own.id)

    assert (about_listing.organisation_id, about_listing.about) == (street.unit.id, street.listing.title)
    assert about_unit.organisation_id == street.unit.id
    assert about_community.organisation_id == street.community_office.id
    assert (about_volunteer.organisation_id, about_volunteer.responder_user_id) == (None, volunteer.id)
    assert {item.street_id for item in (about_listing, about_community, about_volunteer)} == {street.tree["street"].id}
    assert about_volunteer.community_id == street.tree["c2"].id
    assert services.may_answer(session, street.unit_staff, about_listing)
    assert not services.may_answer(session, street.office_staff, about_listing)
    assert services.may_answer(session, volunteer, about_volunteer)


def test_the_time_to_first_answer_runs_from_sending_to_the_first_answer_only(session, street):
    item = send(session, street.resident, "listing", street.listing.id)
    clock.travel_to(NOW + timedelta(hours=5, minutes=30))
    answer(session, street.unit_staff, item)
    clock.travel_to(NOW + timedelta(days=2))
    answer(session, street.street_staff, item, "街道已督促落实。")

    session.refresh(item)
    assert item.first_answered_at == NOW + timedelta(hours=5, minutes=30)
    assert item.response_seconds == 5 * 3600 + 30 * 60
    assert [(a.by_street, a.text) for a in item.answers] == [(False, "已安排师傅周三上门维修，谢谢提醒。"),
                                                              (True, "街道已督促落实。")]


def test_an_organisations_median_response_time_is_the_middle_of_its_answered_items(session, client, street):
    hours_taken = [30, 2, 7, 50]  # sorted 2, 7, 30, 50: the median of four is (7 + 30) / 2 = 18.5 hours
    for hours in hours_taken:
        clock.travel_to(NOW)
        item = send(session, street.resident, "organisation", street.unit.id)
        clock.travel_to(NOW + timedelta(hours=hours))
        answer(session, street.unit_staff, item)
    send(session, street.neighbour, "organisation", street.unit.id)  # still waiting: not in the median
    send(session, street.neighbour, "community", street.tree["c1"].id)  # another organisation's

    figures = services.response_figures(session, street.unit.id)
    assert (figures.answered, figures.waiting, figures.median_seconds) == (4, 1, int(18.5 * 3600))
    body = client.get(f"/api/v1/organisations/{street.unit.id}/response-times").json
    assert body == {"organisation_id": street.unit.id, "answered": 4, "waiting": 1, "median_seconds": 66600}

    clock.travel_to(NOW)
    item = send(session, street.resident, "organisation", street.unit.id)
    clock.travel_to(NOW + timedelta(hours=1))
    answer(session, street.unit_staff, item)  # five answered: 1, 2, 7, 30, 50 → 7 hours
    assert services.median_response_seconds(session, street.unit.id) == 7 * 3600
    page = client.get(f"/organisations/{street.unit.id}").get_data(as_text=True)
    assert "已答复 5 条，待答复 1 条" in page and "7.0小时" in page
    wall = client.get(f"/feedback?organisation={street.unit.id}").get_data(as_text=True)
    assert 'data-testid="median-response">7.0小时' in wall


def test_an_anonymous_authors_name_is_on_no_public_face_but_admins_see_it(session, client, login, api_token, street):
    resident = street.resident
    item = send(session, resident, "listing", street.listing.id, anonymous=True, text="管理员态度很差。")
    answer(session, street.unit_staff, item)
    pages = [f"/feedback/{item.id}", "/feedback", f"/feedback?listing={street.listing.id}"]
    apis = [f"/api/v1/feedback/{item.id}", "/api/v1/feedback"]

    def faces(headers=None) -> list[str]:
        return [client.get(path).get_data(as_text=True) for path in pages] + [
            json.dumps(client.get(path, headers=headers).json, ensure_ascii=False) for path in apis]

    for face in faces():  # anonymous visitors
        assert "管理员态度很差。" in face and resident.display_name not in face and resident.login_name not in face
    assert client.get(f"/api/v1/feedback/{item.id}").json["author"] is None

    staff_headers = api_token(street.unit_staff)
    login(street.unit_staff)  # the organisation complained about sees no more than the public
    for face in faces(staff_headers):
        assert resident.display_name not in face
    client.post("/logout")

    admin_headers = api_token(street.admin)
    login(street.admin)
    assert client.get(f"/api/v1/feedback/{item.id}", headers=admin_headers).json["author"] == {
        "id": resident.id, "display_name": resident.display_name}
    assert resident.display_name in client.get(f"/feedback/{item.id}").get_data(as_text=True)
    assert session.get(Feedback, item.id).author_id == resident.id


def test_a_named_item_shows_its_author(session, client, street):
    item = send(session, street.resident, "listing", street.listing.id, kind="feedback", text="希望周末也能开放。")
    assert client.get(f"/api/v1/feedback/{item.id}").json["author"]["display_name"] == "张阿姨"
    assert "张阿姨" in client.get(f"/feedback/{item.id}").get_data(as_text=True)


def test_the_api_sends_and_answers_feedback(session, client, api_token, street):
    response = client.post("/api/v1/feedback", headers=api_token(street.resident), json={
        "kind": "complaint", "subject": "community", "subject_id": street.tree["c1"].id, "text": "楼道堆物太多",
        "anonymous": True})
    assert response.status_code == 201, response.json
    assert (response.json["organisation_id"], response.json["answered"]) == (street.community_office.id, False)
    assert response.json["author"]["id"] == street.resident.id  # the author sees themself
    item_id = response.json["id"]
    clock.travel_to(NOW + timedelta(minutes=45))
    answered = client.post(f"/api/v1/feedback/{item_id}/answer", headers=api_token(street.office_staff),
                           json={"text": "已联系物业清理"})
    assert answered.status_code == 201 and answered.json["by_street"] is False
    detail = client.get(f"/api/v1/feedback/{item_id}").json
    assert (detail["response_seconds"], detail["answers"][0]["text"]) == (45 * 60, "已联系物业清理")
    listed = client.get("/api/v1/feedback", query_string={"answered": "true"}).json
    assert [item["id"] for item in listed["items"]] == [item_id]
    assert client.get("/api/v1/feedback", query_string={"answered": "false"}).json["total"] == 0


def test_someone_not_responsible_may_not_answer_and_nothing_is_written(session, client, api_token, login, street):
    item = send(session, street.resident, "listing", street.listing.id)
    response = client.post(f"/api/v1/feedback/{item.id}/answer", headers=api_token(street.office_staff),
                           json={"text": "我来答复"})
    assert response.status_code == 403 and "只有负责的组织和街道工作人员可以答复" in said(response)
    login(street.neighbour)
    assert client.post(f"/feedback/{item.id}/answer", data={"text": "我来答复"}).status_code == 403
    session.expire_all()
    assert count(session, FeedbackAnswer) == 0 and session.get(Feedback, item.id).first_answered_at is None


def test_bad_input_is_refused_in_the_users_language_and_nothing_is_written(session, client, api_token, login, street):
    headers = api_token(street.resident)
    before = count(session, Feedback)
    cases = [
        ({"kind": "praise", "subject": "listing", "subject_id": street.listing.id, "text": "好"}, 422, "kind"),
        ({"kind": "complaint", "subject": "listing", "subject_id": street.listing.id, "text": "   "}, 422, "请填写反馈内容"),
        ({"kind": "complaint", "subject": "listing", "subject_id": street.listing.id, "text": "长" * 1001}, 422,
         "1000"),
        ({"kind": "complaint", "subject": "community", "subject_id": street.tree["c1_grid"].id, "text": "有事"}, 404,
         "找不到这个社区"),
        ({"kind": "complaint", "subject": "listing", "subject_id": 999999, "text": "有事"}, 404, "找不到这个资源"),
        ({"kind": "complaint", "subject": "listing", "subject_id": street.listing.id, "text": "有事",
          "anonymous": "yes"}, 422, "anonymous"),
    ]
    for body, status, says in cases:
        response = client.post("/api/v1/feedback", headers=headers, json=body)
        assert response.status_code == status and says in said(response), (body, response.json)

    street.resident.locale = "en"
    session.commit()
    response = client.post("/api/v1/feedback", headers=headers, json={
        "kind": "complaint", "subject": "listing", "subject_id": street.listing.id, "text": " "})
    assert response.status_code == 422 and "Please write your feedback" in said(response)
    street.resident.locale = None
    session.commit()

    login(street.resident)
    page = client.post(f"/feedback/new?listing={street.listing.id}", data={"kind": "complaint", "text": ""})
    assert page.status_code == 422 and "请填写反馈内容" in page.get_data(as_text=True)
    page = client.post("/feedback/new", data={"kind": "complaint", "text": "路灯坏了", "subject_id": ""})
    assert page.status_code == 422 and "请选择反馈的对象" in page.get_data(as_text=True)
    assert client.get("/feedback/new?community=999999").status_code == 404
    assert count(session, Feedback) == before


def test_the_pages_send_and_answer_feedback(session, client, login, street):
    login(street.resident)
    assert "关于：" in client.get(f"/feedback/new?listing={street.listing.id}").get_data(as_text=True)
    sent = client.post(f"/feedback/new?listing={street.listing.id}",
                       data={"kind": "feedback", "text": "希望增加晚间时段", "anonymous": "y"})
    assert sent.status_code == 302
    item = session.scalars(select(Feedback)).one()
    assert sent.headers["Location"].endswith(f"/feedback/{item.id}?notice=sent") and item.anonymous
    client.post("/logout")
    login(street.unit_staff)
    assert 'data-testid="answer-form"' in client.get(f"/feedback/{item.id}").get_data(as_text=True)
    assert client.post(f"/feedback/{item.id}/answer", data={"text": "下月起开放到21点"}).status_code == 302
    page = client.get(f"/feedback/{item.id}?notice=answered").get_data(as_text=True)
    assert "下月起开放到21点" in page and "答复已公开" in page and "匿名居民" in page


def test_the_responsible_staff_hear_of_new_feedback_and_the_author_of_answers(session, street, deliver):
    item = send(session, street.resident, "listing", street.listing.id)
    deliver()
    answer(session, street.unit_staff, item)
    deliver()
    deliver()  # a second sweep adds nothing

    def told(user):
        session.expire_all()
        return [n.text for n in session.scalars(select(Notification).where(
            Notification.recipient_id == user.id, Notification.kind == Kind.feedback))]

    assert told(street.unit_staff) == [f"有居民对「{street.listing.title}」提出了投诉，请及时公开答复。"]
    assert told(street.resident) == [f"你对「{street.listing.title}」的反馈收到了公开答复。"]
    assert told(street.street_staff) == [] and told(street.office_staff) == []


def test_an_item_found_due_by_two_sweepers_or_answered_meanwhile_escalates_at_most_once(session, street):
    after = timedelta(days=3)
    waiting, answered_meanwhile = (send(session, street.resident, "listing", street.listing.id) for _ in range(2))
    clock.travel_to(NOW + after)
    found_by_one = services.due_for_escalation(session, clock.now(), after=after, limit=10)
    found_by_other = list(found_by_one)  # read before the first sweeper committed
    assert found_by_one == [waiting.id, answered_meanwhile.id]
    answer(session, street.unit_staff, answered_meanwhile)

    assert [services.escalate_if_due(session, i, clock.now(), after=after) for i in found_by_one] == [True, False]
    assert [services.escalate_if_due(session, i, clock.now(), after=after) for i in found_by_other] == [False, False]
    session.commit()
    escalated = session.scalars(select(DomainEvent).where(DomainEvent.type == "feedback.escalated")).all()
    assert [(event.subject_id, event.payload["recipient_ids"]) for event in escalated] == [
        (waiting.id, [street.street_staff.id])]
    assert services.due_for_escalation(session, clock.now(), after=after, limit=10) == []


def test_english_wall_names_one_listing_in_the_singular(session, client, street):
    send(session, street.resident, "listing", street.listing.id)
    send(session, street.resident, "organisation", street.unit.id)
    client.post("/language/en", data={"next": "/feedback"})
    page = client.get("/feedback").get_data(as_text=True)
    assert f"Listing: {street.listing.title}" in page
    assert f"Organisation: {street.unit.name}" in page
    assert "Listings:" not in page
