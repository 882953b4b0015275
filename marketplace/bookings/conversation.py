"""A booking's conversation: short messages between its booker and its provider (the listing's staff, or the
volunteer who offers it), so that a question such as "can we bring 30 people?" needs no phone number.

Who: the booker and the provider side read and write. Platform admins read, to settle a complaint, but do not
write: they are no party to the booking. Members of the group booked for see the booking but not this
conversation, which is between the person who booked and the provider. Strangers do not learn that the
booking exists (NotFound, as for the booking itself).

When: open while the booking is pending or confirmed, and for ``open_after`` (7 days by default) once it is
over: after its end when the slot was used or due to be (confirmed, completed, no-show), after the decision
when it never was (cancelled, rejected, expired). Long enough to ask why, or about a forgotten umbrella; short
enough that a finished booking does not become a chat channel. Reading stays possible afterwards.

Limit: at most ``limit`` messages per author per booking in a sliding window (20 per hour), counted from the
messages themselves after the booking's row lock (PostgreSQL) or under SQLite's single write lock, so two
devices posting at the same moment cannot both take the last place.

Each message records ``booking.message`` in its own transaction; the notifications area tells the other side.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.accounts.throttle import Limit, parse_limit
from marketplace.bookings.locking import lock_booking
from marketplace.bookings.models import Booking, BookingMessage, BookingStatus, MessageSide
from marketplace.bookings.permissions import can_read_conversation, is_booker, takes_part_in_conversation
from marketplace.core import clock, events
from marketplace.core.errors import Conflict, Forbidden, TooManyAttempts
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.permissions import is_platform_admin
from marketplace.core.validation import clean_text

MAX_MESSAGE_LENGTH = 500
# Bookings that never used their slot: their conversation counts from the decision, not from the end.
NEVER_USED = (BookingStatus.cancelled, BookingStatus.rejected, BookingStatus.expired)


@dataclass(frozen=True)
class ConversationRules:
    limit: Limit
    open_after: timedelta

    @classmethod
    def from_config(cls, config) -> ConversationRules:
        return cls(parse_limit(config["BOOKING_MESSAGE_LIMIT"]),
                   timedelta(days=config["BOOKING_CONVERSATION_OPEN_DAYS"]))


def closes_at(booking: Booking, open_after: timedelta) -> datetime:
    """When the booking's conversation stops taking messages (see the module's rule)."""
    if booking.status in NEVER_USED:
        decided = max(event.at for event in booking.events if event.to_status is booking.status)
        return decided + open_after
    return booking.end_at + open_after


def is_open(booking: Booking, rules: ConversationRules, now: datetime | None = None) -> bool:
    return (now or clock.now()) < closes_at(booking, rules.open_after)


def list_messages(session: Session, viewer: User, booking: Booking, *, page: int = 1,
                  per_page: int = 20) -> tuple[list[BookingMessage], int]:
    """A page of the booking's messages, oldest first, and their total; Forbidden unless the viewer may read."""
    if not can_read_conversation(viewer, booking):
        raise Forbidden(_l("只有预约人和提供方可以查看这个预约的对话"))
    stmt = (select(BookingMessage).where(BookingMessage.booking_id == booking.id)
            .order_by(BookingMessage.created_at, BookingMessage.id).options(selectinload(BookingMessage.author)))
    return fetch_page(session, stmt, page=page, per_page=per_page)


def count_messages(session: Session, booking: Booking) -> int:
    return session.scalar(select(func.count()).where(BookingMessage.booking_id == booking.id))


def post_message(session: Session, author: User, booking: Booking, text, *, rules: ConversationRules,
                 now: datetime | None = None) -> BookingMessage:
    """Add the author's message to the booking's conversation and record ``booking.message`` (flushed).

    Raises Forbidden unless the author is the booker or the provider, ValidationFailed (``text``) when the text
    is blank or too long, Conflict when the conversation has closed, TooManyAttempts over the rate limit.
    """
    now = now or clock.now()
    if not takes_part_in_conversation(author, booking):
        if is_platform_admin(author):
            raise Forbidden(_l("平台管理员可以查看对话，但不能代替预约双方留言"))
        raise Forbidden(_l("只有预约人和提供方可以在这里留言"))
    text = clean_text(text, "text", MAX_MESSAGE_LENGTH, required=_l("请写下要说的话"),
                      too_long=_l("留言不能超过%(n)s个字", n=MAX_MESSAGE_LENGTH))
    lock_booking(session, booking)
    if not is_open(booking, rules, now):
        raise Conflict(_l("这个预约结束或取消已超过%(days)s天，对话已关闭", days=rules.open_after.days))
    _refuse_over_limit(session, rules.limit, booking, author, now)
    message = BookingMessage(booking_id=booking.id, author_id=author.id, text=text, created_at=now,
                             side=MessageSide.booker if is_booker(author, booking) else MessageSide.provider)
    session.add(message)
    session.flush()
    events.record(session, "booking.message", subject=("booking", booking.id),
                  payload={"message_id": message.id, "author_id": author.id, "listing_id": booking.listing_id,
                           "booker_id": booking.booker_id},
                  actor_id=author.id)
    return message


def _refuse_over_limit(session: Session, limit: Limit, booking: Booking, author: User, now: datetime) -> None:
    recent = list(session.scalars(
        select(BookingMessage.created_at)
        .where(BookingMessage.booking_id == booking.id, BookingMessage.author_id == author.id,
               BookingMessage.created_at > now - limit.window)
        .order_by(BookingMessage.created_at.desc()).limit(limit.count)))
    if len(recent) < limit.count:
        return
    # The oldest of the last ``count`` messages leaves the window first, freeing a place.
    seconds = max(1, math.ceil((recent[-1] + limit.window - now).total_seconds()))
    raise TooManyAttempts(_l("留言太频繁了，请在 %(minutes)s 分钟后再试", minutes=math.ceil(seconds / 60)),
                          retry_after=seconds)
