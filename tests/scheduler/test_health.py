"""The scheduler's health for platform admins: the page, its JSON, and the banner when it has stopped beating."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.core import clock, events, transactions
from marketplace.core.events import EventDelivery
from marketplace.scheduler import lease
from marketplace.reputation import services as reputation
from marketplace.scheduler.health import STALE_AFTER, scheduler_health
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
    # The oldest due work is not the request's deadline (10:00 tomorrow) but the outbox deliveries of creating the
    # listing, due since then (08:00 today in Shanghai) and not run: the outbox is a timed job too.
    assert "2026-06-01 08:00:00" in body and 'data-testid="scheduler-job-timed"' in body
    response = login(admin).get("/api/v1/admin/scheduler", headers=api_token(admin))
    assert response.status_code == 200
    assert response.json["holder"] == "host-a:41:0f3c" and response.json["holding"] is True
    assert response.json["lag_seconds"] == 30.0 and response.json["stale"] is False
    assert response.json["oldest_due_at"].startswith(NOW.strftime("%Y-%m-%dT%H:%M:%S"))
    assert "process_outbox" in response.json["timed_jobs"] and "expire_requests" in response.json["timed_jobs"]
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
    assert (body["holder"], body["heartbeat_at"], body["stale"]) == (None, None, True)
    # The one thing due on an empty platform: the nightly recompute that never ran (last night at 19:00 UTC).
    assert body["oldest_due_at"].startswith("2026-05-31T19:00:00")


def test_the_oldest_due_work_counts_the_jobs_beyond_bookings(app, session, admin):
    """Nothing due once the outbox ran and the nightly recompute noted its first run; then an undelivered event
    and tonight's recompute, each the oldest due work while it waits."""

    def oldest():
        return scheduler_health(session, clock.now(), app.config).oldest_due_at

    def run_them():
        with transactions.read_only(False):
            while events.process_outbox(session, clock.now()):
                pass
            reputation.recompute_if_due(session, reputation.Policy.from_config(app.config), clock.now(),
                                        hour_utc=app.config["REPUTATION_RECOMPUTE_HOUR_UTC"])
            session.commit()

    run_them()
    assert oldest() is None
    with transactions.read_only(False):
        events.record(session, "organisation.changed", subject=("organisation", admin.id))
        session.commit()
    clock.advance(timedelta(minutes=1))
    assert oldest() == NOW
    run_them()
    assert oldest() is None
    clock.travel_to(NOW.replace(hour=19, minute=30))
    assert oldest() == NOW.replace(hour=19)


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
                re.findall(r"<li>([^<]*)<span class=\"muted\">（每[^，]+，(\w+)）</span>(?: <span class=\"badge\"[^>]*>"
                           r"计入最早到期</span>)?</li>", body))
    assert sorted(said) == sorted(["heartbeat", *jobs.JOBS])
    assert all(said.values()), f"jobs without words: {[name for name, words in said.items() if not words]}"
    client.post("/language/en", data={"next": "/"})
    english = client.get("/admin/scheduler").get_data(as_text=True)
    assert "Remind bookers before their booking starts" in english and "send_reminders)" in english
