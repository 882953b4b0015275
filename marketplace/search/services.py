"""Search, suggestions and recommendations over the listing index."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session, joinedload
from whoosh.query import Or, Term
from whoosh.sorting import FieldFacet

from marketplace.bookings.availability import availability_of, free_during
from marketplace.bookings.models import ACTIVE_STATUSES, Booking
from marketplace.core import clock
from marketplace.core.errors import ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.zones import in_supported_years
from marketplace.listings.models import FACILITIES, Listing, ListingKind, ListingStatus
from marketplace.listings.services import CARD_LOADING
from marketplace.places.directory import directory
from marketplace.places.models import Place, PlaceKind
from marketplace.places.services import get_place, in_tree_order
from marketplace.search import engine
from marketplace.search.analyzer import PLACE_NUMBER, fold, place_numbers, segment
from marketplace.search.index import SearchIndex
from marketplace.search.models import ListingView
from marketplace.search.queries import (MAX_QUERY_LENGTH, IndexFilters, ParsedQuery, did_you_mean, filter_query,
                                        text_query, word_alternatives)
from marketplace.search.understanding import PlaceName, Understanding, understand
from marketplace.search.ranking import Reputation, listing_reputation

# "Free at" asks the booking rules about each candidate, best text matches first; past this many
# candidates the answer would cost more than a page is worth, so the count becomes "at least".
FREE_AT_CANDIDATES = 200
MAX_FREE_AT_WINDOW = timedelta(days=7)
NEXT_SLOT_HORIZON = timedelta(days=14)
ALTERNATIVE_COMMUNITIES = 3
VIEW_DEDUPLICATION = timedelta(minutes=30)
POPULARITY_WINDOW = timedelta(days=30)
SEEN_LISTINGS_CONSIDERED = 20
WORDS_PER_PROFILE = 12


@dataclass
class SearchFilters:
    """What the resident narrowed the search to; every field is optional."""

    kind: str | None = None
    place_id: int | None = None
    free_only: bool = False
    min_rating: float | None = None
    facilities: list[str] = field(default_factory=list)
    min_capacity: int | None = None
    free_at_start: datetime | None = None
    free_at_end: datetime | None = None

    @property
    def free_at(self) -> tuple[datetime, datetime] | None:
        if self.free_at_start is None or self.free_at_end is None:
            return None
        return self.free_at_start, self.free_at_end


@dataclass
class SearchHit:
    listing: Listing
    score: float
    reputation: Reputation


@dataclass
class Alternative:
    """Something to try when nothing was found: a filter to drop, or a nearby community."""

    kind: str  # "without_filter" or "community"
    name: str  # the filter's name, or the community's name
    count: int
    place_id: int | None = None


@dataclass
class SearchResults:
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    query: ParsedQuery
    highlight_words: frozenset[str] = frozenset()
    suggestion: str | None = None
    alternatives: list[Alternative] = field(default_factory=list)
    # True when "free at" stopped after FREE_AT_CANDIDATES: total then means "at least".
    total_is_lower_bound: bool = False
    # How the query was read: phrasings, and the time and place words that became filters.
    understood: Understanding | None = None


def _check_length(text: str | None) -> None:
    if text is not None and len(text) > MAX_QUERY_LENGTH:
        raise ValidationFailed("q", _l("搜索词太长了，请不要超过%(n)s个字", n=MAX_QUERY_LENGTH))


def _validated(session: Session, text: str | None, filters: SearchFilters) -> IndexFilters:
    _check_length(text)
    if filters.kind and filters.kind not in {k.value for k in ListingKind}:
        raise ValidationFailed("kind", _l("资源类型只能是场地、技能或服务"))
    if filters.place_id is not None:
        get_place(session, filters.place_id)
    if filters.min_rating is not None and not 1 <= filters.min_rating <= 5:
        raise ValidationFailed("min_rating", _l("最低评分应在1到5之间"))
    unknown = [f for f in filters.facilities if f not in FACILITIES]
    if unknown:
        raise ValidationFailed("facilities", _l("不认识的设施：%(names)s", names="、".join(unknown)[:100]))
    if filters.min_capacity is not None and not 1 <= filters.min_capacity <= 10000:
        raise ValidationFailed("capacity", _l("容纳人数应在1到10000之间"))
    if (filters.free_at_start is None) != (filters.free_at_end is None):
        raise ValidationFailed("free_at_end", _l("空闲时段需要同时填写开始和结束时间"))
    if filters.free_at is not None:
        start, end = filters.free_at
        if start.tzinfo is None or end.tzinfo is None:
            raise ValidationFailed("free_at_start", _l("时间需要带时区"))
        if not (in_supported_years(start) and in_supported_years(end)):
            raise ValidationFailed("free_at_start", _l("时间超出了可预约的范围"))
        if end <= start:
            raise ValidationFailed("free_at_end", _l("结束时间必须晚于开始时间"))
        if end - start > MAX_FREE_AT_WINDOW:
            raise ValidationFailed("free_at_end", _l("空闲时段不能超过7天"))
    return IndexFilters(kind=filters.kind or None, place_id=filters.place_id, free_only=filters.free_only,
                        min_rating=filters.min_rating, facilities=tuple(dict.fromkeys(filters.facilities)),
                        min_capacity=filters.min_capacity)


def _published_in_order(session: Session, ids: list[int], *, cards: bool = True) -> list[Listing]:
    """The listings with these ids, in this order, skipping any no longer published; with what their cards show,
    unless ``cards`` is false (only their own columns and opening hours: what the booking rules read)."""
    if not ids:
        return []
    loading = (*CARD_LOADING, joinedload(Listing.opening_hours)) if cards else (joinedload(Listing.opening_hours),)
    rows = session.scalars(select(Listing).where(Listing.id.in_(ids), Listing.status == ListingStatus.published)
                           .options(*loading)).unique()
    by_id = {listing.id: listing for listing in rows}
    return [by_id[i] for i in ids if i in by_id]


def understand_query(session: Session, text: str | None, filters: SearchFilters, *, zone: str,
                     home_place_id: int | None = None, literal: frozenset[str] = frozenset()) -> Understanding:
    """How a query in everyday words reads (see ``understanding.understand``): time and place words
    are read only while the free-at and place filters are unset; 本社区 is the resident's own community."""
    home = community_of(session, session.get(Place, home_place_id)) if home_place_id is not None else None
    return understand(text, now=clock.now(), zone=zone, places=directory(session).names,
                      home=PlaceName(home.id, home.name, "community", None) if home is not None else None,
                      with_time=filters.free_at is None, with_place=filters.place_id is None, literal=literal)


def search_listings(session: Session, index: SearchIndex, text: str | None, filters: SearchFilters | None = None,
                    *, page: int = 1, per_page: int = 20, zone: str = "Asia/Shanghai",
                    home_place_id: int | None = None, literal: frozenset[str] = frozenset()) -> SearchResults:
    """Published listings matching the words and filters, best first (relevance blended with reputation).

    The query is read in everyday words first: its time words become the free-at window and its
    place words the place filter unless those are set, and phrasings in ``literal`` are searched
    as typed. Raises ValidationFailed for a query over MAX_QUERY_LENGTH characters or a malformed
    filter, and NotFound for an unknown place.
    """
    filters = filters or SearchFilters()
    _check_length(text)
    understood = understand_query(session, text, filters, zone=zone, home_place_id=home_place_id, literal=literal)
    if understood.time is not None:
        filters = replace(filters, free_at_start=understood.time.start, free_at_end=understood.time.end)
    if understood.place is not None:
        filters = replace(filters, place_id=understood.place.place_id)
    index_filters = _validated(session, text, filters)
    parsed = understood.parsed
    searcher = index.searcher()
    lexicon = index.lexicon(searcher)
    query = text_query(parsed, lexicon)
    restriction = filter_query(index_filters)
    offset = (page - 1) * per_page
    lower_bound = False
    if filters.free_at is not None:
        ranked, matched = _ranked(session, searcher, index, parsed, lexicon, query, restriction, FREE_AT_CANDIDATES)
        scores = dict(ranked)
        start, end = filters.free_at
        # The rules read up to FREE_AT_CANDIDATES listings; only the page shown needs its cards' providers and places.
        candidates = _published_in_order(session, list(scores), cards=False)
        free_ids = free_during(session, candidates, start, end, zone=zone)
        free = [listing.id for listing in candidates if listing.id in free_ids]
        total = len(free)
        lower_bound = matched > FREE_AT_CANDIDATES
        listings = _published_in_order(session, free[offset:offset + per_page])
    else:
        ranked, total = _ranked(session, searcher, index, parsed, lexicon, query, restriction, offset + per_page)
        scores = dict(ranked[offset:offset + per_page])
        listings = _published_in_order(session, list(scores))
    hits = [SearchHit(listing, scores[listing.id], listing_reputation(listing)) for listing in listings]
    results = SearchResults(hits=hits, total=total, page=page, per_page=per_page, query=parsed,
                            highlight_words=_highlight_words(parsed, lexicon), total_is_lower_bound=lower_bound,
                            understood=understood)
    if total == 0:
        results.suggestion = did_you_mean(searcher, lexicon, parsed)

        def matches_under(other_filters: IndexFilters) -> int:
            return _ranked(session, searcher, index, parsed, lexicon, query, filter_query(other_filters), 0)[1]

        results.alternatives = _alternatives(session, matches_under, index_filters,
                                             matched if filters.free_at is not None else None)
    return results


def _ranked(session: Session, searcher, index: SearchIndex, parsed: ParsedQuery, lexicon, query, restriction,
            limit: int) -> tuple[list[tuple[int, float]], int]:
    """The best ``limit`` (listing id, score) pairs and the number of matches (that alone when ``limit`` is 0).

    Words go through the set-based engine (same scores as Whoosh, far fewer Python steps), listings
    in a building the query names first; with no words, Whoosh lists everything the filters allow by
    reputation, then newest first.
    """
    if parsed.is_empty:
        newest_best = [FieldFacet("reputation", reverse=True), FieldFacet("published", reverse=True)]
        found = searcher.search(query, filter=restriction, limit=max(limit, 1), sortedby=newest_best)
        return [(int(hit["id"]), 0.0) for hit in found][:limit], len(found)
    best, total = engine.search(searcher, index.postings, index.reputation_factors,
                                engine.query_terms(parsed, lexicon), allowed=restriction, limit=limit,
                                preferred=_in_named_places(session, parsed) if limit else None)
    return [(int(searcher.stored_fields(docnum)["id"]), score) for score, docnum in best], total


def _in_named_places(session: Session, parsed: ParsedQuery):
    """The index query for listings located in a place the query names by its number (3号楼), or None.

    A building number matches the same way as in the text (3号 names 3号楼 and 3号院, not 13号楼).
    """
    numbers = [word for word in parsed.words if PLACE_NUMBER.fullmatch(word)]
    if not numbers:
        return None
    ids = [place_id for place_id, name in session.execute(select(Place.id, Place.name))
           if any(found.startswith(word) for found, _, _ in place_numbers(fold(name)) for word in numbers)]
    return Or([Term("places", str(place_id)) for place_id in ids]) if ids else None


def _highlight_words(parsed: ParsedQuery, lexicon) -> frozenset[str]:
    words = set()
    for word in parsed.words:
        for found, related in word_alternatives(word, parsed, lexicon):
            # A phrasing matched as typed word by word (修 + 电脑, 的 + 地方) would light up every 的.
            if related or word not in parsed.related or len(found) == 1:
                words.update(found)
        words.add(word)
    return frozenset(words)


def _alternatives(session: Session, matches_under: Callable[[IndexFilters], int], index_filters: IndexFilters,
                  matched_any_time: int | None) -> list[Alternative]:
    """When nothing matched: how many would match without each filter, and in nearby communities.

    ``matches_under(filters)`` counts what the words match under other index filters (by the same engine as the
    search itself); ``matched_any_time`` is what they matched before the free-at rule, when it applied.
    """
    alternatives = []
    if matched_any_time is not None:
        alternatives.append(Alternative("without_filter", "free_at", matched_any_time))
    unfiltered = IndexFilters()
    for name in index_filters.active:
        without = replace(index_filters, **{name: getattr(unfiltered, name)})
        alternatives.append(Alternative("without_filter", name, matches_under(without)))
    if index_filters.place_id is not None:
        place = session.get(Place, index_filters.place_id)
        community = community_of(session, place)
        if community is not None and community.parent_id is not None:
            neighbours = in_tree_order(session.scalars(select(Place).where(
                Place.parent_id == community.parent_id, Place.id != community.id)))
            found = []
            for neighbour in neighbours:
                count = matches_under(replace(index_filters, place_id=neighbour.id))
                if count:
                    found.append(Alternative("community", neighbour.name, count, neighbour.id))
            found.sort(key=lambda a: -a.count)
            alternatives.extend(found[:ALTERNATIVE_COMMUNITIES])
    return [a for a in alternatives if a.count > 0]


def community_of(session: Session, place: Place | None) -> Place | None:
    """The community a place lies in (the place itself for a community; None for a street)."""
    if place is None:
        return None
    ids = [int(part) for part in place.path.strip("/").split("/") if part]
    if len(ids) < 2:
        return None
    return session.get(Place, ids[1])


def next_free_slots(session: Session, listings: list[Listing], zone: str) -> dict[int, datetime | None]:
    """The start of each listing's next bookable slot within two weeks (None when there is none)."""
    now = clock.now()
    free = availability_of(session, listings, now, now + NEXT_SLOT_HORIZON, zone, now)
    return {listing.id: free[listing.id][0].start if free[listing.id] else None for listing in listings}


# -- views and recommendations -------------------------------------------------------------------

def record_listing_view(session: Session, user, listing: Listing) -> None:
    """Remember that a signed-in resident opened a listing (once per half hour), for "for you"."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    now = clock.now()
    recent = session.scalar(select(ListingView.id).where(
        ListingView.user_id == user.id, ListingView.listing_id == listing.id,
        ListingView.viewed_at > now - VIEW_DEDUPLICATION).limit(1))
    if recent is None:
        session.add(ListingView(user_id=user.id, listing_id=listing.id, viewed_at=now))
        session.flush()


def _seen_listing_ids(session: Session, user) -> list[int]:
    """What the resident viewed and booked lately, most recent first."""
    viewed = session.execute(select(ListingView.listing_id, func.max(ListingView.viewed_at).label("last"))
                             .where(ListingView.user_id == user.id).group_by(ListingView.listing_id)
                             .order_by(func.max(ListingView.viewed_at).desc()).limit(SEEN_LISTINGS_CONSIDERED))
    booked = session.execute(select(Booking.listing_id, func.max(Booking.start_at).label("last"))
                             .where(Booking.booker_id == user.id).group_by(Booking.listing_id)
                             .order_by(func.max(Booking.start_at).desc()).limit(SEEN_LISTINGS_CONSIDERED))
    ids = [row.listing_id for row in booked] + [row.listing_id for row in viewed]
    return list(dict.fromkeys(ids))


def popular_listings(session: Session, *, place_id: int | None = None, exclude: set[int] = frozenset(),
                     limit: int = 6) -> list[Listing]:
    """Published listings most viewed and booked in the last 30 days, within a place's subtree if given."""
    since = clock.now() - POPULARITY_WINDOW
    views = (select(ListingView.listing_id.label("listing_id"), func.count().label("n"))
             .where(ListingView.viewed_at >= since).group_by(ListingView.listing_id))
    bookings = (select(Booking.listing_id.label("listing_id"), func.count().label("n"))
                .where(Booking.created_at >= since, Booking.status.in_(ACTIVE_STATUSES))
                .group_by(Booking.listing_id))
    activity = views.union_all(bookings).subquery()
    score = select(activity.c.listing_id, func.sum(activity.c.n).label("score")).group_by(
        activity.c.listing_id).subquery()
    newest_first = (Listing.published_at.desc(), Listing.id.desc())
    allowed = [Listing.status == ListingStatus.published]
    if place_id is not None:
        place = session.get(Place, place_id)
        if place is not None:
            allowed.append(Listing.place_id.in_(select(Place.id).where(Place.path.startswith(place.path))))
    if exclude:
        allowed.append(Listing.id.not_in(exclude))
    # The best ``limit`` are among the best ``limit`` with activity and the newest ``limit`` without: two short
    # lists (the second read off the browse index) rather than every published listing sorted by score.
    active = (select(Listing.id).join(score, score.c.listing_id == Listing.id).where(*allowed)
              .order_by(score.c.score.desc(), *newest_first).limit(limit))
    quiet = (select(Listing.id).where(*allowed, Listing.id.not_in(select(score.c.listing_id)))
             .order_by(*newest_first).limit(limit))
    candidates = union_all(select(active.subquery()), select(quiet.subquery()))
    stmt = (select(Listing).outerjoin(score, score.c.listing_id == Listing.id).options(*CARD_LOADING)
            .where(Listing.id.in_(candidates))
            .order_by(func.coalesce(score.c.score, 0).desc(), *newest_first).limit(limit))
    return list(session.scalars(stmt).unique())


def _profile_words(listings: list[Listing]) -> list[str]:
    """The words that best describe what someone looked at: their titles' and tags' words."""
    counts: Counter[str] = Counter()
    for listing in listings:
        text = " ".join([listing.title, *(listing.tags or [])])
        counts.update({word for word, _, _ in segment(text.lower()) if len(word) > 1})
    return [word for word, _ in counts.most_common(WORDS_PER_PROFILE)]


def recommended_listings(session: Session, index: SearchIndex, user=None, *, place_id: int | None = None,
                         shown: set[int] = frozenset(), limit: int = 6) -> list[Listing]:
    """"For you": for a signed-in resident, listings like those they viewed and booked, then popular ones
    in their community; for anyone else, popular listings near the chosen community (or everywhere), none of
    ``shown`` (the listings the page already lists, the home page's newest: without a history to go on, they
    would be the same ones). A resident's own matches may be among the newest: they are picked for them."""
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    community = None
    if place_id is not None:
        community = community_of(session, session.get(Place, place_id)) or session.get(Place, place_id)
    elif signed_in and user.home_place is not None:
        community = community_of(session, user.home_place)
    community_id = community.id if community is not None and community.kind is PlaceKind.community else None
    chosen: list[Listing] = []
    seen: set[int] = set() if signed_in else set(shown)
    if signed_in:
        seen_ids = _seen_listing_ids(session, user)
        seen = set(seen_ids)
        words = _profile_words(_published_in_order(session, seen_ids))
        if words:
            searcher = index.searcher()
            query = Or([Term("text", word) for word in words] + [Term("title", word) for word in words])
            mask = Or([Term("id", str(i)) for i in seen]) if seen else None
            found = searcher.search(query, mask=mask, limit=limit * 3)
            ranked = [int(hit["id"]) for hit in found]
            chosen = _prefer_community(session, _published_in_order(session, ranked), community_id)[:limit]
    if len(chosen) < limit:
        exclude = seen | {listing.id for listing in chosen}
        chosen += popular_listings(session, place_id=community_id, exclude=exclude, limit=limit - len(chosen))
    if len(chosen) < limit and community_id is not None:
        exclude = seen | {listing.id for listing in chosen}
        chosen += popular_listings(session, exclude=exclude, limit=limit - len(chosen))
    return chosen


def _prefer_community(session: Session, listings: list[Listing], community_id: int | None) -> list[Listing]:
    """Same order, but listings in the resident's community first."""
    if community_id is None:
        return listings
    marker = f"/{community_id}/"
    return sorted(listings, key=lambda listing: marker not in listing.place.path)
