"""Keep the index in step with the database: the search area's reactions to listing changes.

Listing, organisation and profile services record ``listing.changed``, ``organisation.changed`` and
``user.profile_changed`` events (a change of many listings at once, such as the nightly reputation recompute,
one ``listing.changed`` whose subject is ``("listings", 0)`` and whose payload names them) (see ``core.events``); ``search.subscribers`` applies them right after
the commit and again from the outbox, so an update lost to a crash between commit and indexing is
applied when the scheduler next processes the outbox. Applying re-reads the rows from the database
(see ``SearchIndex.apply``), so running it twice, late or concurrently with another worker leaves
the entries showing the last committed state.
"""
from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core import transactions
from marketplace.listings.models import Listing
from marketplace.search.index import SearchIndex

EXTENSION = "search_index"
EVENT_TYPES = ("listing.changed", "organisation.changed", "user.profile_changed")


def install(app: Flask) -> None:
    """Give the app its index."""
    app.extensions[EXTENSION] = SearchIndex(app.config["SEARCH_INDEX_DIR"],
                                            app.config["SEARCH_RANKING_REPUTATION_WEIGHT"])


def search_index() -> SearchIndex:
    """The current app's index."""
    return current_app.extensions[EXTENSION]


def apply_events(session: Session, events: list) -> None:
    """Bring the entries of the listings these events touched in step with the committed rows.

    One index write for them all: each write of Whoosh's commits a segment and merges the small ones, so
    an outbox run of hundreds of listing events written one by one kept SQLite's write lock for many seconds.
    """
    bind = session.get_bind()
    # Read as a reader: the outbox sweep calling this holds SQLite's write lock on another connection.
    with transactions.read_only():
        with Session(bind=bind) as reader:
            listing_ids = set().union(*(_listing_ids(reader, event.subject_type, event.subject_id, event.payload)
                                        for event in events))
        search_index().apply(lambda: Session(bind=bind), listing_ids)


def _listing_ids(session: Session, subject_type: str, subject_id: int, payload: dict) -> set[int]:
    """The listings whose entries show the subject (``listings``: a batch named in the payload)."""
    if subject_type == "listing":
        return {subject_id}
    if subject_type == "listings":
        return set(payload["listing_ids"])
    if subject_type == "organisation":
        return set(session.scalars(select(Listing.id).where(Listing.organisation_id == subject_id)))
    if subject_type == "user":
        return set(session.scalars(select(Listing.id).where(Listing.provider_user_id == subject_id)))
    raise ValueError(f"search index: no listings for subject {subject_type}")
