"""Waitlist entries: a person waiting for one exact slot of a listing that was taken when they asked.

An entry is ``waiting`` until the slot frees; the first in line is then ``offered`` it, with a
``SlotHold`` (bookings) keeping it free for them until ``hold_until``; they book it (``accepted``,
``booking_id``) or the hold runs out (``lapsed``) and the next in line is offered it.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import Base, created_at, intpk
from marketplace.core.i18n import _l
from marketplace.listings.models import Listing


class EntryStatus(str, enum.Enum):
    waiting = "waiting"
    offered = "offered"
    accepted = "accepted"
    lapsed = "lapsed"

    @property
    def label(self):
        return ENTRY_STATUS_LABELS[self]


ENTRY_STATUS_LABELS = {
    EntryStatus.waiting: _l("候补中"),
    EntryStatus.offered: _l("为你保留中"),
    EntryStatus.accepted: _l("已预约"),
    EntryStatus.lapsed: _l("保留已过期"),
}


class WaitlistEntry(Base):
    """One person in line for one slot ``[start_at, end_at)`` of one listing; the oldest entry is first."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        UniqueConstraint("user_id", "listing_id", "start_at", "end_at"),
        CheckConstraint("start_at < end_at", name="starts_before_end"),
        CheckConstraint("seats >= 1", name="seats_positive"),
        # Who waits for a freed span of a listing, and the scheduler's sweep of holds that ran out.
        Index("ix_waitlist_entries_listing_start", "listing_id", "start_at"),
        Index("ix_waitlist_entries_status_hold_until", "status", "hold_until"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    seats: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[EntryStatus] = mapped_column(Enum(EntryStatus, native_enum=False, length=16))
    created_at: Mapped[created_at]
    offered_at: Mapped[datetime | None]
    hold_until: Mapped[datetime | None]
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("slot_holds.id", ondelete="SET NULL"))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))

    listing: Mapped[Listing] = relationship()
