"""`make run` as a newcomer types it: the site and the scheduler come up together, and an instant booking made
through the API gives its booker exactly one message (the confirmation) within seconds, with nothing else started.

It runs on a database of its own: a fresh SQLite file, or in the PostgreSQL pass a fresh database on the test's
server, so the demo street it seeds never meets the suite's data.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from marketplace.config import PROJECT_ROOT
from marketplace.demo import DEMO_ACCOUNTS

START_WITHIN_SECONDS = 120
MESSAGE_WITHIN_SECONDS = 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(base: str, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json", "Accept": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def own_database_url(tmp_path):
    """A database nobody else uses: SQLite in tmp_path, or a new database on the PostgreSQL pass's server."""
    postgres = os.environ.get("TEST_DATABASE_URL")
    if not postgres:
        yield f"sqlite:///{tmp_path / 'make-run.db'}"
        return
    name = f"make_run_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def make_run(tmp_path, own_database_url):
    port = free_port()
    env = {**os.environ, "PORT": str(port), "MARKETPLACE_INSTANCE": str(tmp_path), "DATABASE_URL": own_database_url,
           "SECRET_KEY": "make-run-test"}
    log = tmp_path / "make-run.log"
    with log.open("wb") as output:
        stack = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=PROJECT_ROOT, env=env, stdout=output,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_WITHIN_SECONDS
    try:
        while True:
            try:
                urllib.request.urlopen(base + "/static/img/favicon.svg", timeout=1).close()
                break
            except OSError:
                if stack.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("make run did not serve: " + log.read_text(errors="replace")[-3000:])
                time.sleep(0.5)
        yield base, log
    finally:
        os.killpg(stack.pid, signal.SIGINT)  # Ctrl-C, as a person stops it
        try:
            stack.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            stack.wait()


def first_free_instant_slot(base: str, token: str) -> dict:
    status, page = call(base, "GET", "/api/v1/listings?per_page=100", token=token)
    assert status == 200, page
    window_start = datetime.now(timezone.utc) + timedelta(days=2)
    for listing in page["items"]:
        if not listing["instant_booking"] or listing["kind"] != "space":
            continue
        query = (f"/api/v1/listings/{listing['id']}/availability?start={window_start:%Y-%m-%dT%H:%M:%SZ}"
                 f"&end={window_start + timedelta(days=5):%Y-%m-%dT%H:%M:%SZ}")
        status, availability = call(base, "GET", query, token=token)
        if status == 200 and availability["slots"]:
            slot = availability["slots"][0]
            return {"listing_id": listing["id"], "start": slot["start"], "end": slot["end"]}
    pytest.fail("the demo street has no instant space free in the coming week")


def booking_messages(base: str, token: str, booking_id: int) -> list[dict]:
    status, page = call(base, "GET", "/api/v1/notifications?per_page=100", token=token)
    assert status == 200, page
    return [item for item in page["items"] if item["subject"] == {"type": "booking", "id": booking_id}]


def test_an_instant_booking_under_make_run_gives_its_booker_exactly_one_message_within_seconds(make_run):
    base, log = make_run
    resident = next(entry for entry in DEMO_ACCOUNTS if entry["role"] == "resident")
    status, issued = call(base, "POST", "/api/v1/auth/tokens",
                          {"login": resident["login"], "password": resident["password"]})
    assert status == 201, issued
    token = issued["token"]

    status, booking = call(base, "POST", "/api/v1/bookings", first_free_instant_slot(base, token), token=token)
    assert status == 201 and booking["status"] == "confirmed", booking

    deadline = time.monotonic() + MESSAGE_WITHIN_SECONDS
    while not (messages := booking_messages(base, token, booking["id"])):
        assert time.monotonic() < deadline, "no message within seconds: " + log.read_text(errors="replace")[-3000:]
        time.sleep(0.5)
    # Two more outbox sweeps (every 5 s) could only add a duplicate; there must be none.
    time.sleep(11)
    messages = booking_messages(base, token, booking["id"])
    assert len(messages) == 1, messages
    assert messages[0]["read"] is False and f"/bookings/{booking['id']}" in messages[0]["link"]
