"""Saving listings to come back to (收藏): per user, idempotent both ways."""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.core.pagination import fetch_page
from marketplace.favourites.models import Favourite
from marketplace.listings.models import Listing, ListingStatus
from marketplace.listings.services import get_listing


def _favourite(session: Session, user: User, listing_id: int) -> Favourite | None:
    return session.scalar(select(Favourite).where(Favourite.user_id == user.id, Favourite.listing_id == listing_id))


def save_listing(session: Session, user: User, listing_id: int) -> Favourite:
    """Save a listing the user may see; saving it again keeps the first save. NotFound for one they may not see."""
    listing = get_listing(session, listing_id, viewer=user)
    favourite = _favourite(session, user, listing.id)
    if favourite is not None:
        return favourite
    try:
        # A second tab saving the same listing at the same moment meets the unique constraint:
        # that save already did what this one wanted.
        with session.begin_nested():
            favourite = Favourite(user_id=user.id, listing_id=listing.id)
            session.add(favourite)
    except IntegrityError:
        return _favourite(session, user, listing.id)
    return favourite


def remove_listing(session: Session, user: User, listing_id: int) -> None:
    """Un-save a listing; nothing happens when it was not saved."""
    session.execute(delete(Favourite).where(Favourite.user_id == user.id, Favourite.listing_id == listing_id))
    session.flush()


def list_favourites(session: Session, user: User, *, page: int = 1, per_page: int = 20) -> tuple[list[Favourite], int]:
    """A page of the user's saves of listings still published, latest save first, and the total."""
    stmt = (select(Favourite).join(Favourite.listing)
            .where(Favourite.user_id == user.id, Listing.status == ListingStatus.published)
            .options(selectinload(Favourite.listing).selectinload(Listing.photos),
                     selectinload(Favourite.listing).selectinload(Listing.place))
            .order_by(Favourite.created_at.desc(), Favourite.id.desc()))
    return fetch_page(session, stmt, page=page, per_page=per_page)


def saved_listing_ids(session: Session, user: User) -> frozenset[int]:
    """The ids of every listing the user saved (for the save/un-save buttons)."""
    return frozenset(session.scalars(select(Favourite.listing_id).where(Favourite.user_id == user.id)))
