"""A fresh index per test, wired into the app so the commit hook writes to it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from marketplace.core import clock
from marketplace.demo import seed
from marketplace.extensions import db

from marketplace.search.index import SearchIndex
from marketplace.search.services import SearchFilters, search_listings
from marketplace.search.sync import EXTENSION

SEEDED_AT = datetime(2026, 4, 20, 2, tzinfo=timezone.utc)  # Monday 20 April 2026, 10:00 in Shanghai
ZONE = "Asia/Shanghai"


@pytest.fixture
def index(app, session, tmp_path):
    """An empty index used by the app (and so by the after-commit sync) for this test only."""
    previous = app.extensions[EXTENSION]
    fresh = SearchIndex(str(tmp_path / "index"), app.config["SEARCH_RANKING_REPUTATION_WEIGHT"])
    fresh.create()
    app.extensions[EXTENSION] = fresh
    yield fresh
    app.extensions[EXTENSION] = previous


@pytest.fixture
def titles(session, index):
    """Titles found for a query, best first."""

    def run(text, **filters):
        results = search_listings(session, index, text, SearchFilters(**filters), per_page=50)
        return [hit.listing.title for hit in results.hits]

    return run


@pytest.fixture(scope="module")
def demo(app, tmp_path_factory):
    """The demo street seeded once (rolled back at the end) and indexed from the database."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        seeding = Session(bind=connection, join_transaction_mode="create_savepoint")
        clock.travel_to(SEEDED_AT)
        try:
            seed(seeding)
            seeding.commit()
            index = SearchIndex(str(tmp_path_factory.mktemp("demo-index")),
                                app.config["SEARCH_RANKING_REPUTATION_WEIGHT"])
            index.rebuild(seeding)
            seeding.close()
        finally:
            clock.reset()
        yield connection, index
        outer.rollback()
        connection.close()


@pytest.fixture
def demo_session(app, demo):
    connection, _ = demo
    clock.travel_to(SEEDED_AT)
    with app.app_context():
        savepoint = connection.begin_nested()
        session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
        try:
            yield session
        finally:
            session.remove()
            savepoint.rollback()
