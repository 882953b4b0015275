from __future__ import annotations

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import Base, created_at, intpk
from marketplace.listings.models import Listing


class Favourite(Base):
    """A listing a user saved (收藏); saving twice keeps one row."""

    __tablename__ = "favourites"
    __table_args__ = (UniqueConstraint("user_id", "listing_id"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[created_at]

    listing: Mapped[Listing] = relationship()
