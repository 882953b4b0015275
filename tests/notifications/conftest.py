"""Shared pieces of the notification tests: delivering the outbox in the test's transaction, reading inboxes."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.core import clock, events
from marketplace.notifications.models import Notification
from tests.bookings.conftest import NOW


@pytest.fixture
def now():
    clock.travel_to(NOW)
    return NOW


def deliver(session) -> int:
    """One outbox sweep, as the scheduler's process_outbox job runs it, committed (a savepoint in these tests)."""
    ran = events.process_outbox(session, clock.now())
    session.commit()
    return ran


def inbox_of(session, user) -> list[Notification]:
    """The user's notifications, oldest first."""
    session.expire_all()
    return list(session.scalars(select(Notification).where(Notification.recipient_id == user.id)
                                .order_by(Notification.id)))


def english(factory, session, **kwargs):
    """A user who chose English."""
    user = factory.user(**kwargs)
    user.locale = "en"
    session.commit()
    return user
