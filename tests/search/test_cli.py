"""`flask search reindex` rebuilds the index from the database; `--catch-up` builds a missing one or catches it up."""
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import update

from marketplace.listings import services as listings
from marketplace.listings.models import Listing, ListingStatus
from marketplace.search import index as index_module
from marketplace.search.index import SearchIndex
from marketplace.search.services import search_listings
from marketplace.search.sync import EXTENSION


def test_reindex_rebuilds_from_published_listings(app, factory, index):
    published = [factory.listing(title="会议室甲"), factory.listing(title="会议室乙")]
    factory.listing(title="会议室丙", publish=False)
    index.create()  # lose everything the commit hook wrote
    result = app.test_cli_runner().invoke(args=["search", "reindex", "--procs", "1"])
    assert result.exit_code == 0, result.output
    assert "indexed 2 listings" in result.output
    assert index.indexed_ids() == {listing.id for listing in published}


def test_catch_up_builds_a_missing_index(app, factory, session, tmp_path):
    listing = factory.listing(title="会议室甲")
    previous = app.extensions[EXTENSION]
    missing = SearchIndex(str(tmp_path / "not-yet"))
    app.extensions[EXTENSION] = missing
    try:
        result = app.test_cli_runner().invoke(args=["search", "reindex", "--catch-up", "--procs", "1"])
        assert result.exit_code == 0, result.output
        assert missing.exists() and listing.id in missing.indexed_ids()
    finally:
        app.extensions[EXTENSION] = previous


def test_catch_up_applies_a_committed_edit_whose_index_update_was_lost(app, factory, session, index):
    """As after `kill -9` between a commit and its index update: the database changed, the index did not."""
    edited = factory.listing(title="会议室甲")
    untouched = factory.listing(title="会议室乙")
    # Core statements bypass the ORM's flush events, so the index never hears of these changes.
    session.execute(update(Listing).where(Listing.id == edited.id)
                    .values(title="陶艺工作室", updated_at=datetime.now(timezone.utc)))
    session.execute(update(Listing).where(Listing.id == untouched.id).values(status=ListingStatus.suspended))
    session.commit()
    assert [hit.listing.id for hit in search_listings(session, index, "陶艺").hits] == []

    result = app.test_cli_runner().invoke(args=["search", "reindex", "--catch-up"])

    assert result.exit_code == 0, result.output
    assert "caught up" in result.output
    assert [hit.listing.id for hit in search_listings(session, index, "陶艺").hits] == [edited.id]
    assert index.indexed_ids() == {edited.id}


def test_a_listing_written_between_rebuild_rounds_is_indexed_once(factory, session, index, monkeypatch):
    made = [factory.listing(title=f"会议室{n}").id for n in range(5)]
    monkeypatch.setattr(index_module, "REBUILD_ROUND", 2)
    rounds = []
    start_round = index.writer

    def writer(**kwargs):
        rounds.append(kwargs)
        if len(rounds) == 2:
            # Another worker commits an edit of a listing the next rounds have still to add.
            last = session.get(Listing, made[-1])  # the rebuild expunges what it read
            data = listings.listing_data(last)
            data.title = "共享陶艺室"
            listings.update_listing(session, next(m.user for m in last.organisation.memberships), last, data)
            session.commit()
        return start_round(**kwargs)

    monkeypatch.setattr(index, "writer", writer)
    assert index.rebuild(session) == 5
    searcher = index.searcher()
    assert searcher.doc_count() == 5
    assert [hit.listing.id for hit in search_listings(session, index, "陶艺").hits] == [made[-1]]


def test_catch_up_rebuilds_an_index_built_by_other_code(app, factory, session, index):
    listing = factory.listing(title="会议室甲")
    (Path(index.directory) / index_module.FORMAT_FILE).write_text("1")  # as left by an older release
    assert not index.is_current()
    result = app.test_cli_runner().invoke(args=["search", "reindex", "--catch-up", "--procs", "1"])
    assert result.exit_code == 0, result.output
    assert "indexed 1 listings" in result.output
    assert index.is_current() and index.indexed_ids() == {listing.id}
