"""The index follows the database: after each commit, never after a rollback."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from marketplace.core import clock, events, transactions
from marketplace.listings import services as listings
from marketplace.listings.models import Listing, ListingStatus
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Organisation
from marketplace.search.services import search_listings


def edit(session, listing, **changes):
    actor = next(m.user for m in listing.organisation.memberships)
    data = listings.listing_data(listing)
    for key, value in changes.items():
        setattr(data, key, value)
    listings.update_listing(session, actor, listing, data)


def delete(session, listing):
    """No service deletes listings yet; one that does says so with the event, as every listing service does."""
    events.record(session, "listing.changed", subject=("listing", listing.id), payload={"action": "listing.delete"})
    session.delete(listing)


def test_a_draft_is_not_indexed_until_published(factory, session, index, titles):
    draft = factory.listing(title="社区烘焙教室", publish=False)
    assert titles("烘焙") == []
    listings.publish_listing(session, next(m.user for m in draft.organisation.memberships), draft)
    session.commit()
    assert titles("烘焙") == ["社区烘焙教室"]


def test_an_edit_is_searchable_right_after_commit(factory, session, index, titles):
    listing = factory.listing(title="社区烘焙教室")
    edit(session, listing, title="社区陶艺工作室")
    assert titles("陶艺") == []  # flushed, not committed: the index still shows the committed state
    session.commit()
    assert titles("陶艺") == ["社区陶艺工作室"]
    assert titles("烘焙") == []


def test_a_rolled_back_edit_never_reaches_the_index(factory, session, index, titles):
    listing = factory.listing(title="社区烘焙教室")
    edit(session, listing, title="社区陶艺工作室")
    session.rollback()
    assert titles("陶艺") == []
    assert titles("烘焙") == ["社区烘焙教室"]


def test_suspended_and_deleted_listings_leave_the_index(factory, session, index, titles):
    suspended = factory.listing(title="烘焙教室甲")
    deleted = factory.listing(title="烘焙教室乙")
    listings.suspend_listing(session, next(m.user for m in suspended.organisation.memberships), suspended, "维修")
    delete(session, deleted)
    session.commit()
    assert titles("烘焙") == []
    assert index.indexed_ids() == set()


def test_renaming_the_provider_updates_its_listings(factory, session, index, titles):
    listing = factory.listing(title="多功能厅")
    organisation = session.get(Organisation, listing.organisation_id)
    data = organisations.organisation_data(organisation)
    data.name = "红星社会工作服务社"
    organisations.update_organisation(session, next(m.user for m in organisation.memberships), organisation, data)
    session.commit()
    assert titles("红星") == ["多功能厅"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_changes_with_rollbacks_leave_exactly_the_published_listings_indexed(factory, session, index, seed):
    rng = random.Random(seed)
    organisation = factory.organisation()
    actor = next(m.user for m in organisation.memberships)
    words = ["会议室", "书法班", "理发", "钢琴", "活动室", "陶艺"]
    for step in range(30):
        existing = list(session.scalars(select(Listing).where(Listing.organisation_id == organisation.id)))
        action = rng.choice(["create", "create", "edit", "publish", "suspend", "delete"])
        if action == "create" or not existing:
            factory.listing(organisation=organisation, title=f"{rng.choice(words)}{step}", publish=rng.random() < 0.7)
            continue
        listing = rng.choice(existing)
        if action == "edit":
            edit(session, listing, title=f"{rng.choice(words)}{step}")
        elif action == "publish":
            listings.publish_listing(session, actor, listing)
        elif action == "suspend":
            listings.suspend_listing(session, actor, listing, "")
        else:
            delete(session, listing)
        if rng.random() < 0.3:
            session.rollback()
        else:
            session.commit()
    published = set(session.scalars(select(Listing.id).where(Listing.status == ListingStatus.published)))
    assert index.indexed_ids() == published
    for listing in session.scalars(select(Listing).where(Listing.status == ListingStatus.published)):
        # The entry holds the last committed title, not one from a rolled-back edit.
        found = search_listings(session, index, listing.title, per_page=100)
        assert listing.id in {hit.listing.id for hit in found.hits}


def test_a_rolled_back_savepoint_keeps_the_transactions_earlier_changes_for_its_commit(factory, session, index, titles):
    listing = factory.listing(title="社区烘焙教室")
    edit(session, listing, title="社区陶艺工作室")
    session.flush()
    savepoint = session.begin_nested()
    edit(session, listing, title="社区书法教室")
    session.flush()
    savepoint.rollback()
    session.commit()
    assert titles("陶艺") == ["社区陶艺工作室"]
    assert titles("书法") == []


def test_a_released_savepoint_waits_for_the_outer_commit(factory, session, index, titles):
    listing = factory.listing(title="社区烘焙教室")
    with session.begin_nested():
        edit(session, listing, title="社区陶艺工作室")
    assert titles("陶艺") == []  # released, not committed: the outer transaction may still roll back
    session.rollback()
    assert titles("烘焙") == ["社区烘焙教室"]


def test_the_outbox_applies_a_runs_listing_events_in_one_index_write(factory, session, index, titles):
    """Each Whoosh write commits and merges segments; one per event kept SQLite's write lock for seconds."""
    kept = [factory.listing(title=f"社区烘焙教室{number}") for number in range(5)]
    gone = factory.listing(title="社区烘焙教室乙")
    session.commit()
    with transactions.read_only(False):
        events.process_outbox(session, clock.now(), limit=10_000)  # what the factory's commits left
        session.commit()
    for listing in kept:
        edit(session, listing, title=listing.title.replace("烘焙", "陶艺"))
    delete(session, gone)
    session.commit()
    before = index._open().latest_generation()

    with transactions.read_only(False):
        assert events.process_outbox(session, clock.now(), limit=10_000) >= len(kept) + 1
        session.commit()

    assert index._open().latest_generation() == before + 1
    assert sorted(titles("陶艺")) == sorted(listing.title for listing in kept)
    assert titles("烘焙") == []
