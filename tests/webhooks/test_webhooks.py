"""Signed webhooks against a real receiver: what is delivered and to whom, signatures checked by the independent
standardwebhooks package, the retry schedule on the controllable clock, replay, rotation, auto-disable, SSRF."""
from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime, time, timedelta, timezone

import pytest
from flask import current_app
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from marketplace.bookings import services as bookings
from marketplace.config import PROJECT_ROOT
from marketplace.core import clock, transactions, zones
from marketplace.notifications.models import Kind, Notification
from marketplace.scheduler.jobs import JOBS
from marketplace.webhooks import services
from marketplace.webhooks.models import FAILED, SUCCEEDED, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.conftest import Factory
from tests.webhooks.receiver import receiving

ZONE = "Asia/Shanghai"
ORG_EVENTS = ["booking.created", "booking.decided", "booking.cancelled", "booking.completed"]


@pytest.fixture(autouse=True)
def _near_real_time():
    """A frozen clock a little behind the wall clock: moved on by the tests, and still within the five minutes
    that standardwebhooks allows a signature's timestamp for the first attempts."""
    clock.travel_to(datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=4))


@pytest.fixture
def private_targets(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_TARGETS", True)


@pytest.fixture
def receiver():
    with receiving() as receiver:
        yield receiver


def at_ten(days_ahead: int) -> datetime:
    """10:00 local, some days after the clock's today: inside the listings' opening hours."""
    day = zones.local_date(clock.now(), ZONE) + timedelta(days=days_ahead)
    return zones.to_utc(datetime.combine(day, time(10)), ZONE)


def sweep(session) -> tuple[int, int]:
    """The scheduler's outbox (events become deliveries) then its webhook sender, at the clock's now."""
    now, config = clock.now(), current_app.config
    JOBS["process_outbox"].step(session, now, 100, config)
    session.commit()
    found = JOBS["send_webhooks"].step(session, now, 100, config)
    session.commit()
    return found


def register(client, headers, url, events=ORG_EVENTS, **extra):
    return client.post("/api/v1/webhooks", json={"url": url, "events": events, **extra}, headers=headers)


@pytest.fixture
def org(factory):
    admin = factory.user()
    organisation = factory.organisation(admin=admin)
    return organisation, admin


def deliveries_of(session, endpoint_id) -> list[WebhookDelivery]:
    return list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
                                .order_by(WebhookDelivery.id).execution_options(populate_existing=True)))


def attempt_codes(session, delivery_id) -> list[int | None]:
    return list(session.scalars(select(WebhookAttempt.status_code).where(WebhookAttempt.delivery_id == delivery_id)
                                .order_by(WebhookAttempt.number)))


def test_each_subscribed_event_reaches_the_receiver_signed_as_the_standard_says(
        session, client, api_token, factory, org, receiver, private_targets):
    organisation, admin = org
    created = register(client, api_token(admin), receiver.url)
    assert created.status_code == 201, created.json
    secret = created.json["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    instant = factory.listing(organisation=organisation)
    approval = factory.listing(organisation=organisation, instant_booking=False)
    booker = factory.user(name="王阿姨", phone="13912345678")
    booked = factory.booking(listing=instant, booker=booker)
    bookings.cancel_booking(session, booker, booked)
    requested = factory.booking(listing=approval, booker=booker)
    bookings.approve_booking(session, admin, requested, zone=ZONE)
    session.commit()

    assert sweep(session) == (4, 4)

    payloads = receiver.verified(secret)
    assert [(p["type"], p["data"]["booking_id"]) for p in payloads] == [
        ("booking.created", booked.id), ("booking.cancelled", booked.id),
        ("booking.created", requested.id), ("booking.decided", requested.id)]
    assert [p["data"]["status"] for p in payloads] == ["confirmed", "cancelled", "pending", "confirmed"]
    assert all(p["data"]["organisation_id"] == organisation.id for p in payloads)
    assert len(set(receiver.ids())) == 4
    # Ids, times and status only: the booker's phone and name are not the organisation's endpoint's business.
    assert not any("13912345678" in body or "王阿姨" in body or "booker_id" in body for _h, body in receiver.requests)
    assert sweep(session) == (0, 0) and len(receiver.requests) == 4


def test_an_organisations_endpoint_hears_only_of_its_own_bookings_and_the_platforms_of_all(
        session, client, api_token, factory, org, receiver, private_targets):
    organisation, admin = org
    platform_admin = factory.user(platform_admin=True)
    with receiving("/platform") as platform_receiver:
        own = register(client, api_token(admin), receiver.url, ["booking.created"])
        platform = register(client, api_token(platform_admin), platform_receiver.url, ["booking.created"])
        assert own.status_code == platform.status_code == 201
        assert platform.json["organisation_id"] is None
        mine = factory.booking(listing=factory.listing(organisation=organisation))
        theirs = factory.booking(listing=factory.listing())
        sweep(session)
        assert [p["data"]["booking_id"] for p in receiver.verified(own.json["secret"])] == [mine.id]
        assert sorted(p["data"]["booking_id"] for p in platform_receiver.verified(platform.json["secret"])) == sorted(
            [mine.id, theirs.id])


def test_a_receiver_answering_500_is_retried_after_5_seconds_then_5_minutes_with_the_same_message(
        session, client, api_token, factory, org, receiver, private_targets):
    organisation, admin = org
    secret = register(client, api_token(admin), receiver.url).json["secret"]
    receiver.answer(500, 503)
    factory.booking(listing=factory.listing(organisation=organisation))

    assert sweep(session) == (1, 0)
    clock.advance(timedelta(seconds=4))
    assert sweep(session) == (0, 0)
    clock.advance(timedelta(seconds=1))
    assert sweep(session) == (1, 0)
    clock.advance(timedelta(minutes=5) - timedelta(seconds=1))
    assert sweep(session) == (0, 0)
    clock.advance(timedelta(seconds=1))
    assert sweep(session) == (1, 1)
    clock.advance(timedelta(days=1))
    assert sweep(session) == (0, 0)

    assert len(receiver.verified(secret)) == 3
    assert len(set(receiver.ids())) == 1
    [delivery] = deliveries_of(session, register_id(session, organisation))
    assert delivery.status == SUCCEEDED and attempt_codes(session, delivery.id) == [500, 503, 200]
    listed = client.get(f"/api/v1/webhooks/{delivery.endpoint_id}/deliveries", headers=api_token(admin)).json
    assert [a["status_code"] for a in listed["items"][0]["attempt_log"]] == [500, 503, 200]


def register_id(session, organisation) -> int:
    return session.scalar(select(WebhookEndpoint.id).where(WebhookEndpoint.organisation_id == organisation.id))


def test_a_delivery_failing_every_attempt_follows_the_whole_schedule_then_disables_the_endpoint_and_tells_its_owner(
        session, client, api_token, factory, org, receiver, private_targets, monkeypatch):
    monkeypatch.setitem(current_app.config, "WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES", 1)
    organisation, admin = org
    register(client, api_token(admin), receiver.url)
    receiver.answer(*[500] * 20)
    listing = factory.listing(organisation=organisation)
    factory.booking(listing=listing)
    start = clock.now()

    sweep(session)
    for delay in services.RETRY_DELAYS:
        clock.advance(delay - timedelta(seconds=1))
        sweep(session)
        clock.advance(timedelta(seconds=1))
        sweep(session)
    clock.advance(timedelta(days=3))
    sweep(session)

    assert len(receiver.requests) == 8 == services.MAX_ATTEMPTS
    endpoint_id = register_id(session, organisation)
    [delivery] = deliveries_of(session, endpoint_id)
    started = list(session.scalars(select(WebhookAttempt.started_at).where(WebhookAttempt.delivery_id == delivery.id)
                                   .order_by(WebhookAttempt.number)))
    waits = [later - earlier for earlier, later in zip([start, *started], started)]
    assert waits == [timedelta(0), *services.RETRY_DELAYS]
    assert delivery.status == FAILED and attempt_codes(session, delivery.id) == [500] * 8
    endpoint = session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
    assert not endpoint.enabled and endpoint.disabled_reason == "failing"
    told = session.scalars(select(Notification).where(Notification.recipient_id == admin.id,
                                                      Notification.kind == Kind.webhooks)).all()
    assert len(told) == 1 and told[0].link == f"/webhooks/{endpoint_id}"

    factory.booking(listing=listing)
    sweep(session)
    assert len(deliveries_of(session, endpoint_id)) == 1 and len(receiver.requests) == 8


def test_an_endpoint_failing_for_five_days_is_disabled_though_no_delivery_ran_out(
        session, client, api_token, factory, org, receiver, private_targets):
    organisation, admin = org
    register(client, api_token(admin), receiver.url)
    receiver.answer(*[500] * 50)
    listing = factory.listing(organisation=organisation)
    for _day in range(6):
        factory.booking(listing=listing, start=at_ten(20))
        sweep(session)
        clock.advance(timedelta(days=1))
    endpoint = session.get(WebhookEndpoint, register_id(session, organisation), populate_existing=True)
    assert not endpoint.enabled and endpoint.failed_deliveries == 0


def test_replay_sends_a_finished_delivery_again_from_the_scheduler_with_its_id_and_body(
        session, client, api_token, factory, org, receiver, private_targets):
    organisation, admin = org
    headers = api_token(admin)
    created = register(client, headers, receiver.url).json
    factory.booking(listing=factory.listing(organisation=organisation))
    sweep(session)
    [delivery] = deliveries_of(session, created["id"])
    path = f"/api/v1/webhooks/{created['id']}/deliveries/{delivery.id}/replay"

    replayed = client.post(path, headers=headers)
    assert replayed.status_code == 202 and replayed.json["status"] == "pending"
    assert client.post(path, headers=headers).status_code == 409
    assert len(receiver.requests) == 1  # nothing is sent from the request
    assert sweep(session) == (1, 1)

    assert len(receiver.verified(created["secret"])) == 2
    assert receiver.ids()[0] == receiver.ids()[1] and receiver.requests[0][1] == receiver.requests[1][1]
    assert attempt_codes(session, delivery.id) == [200, 200]
    assert client.post(f"/api/v1/webhooks/{created['id']}/deliveries/999999/replay", headers=headers).status_code == 404


def test_after_a_rotation_both_secrets_sign_until_the_overlap_ends(
        session, client, api_token, factory, org, receiver, private_targets):
    organisation, admin = org
    headers = api_token(admin)
    created = register(client, headers, receiver.url).json
    rotated = client.post(f"/api/v1/webhooks/{created['id']}/secret", headers=headers)
    assert rotated.status_code == 200
    old, new = created["secret"], rotated.json["secret"]
    assert old != new
    listing = factory.listing(organisation=organisation)
    factory.booking(listing=listing)
    sweep(session)
    assert len(receiver.requests[0][0]["webhook-signature"].split(" ")) == 2
    assert receiver.verified(old) == receiver.verified(new)

    clock.advance(timedelta(hours=current_app.config["WEBHOOK_SECRET_OVERLAP_HOURS"], seconds=1))
    factory.booking(listing=listing, start=at_ten(2))
    sweep(session)
    headers_sent, body = receiver.requests[1]
    sent_at = datetime.fromtimestamp(int(headers_sent["webhook-timestamp"]), timezone.utc)
    # Webhook.sign, not verify: this timestamp is a day past the wall clock, beyond verify's tolerance.
    assert headers_sent["webhook-signature"] == Webhook(new).sign(headers_sent["webhook-id"], sent_at, body)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook", "http://localhost:5000/hook", "http://192.168.1.10/", "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/", "http://224.0.0.1/", "http://[fe80::1]/"])
def test_internal_targets_are_refused_at_registration(session, client, api_token, org, url):
    _organisation, admin = org
    refused = register(client, api_token(admin), url)
    assert refused.status_code == 422, refused.json
    assert refused.json["field"] == "url" and "内网" in refused.json["message"]
    assert session.scalar(select(WebhookEndpoint.id)) is None


@pytest.mark.parametrize("url", ["ftp://example.org/hook", "not a url", "http://user:pw@example.org/",
                                 "http://example.org:99999/"])
def test_what_is_not_an_http_url_is_refused_in_the_users_language(session, client, api_token, org, url):
    org[1].locale = "en"
    session.commit()
    refused = register(client, api_token(org[1]), url)
    assert refused.status_code == 422 and refused.json["field"] == "url"
    assert "http://" in refused.json["message"] and "请填写" not in refused.json["message"]


def test_a_target_allowed_at_registration_is_checked_again_when_sending(
        session, client, api_token, factory, org, receiver, app, monkeypatch):
    organisation, admin = org
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_TARGETS", True)
    assert register(client, api_token(admin), receiver.url).status_code == 201
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False)
    factory.booking(listing=factory.listing(organisation=organisation))
    assert sweep(session) == (1, 0)
    assert receiver.requests == []
    [delivery] = deliveries_of(session, register_id(session, organisation))
    [error] = session.scalars(select(WebhookAttempt.error).where(WebhookAttempt.delivery_id == delivery.id))
    assert "内网" in error


def test_who_may_register_and_see_endpoints(session, client, api_token, factory, org):
    organisation, admin = org
    outsider = factory.user()
    assert register(client, api_token(outsider), "http://8.8.8.8/h").status_code == 422  # no organisation
    assert register(client, api_token(outsider), "http://8.8.8.8/h",
                    organisation_id=organisation.id).status_code == 403
    assert register(client, api_token(admin), "http://8.8.8.8/h", ["wish.claimed"]).status_code == 422
    assert register(client, api_token(admin), "http://8.8.8.8/h", ["booking.nonsense"]).status_code == 422
    made = register(client, api_token(admin), "http://8.8.8.8/h")
    assert made.status_code == 201
    assert client.get(f"/api/v1/webhooks/{made.json['id']}", headers=api_token(outsider)).status_code == 404
    assert client.get("/api/v1/webhooks", headers=api_token(outsider)).json == []
    assert [e["id"] for e in client.get("/api/v1/webhooks", headers=api_token(admin)).json] == [made.json["id"]]
    assert "secret" not in client.get("/api/v1/webhooks", headers=api_token(admin)).json[0]


def test_disable_enable_and_delete(session, client, api_token, factory, org, receiver, private_targets):
    organisation, admin = org
    headers = api_token(admin)
    endpoint_id = register(client, headers, receiver.url).json["id"]
    assert client.post(f"/api/v1/webhooks/{endpoint_id}/disable", headers=headers).json["enabled"] is False
    factory.booking(listing=factory.listing(organisation=organisation))
    sweep(session)
    assert receiver.requests == [] and deliveries_of(session, endpoint_id) == []
    assert client.post(f"/api/v1/webhooks/{endpoint_id}/enable", headers=headers).json["enabled"] is True
    assert client.delete(f"/api/v1/webhooks/{endpoint_id}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/webhooks/{endpoint_id}", headers=headers).status_code == 404


def session_cookie(client) -> str:
    """What the signed (not encrypted) Flask session cookie says: anyone holding the cookie can read it."""
    cookie = client.get_cookie(current_app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return ""
    return str(current_app.session_interface.get_signing_serializer(current_app).loads(cookie.value))


def test_the_staff_page_registers_an_endpoint_and_shows_its_secret_once_in_its_answer_not_in_a_cookie(
        session, client, login, org, private_targets, receiver):
    organisation, admin = org
    login(admin)
    assert client.get("/webhooks/").status_code == 200
    response = client.post("/webhooks/", data={"url": receiver.url, "events": ["booking.created"],
                                               "organisation_id": str(organisation.id)})
    assert response.status_code == 201, response.data.decode()[:500]
    endpoint = session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.organisation_id == organisation.id))
    assert endpoint.secret in response.data.decode() and response.headers["Cache-Control"] == "no-store"
    assert session_cookie(client) and "whsec_" not in session_cookie(client)
    assert endpoint.secret not in client.get(f"/webhooks/{endpoint.id}").data.decode()


def test_rotating_on_the_staff_page_shows_the_new_secret_once_in_its_answer_not_in_a_cookie(
        session, client, login, org, private_targets, receiver):
    organisation, admin = org
    login(admin)
    endpoint = services.register_endpoint(session, admin, services.EndpointData(
        receiver.url, ["booking.created"], organisation.id), clock.now(), allow_private=True)
    session.commit()
    response = client.post(f"/webhooks/{endpoint.id}/secret")
    session.refresh(endpoint)
    page = response.data.decode()
    assert response.status_code == 200 and endpoint.secret in page and "密钥已更换" in page
    assert endpoint.previous_secret not in page and response.headers["Cache-Control"] == "no-store"
    assert session_cookie(client) and "whsec_" not in session_cookie(client)
    assert endpoint.secret not in client.get(f"/webhooks/{endpoint.id}").data.decode()


def test_the_staff_page_shows_a_refused_target_next_to_the_field(client, login, org):
    organisation, admin = org
    login(admin)
    response = client.post("/webhooks/", data={"url": "http://10.0.0.1/", "events": ["booking.created"],
                                               "organisation_id": str(organisation.id)})
    assert response.status_code == 422 and "不能向内网" in response.data.decode()


def test_a_send_whose_outcome_was_rolled_back_is_not_sent_again_before_its_retry(
        session, client, api_token, factory, org, receiver, private_targets, monkeypatch):
    organisation, admin = org
    secret = register(client, api_token(admin), receiver.url).json["secret"]
    factory.booking(listing=factory.listing(organisation=organisation))
    JOBS["process_outbox"].step(session, clock.now(), 100, current_app.config)
    session.commit()

    def crash(*args, **kwargs):
        raise RuntimeError("the process died after sending")

    monkeypatch.setattr(services, "record_outcome", crash)
    with pytest.raises(RuntimeError):
        JOBS["send_webhooks"].step(session, clock.now(), 100, current_app.config)
    session.rollback()
    monkeypatch.undo()
    monkeypatch.setitem(current_app.config, "WEBHOOK_ALLOW_PRIVATE_TARGETS", True)

    assert sweep(session) == (0, 0)
    assert len(receiver.requests) == 1
    clock.advance(services.RETRY_DELAYS[0])
    assert sweep(session) == (1, 1)
    assert len(receiver.verified(secret)) == 2 and len(set(receiver.ids())) == 1


def test_a_sender_killed_mid_send_never_sends_that_attempt_again(app, committed_db, database_url, receiver):
    factory = Factory(committed_db)
    admin = factory.user()
    organisation = factory.organisation(admin=admin)
    listing = factory.listing(organisation=organisation)
    with transactions.read_only(False):
        endpoint = services.register_endpoint(committed_db, admin, services.EndpointData(
            receiver.url, ["booking.created"], organisation.id), clock.now(), allow_private=True)
        secret, endpoint_id = endpoint.secret, endpoint.id
        committed_db.commit()
    factory.booking(listing=listing)
    now = clock.now()
    with transactions.read_only(False):
        JOBS["process_outbox"].step(committed_db, now, 100, app.config)
        committed_db.commit()
    receiver.hang = threading.Event()

    sender = subprocess.Popen([sys.executable, str(PROJECT_ROOT / "tests/webhooks/killed_sender.py"), database_url,
                               now.isoformat()], cwd=PROJECT_ROOT, env={**os.environ}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert receiver.arrived.wait(120), sender.stderr.read() if sender.poll() is not None else "no request"
        os.kill(sender.pid, signal.SIGKILL)
        out, err = sender.communicate(timeout=60)
    finally:
        if sender.poll() is None:
            sender.kill()
            sender.communicate()
    assert sender.returncode == -signal.SIGKILL and out.strip() == "holding", (out, err)
    receiver.hang = None

    config = {**app.config, "WEBHOOK_ALLOW_PRIVATE_TARGETS": True}
    with transactions.read_only(False):
        assert JOBS["send_webhooks"].step(committed_db, now, 100, config) == (0, 0)
        committed_db.commit()
    assert len(receiver.requests) == 1
    clock.advance(services.RETRY_DELAYS[0])
    with transactions.read_only(False):
        assert JOBS["send_webhooks"].step(committed_db, clock.now(), 100, config) == (1, 1)
        committed_db.commit()
    assert len(receiver.verified(secret)) == 2 and len(set(receiver.ids())) == 1
    [delivery] = deliveries_of(committed_db, endpoint_id)
    assert delivery.status == SUCCEEDED and attempt_codes(committed_db, delivery.id) == [None, 200]


def test_the_payload_is_json_with_type_timestamp_and_data(session, client, api_token, factory, org, receiver,
                                                          private_targets):
    organisation, admin = org
    register(client, api_token(admin), receiver.url)
    booking = factory.booking(listing=factory.listing(organisation=organisation))
    sweep(session)
    payload = json.loads(receiver.requests[0][1])
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["data"]["start_at"] == booking.start_at.isoformat().replace("+00:00", "Z")


def test_one_scheduler_sweep_sends_the_deliveries_its_own_outbox_run_made(app, committed_db, receiver,
                                                                          private_targets):
    """Nothing is due for send_webhooks when the sweep begins; its outbox run then makes a delivery, and the same
    sweep sends it (the sweep reads every job's due time at its start, and again once a job has moved something)."""
    from marketplace.scheduler.runner import Runner

    factory = Factory(committed_db)
    admin = factory.user()
    organisation = factory.organisation(admin=admin)
    listing = factory.listing(organisation=organisation)
    with transactions.read_only(False):
        services.register_endpoint(committed_db, admin, services.EndpointData(
            url=receiver.url, events=["booking.created"], organisation_id=organisation.id), clock.now(),
            allow_private=True)
        committed_db.commit()
    runner = Runner(app)
    with transactions.read_only(False):
        runner.sweep()  # what making the listing and the endpoint set off
        factory.booking(listing=listing, start=at_ten(2))
        moved = runner.sweep()
    assert moved["process_outbox"] > 0 and moved["send_webhooks"] == 1
    assert len(receiver.requests) == 1
