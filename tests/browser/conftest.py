"""Browser tests: Playwright driving Debian's Chromium against the app served on a live local server.

How to write one (see test_smoke.py)::

    pytestmark = pytest.mark.browser

    def test_staff_publishes_a_listing(page, live_factory, browser_login):
        admin = live_factory.user()                  # built through the real services, committed
        live_factory.organisation(admin=admin)
        browser_login(page, admin)
        page.goto("/listings/manage")                # relative URLs go to the live server
        ...

Fixtures:

- ``live_server``: the session ``app`` served by werkzeug in a background thread on a free port, with
  real CSRF checks on for the test (the flag is restored afterwards). ``live_server.url("/path")``
  gives an absolute URL. An error the server logs (an unhandled exception behind a 500 page) fails
  the test. It stands on ``committed_db``: data must be committed before the browser can see it,
  and every table is emptied after the test.
- ``live_db``: the session to build data in (it is ``committed_db``); commit before browsing.
- ``live_factory``: the ``Factory`` of tests/conftest.py on ``live_db`` (``user()``,
  ``place_tree()``, ``organisation()``, ``listing()``); each call commits.
- ``page``: a fresh browser context per test, phone-sized (375×812, touch), zh-CN, Asia/Shanghai,
  ``base_url`` = the live server, 10 s timeouts. Console messages that report a Content Security
  Policy violation or an uncaught script error fail the test. A failing test leaves a full-page
  screenshot in ``test-artifacts/<test>.png``.
- ``browser_login(page, user, password=PASSWORD)``: signs in through the login form.
- ``screenshot(page, name)``: saves ``test-artifacts/<name>.png`` and returns its path.
- ``new_phone_page()``: another, independent phone page (a second person at the same time).
- ``browser``: the session's Chromium.

Never use ``session``, ``factory``, ``client`` or ``login`` in a browser test: their transaction is
invisible to the server thread. The server runs in this process, so ``clock.travel_to`` moves its
time too. Select these tests with ``-m browser`` or leave them out with ``-m "not browser"``.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from marketplace.config import PROJECT_ROOT
from tests.conftest import PASSWORD, Factory
from tests.live import serving

CHROMIUM = "/usr/bin/chromium"
# Without the networking switches Chromium keeps calling out to Google, which this machine refuses.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
TIMEOUT_MS = 10_000
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class ServerErrorLog(logging.Handler):
    """Collects what the app logs at ERROR or above while a browser test runs."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(self.format(record))


@dataclass
class LiveServer:
    base_url: str
    errors: ServerErrorLog = field(default_factory=ServerErrorLog)

    def url(self, path: str = "/") -> str:
        return self.base_url + path


@pytest.fixture(scope="session")
def _served_app(app) -> Iterator[str]:
    """Serve the session app on a free port for the whole run; yield its base URL."""
    with serving(app) as base_url:
        yield base_url


@pytest.fixture
def live_db(committed_db):
    return committed_db


@pytest.fixture
def live_factory(live_db) -> Factory:
    return Factory(live_db)


@pytest.fixture
def live_server(app, live_db, _served_app) -> Iterator[LiveServer]:
    server = LiveServer(_served_app)
    csrf_was = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    app.logger.addHandler(server.errors)
    try:
        yield server
    finally:
        app.logger.removeHandler(server.errors)
        app.config["WTF_CSRF_ENABLED"] = csrf_was
    assert not server.errors.messages, "the live server logged errors:\n" + "\n".join(server.errors.messages)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    playwright.stop()


def artifact_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_")[:150]


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under test-artifacts/ and return its path."""

    def take(page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{artifact_name(name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@dataclass
class PageProblems:
    """Script errors and CSP violations seen by the pages of one test."""

    messages: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.messages.append(f"uncaught script error: {error}"))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.messages.append(f"CSP violation: {message.text}")


@pytest.fixture
def _page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def new_phone_page(browser, live_server, _page_problems):
    """Open further independent phone-sized pages (own cookies), closed after the test."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(base_url=live_server.base_url, **PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        _page_problems.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not _page_problems.messages, "the pages reported problems:\n" + "\n".join(_page_problems.messages)


@pytest.fixture
def page(request, new_phone_page, screenshot) -> Iterator[Page]:
    page = new_phone_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        screenshot(page, request.node.nodeid)


@pytest.fixture
def browser_login():
    """Sign a user in through the real login form of the live server."""

    def log_in(page: Page, user, password: str = PASSWORD) -> Page:
        page.goto("/login")
        page.get_by_label("手机号码或邮箱").fill(user.login_name)
        page.get_by_label("密码").fill(password)
        page.locator("main form button[type=submit]").click()
        expect(page.locator("header .me")).to_contain_text(user.display_name)
        # The header exists once the page's HTML is parsed, before its stylesheet may have arrived (a loaded
        # machine): a test measuring the layout right after signing in must see it styled.
        page.wait_for_load_state("load")
        return page

    return log_in
