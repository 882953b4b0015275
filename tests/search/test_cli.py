"""`flask search reindex` rebuilds the index from the database; `--if-missing` only builds a missing one."""
from marketplace.listings import services as listings
from marketplace.listings.models import Listing
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


def test_reindex_if_missing_leaves_an_existing_index_alone(app, factory, index):
    factory.listing(title="会议室甲")
    index.create()
    result = app.test_cli_runner().invoke(args=["search", "reindex", "--if-missing"])
    assert "present" in result.output
    assert index.indexed_ids() == set()


def test_reindex_if_missing_builds_a_missing_index(app, factory, session, tmp_path):
    listing = factory.listing(title="会议室甲")
    previous = app.extensions[EXTENSION]
    missing = SearchIndex(str(tmp_path / "not-yet"))
    app.extensions[EXTENSION] = missing
    try:
        result = app.test_cli_runner().invoke(args=["search", "reindex", "--if-missing", "--procs", "1"])
        assert result.exit_code == 0, result.output
        assert missing.exists() and listing.id in missing.indexed_ids()
    finally:
        app.extensions[EXTENSION] = previous


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
