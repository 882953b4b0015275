from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import Base, intpk


class ListingView(Base):
    """A signed-in resident opened a listing's page: the raw material of "for you" and popularity."""

    __tablename__ = "listing_views"
    __table_args__ = (
        Index("ix_listing_views_user_viewed", "user_id", "viewed_at"),
        Index("ix_listing_views_listing_viewed", "listing_id", "viewed_at"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    viewed_at: Mapped[datetime]
