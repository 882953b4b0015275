"""Needs: what an organisation (a community's office among them) asks its neighbourhood for, item by item.

One model for the needs list and the projects list: a need is ``open`` while it only asks, and becomes a
project (``in_progress``) once its staff invite a first provider to one of its items; both lists are the same
rows filtered by status, so a need never has to be copied into a project, and its items and invitations
stay with it.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import Base, created_at, intpk
from marketplace.core.i18n import _l
from marketplace.listings.models import Listing, ListingKind
from marketplace.organisations.models import Organisation
from marketplace.places.models import Place


class NeedStatus(str, enum.Enum):
    open = "open"
    in_progress = "in_progress"

    @property
    def label(self):
        return NEED_STATUS_LABELS[self]


NEED_STATUS_LABELS = {NeedStatus.open: _l("征集中"), NeedStatus.in_progress: _l("进行中的项目")}


class Need(Base):
    """A project an organisation publishes for a community: a title, what it is for, and its items."""

    __tablename__ = "needs"
    __table_args__ = (Index("ix_needs_community_status", "community_id", "status", "id"),)

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[NeedStatus] = mapped_column(Enum(NeedStatus, native_enum=False, length=16))
    created_at: Mapped[created_at]

    organisation: Mapped[Organisation] = relationship()
    community: Mapped[Place] = relationship()
    items: Mapped[list[NeedItem]] = relationship(back_populates="need", order_by="NeedItem.id",
                                                 cascade="all, delete-orphan")


class NeedItem(Base):
    """One thing a need asks for: a kind of listing (a room, a skill, a service), in words, how many, and when."""

    __tablename__ = "need_items"
    __table_args__ = (
        CheckConstraint("start_at < end_at", name="starts_before_end"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
    )

    id: Mapped[intpk]
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ListingKind] = mapped_column(Enum(ListingKind, native_enum=False, length=16))
    text: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]

    need: Mapped[Need] = relationship(back_populates="items")
    invitations: Mapped[list[NeedInvitation]] = relationship(back_populates="item", order_by="NeedInvitation.id")


class NeedInvitation(Base):
    """A listing invited to an item of a need, and who invited it (its provider hears of it in their inbox)."""

    __tablename__ = "need_invitations"
    __table_args__ = (UniqueConstraint("item_id", "listing_id"),)

    id: Mapped[intpk]
    item_id: Mapped[int] = mapped_column(ForeignKey("need_items.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]

    item: Mapped[NeedItem] = relationship(back_populates="invitations")
    listing: Mapped[Listing] = relationship()
