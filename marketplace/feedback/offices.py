"""Who answers for a place: the community's office (社区居委会) and the street's staff.

There is no role for "community staff" or "street staff": an office is a verified organisation placed at the
node itself. A community's office is its community_office organisation (the first verified one, by id); the
street's staff are every member of a verified community_office or party_branch organisation placed at the
street (the demo's 街道党群服务中心).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.organisations.models import Membership, Organisation, OrganisationStatus, OrganisationType
from marketplace.places.models import Place, PlaceKind

STREET_OFFICE_TYPES = (OrganisationType.community_office, OrganisationType.party_branch)


def path_ids(place: Place) -> list[int]:
    """Ids along the place's path, street first."""
    return [int(part) for part in place.path.strip("/").split("/") if part]


def street_and_community(place: Place) -> tuple[int | None, int | None]:
    ids = path_ids(place)
    return (ids[0] if ids else None), (ids[1] if len(ids) > 1 else None)


def community_office(session: Session, community_id: int) -> Organisation | None:
    return session.scalar(select(Organisation).where(
        Organisation.place_id == community_id, Organisation.type == OrganisationType.community_office,
        Organisation.status == OrganisationStatus.verified).order_by(Organisation.id).limit(1))


def _street_offices(street_id: int):
    return select(Organisation.id).where(Organisation.place_id == street_id,
                                         Organisation.type.in_(STREET_OFFICE_TYPES),
                                         Organisation.status == OrganisationStatus.verified)


def street_staff(session: Session, street_id: int | None) -> list[User]:
    if street_id is None:
        return []
    return list(session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                .where(Membership.organisation_id.in_(_street_offices(street_id)))
                                .distinct().order_by(User.id)))


def is_street_staff(session: Session, user, street_id: int | None) -> bool:
    if street_id is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    return session.scalar(select(Membership.id).where(
        Membership.user_id == user.id, Membership.organisation_id.in_(_street_offices(street_id))).limit(1)) is not None


def is_staff_of_a_street(session: Session, user) -> bool:
    """Whether the user is on the staff of any street's office."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    street_offices = (select(Organisation.id).join(Place, Organisation.place_id == Place.id)
                      .where(Place.kind == PlaceKind.street, Organisation.type.in_(STREET_OFFICE_TYPES),
                             Organisation.status == OrganisationStatus.verified))
    return session.scalar(select(Membership.id).where(Membership.user_id == user.id,
                                                      Membership.organisation_id.in_(street_offices)).limit(1)) is not None


def organisation_staff(session: Session, organisation_id: int | None) -> list[User]:
    if organisation_id is None:
        return []
    return list(session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                .where(Membership.organisation_id == organisation_id).order_by(User.id)))
