"""What a dashboard links to: the public page of the thing it describes, the dashboards above it (the street,
a listing's community and organisation) and the ones below it (the street's communities, a community's or an
organisation's listings). Only what anonymous visitors may see: published listings, verified organisations."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.listings.models import Listing, ListingStatus
from marketplace.organisations.models import Organisation
from marketplace.places.models import Place, PlaceKind
from marketplace.places.services import list_places
from marketplace.transparency.services import STREET_NAME, Scope


@dataclass(frozen=True)
class Link:
    kind: str
    id: int | None
    name: object


@dataclass
class Related:
    # Whether the described thing has a public page of its own to link back to.
    has_page: bool
    above: list[Link] = field(default_factory=list)
    below: list[Link] = field(default_factory=list)


def related(session: Session, scope: Scope) -> Related:
    """The links of the scope's dashboard page: the dashboards above it, then those below it, each in a stable
    order (communities in tree order, listings by title)."""
    street = Link("street", None, STREET_NAME)
    if scope.kind == "street":
        return Related(True, below=[Link("community", place.id, place.name)
                                    for place in list_places(session, kind=PlaceKind.community)])
    if scope.kind == "community":
        return Related(True, [street], _listings(session, scope))
    if scope.kind == "organisation":
        verified = session.get(Organisation, scope.id).is_verified
        return Related(verified, [street], _listings(session, scope))
    listing = session.get(Listing, scope.id)
    above = [street]
    place = session.get(Place, listing.place_id)
    ancestors = [int(part) for part in place.path.strip("/").split("/") if part]
    community = session.scalars(select(Place).where(Place.id.in_(ancestors), Place.kind == PlaceKind.community)
                                ).first()
    if community is not None:
        above.append(Link("community", community.id, community.name))
    if listing.organisation_id is not None:
        above.append(Link("organisation", listing.organisation_id, listing.organisation.name))
    return Related(listing.status is ListingStatus.published, above)


def _listings(session: Session, scope: Scope) -> list[Link]:
    rows = session.execute(select(Listing.id, Listing.title).where(
        scope.where, Listing.status == ListingStatus.published).order_by(Listing.title, Listing.id))
    return [Link("listing", row.id, row.title) for row in rows]
