"""Who hears of reviews: the reviewed side when a review of them is revealed (an organisation's staff for its
listing), the author when the review is answered, and reporters (and, when it is hidden, the author) when a
platform admin decides a report. Each once, in their own language, from the outbox."""
from __future__ import annotations

from sqlalchemy import select

from marketplace.notifications.models import Kind, Notification
from marketplace.reviews import services as reviews
from tests.reviews.conftest import staff_of


def told(session, user) -> list[Notification]:
    session.expire_all()
    return list(session.scalars(select(Notification).where(Notification.recipient_id == user.id,
                                                           Notification.kind == Kind.reviews)
                                .order_by(Notification.id)))


def both_reviewed(session, booking, *, booker_stars=4):
    about_provider = reviews.write_review(session, booking.booker, booking, reviews.ReviewInput(
        stars=booker_stars, tags=[], text="场地干净"), window_days=14)
    about_booker = reviews.write_review(session, staff_of(booking.listing), booking, reviews.ReviewInput(
        stars=5, tags=[], text=""), window_days=14)
    session.commit()
    return about_provider, about_booker


def test_a_revealed_review_tells_the_reviewed_side_once_and_not_its_author(factory, session, finished, deliver):
    booking = finished()
    staff = staff_of(booking.listing)
    about_provider, about_booker = both_reviewed(session, booking, booker_stars=4)
    deliver()
    deliver()  # a second sweep adds nothing

    [to_staff] = told(session, staff)
    assert to_staff.text == f"你在「{booking.listing.title}」的预约收到了一条4星评价。"
    assert (to_staff.subject_type, to_staff.subject_id, to_staff.link) == (
        "review", about_provider.id, f"/reviews/{about_provider.id}")
    [to_booker] = told(session, booking.booker)
    assert to_booker.subject_id == about_booker.id and "5星" in to_booker.text


def test_a_reply_tells_the_author_in_their_language(factory, session, finished, deliver):
    booking = finished()
    booking.booker.locale = "en"
    about_provider, _ = both_reviewed(session, booking)
    reviews.reply_to_review(session, staff_of(booking.listing), about_provider, "谢谢您的肯定，欢迎再来！")
    session.commit()
    deliver()

    texts = [n.text for n in told(session, booking.booker)]
    assert f"Your review of “{booking.listing.title}” has a reply." in texts


def test_a_report_decision_tells_the_reporters_and_a_hidden_reviews_author(factory, session, finished, deliver):
    booking = finished()
    about_provider, _ = both_reviewed(session, booking, booker_stars=1)
    reporter, admin = factory.user(), factory.user(platform_admin=True)
    reviews.report_review(session, reporter, about_provider, "人身攻击")
    reviews.moderate_review(session, admin, about_provider, "hide", "含有人身攻击")
    session.commit()
    deliver()

    [to_reporter] = told(session, reporter)
    assert to_reporter.text == f"你举报的「{booking.listing.title}」的一条评价经核实已隐藏，谢谢你的提醒。"
    assert told(session, booking.booker)[-1].text == (
        f"你对「{booking.listing.title}」的评价违反社区规范，已被隐藏：含有人身攻击")


def test_a_report_kept_tells_the_reporter_why_and_leaves_the_author_alone(factory, session, finished, deliver):
    booking = finished()
    about_provider, _ = both_reviewed(session, booking, booker_stars=2)
    reporter, admin = factory.user(), factory.user(platform_admin=True)
    deliver()
    before = len(told(session, booking.booker))
    reviews.report_review(session, reporter, about_provider, "不实")
    reviews.moderate_review(session, admin, about_provider, "keep", "属于正常的消费评价")
    session.commit()
    deliver()

    [to_reporter] = told(session, reporter)
    assert to_reporter.text.endswith("经核实予以保留：属于正常的消费评价")
    assert len(told(session, booking.booker)) == before


def test_review_emails_can_be_turned_off_through_the_api(client, api_token, factory):
    user = factory.user()
    changed = client.put("/api/v1/me/notification-preferences", headers=api_token(user),
                         json={"reviews": {"email": False}})
    assert changed.status_code == 200 and changed.json["reviews"] == {"email": False}
