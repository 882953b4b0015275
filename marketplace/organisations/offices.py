"""Community office staff: who answers for a place of the community tree (feedback, wishes, pledges, resets).

There is no role for "community staff" or "street staff": an office is a verified organisation placed at the node
itself, and its staff are that organisation's members. A community's office is its 社区居委会 (community_office);
a party branch at a community is not its office. The street has no 居委会 of its own: its office is a
community_office placed there or the party branch the street's party working committee (街道党工委) runs there, its
党群服务中心, which in practice takes what escalates to the street and signs the units' pledges. Organisations at a
grid or a building are never an office, whatever their type.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from marketplace.organisations.models import Membership, Organisation, OrganisationStatus, OrganisationType
from marketplace.places.models import Place, PlaceKind


def _offices():
    """The ids of every office (a subquery), with where each sits."""
    return (select(Organisation.id).join(Place, Organisation.place_id == Place.id)
            .where(Organisation.status == OrganisationStatus.verified,
                   or_(and_(Organisation.type == OrganisationType.community_office,
                            Place.kind.in_((PlaceKind.community, PlaceKind.street))),
                       and_(Organisation.type == OrganisationType.party_branch, Place.kind == PlaceKind.street))))


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def community_office(session: Session, community_id: int) -> Organisation | None:
    """The community's office (the first verified 居委会 placed there, by id), or None."""
    return session.scalar(select(Organisation).where(
        Organisation.id.in_(_offices()), Organisation.place_id == community_id,
        Organisation.type == OrganisationType.community_office).order_by(Organisation.id).limit(1))


def office_staff_ids(session: Session, place_ids: Iterable[int | None]) -> list[int]:
    """Ids of the staff of the offices placed at any of these places (a community, the street), by id."""
    wanted = [place_id for place_id in place_ids if place_id is not None]
    if not wanted:
        return []
    return list(session.scalars(select(Membership.user_id).join(Organisation).where(
        Organisation.id.in_(_offices()), Organisation.place_id.in_(wanted)).distinct().order_by(Membership.user_id)))


def office_places(session: Session, user) -> list[Place]:
    """The places whose office the user is on the staff of (none for someone signed out), in id order."""
    if not _signed_in(user):
        return []
    return list(session.scalars(select(Place).join(Organisation, Organisation.place_id == Place.id)
                                .join(Membership, Membership.organisation_id == Organisation.id)
                                .where(Membership.user_id == user.id, Organisation.id.in_(_offices()))
                                .distinct().order_by(Place.id)))


def is_office_staff(session: Session, user, place_ids: Iterable[int | None] | None = None) -> bool:
    """Whether the user is on the staff of an office at one of these places (of any office, without places)."""
    places = office_places(session, user)
    if place_ids is None:
        return bool(places)
    return not {place.id for place in places}.isdisjoint(place_ids)
