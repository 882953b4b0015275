"""`flask search reindex` rebuilds the index from the database; `--if-missing` only builds a missing one."""
from marketplace.search.index import SearchIndex
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
