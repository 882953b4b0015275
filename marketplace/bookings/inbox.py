"""The provider's side of bookings: whether someone provides anything, and their inbox of pending requests."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.bookings.models import Booking
from marketplace.bookings.services import pending_requests
from marketplace.core.db import get_by_id
from marketplace.core.errors import NotFound
from marketplace.core.i18n import _l
from marketplace.listings.models import Listing
from marketplace.organisations.models import Membership, Organisation
from marketplace.organisations.services import organisations_of


@dataclass
class InboxSection:
    """The pending requests of one organisation, or of the user's own volunteer listings (``organisation`` None)."""

    organisation: Organisation | None
    requests: list[tuple[Booking, list[dict]]] = field(default_factory=list)


def is_provider(session: Session, user: User) -> bool:
    """Whether the user staffs an organisation or offers a listing as a volunteer (so has an inbox)."""
    return bool(session.scalar(select(
        exists().where(Membership.user_id == user.id) | exists().where(Listing.provider_user_id == user.id))))


def request_inbox(session: Session, user: User, *, zone: str, organisation_id: int | None = None,
                  now: datetime | None = None) -> list[InboxSection]:
    """Pending requests for every organisation the user staffs and for their own volunteer listings.

    With ``organisation_id`` only that organisation's: NotFound if unknown, Forbidden unless staff.
    """
    if organisation_id is not None:
        organisation = get_by_id(session, Organisation, organisation_id)
        if organisation is None:
            raise NotFound(_l("找不到这个组织"))
        return [InboxSection(organisation, pending_requests(session, user, organisation=organisation, zone=zone,
                                                            now=now))]
    sections = [InboxSection(organisation, pending_requests(session, user, organisation=organisation, zone=zone,
                                                            now=now))
                for organisation in organisations_of(session, user)]
    own = pending_requests(session, user, zone=zone, now=now)
    if own or session.scalar(select(exists().where(Listing.provider_user_id == user.id))):
        sections.append(InboxSection(None, own))
    return sections
