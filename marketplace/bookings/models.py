"""Bookings, their event log and recurring series.

A booking occupies ``[start_at, end_at)`` and blocks its listing for ``[start_at, blocked_until)``,
where ``blocked_until = end_at + the listing's buffer`` at the time of booking (clean-up time after
each use). Two bookings of a listing clash when their blocked spans overlap, so consecutive
bookings are always at least one buffer apart. ``blocked_until`` and ``exclusive`` (the listing had
capacity 1) are copied onto the row so that the database itself can refuse overlaps: an exclusion
constraint on PostgreSQL, a trigger on SQLite (see the migration that creates this table).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Base, created_at, intpk, updated_at
from marketplace.core.i18n import _l
from marketplace.groups.models import Group
from marketplace.listings.models import Listing


class BookingStatus(str, enum.Enum):
    pending = "pending"
    confirmed = "confirmed"
    completed = "completed"
    cancelled = "cancelled"
    rejected = "rejected"
    expired = "expired"
    no_show = "no_show"

    @property
    def label(self):
        return BOOKING_STATUS_LABELS[self]

    @property
    def holds_slot(self) -> bool:
        return self in ACTIVE_STATUSES


BOOKING_STATUS_LABELS = {
    BookingStatus.pending: _l("待审批"),
    BookingStatus.confirmed: _l("已确认"),
    BookingStatus.completed: _l("已完成"),
    BookingStatus.cancelled: _l("已取消"),
    BookingStatus.rejected: _l("未通过"),
    BookingStatus.expired: _l("已过期"),
    BookingStatus.no_show: _l("爽约"),
}

# A pending request holds its slot until it is decided or expires, exactly like a confirmed booking.
ACTIVE_STATUSES = (BookingStatus.pending, BookingStatus.confirmed)
ACTIVE_STATUS_VALUES = tuple(status.value for status in ACTIVE_STATUSES)


class Booking(Base):
    """One time slot of one listing for one booker (optionally on behalf of a group)."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("start_at < end_at", name="starts_before_end"),
        CheckConstraint("blocked_until >= end_at", name="blocked_after_end"),
        CheckConstraint("seats >= 1", name="seats_positive"),
        # "Bookings of a listing overlapping a window": equality on listing_id, range on start_at,
        # blocked_until read from the index (see availability.holds_overlapping).
        Index("ix_bookings_listing_window", "listing_id", "start_at", "blocked_until"),
        # The scheduler's sweeps: pending requests past their deadline, confirmed ones about to
        # start (reminders) or past their end (completion).
        Index("ix_bookings_status_deadline", "status", "approval_deadline"),
        Index("ix_bookings_status_start", "status", "start_at"),
        Index("ix_bookings_status_end", "status", "end_at"),
        Index("ix_bookings_booker_start", "booker_id", "start_at"),
    )

    id: Mapped[intpk]
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"))
    booker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("booking_series.id"), index=True)
    seats: Mapped[int] = mapped_column(Integer, default=1)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    blocked_until: Mapped[datetime]
    exclusive: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[BookingStatus] = mapped_column(Enum(BookingStatus, native_enum=False, length=16))
    purpose: Mapped[str] = mapped_column(String(200), default="")
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    approval_deadline: Mapped[datetime | None]
    # When staff were warned that the deadline is near (booking.deadline_near): set once, by a conditional update.
    deadline_warned_at: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    # Who of the organisation's members delivered it (staff record it): the three-way reviews' volunteer.
    served_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    listing: Mapped[Listing] = relationship()
    booker: Mapped[User] = relationship(foreign_keys=[booker_id])
    served_by: Mapped[User | None] = relationship(foreign_keys=[served_by_id])
    group: Mapped[Group | None] = relationship()
    series: Mapped[BookingSeries | None] = relationship(back_populates="bookings")
    events: Mapped[list[BookingEvent]] = relationship(
        back_populates="booking", cascade="all, delete-orphan", order_by="BookingEvent.id"
    )

    @property
    def duration_minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60)

    @property
    def is_active(self) -> bool:
        return self.status.holds_slot

    def is_overdue(self, now: datetime) -> bool:
        """A request nobody decided before its approval deadline: it holds nothing, and lapses when the scheduler
        sweeps it (in SQL: ``services.not_overdue``)."""
        return (self.status is BookingStatus.pending and self.approval_deadline is not None
                and self.approval_deadline <= now)

    def __repr__(self) -> str:
        return f"<Booking {self.id} listing={self.listing_id} {self.status.value} {self.start_at:%Y-%m-%d %H:%M}Z>"


class HoldPurpose(str, enum.Enum):
    waitlist = "waitlist"  # a freed slot kept for the first in line
    lottery = "lottery"  # a slot given out by a draw: nobody books it directly until the draw


class SlotHold(Base):
    """A slot kept free until ``held_until``, for one person (a waitlist offer) or for the winners of a lottery
    still to be drawn: while it stands, nobody else may book over its blocked span ``[start_at, blocked_until)``,
    counted like a booking by the availability rules (``availability._holding``). The row exists only while the
    hold does; it is deleted when the person books, leaves or lets it lapse (or the lottery is drawn), and counts
    no more once ``held_until`` has passed."""

    __tablename__ = "slot_holds"
    __table_args__ = (
        CheckConstraint("start_at < end_at", name="starts_before_end"),
        CheckConstraint("seats >= 1", name="seats_positive"),
        Index("ix_slot_holds_listing_window", "listing_id", "start_at", "blocked_until"),
    )

    id: Mapped[intpk]
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    blocked_until: Mapped[datetime]
    seats: Mapped[int] = mapped_column(Integer, default=1)
    held_until: Mapped[datetime]
    purpose: Mapped[HoldPurpose] = mapped_column(Enum(HoldPurpose, native_enum=False, length=16),
                                                 default=HoldPurpose.waitlist, server_default="waitlist")
    created_at: Mapped[created_at]


class BookingEvent(Base):
    """One entry of a booking's history: who did what, when and why (every transition writes one)."""

    __tablename__ = "booking_events"

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[BookingStatus | None] = mapped_column(Enum(BookingStatus, native_enum=False, length=16))
    to_status: Mapped[BookingStatus] = mapped_column(Enum(BookingStatus, native_enum=False, length=16))
    # None when the system acted (the scheduler expiring or completing a booking).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[created_at]

    booking: Mapped[Booking] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class MessageSide(str, enum.Enum):
    """Which side of the booking wrote a message: its booker, or its provider (staff or the volunteer)."""

    booker = "booker"
    provider = "provider"


class BookingMessage(Base):
    """One short message in a booking's conversation between its booker and its provider."""

    __tablename__ = "booking_messages"
    __table_args__ = (
        CheckConstraint("length(text) >= 1", name="text_not_empty"),
        # The conversation in order, and the per-author count of the last hour (the rate limit).
        Index("ix_booking_messages_booking_created", "booking_id", "created_at"),
        Index("ix_booking_messages_booking_author_created", "booking_id", "author_id", "created_at"),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Kept as written: a staff member who later leaves the organisation still wrote as the provider.
    side: Mapped[MessageSide] = mapped_column(Enum(MessageSide, native_enum=False, length=16))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[created_at]

    booking: Mapped[Booking] = relationship()
    author: Mapped[User] = relationship()

    @property
    def role_label(self):
        """居民 for the booker; 工作人员 for an organisation's staff, 志愿者 for a volunteer offering the listing."""
        if self.side is MessageSide.booker:
            return _l("居民")
        return _l("工作人员") if self.booking.listing.organisation_id is not None else _l("志愿者")


class ReminderOutcome(str, enum.Enum):
    sent = "sent"
    skipped = "skipped"


class BookingReminder(Base):
    """That a booking's reminder ``hours_before`` its start was dealt with: sent (with its event) or skipped.

    The primary key is the "exactly once": a second sweeper's row for the same reminder is refused.
    """

    __tablename__ = "booking_reminders"

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True)
    hours_before: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    outcome: Mapped[ReminderOutcome] = mapped_column(Enum(ReminderOutcome, native_enum=False, length=8))
    at: Mapped[datetime]


class SeriesFrequency(str, enum.Enum):
    weekly = "weekly"
    biweekly = "biweekly"
    monthly = "monthly"

    @property
    def label(self):
        return SERIES_FREQUENCY_LABELS[self]


SERIES_FREQUENCY_LABELS = {
    SeriesFrequency.weekly: _l("每周"),
    SeriesFrequency.biweekly: _l("每两周"),
    SeriesFrequency.monthly: _l("每月（第几个星期几）"),
}


class BookingSeries(Base):
    """Recurring bookings created together; the rule is an RFC 5545 RRULE over local wall-clock time."""

    __tablename__ = "booking_series"

    id: Mapped[intpk]
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    booker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    frequency: Mapped[SeriesFrequency] = mapped_column(Enum(SeriesFrequency, native_enum=False, length=16))
    rrule: Mapped[str] = mapped_column(Text)
    zone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    occurrence_count: Mapped[int] = mapped_column(SmallInteger)
    purpose: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[created_at]

    listing: Mapped[Listing] = relationship()
    booker: Mapped[User] = relationship()
    bookings: Mapped[list[Booking]] = relationship(back_populates="series", order_by="Booking.start_at")


class CalendarFeedToken(Base):
    """The secret in a person's calendar feed URL; only its hash is stored, and it can be revoked."""

    __tablename__ = "calendar_feed_tokens"

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[created_at]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
