"""Anonymous pages kept in memory (core/pagecache.py) never hide a committed change, from this worker or another
process, and expire after PAGE_CACHE_SECONDS; visitors keep their own CSRF token and signed-in people their pages."""
from __future__ import annotations

import json
import multiprocessing
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event

from marketplace import create_app
from marketplace.core import clock, pagecache
from marketplace.extensions import db
from tests.conftest import PASSWORD, Factory
from tests.core.page_workers import retitle

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def cached(app, committed_db, tmp_path):
    """A worker's app with the page cache on, on the tests' (committed) database."""
    config = {"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test-secret",
              "SEARCH_INDEX_DIR": str(tmp_path / "index"), "PAGE_CACHE_SECONDS": 10, "WTF_CSRF_ENABLED": False,
              "PAGE_VERSION_FILE": str(tmp_path / "page-version")}
    worker = create_app(config)
    worker.config["PAGE_CONFIG"] = config
    with worker.app_context():
        worker.extensions["search_index"].create()
    yield worker
    with worker.app_context():
        db.engine.dispose()


def writes(worker):
    """A Factory committing through ``worker`` (as that worker's own requests would)."""
    context = worker.app_context()
    context.push()
    return Factory(db.session), context


def shown(response) -> str:
    """What a page or an API answer says, in readable text."""
    if response.is_json:
        return json.dumps(response.json, ensure_ascii=False)
    return response.get_data(as_text=True)


def statements_of(worker, fn):
    with worker.app_context():
        engine = db.engine
    ran = []
    listener = lambda *_args: ran.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = fn()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return response, len(ran)


def test_an_anonymous_page_is_served_from_memory_until_a_change_commits(cached):
    factory, context = writes(cached)
    listing = factory.listing(title="阳光活动室")
    listing_id = listing.id
    context.pop()
    visitor = cached.test_client()
    first, first_statements = statements_of(cached, lambda: visitor.get("/listings"))
    again, again_statements = statements_of(cached, lambda: cached.test_client().get("/listings"))
    assert "阳光活动室" in first.get_data(as_text=True) and "阳光活动室" in again.get_data(as_text=True)
    assert first_statements > 0 and again_statements == 0

    factory, context = writes(cached)
    factory.listing(organisation=factory.session.get(type(listing), listing_id).organisation, title="星光书画室")
    context.pop()
    after, after_statements = statements_of(cached, lambda: cached.test_client().get("/listings"))
    assert "星光书画室" in after.get_data(as_text=True) and after_statements > 0


def test_a_change_committed_by_another_process_shows_on_the_next_page(cached):
    factory, context = writes(cached)
    listing = factory.listing(title="阳光活动室")
    listing_id, actor_id = listing.id, next(m.user_id for m in listing.organisation.memberships)
    context.pop()
    for path in (f"/listings/{listing_id}", "/api/v1/listings", "/search?q=阳光活动室"):
        assert "阳光活动室" in shown(cached.test_client().get(path))

    spawn = multiprocessing.get_context("spawn")
    worker = spawn.Process(target=retitle, args=(cached.config["PAGE_CONFIG"], listing_id, actor_id, "月光活动室"))
    worker.start()
    worker.join(timeout=120)
    assert worker.exitcode == 0

    assert "月光活动室" in cached.test_client().get(f"/listings/{listing_id}").get_data(as_text=True)
    assert "月光活动室" in shown(cached.test_client().get("/api/v1/listings"))
    # The other process updated the index too before the version moved.
    assert "月光活动室" in cached.test_client().get("/search?q=月光活动室").get_data(as_text=True)


def test_kept_pages_expire_after_page_cache_seconds(cached):
    clock.travel_to(clock.now())
    visitor = cached.test_client()
    visitor.get("/help")
    _, within = statements_of(cached, lambda: cached.test_client().get("/help"))
    clock.advance(timedelta(seconds=11))
    _, after = statements_of(cached, lambda: cached.test_client().get("/help"))
    assert within == 0 and after > 0


def test_writes_no_anonymous_page_shows_leave_the_version_alone(cached):
    factory, context = writes(cached)
    user = factory.user()
    login = user.login_name
    context.pop()
    version = pagecache.DataVersion(cached.config["PAGE_VERSION_FILE"])
    before = version.current()
    signing_in = cached.test_client()
    assert signing_in.post("/login", data={"login": login, "password": "wrong-password"}).status_code == 422
    assert signing_in.post("/login", data={"login": login, "password": PASSWORD}).status_code == 302
    assert version.current() == before


def test_each_visitor_of_a_kept_page_gets_a_csrf_token_of_their_own_that_works(cached):
    cached.config["WTF_CSRF_ENABLED"] = True
    tokens = []
    for _ in range(2):
        visitor = cached.test_client()
        page = visitor.get("/").get_data(as_text=True)
        token = TOKEN.search(page).group(1)
        tokens.append(token)
        switched = visitor.post("/language/en", data={"csrf_token": token, "next": "/"})
        assert switched.status_code == 302
        assert '<html lang="en">' in visitor.get("/").get_data(as_text=True)
    assert tokens[0] != tokens[1]


def test_signed_in_visitors_get_their_own_page_not_the_kept_one(cached):
    factory, context = writes(cached)
    user = factory.user(name="王阿姨")
    login = user.login_name
    context.pop()
    cached.test_client().get("/")
    resident = cached.test_client()
    assert resident.post("/login", data={"login": login, "password": PASSWORD}).status_code == 302
    assert "王阿姨" in resident.get("/").get_data(as_text=True)
    assert "王阿姨" not in cached.test_client().get("/").get_data(as_text=True)


def test_kept_pages_stay_within_their_bytes_dropping_the_least_recently_served():
    store = pagecache.PageStore(max_bytes=10)
    for key in ("a", "b"):
        store.put(key, pagecache._Page(b"12345", "text/html", False, expires=100.0), now=1.0)
    assert store.get("a", now=1.0) is not None  # served: "b" is now the least recent
    store.put("c", pagecache._Page(b"12345", "text/html", False, expires=100.0), now=1.0)
    assert [key for key in "abc" if store.get(key, now=1.0)] == ["a", "c"]


def test_kept_pages_past_their_time_give_back_their_bytes_when_another_page_is_kept():
    store = pagecache.PageStore(max_bytes=100)
    store.put("a", pagecache._Page(b"12345", "text/html", False, expires=10.0), now=1.0)
    store.put("b", pagecache._Page(b"123", "text/html", False, expires=30.0), now=20.0)
    assert store._bytes == 3 and store.get("a", now=5.0) is None


class HeldRendering:
    """Holds the first thread that runs SQL on ``worker``'s engine until released; counts each thread's statements."""

    def __init__(self, worker):
        with worker.app_context():
            self.engine = db.engine
        self.started, self.release = threading.Event(), threading.Event()
        self.statements: dict[int, int] = {}
        self._first = None
        self._lock = threading.Lock()

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *_exc):
        self.release.set()
        event.remove(self.engine, "before_cursor_execute", self._statement)

    def _statement(self, *_args):
        thread = threading.get_ident()
        with self._lock:
            self.statements[thread] = self.statements.get(thread, 0) + 1
            self._first = self._first or thread
        if thread == self._first:
            self.started.set()
            self.release.wait(30)


def fetch_in_thread(worker, path: str):
    got = {}

    def fetch():
        got["thread"] = threading.get_ident()
        got["response"] = worker.test_client().get(path)

    thread = threading.Thread(target=fetch)
    thread.start()
    return thread, got


def a_listing(worker) -> None:
    factory, context = writes(worker)
    factory.listing(title="阳光活动室")
    context.pop()


def second_visitor_during_a_held_rendering(worker, held: HeldRendering):
    """A first visitor's rendering of the browse page held, and a second visitor asking for it."""
    first, first_got = fetch_in_thread(worker, "/listings")
    assert held.started.wait(30)
    second, second_got = fetch_in_thread(worker, "/listings")
    return (first, first_got), (second, second_got)


def test_visitors_asking_for_a_page_being_rendered_wait_for_it_instead_of_rendering_it_again(cached):
    a_listing(cached)
    with HeldRendering(cached) as held:
        (first, first_got), (second, second_got) = second_visitor_during_a_held_rendering(cached, held)
        second.join(0.5)
        assert second.is_alive() and held.statements.get(second_got["thread"], 0) == 0
        held.release.set()
        first.join(30)
        second.join(30)
    assert "阳光活动室" in first_got["response"].get_data(as_text=True)
    assert "阳光活动室" in second_got["response"].get_data(as_text=True)
    assert held.statements.get(second_got["thread"], 0) == 0


def test_a_visitor_renders_the_page_itself_when_the_rendering_it_waits_for_takes_too_long(cached, monkeypatch):
    monkeypatch.setattr(pagecache, "RENDER_WAIT_SECONDS", 0.2)
    a_listing(cached)
    with HeldRendering(cached) as held:
        (first, _), (second, second_got) = second_visitor_during_a_held_rendering(cached, held)
        second.join(30)
        assert not second.is_alive() and first.is_alive()
        assert "阳光活动室" in second_got["response"].get_data(as_text=True)
        held.release.set()
        first.join(30)
    # Whichever finished last kept the page: the next visitor is served from memory.
    _, again = statements_of(cached, lambda: cached.test_client().get("/listings"))
    assert again == 0
