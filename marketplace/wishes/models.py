"""A wish, its co-claimers and its photos.

A wish is shown on the wall of one place (``wall_place_id``): its grid at first, then its community and its
street when nobody claims it in time (``escalate_at``, the scheduler's ``escalate_wishes``). A claim has a
deadline for progress (``claim_due_at``, the scheduler's ``release_wish_claims``); both due times are indexed
with the status, so a sweep reads only what is due.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Index, Integer, Numeric, SmallInteger, String, Text, \
    UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Base, created_at, intpk
from marketplace.core.i18n import _l
from marketplace.groups.models import Group
from marketplace.places.models import Place


class WishStatus(str, enum.Enum):
    pending = "pending"  # waiting for community staff to review it
    sent_back = "sent_back"  # staff asked for a change; the poster edits and sends it again
    open = "open"  # on the wall, nobody has claimed it
    claimed = "claimed"
    fulfilled = "fulfilled"  # the claimant says it is done; the resident has not confirmed yet
    confirmed = "confirmed"

    @property
    def label(self):
        return WISH_STATUS_LABELS[self]


WISH_STATUS_LABELS = {
    WishStatus.pending: _l("待审核"),
    WishStatus.sent_back: _l("已退回修改"),
    WishStatus.open: _l("待认领"),
    WishStatus.claimed: _l("已认领"),
    WishStatus.fulfilled: _l("已完成，待确认"),
    WishStatus.confirmed: _l("已圆梦"),
}
# What the public wall shows: approved wishes not yet confirmed.
ON_THE_WALL = (WishStatus.open, WishStatus.claimed, WishStatus.fulfilled)


class Wish(Base):
    __tablename__ = "wishes"
    __table_args__ = (
        Index("ix_wishes_status_escalate_at", "status", "escalate_at"),
        Index("ix_wishes_status_claim_due_at", "status", "claim_due_at"),
        Index("ix_wishes_status_wall_place_id", "status", "wall_place_id"),
        # The public dashboard's counts of a community's wishes by status, off the index alone.
        Index("ix_wishes_community_id_status", "community_id", "status"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_1_to_5"),
        CheckConstraint("hours IS NULL OR hours > 0", name="hours_positive"),
    )

    id: Mapped[intpk]
    title: Mapped[str] = mapped_column(String(60))
    need: Mapped[str] = mapped_column(Text)
    needed_by: Mapped[date] = mapped_column(Date)
    # Whom it is for, and who typed it in: a community staff member posting for them (代办) when they differ.
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    posted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # A wish posted for someone waits for them to agree (or staff to say they agreed in person) before it is shown.
    resident_confirmed_at: Mapped[datetime | None]
    resident_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Where the resident lives (a building or a grid; never shown in public) and the grid and community above it.
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    wall_place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    status: Mapped[WishStatus] = mapped_column(Enum(WishStatus, native_enum=False, length=16),
                                               default=WishStatus.pending)
    sent_back_reason: Mapped[str | None] = mapped_column(String(500))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    escalate_at: Mapped[datetime | None]
    claimant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # A group's leader may claim for the group: the leader answers for the claim, the group is credited.
    claimant_group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None]
    claim_due_at: Mapped[datetime | None]
    fulfilment_note: Mapped[str | None] = mapped_column(String(500))
    hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    fulfilled_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    thanks: Mapped[str | None] = mapped_column(String(500))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[created_at]

    resident: Mapped[User] = relationship(foreign_keys=[resident_id])
    posted_by: Mapped[User] = relationship(foreign_keys=[posted_by_id])
    claimant: Mapped[User | None] = relationship(foreign_keys=[claimant_id])
    claimant_group: Mapped[Group | None] = relationship()
    place: Mapped[Place] = relationship(foreign_keys=[place_id])
    grid: Mapped[Place] = relationship(foreign_keys=[grid_id])
    wall_place: Mapped[Place] = relationship(foreign_keys=[wall_place_id])
    co_claimers: Mapped[list[WishCoClaimer]] = relationship(back_populates="wish", cascade="all, delete-orphan",
                                                            order_by="WishCoClaimer.id")
    photos: Mapped[list[WishPhoto]] = relationship(back_populates="wish", cascade="all, delete-orphan",
                                                   order_by="WishPhoto.id")

    @property
    def on_behalf(self) -> bool:
        return self.posted_by_id != self.resident_id

    @property
    def level(self) -> str:
        """Which wall it is on: grid, community or street (the kind of ``wall_place``)."""
        return self.wall_place.kind.value


class PhotoOf(str, enum.Enum):
    wish = "wish"  # the poster's, of what is needed
    fulfilment = "fulfilment"  # the claimant's, of what was done


class WishPhoto(Base):
    """A photo of a wish or of its fulfilment, stored under instance/uploads/wishes: not the public /uploads,
    since only those taking part and the community's staff may see it (a photo can show who and where)."""

    __tablename__ = "wish_photos"

    id: Mapped[intpk]
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id", ondelete="CASCADE"), index=True)
    of: Mapped[PhotoOf] = mapped_column(Enum(PhotoOf, native_enum=False, length=16))
    filename: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]

    wish: Mapped[Wish] = relationship(back_populates="photos")


class WishCoClaimer(Base):
    """Someone who joined the claimant's claim to help."""

    __tablename__ = "wish_co_claimers"
    __table_args__ = (UniqueConstraint("wish_id", "user_id"),)

    id: Mapped[intpk]
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_at]

    wish: Mapped[Wish] = relationship(back_populates="co_claimers")
    user: Mapped[User] = relationship()
