"""Who hears what: each booking event gives the right people exactly one notification, in their own language,
naming the listing and the local time, with a link to the booking."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select, update

from marketplace.bookings import services as bookings
from marketplace.core import clock, events
from marketplace.core.events import EventDelivery
from marketplace.notifications import services as notifications
from marketplace.notifications.models import Kind, Notification
from marketplace.organisations import services as organisations
from marketplace.organisations.models import StaffRole
from tests.bookings.conftest import SHANGHAI, local
from tests.notifications.conftest import deliver, english, inbox_of


@pytest.fixture
def approval_listing(factory, session, now):
    """A listing that needs approval, run by an organisation with two staff."""
    org = factory.organisation()
    second = factory.user(name="李干事")
    organisations.add_staff(session, org.memberships[0].user, org, second.login_name, StaffRole.staff)
    session.commit()
    return factory.listing(organisation=org, instant_booking=False, title="幸福里活动室")


def staff_of(listing):
    return [membership.user for membership in listing.organisation.memberships]


def texts_of(session, user) -> list[str]:
    return [n.text for n in inbox_of(session, user)]


def test_an_instant_booking_gives_its_booker_one_confirmation_naming_the_listing_and_the_local_time(
        factory, session, now):
    listing = factory.listing(title="社区书画室")
    booker = factory.user()
    booking = factory.booking(listing=listing, booker=booker, start=local(1, 10))
    assert inbox_of(session, booker) == []  # nothing before the outbox runs: never inside the request
    deliver(session)
    [notification] = inbox_of(session, booker)
    assert notification.kind is Kind.decisions
    assert notification.text == "预约成功：「社区书画室」2026-06-02 10:00，到时见！"
    assert (notification.subject_type, notification.subject_id, notification.link) == (
        "booking", booking.id, f"/bookings/{booking.id}")
    assert notification.read_at is None
    assert all(inbox_of(session, staff) == [] for staff in staff_of(listing))


def test_an_english_speaking_booker_is_told_in_english(factory, session, now):
    listing = factory.listing(title="Hall")
    booker = english(factory, session)
    factory.booking(listing=listing, booker=booker, start=local(1, 10))
    deliver(session)
    assert texts_of(session, booker) == ["Booked: “Hall” on 2026-06-02 10:00. See you there!"]


def test_running_a_delivery_twice_still_gives_one_notification(factory, session, now):
    booker = factory.user()
    factory.booking(booker=booker)
    deliver(session)
    # As if the first run's commit had been lost after the notification was written: the delivery runs again.
    session.execute(update(EventDelivery).values(status=events.PENDING))
    session.commit()
    assert deliver(session) > 0
    assert len(inbox_of(session, booker)) == 1


def test_the_database_refuses_a_second_notification_of_one_event_for_one_recipient(factory, session, now):
    booker = factory.user()
    factory.booking(booker=booker)
    deliver(session)
    [first] = inbox_of(session, booker)
    twin = Notification(recipient_id=booker.id, kind=first.kind, subject_type="booking", subject_id=first.subject_id,
                        text="again", link=first.link, event_id=first.event_id)
    with pytest.raises(Exception, match="(?i)unique"):
        with session.begin_nested():
            session.add(twin)


def test_a_request_tells_the_booker_it_was_received_and_every_staff_member_of_it(
        factory, session, approval_listing):
    booker = factory.user(name="王阿姨")
    factory.booking(listing=approval_listing, booker=booker, start=local(2, 14))
    deliver(session)
    assert texts_of(session, booker) == ["已收到你的预约申请：「幸福里活动室」2026-06-03 14:00，请等待审批。"]
    for staff in staff_of(approval_listing):
        [notification] = inbox_of(session, staff)
        assert notification.kind is Kind.requests
        assert notification.text == "新的预约申请：王阿姨 申请「幸福里活动室」2026-06-03 14:00，请及时审批。"


def test_approval_tells_the_booker_once_and_the_staff_nothing_more(factory, session, approval_listing):
    booker = english(factory, session, name="Mary")
    booking = factory.booking(listing=approval_listing, booker=booker, start=local(2, 14))
    deliver(session)
    approver = staff_of(approval_listing)[0]
    bookings.approve_booking(session, approver, booking, zone=SHANGHAI)
    session.commit()
    deliver(session)
    assert texts_of(session, booker)[-1] == "Your request was approved: “幸福里活动室” on 2026-06-03 14:00."
    assert len(inbox_of(session, booker)) == 2
    assert [len(inbox_of(session, staff)) for staff in staff_of(approval_listing)] == [1, 1]


def test_a_rejection_tells_the_booker_the_reason(factory, session, approval_listing):
    booker = factory.user()
    booking = factory.booking(listing=approval_listing, booker=booker, start=local(2, 14))
    bookings.reject_booking(session, staff_of(approval_listing)[0], booking, "当天有街道会议")
    session.commit()
    deliver(session)
    assert texts_of(session, booker)[-1] == ("很抱歉，你的预约申请未获批准：「幸福里活动室」2026-06-03 14:00。"
                                             " 原因：当天有街道会议")


def test_a_cancellation_by_the_provider_tells_the_booker_why(factory, session, now):
    listing = factory.listing(title="活动室")
    booker = english(factory, session)
    booking = factory.booking(listing=listing, booker=booker, start=local(2, 14))
    bookings.cancel_booking(session, staff_of(listing)[0], booking, "水管维修")
    session.commit()
    deliver(session)
    assert texts_of(session, booker)[-1] == ("Sorry, the provider cancelled your booking: “活动室” on 2026-06-03 14:00."
                                             " Reason: 水管维修")
    assert all(inbox_of(session, staff) == [] for staff in staff_of(listing))


def test_a_cancellation_by_the_booker_tells_the_staff_and_not_the_booker(factory, session, approval_listing):
    booker = factory.user(name="张大爷")
    booking = factory.booking(listing=approval_listing, booker=booker, start=local(2, 14))
    deliver(session)
    bookings.cancel_booking(session, booker, booking)
    session.commit()
    deliver(session)
    assert len(inbox_of(session, booker)) == 1  # only "received"
    for staff in staff_of(approval_listing):
        assert texts_of(session, staff)[-1] == "张大爷 取消了预约：「幸福里活动室」2026-06-03 14:00。"


def test_an_expired_request_tells_both_sides_once(factory, session, approval_listing):
    from marketplace.bookings import lifecycle

    booker = factory.user(name="赵阿姨")
    booking = factory.booking(listing=approval_listing, booker=booker, start=local(1, 10))
    clock.travel_to(booking.approval_deadline)
    assert lifecycle.expire_due(session, clock.now(), limit=100) == (1, 1)  # the scheduler's batch path
    session.commit()
    deliver(session)
    deliver(session)
    assert texts_of(session, booker)[-1] == ("你的预约申请没有在期限内得到处理，已自动失效："
                                             "「幸福里活动室」2026-06-02 10:00。")
    assert len(inbox_of(session, booker)) == 2
    for staff in staff_of(approval_listing):
        assert texts_of(session, staff) == [
            "新的预约申请：赵阿姨 申请「幸福里活动室」2026-06-02 10:00，请及时审批。",
            "预约申请已过期未处理：赵阿姨 申请的「幸福里活动室」2026-06-02 10:00。"]


def booking_event(session, booking, event_type: str, **payload) -> None:
    """An event as the scheduler's areas record it (the event contract), committed."""
    events.record(session, event_type, subject=("booking", booking.id),
                  payload={"listing_id": booking.listing_id, "booker_id": booking.booker_id, **payload})
    session.commit()


def test_a_release_for_a_missed_check_in_tells_the_booker(factory, session, now):
    listing = factory.listing(title="乒乓球室")
    booker = factory.user()
    booking = factory.booking(listing=listing, booker=booker, start=local(1, 10))
    booking_event(session, booking, "booking.no_show", from_status="confirmed", to_status="no_show",
                  action="release", reason="")
    booking_event(session, booking, "booking.no_show", from_status="confirmed", to_status="no_show",
                  action="no_show", reason="")  # marked by hand: staff did it themselves, nobody is told
    deliver(session)
    assert texts_of(session, booker)[1:] == [
        "你预约的「乒乓球室」2026-06-02 10:00 开始后没有签到，时段已释放，记为一次爽约。"]


def test_a_reminder_tells_the_booker_how_long_before_the_start(factory, session, now):
    listing = factory.listing(title="乒乓球室")
    booker, other = factory.user(), english(factory, session)
    booking = factory.booking(listing=listing, booker=booker, start=local(1, 10))
    theirs = factory.booking(listing=listing, booker=other, start=local(1, 12))
    booking_event(session, booking, "booking.reminder", hours_before=24, late=False)
    booking_event(session, theirs, "booking.reminder", hours_before=24, late=True)
    deliver(session)
    [reminder] = [n for n in inbox_of(session, booker) if n.kind is Kind.reminders]
    assert reminder.text == "提醒：你预约的「乒乓球室」将于 2026-06-02 10:00 开始（还有 24 小时）。"
    assert texts_of(session, other)[-1] == "Reminder: your booking of “乒乓球室” starts at 2026-06-02 12:00."


def test_whoever_turned_reminders_off_gets_no_reminder_but_still_the_rest(factory, session, now):
    booker = factory.user()
    notifications.update_preferences(session, booker, {"reminders": False})
    session.commit()
    booking = factory.booking(booker=booker, start=local(1, 10))
    booking_event(session, booking, "booking.reminder", hours_before=1, late=False)
    deliver(session)
    assert [n.kind for n in inbox_of(session, booker)] == [Kind.decisions]


def test_a_request_near_its_deadline_warns_the_staff(factory, session, approval_listing):
    booking = factory.booking(listing=approval_listing, booker=factory.user(name="钱叔叔"), start=local(2, 14))
    deadline = booking.approval_deadline
    booking_event(session, booking, "booking.deadline_near", deadline=deadline.isoformat())
    deliver(session)
    for staff in staff_of(approval_listing):
        assert texts_of(session, staff)[-1] == (
            "预约申请快到期了：钱叔叔 申请的「幸福里活动室」2026-06-03 14:00，请在 2026-06-03 08:00 前审批。")
    assert len(inbox_of(session, booking.booker)) == 1


def test_a_message_tells_the_side_that_did_not_write_it(factory, session, approval_listing):
    booker = factory.user(name="孙阿姨")
    booking = factory.booking(listing=approval_listing, booker=booker, start=local(2, 14))
    writer, colleague = staff_of(approval_listing)
    deliver(session)
    booking_event(session, booking, "booking.message", message_id=1, author_id=booker.id)
    booking_event(session, booking, "booking.message", message_id=2, author_id=writer.id)
    deliver(session)
    about_messages = {user.id: [n.text for n in inbox_of(session, user) if n.kind is Kind.messages]
                      for user in (booker, writer, colleague)}
    assert about_messages == {
        booker.id: [f"{writer.display_name} 在「幸福里活动室」2026-06-03 14:00 的预约里给你留言了。"],
        writer.id: ["孙阿姨 在「幸福里活动室」2026-06-03 14:00 的预约里给你留言了。"],
        colleague.id: ["孙阿姨 在「幸福里活动室」2026-06-03 14:00 的预约里给你留言了。"],
    }


def test_a_waitlist_offer_gives_the_hold_time_and_a_lapse_is_told_too(factory, session, now):
    listing = factory.listing(title="羽毛球场")
    waiting = factory.user()
    start = local(1, 18)
    payload = {"user_id": waiting.id, "listing_id": listing.id, "start_at": start.isoformat(),
               "end_at": (start + timedelta(hours=1)).isoformat(),
               "hold_until": (now + timedelta(minutes=30)).isoformat()}
    events.record(session, "waitlist.offered", subject=("waitlist_entry", 7), payload=payload)
    events.record(session, "waitlist.lapsed", subject=("waitlist_entry", 7), payload=payload)
    session.commit()
    deliver(session)
    offer, lapse = inbox_of(session, waiting)
    assert offer.kind is lapse.kind is Kind.waitlist
    assert offer.text == "你候补的「羽毛球场」2026-06-02 18:00 空出来了！为你保留到 2026-06-01 08:30，请在此之前确认预约。"
    assert (offer.subject_type, offer.subject_id, offer.link) == ("waitlist_entry", 7, "/waitlist#entry-7")
    assert lapse.text == "为你保留的「羽毛球场」2026-06-02 18:00 已在 2026-06-01 08:30 过期，名额已让给下一位。"


def test_every_notification_records_its_own_event_for_email(factory, session, now):
    booker = factory.user()
    factory.booking(booker=booker)
    deliver(session)
    [notification] = inbox_of(session, booker)
    recorded = session.scalars(select(events.DomainEvent).where(
        events.DomainEvent.type == "notification.created")).all()
    assert [(e.subject_id, e.payload) for e in recorded] == [
        (notification.id, {"recipient_id": booker.id, "kind": "decisions"})]
    assert session.scalar(select(func.count()).select_from(Notification)) == 1


def test_a_confirmation_delivered_after_the_booking_ended_is_not_sent_but_a_cancellation_is(factory, session, now):
    listing = factory.listing(title="幸福里活动室")
    booker = factory.user()
    kept = factory.booking(listing=listing, booker=booker, start=local(1, 10))
    cancelled = factory.booking(listing=listing, booker=booker, start=local(1, 14))
    bookings.cancel_booking(session, staff_of(listing)[0], cancelled, "设备检修")
    session.commit()
    clock.travel_to(kept.end_at + timedelta(days=1))  # the scheduler was down until the day after

    deliver(session)

    texts = [n.text for n in inbox_of(session, booker)]
    assert not any("到时见" in text for text in texts)
    assert any("提供方取消了你的预约" in text for text in texts)


def statements_delivering(session) -> int:
    """The SQL statements of one outbox sweep (then the emails it set off are drained, uncounted)."""
    sent = []

    def count(*_args):
        sent.append(1)

    engine = session.get_bind()
    sqlalchemy_event.listen(engine, "before_cursor_execute", count)
    try:
        deliver(session)
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", count)
    deliver(session)
    return len(sent)


def test_telling_of_eight_requests_costs_as_many_statements_as_telling_of_two(factory, session, approval_listing):
    deliver(session)  # what making the listing set off
    for hour in (9, 10):
        factory.booking(listing=approval_listing, start=local(1, hour))
    few = statements_delivering(session)
    for hour in range(11, 19):
        factory.booking(listing=approval_listing, start=local(1, hour))
    many = statements_delivering(session)
    assert many == few
    for staff in staff_of(approval_listing):
        assert sum("新的预约申请" in text for text in texts_of(session, staff)) == 10
