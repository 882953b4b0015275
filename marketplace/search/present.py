"""What both faces show of a search result: highlighted text, community, fee, rating, next free slot."""
from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import Session

from marketplace.core.zones import to_local
from marketplace.listings.models import WEEKDAY_LABELS, FeeType
from marketplace.listings.schemas import provider_of
from marketplace.search.highlight import highlight_title, snippet
from marketplace.search.services import SearchResults, community_of, next_free_slots
from marketplace.search.understanding import Understanding


def result_items(session: Session, results: SearchResults, zone: str) -> list[dict]:
    """One dict per hit, in ranked order, with everything the results page and the API show."""
    slots = next_free_slots(session, [hit.listing for hit in results.hits], zone)
    items = []
    for hit in results.hits:
        listing = hit.listing
        slot = slots.get(listing.id)
        items.append({
            "id": listing.id,
            "listing": listing,
            "kind": listing.kind.value,
            "kind_label": str(listing.kind.label),
            "title": listing.title,
            "title_html": highlight_title(listing.title, results.highlight_words),
            "snippet_html": snippet(listing.description, results.highlight_words),
            "provider": provider_of(listing),
            "community": community_of(session, listing.place),
            "place": listing.place,
            "fee_type": listing.fee_type.value,
            "fee_label": str(listing.fee_type.label),
            "fee_amount": listing.fee_amount,
            "free": listing.fee_type is FeeType.free,
            "people": listing.people,
            "capacity": listing.capacity,
            "reputation": {"rating": hit.reputation.rating, "reviews": hit.reputation.reviews},
            "next_free_slot": to_local(slot, zone).isoformat() if slot else None,
            "next_free_slot_local": to_local(slot, zone) if slot else None,
            "score": round(hit.score, 4),
            "url": url_for("listings.detail", listing_id=listing.id),
        })
    return items


def _moment(instant, zone: str) -> str:
    local = to_local(instant, zone)
    return f"{WEEKDAY_LABELS[local.weekday()]} {local:%H:%M}"


def window_label(start, end, zone: str) -> str:
    """周六 13:00–18:00, or 周六 08:00 – 周日 21:00 across days, in the deployment's zone."""
    first, last = to_local(start, zone), to_local(end, zone)
    if first.date() == last.date():
        return f"{WEEKDAY_LABELS[first.weekday()]} {first:%H:%M}–{last:%H:%M}"
    return f"{_moment(start, zone)} – {_moment(end, zone)}"


def understood_parts(understood: Understanding | None, zone: str, literal: list[str]) -> dict | None:
    """How the query was read, for both faces, each part with what undoing it searches for: a phrasing
    undone joins ``literal`` (searched as typed); time or place words undone leave the query."""
    if understood is None or not understood.anything:
        return None
    time = understood.time
    place = understood.place
    return {
        "query": understood.text,
        "concepts": [{"typed": concept.typed, "means": concept.means,
                      "words": ["".join(phrase) for phrase in concept.phrases],
                      "undo": {"q": understood.text, "literal": [*literal, concept.typed]}}
                     for concept in understood.concepts],
        "time": None if time is None else {
            "typed": time.typed, "start": to_local(time.start, zone).isoformat(),
            "end": to_local(time.end, zone).isoformat(), "label": window_label(time.start, time.end, zone),
            "undo": {"q": understood.without(time.typed), "literal": literal}},
        "place": None if place is None else {
            "typed": place.typed, "id": place.place_id, "name": place.name,
            "undo": {"q": understood.without(place.typed), "literal": literal}},
        "ignored": understood.ignored,
    }
