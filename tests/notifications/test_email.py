"""Email from the outbox, through a real SMTP server started by the test: each notification whose kind has email on
arrives once, in its recipient's language; a refused send is retried on a later sweep and not duplicated."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from marketplace.core import clock, events
from marketplace.notifications import services as notifications
from marketplace.notifications.models import Notification
from tests.bookings.conftest import local
from tests.mail import Inbox, free_port, smtp_inbox
from tests.notifications.conftest import deliver, inbox_of


def mail_user(factory, session, *, locale=None, name=None):
    user = factory.user(email=f"user{factory._next()}@example.org", name=name)
    user.locale = locale
    session.commit()
    return user


def booked(factory, booker, title="社区书画室"):
    """An instant booking tomorrow at 10:00, its confirmation made and (second sweep) mailed."""
    return factory.booking(listing=factory.listing(title=title), booker=booker, start=local(1, 10))


def test_each_notification_is_mailed_once_in_its_recipients_language(app, factory, session, now):
    chinese, englishman = mail_user(factory, session), mail_user(factory, session, locale="en")
    with smtp_inbox(app) as inbox:
        booked(factory, chinese)
        booked(factory, englishman, title="Hall")
        deliver(session)  # the notifications
        assert inbox.messages == []
        deliver(session)  # their notification.created events: the mail
        deliver(session)
    by_address = {m["To"]: m for m in inbox.messages}
    assert sorted(by_address) == sorted([chinese.email, englishman.email]) and len(inbox.messages) == 2
    assert by_address[chinese.email]["Subject"] == "社区资源超市：预约结果"
    assert by_address[chinese.email].get_content().startswith("预约成功：「社区书画室」2026-06-02 10:00，到时见！")
    assert "通知设置" in by_address[chinese.email].get_content()
    assert by_address[englishman.email]["Subject"] == "Community Resource Market: Booking results"
    assert by_address[englishman.email].get_content().startswith("Booked: “Hall” on 2026-06-02 10:00.")
    assert all(n.emailed_at == now for user in (chinese, englishman) for n in inbox_of(session, user))


class RefusingFirst(Inbox):
    """A server that answers the first message with a temporary failure, then takes them."""

    refused = 0

    async def handle_DATA(self, server, session, envelope):
        if not self.refused:
            self.refused += 1
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


@contextmanager
def refusing_first_inbox(app):
    handler = RefusingFirst()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_FROM="noreply@example.org")
    try:
        yield handler
    finally:
        app.config.update(SMTP_HOST=None, SMTP_PORT=25, SMTP_FROM=None)
        controller.stop()


def test_a_refused_send_is_retried_on_a_later_sweep_and_arrives_once(app, factory, session, now):
    booker = mail_user(factory, session)
    with refusing_first_inbox(app) as inbox:
        booked(factory, booker)
        deliver(session)
        deliver(session)
        assert inbox.refused == 1 and inbox.messages == []
        [notification] = inbox_of(session, booker)
        assert notification.emailed_at is None
        delivery = session.scalar(select(events.EventDelivery).join(events.DomainEvent).where(
            events.DomainEvent.type == "notification.created"))
        assert delivery.status == events.PENDING and "451" in delivery.last_error
        deliver(session)  # not due yet: the outbox backs off
        assert inbox.messages == []
        clock.advance(events.FIRST_RETRY_AFTER)
        deliver(session)
        clock.advance(timedelta(hours=1))
        deliver(session)
    assert [m["To"] for m in inbox.messages] == [booker.email]
    assert inbox_of(session, booker)[0].emailed_at is not None


def test_a_notification_already_emailed_is_not_mailed_again(app, factory, session, now):
    booker = mail_user(factory, session)
    with smtp_inbox(app) as inbox:
        booked(factory, booker)
        deliver(session)
        [notification] = inbox_of(session, booker)
        notification.emailed_at = now  # a send that happened, whose delivery then runs again
        session.commit()
        deliver(session)
    assert inbox.messages == []


def test_email_off_for_a_kind_sends_no_mail_but_keeps_the_notification(app, factory, session, now):
    booker = mail_user(factory, session)
    notifications.update_preferences(session, booker, {"decisions_email": False})
    session.commit()
    with smtp_inbox(app) as inbox:
        booked(factory, booker)
        deliver(session)
        deliver(session)
    assert inbox.messages == []
    assert len(inbox_of(session, booker)) == 1


def test_nobody_without_an_address_and_nothing_without_smtp_settings_is_mailed(app, factory, session, now):
    phone_only = factory.user()
    with smtp_inbox(app) as inbox:
        booked(factory, phone_only)
        deliver(session)
        deliver(session)
    assert inbox.messages == []
    mailed = mail_user(factory, session)
    booked(factory, mailed)  # no SMTP settings now
    deliver(session)
    deliver(session)
    assert session.scalar(select(Notification.emailed_at).where(Notification.recipient_id == mailed.id)) is None
    failed = session.scalars(select(events.EventDelivery.status)).all()
    assert set(failed) == {events.DONE}


def test_without_smtp_settings_a_notification_leaves_the_outbox_no_email_delivery_to_run(app, factory, session, now):
    """Email is the only reaction to notification.created: with no SMTP its deliveries would all be no-ops, so
    none is written; with SMTP each new notification gets one."""

    def email_deliveries(booker) -> int:
        booked(factory, booker)
        deliver(session)  # the confirmation, and its notification.created event
        return session.scalar(select(func.count()).select_from(events.EventDelivery).join(events.DomainEvent).where(
            events.DomainEvent.type == "notification.created", events.DomainEvent.subject_id.in_(
                select(Notification.id).where(Notification.recipient_id == booker.id))))

    assert email_deliveries(mail_user(factory, session)) == 0
    with smtp_inbox(app):
        assert email_deliveries(mail_user(factory, session)) == 1
