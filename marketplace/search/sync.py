"""Keep the index in step with the database, after each commit, without the listing services knowing.

Session events collect what a unit of work changed (listings; organisations, places and volunteers
whose names listings carry) at each flush, apply it once the outermost transaction has committed, and
drop it when that transaction rolls back (savepoints neither apply nor drop anything), so an index entry never shows data the database does not hold.
Applying re-reads the rows from the database (see ``SearchIndex.apply``), so entries show the last
committed state even when several workers commit changes to the same listing at once.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.listings.models import Listing
from marketplace.organisations.models import Organisation
from marketplace.places.models import Place
from marketplace.search.index import SearchIndex

log = logging.getLogger(__name__)

PENDING = "search_index_pending"
EXTENSION = "search_index"


def install(app: Flask) -> None:
    """Give the app its index and listen to every session's flushes, commits and rollbacks (once)."""
    app.extensions[EXTENSION] = SearchIndex(app.config["SEARCH_INDEX_DIR"],
                                            app.config["SEARCH_RANKING_REPUTATION_WEIGHT"])
    if not event.contains(Session, "after_flush", _collect):
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _apply)
        event.listen(Session, "after_rollback", _discard)


def search_index() -> SearchIndex:
    """The current app's index."""
    return current_app.extensions[EXTENSION]


def _collect(session: Session, _flush_context) -> None:
    pending = session.info.setdefault(PENDING, set())
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Listing):
            pending.add(("listing", obj.id))
        elif obj in session.deleted or obj in session.new:
            continue
        elif isinstance(obj, Organisation) and _changed(obj, "name"):
            pending.add(("organisation", obj.id))
        elif isinstance(obj, Place) and _changed(obj, "name"):
            pending.add(("place", obj.id))
        elif isinstance(obj, User) and _changed(obj, "display_name"):
            pending.add(("user", obj.id))


def _changed(obj, attribute: str) -> bool:
    return inspect(obj).attrs[attribute].history.has_changes()


def _discard(session: Session) -> None:
    # A savepoint's rollback keeps what the transaction flushed before it: applying re-reads the rows,
    # so an id whose change was undone costs a re-read, while dropping it would lose a committed change.
    if not session.in_nested_transaction():
        session.info.pop(PENDING, None)


def _apply(session: Session) -> None:
    # Releasing a savepoint commits nothing yet: wait for the outermost commit.
    if session.in_nested_transaction():
        return
    pending = session.info.pop(PENDING, None)
    if not pending or not has_app_context() or EXTENSION not in current_app.extensions:
        return
    bind = session.get_bind()
    try:
        with Session(bind=bind) as reader:
            listing_ids = _listing_ids(reader, pending)
        search_index().apply(lambda: Session(bind=bind), listing_ids)
    except Exception:
        # The database has committed; a stale entry is repaired by `flask search reindex`.
        log.exception("search index update failed for %s", sorted(pending)[:20])


def _listing_ids(session: Session, pending: set[tuple[str, int]]) -> set[int]:
    """Resolve what changed to the listings whose entries show it."""
    ids = {key for kind, key in pending if kind == "listing"}
    organisations = [key for kind, key in pending if kind == "organisation"]
    users = [key for kind, key in pending if kind == "user"]
    places = [key for kind, key in pending if kind == "place"]
    if organisations:
        ids.update(session.scalars(select(Listing.id).where(Listing.organisation_id.in_(organisations))))
    if users:
        ids.update(session.scalars(select(Listing.id).where(Listing.provider_user_id.in_(users))))
    for place in session.scalars(select(Place).where(Place.id.in_(places))):
        ids.update(session.scalars(select(Listing.id).join(Place, Listing.place_id == Place.id)
                                   .where(Place.path.startswith(place.path))))
    return ids
