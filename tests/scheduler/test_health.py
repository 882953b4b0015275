"""The scheduler's health for platform admins: the page, its JSON, and the banner when it has stopped beating."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.core import clock
from marketplace.core.events import EventDelivery
from marketplace.scheduler import lease
from marketplace.scheduler.health import STALE_AFTER
from tests.bookings.conftest import NOW, local

BANNER = 'data-testid="scheduler-stalled"'


@pytest.fixture
def admin(factory):
    clock.travel_to(NOW)
    return factory.user(name="街道管理员", platform_admin=True)


def beat(session, holder: str = "host-a:41:0f3c") -> None:
    lease.acquire(session, holder, clock.now())
    session.commit()


def test_the_page_and_json_show_the_holder_heartbeat_lag_and_the_oldest_due_step(factory, session, login, admin,
                                                                                   api_token):
    request = factory.booking(listing=factory.listing(instant_booking=False), start=local(1, 10))
    deadline = request.approval_deadline
    clock.travel_to(deadline + timedelta(minutes=2))
    beat(session)
    clock.advance(timedelta(seconds=30))

    body = login(admin).get("/admin/scheduler").get_data(as_text=True)
    assert "host-a:41:0f3c" in body and "从未运行" not in body
    assert "2026-06-02 10:02:00（30秒钟前）" in body
    assert "2026-06-02 10:00:00" in body  # the deadline (the request's start, 10:00 tomorrow in Shanghai)
    response = login(admin).get("/api/v1/admin/scheduler", headers=api_token(admin))
    assert response.status_code == 200
    assert response.json["holder"] == "host-a:41:0f3c" and response.json["holding"] is True
    assert response.json["lag_seconds"] == 30.0 and response.json["stale"] is False
    assert response.json["oldest_due_at"].startswith(deadline.strftime("%Y-%m-%dT%H:%M:%S"))
    assert response.json["jobs"] == ["heartbeat", "process_outbox", "expire_requests", "warn_deadlines",
                                     "send_reminders", "release_bookings", "complete_bookings", "send_digests",
                                     "lapse_waitlist_holds", "draw_lotteries", "reveal_reviews",
                                     "recompute_reputation", "escalate_feedback", "snapshot_usage",
                                     "release_wish_claims", "escalate_wishes",
                                     "send_webhooks"]
    # Creating the listing wrote a domain event whose durable deliveries nothing has processed yet.
    assert response.json["outbox_backlog"] > 0
    assert response.json["outbox_backlog"] == session.scalar(
        select(func.count()).select_from(EventDelivery).where(EventDelivery.status == "pending"))
    assert response.json["outbox_failed"] == 0
    assert 'data-testid="scheduler-outbox-backlog"' in body


def test_a_scheduler_that_never_ran_is_shown_as_such(session, login, admin, api_token):
    assert "从未运行" in login(admin).get("/admin/scheduler").get_data(as_text=True)
    body = login(admin).get("/api/v1/admin/scheduler", headers=api_token(admin)).json
    assert (body["holder"], body["heartbeat_at"], body["stale"], body["oldest_due_at"]) == (None, None, True, None)


def test_only_platform_admins_see_the_scheduler(factory, login, api_token, client):
    resident = factory.user()
    assert client.get("/api/v1/admin/scheduler", headers=api_token(resident)).status_code == 403
    assert login(resident).get("/admin/scheduler").status_code == 403


def test_the_banner_warns_admins_once_the_heartbeat_is_older_than_five_minutes(factory, session, login, admin):
    resident = factory.user()
    assert BANNER in login(admin).get("/").get_data(as_text=True)  # none ever
    beat(session)
    assert BANNER not in login(admin).get("/").get_data(as_text=True)
    clock.advance(STALE_AFTER)
    assert BANNER not in login(admin).get("/").get_data(as_text=True)
    clock.advance(timedelta(seconds=1))
    assert BANNER in login(admin).get("/help").get_data(as_text=True)
    assert BANNER not in login(resident).get("/").get_data(as_text=True)


def test_the_page_says_what_every_job_does_in_the_admins_language(session, login, admin, client):
    from marketplace.scheduler import jobs

    body = login(admin).get("/admin/scheduler").get_data(as_text=True)
    assert "预约开始前提醒预约人" in body and "（每1分钟，send_reminders）" in body
    said = dict((name, words.strip()) for words, name in
                re.findall(r"<li>([^<]*)<span class=\"muted\">（每[^，]+，(\w+)）</span></li>", body))
    assert sorted(said) == sorted(["heartbeat", *jobs.JOBS])
    assert all(said.values()), f"jobs without words: {[name for name, words in said.items() if not words]}"
    client.post("/language/en", data={"next": "/"})
    english = client.get("/admin/scheduler").get_data(as_text=True)
    assert "Remind bookers before their booking starts" in english and "send_reminders)" in english
