"""`make run`'s gunicorn settings keep serving other people while slow clients are connected and while
writers wait for the database's write lock."""
from __future__ import annotations

import gc
import os
import runpy
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from marketplace.config import PROJECT_ROOT

SLOW_CLIENTS = 4
ANSWER_WITHIN_SECONDS = 3.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, timeout: float) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = {**os.environ, "PORT": str(port), "MARKETPLACE_INSTANCE": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'site.db'}", "SECRET_KEY": "test-secret"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=PROJECT_ROOT, env=env,
                   check=True, capture_output=True)
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "serve:app"],
                                  cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            get(base + "/static/img/favicon.svg", timeout=1)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("gunicorn did not start: " + log.read_text()[-2000:])
            time.sleep(0.2)
    yield base, port, tmp_path / "site.db"
    server.terminate()
    server.wait(timeout=15)


def drip_headers(port: int, stop: threading.Event) -> None:
    """A slow client: one header line every half second, never the blank line that ends the request."""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        line = 0
        while not stop.wait(0.5):
            line += 1
            try:
                connection.sendall(f"X-Slow-{line}: 1\r\n".encode())
            except OSError:
                return


def test_slow_clients_sending_headers_line_by_line_do_not_stall_other_visitors(gunicorn_server):
    base, port, _ = gunicorn_server
    stop = threading.Event()
    slow = [threading.Thread(target=drip_headers, args=(port, stop)) for _ in range(SLOW_CLIENTS)]
    try:
        for client in slow:
            client.start()
        time.sleep(1)  # the workers have picked them up
        started = time.monotonic()
        statuses = [get(base + "/static/img/favicon.svg", timeout=ANSWER_WITHIN_SECONDS) for _ in range(10)]
        assert statuses == [200] * 10
        assert time.monotonic() - started < ANSWER_WITHIN_SECONDS
    finally:
        stop.set()
        for client in slow:
            client.join(timeout=5)


def post_login(base: str, results: list) -> None:
    request = urllib.request.Request(base + "/api/v1/auth/tokens", method="POST",
                                     data=b'{"login": "13800000001", "password": "wrong-password"}',
                                     headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        results.append(error.code)


def test_visitors_are_served_while_writers_wait_for_the_database_lock(gunicorn_server):
    base, _, database = gunicorn_server
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds SQLite's write lock for a while
    results: list[int] = []
    writers = [threading.Thread(target=post_login, args=(base, results)) for _ in range(4)]
    try:
        for writer in writers:
            writer.start()
        time.sleep(1)  # every worker has a writer queued for the lock
        started = time.monotonic()
        assert [get(base + "/static/img/favicon.svg", timeout=ANSWER_WITHIN_SECONDS) for _ in range(5)] == [200] * 5
        assert time.monotonic() - started < ANSWER_WITHIN_SECONDS
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        for writer in writers:
            writer.join(timeout=30)
    assert len(results) == 4 and set(results) <= {401, 429}  # each writer got its answer once the lock was free


def test_a_worker_leaves_what_it_loaded_at_start_out_of_garbage_collection():
    settings = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 10_000  # the modules and objects this process has loaded so far
        assert len(gc.get_objects()) < gc.get_freeze_count() / 10
    finally:
        gc.unfreeze()
