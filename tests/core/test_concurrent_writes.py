"""Every state-changing route of both faces, driven by concurrent clients against a live server (issue 7).

On SQLite a write that starts as a deferred transaction cannot become the writer once another
connection has committed: it answered 500 "database is locked". This proves the whole surface: each
write route of the URL map (so a new route is covered or the coverage test names it) gets a
realistic scenario from tests/core/write_scenarios.py, run by ``CLIENTS`` clients at once, each with
its own cookie jar or Bearer token, against the session app served by werkzeug on the committed
database. No answer may be a 5xx (a 503 is counted apart: the lock could not be had in time) and
every acknowledged write must be in the database afterwards.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from collections import Counter

import pytest
import requests

from tests.core.write_scenarios import CLIENTS, MIXED, SCENARIOS, Outcome, Plan, World
from tests.live import serving

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_SHOWN = 300


def write_routes(app) -> dict[tuple[str, str], str]:
    """(method, endpoint) → rule of every state-changing route in the URL map."""
    return {(method, rule.endpoint): rule.rule for rule in app.url_map.iter_rules()
            for method in sorted((rule.methods or set()) & WRITE_METHODS)}


class ServerErrorLog(logging.Handler):
    """The exceptions behind the server's 500s (app and werkzeug loggers), one line each."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        detail = record.exc_info[1] if record.exc_info else None
        self.messages.append(f"{type(detail).__name__}: {detail}".splitlines()[0] if detail else record.getMessage())


@pytest.fixture(scope="module")
def base_url(app):
    with serving(app) as url:
        yield url


@pytest.fixture
def world(app, committed_db, base_url):
    world = World(committed_db, base_url, app)
    yield world
    for client in world.clients:
        client.close()
    world.exits.close()


@pytest.fixture
def server_errors(app):
    log = ServerErrorLog()
    loggers = [app.logger, logging.getLogger("werkzeug")]
    for logger in loggers:
        logger.addHandler(log)
    yield log
    for logger in loggers:
        logger.removeHandler(log)


def drive(world: World, plans: list[Plan]) -> list[list[Outcome]]:
    """Send every plan's calls, each client in its own thread, all clients starting together."""
    world.session.rollback()  # no read transaction of the test's own stays open beside the server's writers
    results: list[list[Outcome]] = [[] for _ in plans]
    jobs = [(n, calls) for n, plan in enumerate(plans) for calls in plan.calls]
    start = threading.Barrier(len(jobs))

    def client(n: int, calls) -> None:
        start.wait()
        for call in calls:
            try:
                response = call.send(world.base_url)
            except requests.RequestException as error:
                results[n].append(Outcome(call, 0, repr(error)))
                continue
            outcome = Outcome(call, response.status_code, response.text, response.headers.get("Location", ""),
                              response.headers.get("Retry-After"))
            outcome.acked = plans[n].acked(outcome)
            results[n].append(outcome)

    threads = [threading.Thread(target=client, args=job, name=f"client-{k}") for k, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    world.session.rollback()  # the check reads what the server committed
    return results


def readable(body: str) -> str:
    """An answer's message: the JSON ``message``, or the text of the page's main element."""
    try:
        return str(json.loads(body).get("message", body))[:BODY_SHOWN]
    except (ValueError, AttributeError):
        main = body[body.find("<main"):] if "<main" in body else body
        return " ".join(re.sub(r"<[^>]*>", " ", main).split())[:BODY_SHOWN]


def problems_of(route: tuple[str, str], plan: Plan, outcomes: list[Outcome]) -> list[str]:
    """What went wrong: 5xx answers (503 apart), answers neither acknowledged nor an expected refusal, lost writes."""
    statuses = Counter(o.status for o in outcomes)
    failed = [o for o in outcomes if o.status >= 500 or o.status == 0]
    unexpected = [o for o in outcomes if not o.acked and o.status not in plan.refused and o not in failed]
    problems = []
    if failed or unexpected:
        problems.append(f"{route[0]} {route[1]}: {len(outcomes)} requests, "
                        f"{sum(n for s, n in statuses.items() if s >= 500 and s != 503)} × 5xx besides 503, "
                        f"{statuses[503]} × 503, {statuses[0]} × no answer, {len(unexpected)} × unexpected "
                        f"(statuses {dict(sorted(statuses.items()))})")
    for outcome in failed + unexpected:
        kind = "503 (lock not had in time)" if outcome.status == 503 else str(outcome.status)
        retry = f" Retry-After={outcome.retry_after}" if outcome.retry_after else ""
        problems.append(f"  {outcome.call.method} {outcome.call.path} → {kind}{retry}: {readable(outcome.body)}")
    try:
        plan.check(outcomes)
    except AssertionError as error:
        problems.append(f"{route[0]} {route[1]}: acknowledged writes missing: {error}")
    return problems


def assert_served(routes, plans, results, server_errors: ServerErrorLog) -> None:
    problems = [line for route, plan, outcomes in zip(routes, plans, results, strict=True)
                for line in problems_of(route, plan, outcomes)]
    if server_errors.messages:
        problems.append("the server logged: " + "; ".join(
            f"{n} × {message}" for message, n in Counter(server_errors.messages).most_common()))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def assert_calls_hit(app, route: tuple[str, str], plan: Plan) -> None:
    """A scenario must drive the route it stands for (a mistyped path would prove nothing)."""
    adapter = app.url_map.bind("localhost")
    for calls in plan.calls:
        for call in calls:
            endpoint, _args = adapter.match(call.path.split("?", 1)[0], method=call.method)  # the query apart
            assert (call.method, endpoint) == route, f"{call.method} {call.path} is {endpoint}, not {route[1]}"


def test_every_write_route_has_a_concurrency_scenario(app):
    routes = write_routes(app)
    missing = sorted(set(routes) - set(SCENARIOS))
    stale = sorted(set(SCENARIOS) - set(routes))
    assert not missing, "write routes without a scenario in tests/core/write_scenarios.py:\n" + "\n".join(
        f"  {method} {routes[method, endpoint]} ({endpoint})" for method, endpoint in missing)
    assert not stale, f"scenarios of routes that no longer exist: {stale}"


@pytest.mark.parametrize("route", sorted(SCENARIOS), ids=" ".join)
def test_concurrent_clients_get_no_server_error_and_keep_every_acknowledged_write(route, app, world, server_errors):
    plan = SCENARIOS[route](world)
    assert len(plan.calls) == CLIENTS
    assert_calls_hit(app, route, plan)
    assert_served([route], [plan], drive(world, [plan]), server_errors)


def test_mixed_writes_from_concurrent_clients_get_no_server_error_and_all_stay(app, world, server_errors):
    plans = [SCENARIOS[route](world) for route in MIXED]
    assert_served(MIXED, plans, drive(world, plans), server_errors)
