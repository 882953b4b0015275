"""Reviews after a booking, on both faces: who may write, once per side, double-blind until both wrote or the
window closed (then the scheduler reveals), replies, reports and moderation; bad input writes nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.bookings import services as bookings
from marketplace.core import clock
from marketplace.core.audit import AuditEntry
from marketplace.core.events import DomainEvent
from marketplace.reviews import services as reviews
from marketplace.reviews.models import Review, ReviewSide
from marketplace.scheduler.jobs import JOBS
from marketplace.core.zones import to_local
from tests.bookings.conftest import SHANGHAI, local
from tests.listings.test_statements import LISTING_PAGE_STATEMENTS, sent_by
from tests.reviews.conftest import WINDOW, staff_of


def in_english(session, user):
    user.locale = "en"
    session.commit()


def post_review(client, headers, booking, **body):
    return client.post(f"/api/v1/bookings/{booking.id}/reviews", headers=headers,
                       json={"stars": 5, "tags": [], "text": "", **body})


def review_count(session, booking=None) -> int:
    stmt = select(func.count()).select_from(Review)
    if booking is not None:
        stmt = stmt.where(Review.booking_id == booking.id)
    return session.scalar(stmt)


def test_both_sides_reviewing_reveals_both_at_once(client, api_token, finished, session):
    booking = finished()
    booker, staff = api_token(booking.booker), api_token(staff_of(booking.listing))
    first = post_review(client, booker, booking, stars=4, tags=["punctual", "warm"], text="场地干净，工作人员热情")
    assert first.status_code == 201 and first.json["revealed"] is False
    assert [r["stars"] for r in client.get(f"/api/v1/bookings/{booking.id}/reviews", headers=staff).json] == []
    second = post_review(client, staff, booking, stars=5, tags=["kept_word"])
    assert second.status_code == 201 and second.json["revealed"] is True
    seen_by_staff = client.get(f"/api/v1/bookings/{booking.id}/reviews", headers=staff).json
    assert sorted((r["side"], r["revealed"]) for r in seen_by_staff) == [("booker", True), ("provider", True)]
    public = client.get(f"/api/v1/listings/{booking.listing_id}/reviews").json
    assert [(r["stars"], r["tag_labels"]) for r in public["items"]] == [(4, ["守时", "热情"])]


def test_one_review_stays_hidden_until_the_window_closes_then_the_scheduler_reveals_it_once(
        client, api_token, finished, session):
    booking = finished()
    written = post_review(client, api_token(booking.booker), booking, stars=3)
    assert written.json["reveals_at"] == to_local(local(1, 12) + WINDOW, SHANGHAI).isoformat()
    staff = api_token(staff_of(booking.listing))
    assert client.get(f"/api/v1/bookings/{booking.id}/reviews", headers=staff).json == []
    assert client.get(f"/api/v1/listings/{booking.listing_id}/reviews").json["total"] == 0

    clock.travel_to(clock.now() + WINDOW - timedelta(minutes=1))
    assert JOBS["reveal_reviews"].step(session, clock.now(), 100, current_app.config) == (0, 0)
    clock.travel_to(clock.now() + timedelta(minutes=1))
    assert JOBS["reveal_reviews"].step(session, clock.now(), 100, current_app.config) == (1, 1)
    session.commit()
    assert JOBS["reveal_reviews"].step(session, clock.now(), 100, current_app.config) == (0, 0)
    assert [r["stars"] for r in client.get(f"/api/v1/bookings/{booking.id}/reviews", headers=staff).json] == [3]
    assert session.scalar(select(func.count()).where(DomainEvent.type == "review.revealed")) == 1


def test_a_review_after_the_window_is_refused_in_the_users_language(client, api_token, finished, session):
    booking = finished()
    clock.travel_to(clock.now() + WINDOW)
    in_english(session, booking.booker)
    response = post_review(client, api_token(booking.booker), booking)
    assert response.status_code == 422 and "review period has ended" in response.json["message"]
    assert review_count(session) == 0


@pytest.mark.parametrize("body, field", [({"stars": 0}, "stars"), ({"stars": 6}, "stars"),
                                         ({"stars": True}, "stars"), ({"text": "好" * 10_000}, "text"),
                                         ({"tags": ["kept_word"]}, "tags")])
def test_bad_input_gets_a_422_and_writes_nothing(client, api_token, finished, session, body, field):
    booking = finished()
    response = post_review(client, api_token(booking.booker), booking, **body)
    assert response.status_code == 422
    assert field in response.json.get("errors", {}) or response.json.get("field") == field
    assert review_count(session) == 0


def test_someone_elses_booking_cannot_be_reviewed(client, api_token, factory, finished, session):
    booking = finished()
    response = post_review(client, api_token(factory.user()), booking)
    assert response.status_code == 404
    with pytest.raises(Exception) as refused:
        reviews.write_review(session, factory.user(), booking, reviews.ReviewInput(stars=5), window_days=14)
    assert refused.value.status_code == 403
    assert review_count(session) == 0


def test_a_second_review_by_the_same_side_is_refused_and_the_database_keeps_one(client, api_token, finished,
                                                                                session):
    booking = finished()
    headers = api_token(booking.booker)
    assert post_review(client, headers, booking).status_code == 201
    in_english(session, booking.booker)
    again = post_review(client, headers, booking, stars=1)
    assert again.status_code == 409 and "already reviewed" in again.json["message"]
    first = session.scalars(select(Review)).one()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(Review(booking_id=booking.id, side=ReviewSide.booker, author_id=first.author_id,
                           listing_id=first.listing_id, stars=1, tags=[], text="", created_at=clock.now(),
                           window_closes_at=first.window_closes_at))
        session.flush()
    assert review_count(session) == 1


def test_cancelled_bookings_are_not_reviewed_and_no_shows_only_by_the_provider(client, api_token, factory,
                                                                            finished, session, now):
    cancelled = factory.booking()
    bookings.cancel_booking(session, cancelled.booker, cancelled)
    session.commit()
    assert post_review(client, api_token(cancelled.booker), cancelled).status_code == 409
    no_show = finished(no_show=True)
    assert post_review(client, api_token(no_show.booker), no_show).status_code == 409
    assert post_review(client, api_token(staff_of(no_show.listing)), no_show, stars=1).status_code == 201
    assert review_count(session) == 1


def revealed_pair(client, api_token, finished):
    booking = finished()
    booker, staff = api_token(booking.booker), api_token(staff_of(booking.listing))
    about_provider = post_review(client, booker, booking, stars=2, text="迟到了半小时才开门").json
    post_review(client, staff, booking, stars=5)
    return booking, booker, staff, about_provider


def test_the_reviewed_side_replies_once_in_public(client, api_token, factory, finished, session):
    booking, booker, staff, review = revealed_pair(client, api_token, finished)
    assert client.post(f"/api/v1/reviews/{review['id']}/reply", headers=booker, json={"text": "我自己回复"}).status_code == 403
    replied = client.post(f"/api/v1/reviews/{review['id']}/reply", headers=staff, json={"text": "抱歉，已调整开门时间"})
    assert replied.status_code == 200 and replied.json["reply"] == "抱歉，已调整开门时间"
    again = client.post(f"/api/v1/reviews/{review['id']}/reply", headers=staff, json={"text": "再说一次"})
    assert again.status_code == 409
    assert client.get(f"/api/v1/listings/{booking.listing_id}/reviews").json["items"][0]["reply"] == "抱歉，已调整开门时间"


def test_a_reported_review_hidden_by_an_admin_is_audited_told_and_gone(client, api_token, factory, finished,
                                                                       session):
    booking, booker, staff, review = revealed_pair(client, api_token, finished)
    neighbour, admin = factory.user(), factory.user(platform_admin=True)
    report = client.post(f"/api/v1/reviews/{review['id']}/reports", headers=api_token(neighbour),
                         json={"reason": "内容与事实不符"})
    assert report.status_code == 201
    assert client.post(f"/api/v1/reviews/{review['id']}/reports", headers=api_token(neighbour),
                       json={"reason": "再举报"}).status_code == 409
    admin_headers = api_token(admin)
    assert client.get("/api/v1/admin/review-reports", headers=api_token(neighbour)).status_code == 403
    assert [r["review"]["id"] for r in client.get("/api/v1/admin/review-reports", headers=admin_headers).json["items"]] \
        == [review["id"]]
    decided = client.post(f"/api/v1/admin/reviews/{review['id']}/moderation", headers=admin_headers,
                          json={"decision": "hide", "reason": "经核实不实"})
    assert decided.status_code == 200 and decided.json["hidden"] is True
    assert client.get(f"/api/v1/listings/{booking.listing_id}/reviews").json["total"] == 0
    assert client.get("/api/v1/admin/review-reports", headers=admin_headers).json["total"] == 0
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "review.hide")).one()
    assert entry.object_id == review["id"] and entry.after["reason"] == "经核实不实"
    told = session.scalars(select(DomainEvent).where(DomainEvent.type == "review.report_decided")).one()
    assert told.payload["reporter_ids"] == [neighbour.id] and told.payload["author_id"] == booking.booker_id
    assert session.scalar(select(func.count()).where(DomainEvent.type == "review.hidden")) == 1


def test_moderation_is_for_platform_admins_only(client, api_token, factory, finished):
    booking, booker, staff, review = revealed_pair(client, api_token, finished)
    response = client.post(f"/api/v1/admin/reviews/{review['id']}/moderation", headers=staff,
                           json={"decision": "hide", "reason": "不喜欢"})
    assert response.status_code == 403


def test_a_resident_rates_a_completed_booking_from_the_html_pages(client, login, finished, session):
    booking = finished()
    login(booking.booker)
    mine = client.get("/bookings?when=past").data.decode()
    assert f"/bookings/{booking.id}#reviews" in mine
    page = client.get(f"/bookings/{booking.id}").data.decode()
    assert 'data-testid="write-review"' in page
    refused = client.post(f"/bookings/{booking.id}/review", data={"stars": "6"})
    assert refused.status_code == 422 and review_count(session) == 0
    done = client.post(f"/bookings/{booking.id}/review", data={"stars": "4", "tags": ["tidy"], "text": "很好"})
    assert done.status_code == 302
    page = client.get(f"/bookings/{booking.id}").data.decode()
    assert 'data-testid="review-pending"' in page and "很好" in page


def test_two_sweepers_that_found_the_same_review_reveal_it_once(client, api_token, finished, session):
    booking = finished()
    post_review(client, api_token(booking.booker), booking, stars=4)
    clock.travel_to(clock.now() + WINDOW)
    first, second = (reviews.due_for_reveal(session, clock.now()) for _ in range(2))
    assert [reviews.reveal_if_due(session, review, clock.now()) for review in first + second] == [True, False]
    assert session.scalar(select(func.count()).where(DomainEvent.type == "review.revealed")) == 1


def test_a_reviewed_listings_page_shows_its_reviews_for_one_statement_more(client, api_token, finished, session,
                                                                          deliver):
    booking, _booker, _staff, review = revealed_pair(client, api_token, finished)
    deliver()
    assert review["text"] in client.get(f"/listings/{booking.listing_id}").data.decode()
    assert len(sent_by(client, session, f"/listings/{booking.listing_id}")) == LISTING_PAGE_STATEMENTS + 1
