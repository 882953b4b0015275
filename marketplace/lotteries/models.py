"""Lotteries: a slot of a listing given out by a draw instead of first come, first served.

A lottery is ``open`` from its creation: a ``SlotHold`` of purpose ``lottery`` (bookings) keeps the whole slot
from being booked directly; residents apply between ``applications_open_at`` and ``applications_close_at``; at
``draw_at`` the scheduler draws (``drawn``): the seed and the applicants' ids are published with the outcome.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Base, created_at, intpk
from marketplace.core.i18n import _l
from marketplace.listings.models import Listing


class LotteryStatus(str, enum.Enum):
    open = "open"
    drawn = "drawn"

    @property
    def label(self):
        return LOTTERY_STATUS_LABELS[self]


LOTTERY_STATUS_LABELS = {LotteryStatus.open: _l("报名中"), LotteryStatus.drawn: _l("已抽签")}


class Priority(str, enum.Enum):
    """Who is drawn first: nobody (one tier), or the residents of the listing's community."""

    none = "none"
    community_residents = "community_residents"

    @property
    def label(self):
        return PRIORITY_LABELS[self]


PRIORITY_LABELS = {
    Priority.none: _l("不设优先：所有报名者一起抽签"),
    Priority.community_residents: _l("本社区居民优先：先在本社区居民中抽签，名额有余再抽其他报名者"),
}


class Outcome(str, enum.Enum):
    won = "won"
    lost = "lost"
    refused = "refused"  # drawn a seat, but the booking rules refused the booking: the seat passed on

    @property
    def label(self):
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {Outcome.won: _l("中签"), Outcome.lost: _l("未中签"), Outcome.refused: _l("中签但不符合预约规则")}


class Lottery(Base):
    """One slot ``[start_at, end_at)`` of a listing, with ``seats`` winners, drawn at ``draw_at``."""

    __tablename__ = "lotteries"
    __table_args__ = (
        CheckConstraint("start_at < end_at", name="starts_before_end"),
        CheckConstraint("applications_open_at < applications_close_at", name="window_opens_before_close"),
        CheckConstraint("applications_close_at <= draw_at", name="draw_after_window"),
        CheckConstraint("seats >= 1", name="seats_positive"),
        # The scheduler's sweep of open lotteries whose draw time came.
        Index("ix_lotteries_status_draw_at", "status", "draw_at"),
        Index("ix_lotteries_listing_start", "listing_id", "start_at"),
    )

    id: Mapped[intpk]
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    seats: Mapped[int] = mapped_column(Integer)
    applications_open_at: Mapped[datetime]
    applications_close_at: Mapped[datetime]
    draw_at: Mapped[datetime]
    priority: Mapped[Priority] = mapped_column(Enum(Priority, native_enum=False, length=24))
    status: Mapped[LotteryStatus] = mapped_column(Enum(LotteryStatus, native_enum=False, length=16))
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("slot_holds.id", ondelete="SET NULL"))
    seed: Mapped[str | None] = mapped_column(String(64))
    drawn_at: Mapped[datetime | None]
    created_at: Mapped[created_at]

    listing: Mapped[Listing] = relationship()
    applications: Mapped[list[LotteryApplication]] = relationship(back_populates="lottery",
                                                                  order_by="LotteryApplication.id")


class LotteryApplication(Base):
    """One person's application; ``tier``, ``rank`` and ``outcome`` are written by the draw."""

    __tablename__ = "lottery_applications"
    __table_args__ = (UniqueConstraint("lottery_id", "user_id"),)

    id: Mapped[intpk]
    lottery_id: Mapped[int] = mapped_column(ForeignKey("lotteries.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[created_at]
    tier: Mapped[int | None]
    rank: Mapped[int | None]
    outcome: Mapped[Outcome | None] = mapped_column(Enum(Outcome, native_enum=False, length=16))
    refusal: Mapped[str | None] = mapped_column(String(300))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    waitlist_entry_id: Mapped[int | None] = mapped_column(ForeignKey("waitlist_entries.id", ondelete="SET NULL"))

    lottery: Mapped[Lottery] = relationship(back_populates="applications")
    user: Mapped[User] = relationship()
