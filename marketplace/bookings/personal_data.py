"""Bookings, their conversations and calendar tokens in the export and on deletion (see core.personal_data)."""
from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from marketplace.bookings.models import (Booking, BookingMessage, BookingSeries, BookingStatus, CalendarFeedToken,
                                         SlotHold)
from marketplace.bookings.services import cancel_booking
from marketplace.core.personal_data import Erasure, eraser, exporter, keep, rows
from marketplace.listings.models import Listing, ListingStatus
from marketplace.listings.services import suspend_listing

ERASED_MESSAGE = "（已注销用户的留言已删除）"
# Stored, as every cancellation reason is, and shown to the booker as written.
PROVIDER_GONE = "志愿者已注销账号，这项服务不再提供"


@exporter("bookings", ("bookings", "booker_id"))
def export_bookings(session: Session, user) -> list[dict]:
    return rows(session, Booking, Booking.booker_id == user.id)


@exporter("booking_series", ("booking_series", "booker_id"))
def export_series(session: Session, user) -> list[dict]:
    return rows(session, BookingSeries, BookingSeries.booker_id == user.id)


@exporter("booking_messages", ("booking_messages", "author_id"))
def export_messages(session: Session, user) -> list[dict]:
    return rows(session, BookingMessage, BookingMessage.author_id == user.id)


@exporter("calendar_feed_tokens", ("calendar_feed_tokens", "user_id"))
def export_feed_tokens(session: Session, user) -> list[dict]:
    return rows(session, CalendarFeedToken, CalendarFeedToken.user_id == user.id, exclude=("token_hash",))


@exporter("slot_holds", ("slot_holds", "holder_id"))
def export_holds(session: Session, user) -> list[dict]:
    return rows(session, SlotHold, SlotHold.holder_id == user.id)


@eraser("future_bookings", ("bookings", "booker_id"), order=10)
def cancel_future_bookings(session: Session, user, erasure: Erasure) -> None:
    """Through the booking service, so the provider is told and the waitlist moves; past ones stay for the
    usage figures, pointing at the anonymised account."""
    future = session.scalars(select(Booking).where(
        Booking.booker_id == user.id, Booking.end_at > erasure.now,
        Booking.status.in_([BookingStatus.pending, BookingStatus.confirmed])).order_by(Booking.id))
    for booking in future:
        if booking.start_at > erasure.now:  # one under way is not withdrawn after the fact
            cancel_booking(session, user, booking, now=erasure.now, account_closing=True)
    session.execute(update(Booking).where(Booking.booker_id == user.id).values(purpose=""))


@eraser("volunteer_offers", order=20)
def withdraw_volunteer_offers(session: Session, user, erasure: Erasure) -> None:
    """A volunteer who leaves takes their offers along: each is suspended (out of search and booking) and its
    coming bookings are cancelled by the provider through the booking service, so each booker is told; past
    bookings stay for the usage figures and the listing keeps its history, owned by the anonymised account."""
    offers = session.scalars(select(Listing).where(Listing.provider_user_id == user.id).order_by(Listing.id)).all()
    for listing in offers:
        if listing.status is ListingStatus.published:
            suspend_listing(session, user, listing, PROVIDER_GONE)
    coming = session.scalars(select(Booking).where(
        Booking.listing_id.in_([listing.id for listing in offers]), Booking.start_at > erasure.now,
        Booking.status.in_([BookingStatus.pending, BookingStatus.confirmed])).order_by(Booking.id))
    for booking in coming:
        cancel_booking(session, user, booking, PROVIDER_GONE, now=erasure.now)


@eraser("booking_messages", ("booking_messages", "author_id"), ("calendar_feed_tokens", "user_id"))
def erase_messages(session: Session, user, erasure: Erasure) -> None:
    session.execute(update(BookingMessage).where(BookingMessage.author_id == user.id).values(text=ERASED_MESSAGE))
    session.execute(delete(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id))


keep("series, holds and the history of decisions stay with the bookings they belong to",
     ("booking_series", "booker_id"), ("slot_holds", "holder_id"), ("booking_events", "actor_id"),
     ("bookings", "served_by_id"))
