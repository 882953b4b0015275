"""Anonymous pages from memory: what every anonymous visitor of a URL sees alike is rendered once per data version.

A view marked :func:`anonymous_page` is kept, per worker, keyed by its URL, the visitor's language and the
*data version*. The version is the size of an append-only file (``PAGE_VERSION_FILE``, in the instance
folder) to which every process that commits a change a page can show (web workers, the scheduler, CLI
commands) appends one byte right after the commit, before its request or job answers: appends are atomic
across processes and the size only grows, so a version once passed never comes back. A worker reads the
version (one ``stat``) before it renders, so a page kept under a version shows every change committed before
that version was reached; a visitor who saw a write acknowledged sees it on the next page. The search index
takes part through the same commit: after-commit subscribers (the index update among them) run before the
version moves. (Place names come from each process's own copy, ``places.directory``, up to a minute behind
another process's change, kept page or not.) Pages also expire ``PAGE_CACHE_SECONDS`` after rendering, the bound on what time alone changes
(a slot that has started, "today"). Writes that no anonymous page shows (``PRIVATE_TABLES``: sign-ins, tokens,
the inbox, the scheduler's lease, the outbox's bookkeeping) leave the version alone.

A page is rendered by one request at a time: visitors asking for a page that another of the worker's threads
is rendering wait for that page (up to ``RENDER_WAIT_SECONDS``) instead of rendering it again. Without this,
when a busy page expired every thread of the worker rendered it at once, each holding its own copy of the
rows, the template's output and the search's postings.

Only plain anonymous requests are served or kept: GET, no Authorization header, a session holding nothing but
a CSRF token and a chosen language. The CSRF token in a kept page is a placeholder, filled with the visitor's
own on the way out. One machine: several web nodes would need the version in a place they share.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g, has_app_context, request, session
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE_NAME
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from marketplace.core import clock

EXTENSION = "page_cache"
MARK = "anonymous_page"
# Flask-Login marks any non-empty session "_fresh": False; it means nothing without a signed-in user.
PLAIN_SESSION_KEYS = frozenset({"csrf_token", "locale", "_fresh"})
# A NUL never reaches a page (requests carrying one are refused, PostgreSQL stores none).
TOKEN_PLACEHOLDER = b"\x00csrf\x00"
PRIVATE_TABLES = frozenset({
    "api_tokens", "calendar_feed_tokens", "digest_runs", "event_deliveries", "login_attempts",
    "notification_preferences", "notifications", "password_reset_codes", "scheduler_leases", "user_sessions",
    "booking_reminders",
})
_CHANGED = "page_data_changed"
# How long a visitor waits for another request's rendering of the same page before rendering it too (a render
# that takes this long is stuck on something a second render would not get past faster).
RENDER_WAIT_SECONDS = 5.0


def anonymous_page(view: Callable) -> Callable:
    """Mark a GET view (or a MethodView's ``get``) whose page is the same for every plain anonymous visitor."""
    setattr(view, MARK, True)
    return view


class DataVersion:
    """The append-only file whose size is the version of everything anonymous pages show."""

    def __init__(self, path: str):
        self.path = path

    def current(self) -> tuple[int, int] | None:
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return None
        # The inode too: a file deleted and made anew starts again from size 0.
        return status.st_ino, status.st_size

    def bump(self) -> None:
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, b".")
        finally:
            os.close(descriptor)


@dataclass(frozen=True)
class _Page:
    body: bytes
    mimetype: str
    has_token: bool
    expires: float


class PageStore:
    """Kept pages, least recently used dropped first once they pass ``max_bytes``, and those past their time
    dropped whenever a page is kept (else a burst of one-off pages, searches mostly, would hold their bytes
    long after anyone could be served them); safe across threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._pages: OrderedDict[tuple, _Page] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple, now: float) -> _Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.expires <= now:
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: _Page, now: float) -> None:
        if len(page.body) > self.max_bytes:
            return
        with self._lock:
            for expired in [kept for kept, old in self._pages.items() if old.expires <= now or kept == key]:
                self._drop(expired)
            self._pages[key] = page
            self._bytes += len(page.body)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._pages)))

    def _drop(self, key: tuple) -> None:
        self._bytes -= len(self._pages.pop(key).body)


class Renderings:
    """The pages being rendered right now, each by one request, which the others asking for it wait for."""

    def __init__(self):
        self._done: dict[tuple, threading.Event] = {}
        self._lock = threading.Lock()

    def begin(self, key: tuple) -> threading.Event | None:
        """None when the caller is to render the page (and call ``end``), else what marks its rendering done."""
        with self._lock:
            done = self._done.get(key)
            if done is None:
                self._done[key] = threading.Event()
            return done

    def end(self, key: tuple) -> None:
        with self._lock:
            done = self._done.pop(key)
        done.set()


class _PageCache:
    def __init__(self, app: Flask):
        self.version = DataVersion(app.config["PAGE_VERSION_FILE"])
        self.seconds = app.config["PAGE_CACHE_SECONDS"]
        self.store = PageStore(app.config["PAGE_CACHE_MAX_BYTES"])
        self.renderings = Renderings()
        self.marked: dict[str, bool] = {}
        self.remember_cookie = app.config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE_NAME)


def install(app: Flask, sessions) -> None:
    """Serve and keep marked anonymous pages, and move the data version after ``sessions``' commits that
    change what pages show. Nothing when ``PAGE_CACHE_SECONDS`` is 0 (the tests' default)."""
    if app.config["PAGE_CACHE_SECONDS"] <= 0:
        return
    app.config.setdefault("PAGE_VERSION_FILE", os.path.join(app.instance_path, "page-version"))
    cache = app.extensions[EXTENSION] = _PageCache(app)
    if not event.contains(sessions, "after_commit", _after_commit):
        event.listen(sessions, "after_flush", _after_flush)
        event.listen(sessions, "do_orm_execute", _after_execute)
        event.listen(sessions, "after_commit", _after_commit)
        event.listen(sessions, "after_rollback", _after_rollback)
    # First, before the other hooks: a page served from memory needs none of them.
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: _serve(cache))
    app.after_request(lambda response: _keep(cache, response))
    app.teardown_request(lambda _error: _end_rendering(cache))


def _is_marked(cache: _PageCache, endpoint: str | None) -> bool:
    if endpoint not in cache.marked:
        view = current_app.view_functions.get(endpoint)
        view = getattr(getattr(view, "view_class", None), "get", view)
        cache.marked[endpoint] = bool(getattr(view, MARK, False))
    return cache.marked[endpoint]


def _is_plain_anonymous(cache: _PageCache) -> bool:
    return (request.authorization is None and cache.remember_cookie not in request.cookies
            and set(session) <= PLAIN_SESSION_KEYS)


def _serve(cache: _PageCache):
    if request.method != "GET" or not _is_marked(cache, request.endpoint) or not _is_plain_anonymous(cache):
        return None
    key = (request.full_path, session.get("locale"), cache.version.current())
    page = cache.store.get(key, clock.now().timestamp())
    if page is None:
        rendering = cache.renderings.begin(key)
        if rendering is None:
            g.page_cache_rendering = key
        elif rendering.wait(RENDER_WAIT_SECONDS):
            page = cache.store.get(key, clock.now().timestamp())
    if page is None:  # this request renders it (or the one it waited for kept nothing: an error, a notice)
        g.page_cache_key = key
        return None
    body = page.body.replace(TOKEN_PLACEHOLDER, generate_csrf().encode()) if page.has_token else page.body
    return current_app.response_class(body, mimetype=page.mimetype)


def _keep(cache: _PageCache, response):
    key = g.pop("page_cache_key", None)
    if (key is None or response.status_code != 200 or response.is_streamed or "Set-Cookie" in response.headers
            or not set(session) <= PLAIN_SESSION_KEYS or session.get("locale") != key[1]):
        return response  # not a kept page, or rendering it changed the visitor's session (a notice, a choice)
    body = response.get_data()
    token = g.get("csrf_token", "").encode()
    has_token = bool(token) and token in body
    if has_token:
        body = body.replace(token, TOKEN_PLACEHOLDER)
    now = clock.now().timestamp()
    cache.store.put(key, _Page(body, response.mimetype, has_token, now + cache.seconds), now)
    return response


def _end_rendering(cache: _PageCache) -> None:
    key = g.pop("page_cache_rendering", None)
    if key is not None:
        cache.renderings.end(key)


def _after_flush(session: Session, _context) -> None:
    if not session.info.get(_CHANGED) and any(
            getattr(row, "__tablename__", None) not in PRIVATE_TABLES
            for row in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


def _after_execute(state) -> None:
    if state.is_select or state.session.info.get(_CHANGED):
        return
    statement = state.statement
    if isinstance(statement, TextClause):
        changes = not statement.text.lstrip()[:6].upper() == "SELECT"
    else:
        table = getattr(statement, "table", None)
        changes = (state.is_insert or state.is_update or state.is_delete) and getattr(table, "name", None) \
            not in PRIVATE_TABLES
    if changes:
        state.session.info[_CHANGED] = True


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.pop(_CHANGED, False):
        return
    cache = current_app.extensions.get(EXTENSION) if has_app_context() else None
    if cache is not None:
        cache.version.bump()


def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)
