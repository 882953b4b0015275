"""Two processes committing listing changes at once: Whoosh's writer lock is waited for, nothing is lost."""
from __future__ import annotations

import multiprocessing

from sqlalchemy import select

from marketplace.listings.models import Listing, ListingStatus
from marketplace.search.services import search_listings
from tests.conftest import Factory
from tests.search.writers import write_listings

PER_PROCESS = 6


def test_two_processes_writing_at_once_lose_no_update(committed_db, shared_index):
    index, config = shared_index
    factory = Factory(committed_db)
    organisation = factory.organisation()
    actor = next(m.user for m in organisation.memberships)
    shared = factory.listing(organisation=organisation, title="共享会议室")
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [context.Process(target=write_listings, args=(config, organisation.id, organisation.place_id,
                                                            actor.id, shared.id, name, PER_PROCESS, barrier))
               for name in ("甲", "乙")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [worker.exitcode for worker in workers] == [0, 0]

    committed_db.rollback()  # end the read snapshot taken before the workers ran
    published = set(committed_db.scalars(select(Listing.id).where(Listing.status == ListingStatus.published)))
    assert len(published) == 2 * PER_PROCESS + 1
    assert index.indexed_ids() == published
    # The shared listing's entry shows its last committed title, whichever process wrote it last.
    final_title = committed_db.get(Listing, shared.id).title
    found = search_listings(committed_db, index, final_title)
    assert [hit.listing.id for hit in found.hits] == [shared.id]
    for name in ("甲", "乙"):
        assert search_listings(committed_db, index, f"{name}活动室").total >= PER_PROCESS
