"""Unanswered feedback escalates to the street after the deployment's days, once, whoever sweeps: against the
committed database, runners as in a scheduler process, two of them racing, time from the controllable clock."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.core import clock, transactions
from marketplace.core.events import DomainEvent
from marketplace.feedback import services
from marketplace.feedback.models import Feedback
from marketplace.notifications.models import Kind, Notification
from marketplace.scheduler.runner import Runner
from tests.bookings.conftest import NOW
from tests.conftest import Factory
from tests.feedback.conftest import build_street
from tests.scheduler.test_scheduler import race, writing

DAYS = 3


@pytest.fixture
def factory(committed_db):
    clock.travel_to(NOW)
    return Factory(committed_db)


@pytest.fixture
def settings(app, monkeypatch):
    monkeypatch.setitem(app.config, "FEEDBACK_ESCALATE_DAYS", DAYS)
    monkeypatch.setitem(app.config, "SCHEDULER_BATCH_SIZE", 2)  # several batches for a few items


def sent(factory, session, street, n: int) -> list[Feedback]:
    made = []
    with writing_unit(session):
        for k in range(n):
            clock.travel_to(NOW + timedelta(minutes=k))
            made.append(services.send_feedback(session, street.resident, services.FeedbackInput(
                kind="complaint", subject="listing", subject_id=street.listing.id, text=f"第{k}条：门禁坏了")))
        session.commit()
    return made


@contextmanager
def writing_unit(session):
    """The test's own writes, as a writer's unit of work (the committed_db thread reads by default)."""
    session.commit()
    with transactions.read_only(False):
        yield


def escalations(session) -> list[DomainEvent]:
    session.commit()
    return list(session.scalars(select(DomainEvent).where(DomainEvent.type == "feedback.escalated")
                                .order_by(DomainEvent.subject_id)))


def test_unanswered_feedback_escalates_once_after_the_days_with_two_sweepers_racing(app, committed_db, factory,
                                                                                    settings):
    session = committed_db
    street = build_street(factory, session)
    items = sent(factory, session, street, 5)
    with writing_unit(session):
        clock.travel_to(NOW + timedelta(days=1))
        answered = session.get(Feedback, items[0].id)
        services.answer_feedback(session, street.unit_staff, answered, "已处理")
        session.commit()
    runners = [Runner(app, holder="twin"), Runner(app, holder="twin")]

    clock.travel_to(NOW + timedelta(days=DAYS, minutes=2))  # items 1 and 2 are due (0 was answered), not 3 and 4
    assert sum(race(runners, "escalate_feedback")) == 2
    clock.travel_to(NOW + timedelta(days=DAYS + 1))
    assert sum(race(runners, "escalate_feedback")) == 2
    assert sum(race(runners, "escalate_feedback")) == 0

    escalated = escalations(session)
    assert [event.subject_id for event in escalated] == [item.id for item in items[1:]]
    assert all(event.payload["recipient_ids"] == [street.street_staff.id] for event in escalated)
    session.expire_all()
    assert session.get(Feedback, items[0].id).escalated_at is None
    assert session.get(Feedback, items[1].id).escalated_at == NOW + timedelta(days=DAYS, minutes=2)

    writing(runners[0].sweep)  # the outbox tells the street's staff, once per item
    writing(runners[1].sweep)
    session.commit()
    told = list(session.scalars(select(Notification).where(Notification.recipient_id == street.street_staff.id,
                                                           Notification.kind == Kind.feedback)))
    assert len(told) == 4 and all("已上报街道" in notification.text for notification in told)


def test_the_escalation_sweep_does_nothing_before_the_days_or_for_an_answered_item(app, committed_db, factory,
                                                                                 settings):
    session = committed_db
    street = build_street(factory, session)
    [item] = sent(factory, session, street, 1)
    runner = Runner(app)
    clock.travel_to(NOW + timedelta(days=DAYS) - timedelta(seconds=1))
    assert race([runner], "escalate_feedback") == [0]
    with writing_unit(session):
        services.answer_feedback(session, street.unit_staff, session.get(Feedback, item.id), "马上修")
        session.commit()
    clock.travel_to(NOW + timedelta(days=DAYS * 10))
    assert race([runner], "escalate_feedback") == [0]
    assert escalations(session) == []
