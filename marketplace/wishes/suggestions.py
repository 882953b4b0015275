"""What a wish's volunteers and claimants are shown to help them fulfil it: the listings and the volunteers the
search service finds for its title near the resident, through the same ``needs.services.suggest_listings`` a need
uses. A wish names a day, not an hour, so nothing is filtered by free time.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from marketplace.core.errors import Forbidden
from marketplace.core.i18n import _l
from marketplace.needs.services import suggest_listings
from marketplace.places.models import PlaceKind
from marketplace.search.index import SearchIndex
from marketplace.search.services import SearchHit
from marketplace.wishes.models import Wish
from marketplace.wishes.services import groups_led_by, may_claim, may_see_details

SHOWN = 5  # of each: listings, volunteers
CANDIDATES = 20  # asked of the search, then split between the two


@dataclass
class WishSuggestions:
    listings: list[SearchHit]  # rooms, skills and services of organisations
    volunteers: list[SearchHit]  # volunteers offering a skill or a service themselves


def may_see_suggestions(session: Session, user, wish: Wish) -> bool:
    """Those who could claim it (volunteers, party members, group leaders) and those taking part or reviewing."""
    return may_claim(user) or bool(groups_led_by(session, user)) or may_see_details(session, user, wish)


def suggestions_for(session: Session, index: SearchIndex, viewer, wish: Wish, *, zone: str) -> WishSuggestions:
    """The best listings and volunteers for the wish's title in the resident's community (or the wider wall it
    was escalated to). Raises Forbidden for a viewer who may not see them (``may_see_suggestions``)."""
    if not may_see_suggestions(session, viewer, wish):
        raise Forbidden(_l("志愿者、党员和参与这个心愿的人可以看推荐"))
    place_id = wish.community_id if wish.wall_place.kind in (PlaceKind.grid, PlaceKind.community) \
        else wish.wall_place_id
    hits = suggest_listings(session, index, wish.title, kind=None, place_id=place_id, start=None, end=None,
                            zone=zone, limit=CANDIDATES)
    return WishSuggestions(listings=[hit for hit in hits if hit.listing.provider_user_id is None][:SHOWN],
                           volunteers=[hit for hit in hits if hit.listing.provider_user_id is not None][:SHOWN])
