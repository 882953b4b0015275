"""A fresh index per test, wired into the app so the commit hook writes to it."""
from __future__ import annotations

import pytest

from marketplace.search.index import SearchIndex
from marketplace.search.services import SearchFilters, search_listings
from marketplace.search.sync import EXTENSION


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
