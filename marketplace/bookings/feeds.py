"""Calendar feeds: the secret, revocable token of a person's feed, and which bookings each feed holds.

A feed token is ``HMAC(secret key, "calendar-feed:<user id>:<row id>")``: the database keeps only its
SHA-256 (a leaked table gives no working URL), yet the page can show the same address again on
every visit, since the app can derive it; regenerating revokes the row and derives a new one.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.accounts.tokens import hash_token
from marketplace.bookings.models import ACTIVE_STATUSES, Booking, BookingStatus, CalendarFeedToken
from marketplace.core import clock
from marketplace.core.errors import NotFound
from marketplace.core.i18n import _l
from marketplace.listings.models import Listing

FEED_PAST = timedelta(days=30)
FEED_FUTURE = timedelta(days=90)
MAX_TOKEN_LENGTH = 100
# What a person's feed shows: what they hold or held (cancelled and refused ones drop out of the calendar).
PERSONAL_STATUSES = ACTIVE_STATUSES + (BookingStatus.completed,)


def _derive_token(row: CalendarFeedToken, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"calendar-feed:{row.user_id}:{row.id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _issue(session: Session, user: User, secret: str, now: datetime) -> str:
    # The token depends on the row's id, known only after the insert: the row starts with a random
    # placeholder hash that no token can match, and gets its real hash in the same unit of work.
    row = CalendarFeedToken(user_id=user.id, token_hash=secrets.token_hex(32), created_at=now)
    session.add(row)
    session.flush()
    token = _derive_token(row, secret)
    row.token_hash = hash_token(token)
    session.flush()
    return token


def _active_tokens(session: Session, user: User) -> list[CalendarFeedToken]:
    return list(session.scalars(select(CalendarFeedToken).where(
        CalendarFeedToken.user_id == user.id, CalendarFeedToken.revoked_at.is_(None)
    ).order_by(CalendarFeedToken.id.desc())))


def current_feed_token(session: Session, user: User, *, secret: str) -> str | None:
    """The user's feed token, or None until they turn the feed on (``reset_feed_token``): reading never writes.

    A row whose token is no longer derivable (the secret key was changed) does not count; turning the
    feed on again revokes it.
    """
    for row in _active_tokens(session, user):
        token = _derive_token(row, secret)
        if hmac.compare_digest(hash_token(token), row.token_hash):
            return token
    return None


def reset_feed_token(session: Session, user: User, *, secret: str, now: datetime | None = None) -> str:
    """Turn the feed on, or regenerate it: revoke every feed token of the user (old URLs stop working at once)
    and issue a new one."""
    now = now or clock.now()
    for row in _active_tokens(session, user):
        row.revoked_at = now
    return _issue(session, user, secret, now)


def user_for_feed_token(session: Session, token: str) -> User:
    """The owner of an unrevoked feed token; NotFound for unknown, revoked or malformed tokens."""
    row = None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        row = session.scalar(select(CalendarFeedToken).where(
            CalendarFeedToken.token_hash == hash_token(token), CalendarFeedToken.revoked_at.is_(None)))
    if row is None or not row.user.is_active:
        raise NotFound(_l("这个日历订阅地址无效或已被重新生成"))
    return row.user


def listing_feed_bookings(session: Session, listing: Listing, *, now: datetime | None = None) -> list[Booking]:
    """The listing's pending and confirmed bookings from 30 days ago to 90 days ahead, by start."""
    now = now or clock.now()
    return list(session.scalars(select(Booking).where(
        Booking.listing_id == listing.id, Booking.status.in_(ACTIVE_STATUSES),
        Booking.start_at < now + FEED_FUTURE, Booking.end_at > now - FEED_PAST,
    ).order_by(Booking.start_at, Booking.id)))


def personal_feed_bookings(session: Session, user: User, *, now: datetime | None = None) -> list[Booking]:
    """The user's own pending, confirmed and completed bookings from 30 days ago to 90 days ahead, by start."""
    now = now or clock.now()
    return list(session.scalars(select(Booking).where(
        Booking.booker_id == user.id, Booking.status.in_(PERSONAL_STATUSES),
        Booking.start_at < now + FEED_FUTURE, Booking.end_at > now - FEED_PAST,
    ).options(selectinload(Booking.listing)).order_by(Booking.start_at, Booking.id)))
