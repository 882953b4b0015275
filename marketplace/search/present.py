"""What both faces show of a search result: highlighted text, community, fee, rating, next free slot."""
from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import Session

from marketplace.core.zones import to_local
from marketplace.listings.models import FeeType
from marketplace.listings.schemas import provider_of
from marketplace.search.highlight import highlight_title, snippet
from marketplace.search.services import SearchResults, community_of, next_free_slots


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
