"""The Whoosh index of published listings: schema, opening, documents, and writing under the lock."""
from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.index import LockError
from whoosh.multiproc import MpWriter
from whoosh.writing import CLEAR

from marketplace.core import clock
from marketplace.listings.models import FACILITIES, FEE_TYPE_LABELS, LISTING_KIND_LABELS, Listing, ListingStatus
from marketplace.places.models import Place
from marketplace.search.analyzer import chinese_analyzer, pinyin_analyzer
from marketplace.search.engine import PostingCache
from marketplace.search.queries import Lexicon
from marketplace.search.ranking import NEUTRAL_STARS, ReputationWeighting, listing_reputation
from marketplace.search.storage import WindowStorage

log = logging.getLogger(__name__)

INDEX_NAME = "listings"
# Raise it whenever the schema or the analyzer changes what is indexed: an index built by other code is
# rebuilt on start (`search reindex --catch-up`) instead of being caught up.
INDEX_FORMAT = 3
FORMAT_FILE = "FORMAT"
# A rebuild keeps its postings in memory up to this size (per process) instead of spilling sorted
# runs to disk, which Whoosh does by pickling every posting one by one (a third of the indexing time).
REBUILD_MEMORY_MB = 512
REBUILD_ROUND = 20_000
# Waiting for another worker's writer: short sleeps growing to half a second, for at most this long.
WRITER_LOCK_PATIENCE_SECONDS = 60.0
# catch_up re-applies listings changed this long before the index's last write too (clock skew, commits in flight).
CATCH_UP_MARGIN = timedelta(minutes=5)


def build_schema() -> Schema:
    # Filter fields are scorable only so that each has a lengths column: Whoosh 2.7 otherwise looks
    # for that missing file once per posting when it flushes a segment, which halves indexing speed.
    # Numbers use one term per value (shift_step = bits): few distinct values, so ranges stay cheap.
    keyword = lambda: KEYWORD(scorable=True)  # noqa: E731
    return Schema(
        id=ID(stored=True, unique=True),
        # Everything a listing says (title included), for matching; the title alone, for boosting.
        text=TEXT(analyzer=chinese_analyzer(), phrase=False),
        title=TEXT(analyzer=chinese_analyzer(), phrase=False),
        pinyin=TEXT(analyzer=pinyin_analyzer(), phrase=False),
        kind=keyword(),
        places=keyword(),
        provider=keyword(),
        fee=keyword(),
        facilities=keyword(),
        people=NUMERIC(int, bits=32, shift_step=32, signed=False),
        rating=NUMERIC(int, bits=32, shift_step=32, signed=False),
        # Columns only (no postings): read per document by the ranking and for sorting.
        reputation=COLUMN(NumericColumn("i", default=round(NEUTRAL_STARS * 100))),
        published=COLUMN(NumericColumn("q", default=0)),
    )


def place_ids(place: Place) -> list[int]:
    """Ids along the place's materialised path, street first ("/1/4/9/" → [1, 4, 9])."""
    return [int(part) for part in place.path.strip("/").split("/") if part]


@lru_cache(maxsize=1)
def chinese_labels() -> dict:
    """Kind, fee and facility names as indexed: in Chinese, whatever the locale of the request that edits."""
    with force_locale("zh_CN"):
        return {key: str(label) for key, label in
                [*LISTING_KIND_LABELS.items(), *FEE_TYPE_LABELS.items(), *FACILITIES.items()]}


def listing_document(listing: Listing, place_names: dict[int, str]) -> dict:
    """The index document of one listing (text in the deployment's Chinese, whatever the request's locale)."""
    ancestors = place_ids(listing.place)
    places_text = " ".join(place_names.get(pid, "") for pid in ancestors)
    labels = chinese_labels()
    kind_label = labels[listing.kind]
    fee_label = labels[listing.fee_type]
    facility_labels = " ".join(labels[f] for f in listing.facilities if f in labels)
    tags = " ".join(listing.tags or [])
    provider = listing.provider_name
    reputation = listing_reputation(listing)
    published = listing.published_at or listing.created_at
    return {
        "id": str(listing.id),
        "title": f"{listing.title} {tags}",
        "text": " ".join((listing.title, tags, listing.description, provider, places_text, listing.address,
                          kind_label, fee_label, facility_labels)),
        # Pinyin of what people name a listing by; providers' and places' names would double the postings.
        "pinyin": f"{listing.title} {tags}",
        "kind": listing.kind.value,
        "places": " ".join(map(str, ancestors)),
        "provider": f"org{listing.organisation_id}" if listing.organisation_id else f"user{listing.provider_user_id}",
        "fee": listing.fee_type.value,
        "facilities": " ".join(listing.facilities),
        # How many people it holds (not how many bookings at once); a listing that has not said has no value.
        **({"people": listing.people} if listing.people else {}),
        "rating": round(reputation.stars * 100) if reputation.reviews else 0,  # hundredths of a star
        "reputation": round(reputation.stars * 100),
        "published": int(published.timestamp()) if published else 0,
    }


def _listing_query():
    return select(Listing).options(selectinload(Listing.organisation), selectinload(Listing.provider_user),
                                   selectinload(Listing.place), selectinload(Listing.reputation))


def all_place_names(session: Session) -> dict[int, str]:
    return {row.id: row.name for row in session.execute(select(Place.id, Place.name))}


class SearchIndex:
    """One index directory; one instance per process and app (searchers are cached and refreshed)."""

    def __init__(self, directory: str, reputation_weight: float = 0.3):
        self.directory = directory
        self.reputation_weight = reputation_weight
        self._ix = None
        self._searcher = None
        self._lexicon = Lexicon()
        self._lexicon_for = None
        self._weighting = ReputationWeighting(reputation_weight)
        self.postings = PostingCache(self._weighting)
        self._lock = threading.Lock()

    # -- opening -----------------------------------------------------------------------------------

    def exists(self) -> bool:
        return os.path.isdir(self.directory) and WindowStorage(self.directory).index_exists(INDEX_NAME)

    def _open(self):
        if self._ix is None:
            if not self.exists():
                self.create()
            else:
                self._ix = WindowStorage(self.directory).open_index(INDEX_NAME)
        return self._ix

    def is_current(self) -> bool:
        """Whether the index on disk was built by this code's schema and analyzer (INDEX_FORMAT)."""
        try:
            with open(os.path.join(self.directory, FORMAT_FILE)) as marker:
                built_by = marker.read().strip()
        except OSError:
            return False
        return built_by == str(INDEX_FORMAT) and set(self._open().schema.names()) == set(build_schema().names())

    def create(self) -> None:
        """Create an empty index (replacing whatever the directory held)."""
        os.makedirs(self.directory, exist_ok=True)
        self._ix = WindowStorage(self.directory).create_index(build_schema(), INDEX_NAME)
        with open(os.path.join(self.directory, FORMAT_FILE), "w") as marker:
            marker.write(str(INDEX_FORMAT))
        self._searcher = None
        self._lexicon = Lexicon()
        self._lexicon_for = None

    def searcher(self):
        """A searcher on the latest committed state (cheap when nothing changed)."""
        with self._lock:
            if self._searcher is None:
                self._searcher = self._open().searcher(weighting=self._weighting)
            else:
                self._searcher = self._searcher.refresh()
            return self._searcher

    def lexicon(self, searcher) -> Lexicon:
        """The indexed words, brought up to this searcher's segments."""
        with self._lock:
            if self._lexicon_for is not searcher:
                self._lexicon.update(searcher)
                self._lexicon_for = searcher
            return self._lexicon

    def reputation_factors(self, leaf_reader) -> list[float]:
        """The ranking's reputation multiplier of each document of one segment."""
        return self._weighting._segment_factors(leaf_reader)[0]

    def indexed_ids(self) -> set[int]:
        """Ids of every listing in the index (for consistency checks)."""
        searcher = self.searcher()
        return {int(fields["id"]) for fields in searcher.all_stored_fields()}

    # -- writing -----------------------------------------------------------------------------------

    def writer(self, *, procs: int = 1, limitmb: int = 128, patience: float = WRITER_LOCK_PATIENCE_SECONDS):
        """A writer, waiting with jittered backoff while another process holds Whoosh's write lock."""
        ix = self._open()
        deadline = time.monotonic() + patience
        delay = 0.01
        while True:
            try:
                if procs > 1:
                    return MpWriter(ix, procs=procs, batchsize=256, multisegment=True,
                                    subargs={"limitmb": limitmb}, limitmb=limitmb)
                return ix.writer(limitmb=limitmb)
            except LockError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.5)

    def apply(self, session_factory: Callable[[], Session], listing_ids: Iterable[int]) -> None:
        """Bring these listings' entries in step with the database.

        Rows are read only once the write lock is held, so whichever worker writes last also read
        last: the index ends with the last committed state, never an older one.
        """
        listing_ids = sorted(set(listing_ids))
        if not listing_ids:
            return
        writer = self.writer()
        try:
            session = session_factory()
            try:
                rows = {listing.id: listing for listing in session.scalars(
                    _listing_query().where(Listing.id.in_(listing_ids)))}
                names = all_place_names(session) if rows else {}
                for listing_id in listing_ids:
                    # Not update_document: that removes only one earlier entry, this removes them all.
                    writer.delete_by_term("id", str(listing_id))
                    listing = rows.get(listing_id)
                    if listing is not None and listing.status is ListingStatus.published:
                        writer.add_document(**listing_document(listing, names))
            finally:
                session.close()
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def catch_up(self, session: Session) -> int:
        """Re-apply the listings the index may have missed (a crash between a commit and its index update).

        Those are the listings changed since the index was last written, less a margin for a commit
        whose update was lost while another one was written just after it, and any whose published
        state the index disagrees with (deleted, suspended or published meanwhile). Returns how many.
        Names of organisations and places changed in such a window are not caught here.
        """
        last_written = datetime.fromtimestamp(self._open().last_modified(), timezone.utc)
        changed = set(session.scalars(select(Listing.id).where(
            Listing.updated_at >= last_written - CATCH_UP_MARGIN)))
        published = set(session.scalars(select(Listing.id).where(Listing.status == ListingStatus.published)))
        stale = changed | (published ^ self.indexed_ids())
        bind = session.get_bind()
        self.apply(lambda: Session(bind=bind), stale)
        return len(stale)

    def rebuild(self, session: Session, *, procs: int = 1, batch: int = 1000,
                progress: Callable[[int], None] | None = None) -> int:
        """Replace the index's content with every published listing; returns how many were indexed.

        Listings go in rounds of REBUILD_ROUND, each committed as its own segments without merging:
        one huge segment per process would sort and write millions of postings at the end, slower
        per listing than several moderate ones. The first round clears what the index held.
        """
        if not self.exists() or not self.is_current():
            self.create()
        started = clock.now()
        names = all_place_names(session)
        ids = list(session.scalars(select(Listing.id).where(Listing.status == ListingStatus.published)
                                   .order_by(Listing.id)))
        count = 0
        for round_start in range(0, max(len(ids), 1), REBUILD_ROUND):
            round_ids = ids[round_start:round_start + REBUILD_ROUND]
            writer = self.writer(procs=procs if len(round_ids) > batch else 1, limitmb=REBUILD_MEMORY_MB)
            try:
                for start in range(0, len(round_ids), batch):
                    chunk = round_ids[start:start + batch]
                    for listing in session.scalars(_listing_query().where(Listing.id.in_(chunk))
                                                   .order_by(Listing.id)):
                        writer.add_document(**listing_document(listing, names))
                        count += 1
                    session.expunge_all()
                    if progress:
                        progress(len(chunk))
            except BaseException:
                writer.cancel()
                raise
            if round_start == 0:
                writer.commit(mergetype=CLEAR)
            else:
                writer.commit(merge=False)
        # Between rounds the lock is free, so a worker may have written a listing that a later round
        # then added again; re-applying what changed meanwhile leaves one entry each, as committed.
        bind = session.get_bind()
        changed = session.scalars(select(Listing.id).where(Listing.updated_at >= started))
        self.apply(lambda: Session(bind=bind), changed)
        self._searcher = None
        return count
