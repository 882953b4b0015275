"""The bookings JSON API: fixed names, shapes, every refusal as a Chinese 4xx, object-level permissions."""
from datetime import time, timedelta

import pytest
from sqlalchemy import event, func, select

from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core import clock
from marketplace.extensions import db
from marketplace.listings.services import HoursInterval
from tests.bookings.conftest import local


def iso(instant):
    return instant.isoformat()


@pytest.fixture
def listing(factory):
    return factory.listing(slot_minutes=60, min_duration_minutes=60,
                           hours=[HoursInterval(weekday=d, opens=time(9), closes=time(12)) for d in range(7)])


@pytest.fixture
def resident(factory):
    return factory.user()


@pytest.fixture
def staff_of(listing):
    return listing.organisation.memberships[0].user


def post_booking(client, headers, listing, start, end, **fields):
    return client.post("/api/v1/bookings", headers=headers,
                       json={"listing_id": listing.id, "start": iso(start), "end": iso(end), **fields})


def test_availability_lists_bookable_slots_with_offsets(client, now, listing):
    response = client.get(f"/api/v1/listings/{listing.id}/availability",
                          query_string={"start": "2026-06-02T00:00:00+08:00", "end": "2026-06-03T00:00:00+08:00"})
    assert response.status_code == 200
    assert response.json["slots"] == [
        {"start": "2026-06-02T09:00:00+08:00", "end": "2026-06-02T10:00:00+08:00", "seats_left": 1},
        {"start": "2026-06-02T10:00:00+08:00", "end": "2026-06-02T11:00:00+08:00", "seats_left": 1},
        {"start": "2026-06-02T11:00:00+08:00", "end": "2026-06-02T12:00:00+08:00", "seats_left": 1},
    ]
    utc = client.get(f"/api/v1/listings/{listing.id}/availability",
                     query_string={"start": "2026-06-02T01:00:00Z", "end": "2026-06-02T03:00:00Z", "duration": 120})
    assert [s["start"] for s in utc.json["slots"]] == ["2026-06-02T09:00:00+08:00", "2026-06-02T10:00:00+08:00"]


@pytest.mark.parametrize("query, message", [
    ({"start": "2026-06-02T00:00:00+08:00", "end": "2026-09-02T00:00:00+08:00"}, "查询范围不能超过62天"),
    ({"start": "2026-06-03T00:00:00+08:00", "end": "2026-06-02T00:00:00+08:00"}, "结束时间必须晚于开始时间"),
    ({"start": "2026-06-02T00:00:00+08:00", "end": "2026-06-03T00:00:00+08:00", "duration": 90}, "整数倍"),
])
def test_availability_refuses_bad_windows_in_chinese(client, now, listing, query, message):
    response = client.get(f"/api/v1/listings/{listing.id}/availability", query_string=query)
    assert response.status_code == 422 and message in response.json["message"]


@pytest.mark.parametrize("window", [
    {"start": "0001-01-01T00:00:00+08:00", "end": "0001-01-02T00:00:00+08:00"},
    {"start": "9999-12-31T23:00:00+00:00", "end": "9999-12-31T23:59:59-12:00"},
    {"start": "9999-12-31T23:00:00+00:00"},
])
def test_windows_at_the_ends_of_the_calendar_are_a_chinese_422_not_an_overflow(client, api_token, now, listing,
                                                                                staff_of, window):
    availability = client.get(f"/api/v1/listings/{listing.id}/availability",
                              query_string={"end": "2026-06-03T00:00:00+08:00", **window})
    calendar = client.get(f"/api/v1/listings/{listing.id}/bookings", headers=api_token(staff_of), query_string=window)
    for response in (availability, calendar):
        assert response.status_code == 422 and response.json["message"] == "时间超出了可预约的范围"


def test_availability_refuses_naive_or_missing_times(client, now, listing):
    response = client.get(f"/api/v1/listings/{listing.id}/availability",
                          query_string={"start": "2026-06-02T00:00:00", "end": "2026-06-03T00:00:00+08:00"})
    assert response.status_code == 422 and response.json["errors"]["query"]["start"] == ["日期时间需要带时区"]
    missing = client.get(f"/api/v1/listings/{listing.id}/availability")
    assert missing.status_code == 422 and missing.json["errors"]["query"]["end"] == ["必须填写"]


def test_availability_of_unknown_and_draft_listings_is_404(client, factory, now):
    assert client.get("/api/v1/listings/987654/availability",
                      query_string={"start": "2026-06-02T00:00:00Z", "end": "2026-06-03T00:00:00Z"}).status_code == 404
    draft = factory.listing(publish=False)
    assert client.get(f"/api/v1/listings/{draft.id}/availability",
                      query_string={"start": "2026-06-02T00:00:00Z", "end": "2026-06-03T00:00:00Z"}).status_code == 404


def test_booking_returns_201_and_shows_up_in_my_bookings(client, api_token, now, listing, resident):
    headers = api_token(resident)
    response = post_booking(client, headers, listing, local(1, 10), local(1, 11), purpose="老年合唱排练")
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "confirmed" and body["status_label"] == "已确认"
    assert (body["start"], body["end"]) == ("2026-06-02T10:00:00+08:00", "2026-06-02T11:00:00+08:00")
    assert body["listing"] == {"id": listing.id, "title": listing.title} and body["purpose"] == "老年合唱排练"
    mine = client.get("/api/v1/bookings", headers=headers, query_string={"when": "upcoming"}).json
    assert [b["id"] for b in mine["items"]] == [body["id"]] and mine["total"] == 1
    assert client.get("/api/v1/bookings", headers=headers, query_string={"when": "past"}).json["total"] == 0
    assert client.get("/api/v1/bookings", headers=headers, query_string={"status": "cancelled"}).json["total"] == 0
    detail = client.get(f"/api/v1/bookings/{body['id']}", headers=headers).json
    assert [e["action"] for e in detail["events"]] == ["create"]


def test_a_booking_made_through_the_api_is_answered_without_reading_it_back(client, api_token, now, listing,
                                                                           resident, session):
    headers = api_token(resident)
    post_booking(client, headers, listing, local(1, 10), local(1, 11))  # warm: first-request work is not counted
    session.expunge_all()  # a request starts with an empty session; the test's shares its objects
    after_commit: list[str] = []
    committed = []

    def record(_connection, _cursor, statement, *_args):
        if committed:
            after_commit.append(statement)

    def commit(committing):
        if not committing.in_nested_transaction():  # the unit of work's commit, not a savepoint's release
            committed.append(True)

    event.listen(db.engine, "before_cursor_execute", record)
    event.listen(session(), "after_commit", commit)
    try:
        response = post_booking(client, headers, listing, local(2, 10), local(2, 11))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
        event.remove(session(), "after_commit", commit)
    assert response.status_code == 201 and committed
    assert response.json["listing"]["title"] == listing.title and response.json["booker"]["id"] == resident.id
    assert after_commit == []


def test_the_loser_of_a_slot_gets_409_with_alternatives(client, api_token, factory, now, listing, resident):
    assert post_booking(client, api_token(resident), listing, local(1, 10), local(1, 11)).status_code == 201
    response = post_booking(client, api_token(factory.user()), listing, local(1, 10), local(1, 11))
    assert response.status_code == 409
    assert response.json["message"] == "这个时段刚刚被别人预约了"
    alternatives = response.json["alternatives"]
    assert [a["start"] for a in alternatives["same_day"]] == ["2026-06-02T09:00:00+08:00",
                                                              "2026-06-02T11:00:00+08:00"]
    assert alternatives["other_days"][0]["start"] == "2026-06-03T10:00:00+08:00"


@pytest.mark.parametrize("fields, status, field, message", [
    ({"start": "2026-06-02T09:30:00+08:00", "end": "2026-06-02T10:30:00+08:00"}, 422, "start", "对齐"),
    ({"start": "2026-06-02T13:00:00+08:00", "end": "2026-06-02T14:00:00+08:00"}, 422, "start", "不在开放时间内"),
    ({"start": "2026-06-02T10:00:00+08:00", "end": "2026-06-02T09:00:00+08:00"}, 422, "end", "晚于开始"),
    ({"start": "2026-06-01T08:30:00+08:00", "end": "2026-06-01T09:30:00+08:00"}, 422, "start", "提前60分钟"),
    ({"start": "2026-05-30T10:00:00+08:00", "end": "2026-05-30T11:00:00+08:00"}, 422, "start", "已经过去"),
    ({"start": "2026-08-01T10:00:00+08:00", "end": "2026-08-01T11:00:00+08:00"}, 422, "start", "提前30天"),
    ({"start": "0001-01-01T00:00:00+08:00", "end": "0001-01-01T01:00:00+08:00"}, 422, "start", "超出了可预约的范围"),
    ({"seats": 2}, 422, "seats", "人数请填1"),
    ({"group_id": 77777}, 404, None, "找不到这个团队"),
    ({"listing_id": 99999}, 404, None, "找不到这个资源"),
])
def test_every_rule_broken_gets_a_clear_chinese_refusal(client, api_token, now, listing, resident, fields, status,
                                                        field, message, session):
    body = {"listing_id": listing.id, "start": "2026-06-02T10:00:00+08:00", "end": "2026-06-02T11:00:00+08:00",
            **fields}
    response = client.post("/api/v1/bookings", headers=api_token(resident), json=body)
    assert response.status_code == status and message in response.json["message"]
    assert response.json.get("field") == field
    assert session.scalar(select(func.count(Booking.id))) == 0


@pytest.mark.parametrize("body, field", [
    ({"start": "2026-06-02T10:00:00+08:00", "end": "2026-06-02T11:00:00+08:00"}, "listing_id"),
    ({"listing_id": "one", "start": "2026-06-02T10:00:00+08:00", "end": "2026-06-02T11:00:00+08:00"}, "listing_id"),
    ({"listing_id": 1, "start": "next tuesday", "end": "2026-06-02T11:00:00+08:00"}, "start"),
    ({"listing_id": 1, "start": "2026-06-02T10:00:00+08:00", "end": "2026-06-02T11:00:00+08:00",
      "purpose": "x" * 5000}, "purpose"),
    ({"listing_id": 1, "start": "2026-06-02T10:00:00+08:00", "end": "2026-06-02T11:00:00+08:00", "colour": "red"},
     "colour"),
    ({"listing_id": 2**40, "start": "2026-06-02T10:00:00+08:00", "end": "2026-06-02T11:00:00+08:00"}, "listing_id"),
])
def test_malformed_bodies_are_422_not_500(client, api_token, now, resident, body, field):
    response = client.post("/api/v1/bookings", headers=api_token(resident), json=body)
    assert response.status_code == 422 and field in response.json["errors"]


def test_booking_needs_a_signed_in_user(client, now, listing):
    response = post_booking(client, {}, listing, local(1, 10), local(1, 11))
    assert response.status_code == 401 and response.json["message"]


def test_others_cannot_see_or_touch_my_booking(client, api_token, session, factory, now, listing, resident):
    booking = factory.booking(listing=listing, booker=resident)
    stranger = api_token(factory.user())
    assert client.get(f"/api/v1/bookings/{booking.id}", headers=stranger).status_code == 404
    assert client.post(f"/api/v1/bookings/{booking.id}/cancel", headers=stranger, json={}).status_code == 404
    other_staff = api_token(factory.listing().organisation.memberships[0].user)
    clock.advance(booking.start_at + timedelta(minutes=15) - clock.now())  # a no-show could be marked now
    assert client.post(f"/api/v1/bookings/{booking.id}/no-show", headers=other_staff).status_code == 404
    session.expire_all()
    assert booking.status is BookingStatus.confirmed and [e.action for e in booking.events] == ["create"]


def test_provider_inbox_approve_and_reject(client, api_token, factory, now):
    listing = factory.listing(instant_booking=False)
    staff = api_token(listing.organisation.memberships[0].user)
    first = factory.booking(listing=listing, start=local(1, 10))
    second = factory.booking(listing=listing, start=local(2, 10))
    inbox = client.get(f"/api/v1/organisations/{listing.organisation.id}/booking-requests", headers=staff)
    assert inbox.status_code == 200
    assert [item["booking"]["id"] for item in inbox.json["items"]] == [first.id, second.id]
    assert inbox.json["items"][0]["conflicts"] == []
    outsider = api_token(factory.user())
    assert client.get(f"/api/v1/organisations/{listing.organisation.id}/booking-requests",
                      headers=outsider).status_code == 403
    approved = client.post(f"/api/v1/bookings/{first.id}/approve", headers=staff, json={})
    assert approved.status_code == 200 and approved.json["status"] == "confirmed"
    no_reason = client.post(f"/api/v1/bookings/{second.id}/reject", headers=staff, json={})
    assert no_reason.status_code == 422 and no_reason.json["message"] == "请填写拒绝的原因"
    rejected = client.post(f"/api/v1/bookings/{second.id}/reject", headers=staff, json={"reason": "当天已有活动"})
    assert rejected.json["status"] == "rejected" and rejected.json["decision_reason"] == "当天已有活动"
    again = client.post(f"/api/v1/bookings/{second.id}/approve", headers=staff, json={})
    assert again.status_code == 409 and "不能批准" in again.json["message"]
    by_booker = client.post(f"/api/v1/bookings/{first.id}/reject", headers=api_token(first.booker),
                            json={"reason": "x"})
    assert by_booker.status_code == 403


def test_cancel_check_in_and_no_show_through_the_api(client, api_token, factory, now, listing, staff_of):
    staff = api_token(staff_of)
    mine = factory.booking(listing=listing, start=local(1, 10))
    cancelled = client.post(f"/api/v1/bookings/{mine.id}/cancel", headers=api_token(mine.booker), json={})
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    visit = factory.booking(listing=listing, start=local(1, 11))
    early = client.post(f"/api/v1/bookings/{visit.id}/check-in", headers=staff)
    assert early.status_code == 422 and "30分钟" in early.json["message"]
    clock.travel_to(local(1, 10, 45))
    checked = client.post(f"/api/v1/bookings/{visit.id}/check-in", headers=staff)
    assert checked.status_code == 200 and checked.json["checked_in_at"] == "2026-06-02T10:45:00+08:00"
    absent = factory.booking(listing=listing, start=local(2, 10))
    clock.travel_to(local(2, 10, 20))
    assert client.post(f"/api/v1/bookings/{absent.id}/no-show", headers=staff).json["status"] == "no_show"
    late = client.post(f"/api/v1/bookings/{visit.id}/cancel", headers=api_token(visit.booker), json={})
    assert late.status_code == 422 and late.json["message"] == "预约已经开始，不能再取消"


def test_edit_a_booking_through_the_api(client, api_token, factory, now, listing, resident):
    booking = factory.booking(listing=listing, booker=resident, start=local(1, 9))
    response = client.patch(f"/api/v1/bookings/{booking.id}", headers=api_token(resident),
                            json={"shift_minutes": 120, "purpose": "换到上午最后一个时段"})
    assert response.status_code == 200 and response.json["start"] == "2026-06-02T11:00:00+08:00"
    too_far = client.patch(f"/api/v1/bookings/{booking.id}", headers=api_token(resident), json={"shift_minutes": 60})
    assert too_far.status_code == 422 and too_far.json["message"] == "所选时间不在开放时间内"


def test_provider_calendar_shows_bookings_in_a_window(client, api_token, factory, now, listing, staff_of):
    booking = factory.booking(listing=listing, start=local(1, 10))
    response = client.get(f"/api/v1/listings/{listing.id}/bookings", headers=api_token(staff_of),
                          query_string={"start": "2026-06-02T00:00:00+08:00", "end": "2026-06-03T00:00:00+08:00"})
    assert response.status_code == 200 and [b["id"] for b in response.json["items"]] == [booking.id]
    assert client.get(f"/api/v1/listings/{listing.id}/bookings",
                      headers=api_token(booking.booker)).status_code == 403


def test_series_preview_create_read_and_cancel(client, api_token, factory, now, listing, resident):
    headers = api_token(resident)
    factory.booking(listing=listing, start=local(8, 10))
    body = {"listing_id": listing.id, "start": "2026-06-02T10:00:00+08:00", "end": "2026-06-02T11:00:00+08:00",
            "frequency": "weekly", "count": 3}
    preview = client.post("/api/v1/series/preview", headers=headers, json=body)
    assert preview.status_code == 200
    assert [o["free"] for o in preview.json["occurrences"]] == [True, False, True]
    assert (preview.json["free_count"], preview.json["conflict_count"]) == (2, 1)
    refused = client.post("/api/v1/series", headers=headers, json={**body, "mode": "all_or_nothing"})
    assert refused.status_code == 409 and len(refused.json["occurrences"]) == 3
    created = client.post("/api/v1/series", headers=headers, json=body)
    assert created.status_code == 201
    series = created.json["series"]
    assert len(series["bookings"]) == 2 and series["status_counts"] == {"confirmed": 2}
    assert client.get(f"/api/v1/series/{series['id']}", headers=headers).json["frequency"] == "weekly"
    assert client.get(f"/api/v1/series/{series['id']}", headers=api_token(factory.user())).status_code == 404
    cancelled = client.post(f"/api/v1/series/{series['id']}/cancel", headers=headers,
                            json={"scope": "following", "booking_id": series["bookings"][1]["id"]})
    assert cancelled.status_code == 200 and [b["status"] for b in cancelled.json["cancelled"]] == ["cancelled"]
    wrong_scope = client.post(f"/api/v1/series/{series['id']}/cancel", headers=headers, json={"scope": "some"})
    assert wrong_scope.status_code == 422
    edited = client.patch(f"/api/v1/series/{series['id']}", headers=headers, json={"scope": "all", "purpose": "读书会"})
    assert edited.status_code == 200 and [b["purpose"] for b in edited.json["items"]] == ["读书会"]


def test_the_openapi_document_describes_the_booking_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/listings/{listing_id}/availability", "/api/v1/bookings", "/api/v1/bookings/{booking_id}",
                 "/api/v1/bookings/{booking_id}/cancel", "/api/v1/bookings/{booking_id}/approve",
                 "/api/v1/bookings/{booking_id}/reject", "/api/v1/bookings/{booking_id}/check-in",
                 "/api/v1/bookings/{booking_id}/no-show", "/api/v1/organisations/{organisation_id}/booking-requests",
                 "/api/v1/listings/{listing_id}/bookings", "/api/v1/series/preview", "/api/v1/series",
                 "/api/v1/series/{series_id}", "/api/v1/series/{series_id}/cancel", "/api/v1/groups"):
        assert path in paths
