"""Shared fixtures: one app per session on the real migrated schema, each test rolled back.

The database is SQLite by default; ``TEST_DATABASE_URL`` points the whole suite at PostgreSQL
(``make test`` runs it both ways). Tests that need real commits seen by other threads or processes
(races, the live browser server) use ``committed_db``, which empties the tables afterwards.
"""
from __future__ import annotations

import functools
import os
import tempfile
from datetime import datetime, time, timedelta

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from marketplace import create_app
from marketplace.accounts import services as accounts
from marketplace.bookings import services as bookings
from marketplace.config import PROJECT_ROOT
from marketplace.core import clock, events, transactions, zones
from marketplace.extensions import db
from marketplace.places import directory
from marketplace.listings import services as listings
from marketplace.organisations import services as organisations
from marketplace.places import services as places
from marketplace.places.models import PlaceKind
from marketplace.search.index import SearchIndex
from marketplace.search.sync import EXTENSION as SEARCH_INDEX

PASSWORD = "correct-horse-9"

# `make test` (and so CI) runs `--hypothesis-profile=derandomised`: the same examples every run, so
# a green run means the same coverage each time; a plain `pytest` keeps drawing new ones.
settings.register_profile("derandomised", derandomize=True)


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Compile each .po whose .mo is missing or older (as `make setup` does), so a plain `pytest` renders English.

    Before any request: Flask-Babel caches a locale's catalogue for the app's lifetime.
    """
    for po in (PROJECT_ROOT / "translations").glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parent.parent.name)
            partial = mo.with_name(f"{mo.name}.{os.getpid()}")
            with partial.open("wb") as target:
                write_mo(target, catalog)
            os.replace(partial, mo)  # whole or nothing, for a test run reading it in parallel


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return os.environ.get("TEST_DATABASE_URL") or "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    instance = tmp_path_factory.mktemp("instance")
    os.environ["MARKETPLACE_INSTANCE"] = str(instance)
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "PAGE_CACHE_SECONDS": 0,  # each test renders its pages anew (tests/core/test_page_cache.py keeps them)
        "DASHBOARD_CACHE_ENTRIES": 0,  # each test sums its snapshots anew (tests/transparency keeps them)
        "SEARCH_INDEX_DIR": str(tmp_path_factory.mktemp("search_index")),
        "UPLOAD_DIR": str(instance / "uploads"),
    })
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()  # close the pooled connections (threads of live-server tests opened several)


@pytest.fixture(autouse=True)
def _fresh_clock(app):
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def _fresh_place_names():
    """Each test reads the place names anew: a process's copy may hold places a rolled-back test created."""
    directory.forget()
    yield
    directory.forget()


@pytest.fixture(autouse=True)
def _fresh_search_index(app, tmp_path):
    """Each test its own search index (made on first use): entries of rolled-back listings must not linger."""
    previous = app.extensions[SEARCH_INDEX]
    app.extensions[SEARCH_INDEX] = SearchIndex(str(tmp_path / "search-index"),
                                               app.config["SEARCH_RANKING_REPUTATION_WEIGHT"])
    yield
    app.extensions[SEARCH_INDEX] = previous


class DispatchingSession(Session):
    """The tests' sessions, which run after-commit subscribers as the app's session does.

    Listened to once, here: a listener per test's sessionmaker could be skipped when a new sessionmaker
    class reuses the id of a collected one that had it.
    """


events.dispatch_after_commit(DispatchingSession)


@pytest.fixture
def shared_index(app, tmp_path):
    """An index on disk that worker processes open too, installed as the app's for the test; yields it and
    the config a worker process builds its own app from (same database, same index)."""
    directory = str(tmp_path / "shared-index")
    previous = app.extensions[SEARCH_INDEX]
    index = SearchIndex(directory, app.config["SEARCH_RANKING_REPUTATION_WEIGHT"])
    index.create()
    app.extensions[SEARCH_INDEX] = index
    yield index, {"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "test-secret",
                  "PAGE_CACHE_SECONDS": 0,
                  "SEARCH_INDEX_DIR": directory}
    app.extensions[SEARCH_INDEX] = previous


@pytest.fixture
def session(app):
    """A session whose commits are savepoints inside one transaction that is rolled back afterwards."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain Session: Flask-SQLAlchemy's own one would pick the engine over this connection.
        db.session = scoped_session(sessionmaker(bind=connection, class_=DispatchingSession,
                                                 join_transaction_mode="create_savepoint"))
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def committed_db(app):
    """Real commits (for threads, processes and the live server); every table is emptied afterwards.

    The test's own thread reads as a reader (``read_only``), so that a transaction it leaves open
    between steps cannot hold SQLite's write lock while the server or other workers write; the
    Factory writes as a writer.
    """
    with app.app_context(), transactions.read_only():
        yield db.session
        db.session.remove()
        empty_all_tables()


def empty_all_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            # Append-only tables (the points ledger) refuse DELETE by trigger: lift it while emptying.
            guards = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                             "AND name LIKE '%append_only'")).all()
            for name, _sql in guards:
                connection.execute(text(f"DROP TRIGGER {name}"))
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            for _name, sql in guards:
                connection.execute(text(sql))


class FreshUserClient(FlaskClient):
    """Tests hold an app context that requests reuse, so Flask-Login's per-context user cache
    (``g._login_user``), Flask-Babel's locale (``g._flask_babel``), Flask-WTF's CSRF token
    (``g.csrf_token``, stale once signing in renews the session), the saved listings read once per
    request (``g.saved_listing_ids``) and the scheduler banner's check (``g.scheduler_stalled``) would
    leak from one request to the next; forget them before each request."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)
        g.pop("csrf_token", None)
        g.pop("saved_listing_ids", None)
        g.pop("scheduler_stalled", None)
        return super().open(*args, **kwargs)


def writing_units(cls):
    """Class decorator: each public method of a factory runs as one writer's unit of work."""
    for name, method in list(vars(cls).items()):
        if callable(method) and not name.startswith("_"):
            setattr(cls, name, _writing_unit(method))
    return cls


def _writing_unit(method):
    @functools.wraps(method)
    def run(self, *args, **kwargs):
        self.session.commit()  # end the reader's transaction the test may have left open
        with transactions.read_only(False):
            return method(self, *args, **kwargs)
    return run


@pytest.fixture
def client(app, session):
    return FreshUserClient(app, app.response_class, use_cookies=True)


@writing_units
class Factory:
    """Builds realistic objects through the real services, so tests exercise the same rules.

    Each method commits (a savepoint release inside the test's transaction), so that a request
    that rolls back its own unit of work cannot take the test's objects with it; on committed
    databases each is a writer's unit of work of its own (see ``committed_db``).
    """

    def __init__(self, session):
        self.session = session
        self._counter = 0

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def user(self, *, name=None, phone=None, email=None, volunteer=False, party_member=False,
             platform_admin=False, password=PASSWORD):
        n = self._next()
        if phone is None and email is None:
            phone = f"139{os.getpid() % 10000:04d}{n:04d}"
        user = accounts.register_user(self.session, accounts.Registration(
            phone=phone, email=email, password=password, display_name=name or f"居民{n}"))
        user.is_volunteer = volunteer
        user.is_party_member = party_member
        user.is_platform_admin = platform_admin
        self.session.commit()
        return user

    def place_tree(self):
        """东大街街道 → 两个社区 → 网格 → 楼栋; returns a dict of the nodes."""
        street = places.create_place(self.session, kind=PlaceKind.street, name=f"东大街街道{self._next()}", parent_id=None)
        nodes = {"street": street}
        for key, name in (("c1", "幸福里社区"), ("c2", "建设路社区")):
            community = places.create_place(self.session, kind=PlaceKind.community, name=name, parent_id=street.id)
            grid = places.create_place(self.session, kind=PlaceKind.grid, name=f"{name}第一网格", parent_id=community.id)
            building = places.create_place(self.session, kind=PlaceKind.building, name="3号楼", parent_id=grid.id)
            nodes.update({key: community, f"{key}_grid": grid, f"{key}_building": building})
        self.session.commit()
        return nodes

    def organisation(self, *, admin=None, place=None, verified=True, name=None):
        admin = admin or self.user()
        place = place or self.place_tree()["c1"]
        org = organisations.apply_for_organisation(self.session, admin, organisations.OrganisationData(
            name=name or f"幸福里社区居委会{self._next()}", type="community_office", place_id=place.id))
        if verified:
            platform_admin = self.user(platform_admin=True)
            organisations.verify_organisation(self.session, platform_admin, org)
        self.session.commit()
        return org

    def listing(self, *, organisation=None, actor=None, publish=True, hours=None, **fields):
        organisation = organisation or self.organisation()
        actor = actor or next(m.user for m in organisation.memberships)
        data = listings.ListingData(**{
            "kind": "space", "title": f"多功能活动室{self._next()}", "place_id": organisation.place_id,
            "description": "宽敞明亮，可容纳30人，配有投影仪和音响。", **fields})
        listing = listings.create_listing(self.session, actor, data, organisation_id=organisation.id)
        listings.set_opening_hours(self.session, actor, listing, hours if hours is not None else [
            listings.HoursInterval(weekday=d, opens=time(9), closes=time(21)) for d in range(7)])
        if publish:
            listings.publish_listing(self.session, actor, listing)
        self.session.commit()
        return listing

    def volunteer_listing(self, volunteer, *, place=None, publish=True, **fields):
        """A volunteer's own skill listing (no organisation), open 09:00–17:00 every day."""
        data = listings.ListingData(**{"kind": "skill", "title": f"法律咨询{self._next()}",
                                       "place_id": (place or self.place_tree()["c1"]).id, **fields})
        listing = listings.create_listing(self.session, volunteer, data, organisation_id=None)
        listings.set_opening_hours(self.session, volunteer, listing, [
            listings.HoursInterval(weekday=d, opens=time(9), closes=time(17)) for d in range(7)])
        if publish:
            listings.publish_listing(self.session, volunteer, listing)
        self.session.commit()
        return listing

    def booking(self, *, listing=None, booker=None, start=None, minutes=60, seats=1, group=None, purpose="",
                zone="Asia/Shanghai"):
        """A booking through the real service: confirmed on instant listings, pending on approval ones.

        ``start`` defaults to 10:00 (in ``zone``) the day after the clock's today.
        """
        listing = listing or self.listing()
        booker = booker or self.user()
        if start is None:
            tomorrow = zones.local_date(clock.now(), zone) + timedelta(days=1)
            start = zones.to_utc(datetime.combine(tomorrow, time(10)), zone)
        booking = bookings.create_booking(self.session, booker, bookings.BookingRequest(
            listing_id=listing.id, start=start, end=start + timedelta(minutes=minutes), seats=seats,
            group_id=group.id if group else None, purpose=purpose), zone=zone)
        self.session.commit()
        return booking


@pytest.fixture
def factory(session):
    return Factory(session)


@pytest.fixture
def login(client):
    """Sign a user in through the real login form."""

    def do_login(user, password=PASSWORD):
        response = client.post("/login", data={"login": user.login_name, "password": password})
        assert response.status_code == 302, response.data.decode()[:500]
        return client

    return do_login


@pytest.fixture
def api_token(client):
    """A bearer header for a user, obtained through the real token endpoint."""

    def issue(user, password=PASSWORD):
        response = client.post("/api/v1/auth/tokens", json={"login": user.login_name, "password": password})
        assert response.status_code == 201, response.json
        return {"Authorization": f"Bearer {response.json['token']}"}

    return issue
