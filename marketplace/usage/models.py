"""One row per listing per local day (``usage_snapshots``), and the days every listing has one of (``usage_days``)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import Base, intpk
from marketplace.listings.models import Listing


class UsageSnapshot(Base):
    """A listing's local day in figures. Bookings count on the day they start; times are minutes of that day."""

    __tablename__ = "usage_snapshots"
    __table_args__ = (
        UniqueConstraint("listing_id", "day"),
        # A day's rows in listing order: where a sweep interrupted mid-day resumes, and the admin's "by day" reads.
        Index("ix_usage_snapshots_day_listing_id", "day", "listing_id"),
    )

    id: Mapped[intpk]
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    open_minutes: Mapped[int] = mapped_column(Integer)
    booked_minutes: Mapped[int] = mapped_column(Integer)
    bookings: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)
    confirmed: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    cancelled: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    expired: Mapped[int] = mapped_column(Integer)
    no_show: Mapped[int] = mapped_column(Integer)
    cancelled_by_booker: Mapped[int] = mapped_column(Integer)
    cancelled_by_provider: Mapped[int] = mapped_column(Integer)
    people_served: Mapped[int] = mapped_column(Integer)

    listing: Mapped[Listing] = relationship()

    @property
    def open_hours(self) -> float:
        return round(self.open_minutes / 60, 2)

    @property
    def booked_hours(self) -> float:
        return round(self.booked_minutes / 60, 2)


class UsageDay(Base):
    """A local day for which every listing that existed has its snapshot: the sweep's progress."""

    __tablename__ = "usage_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    listings: Mapped[int] = mapped_column(Integer)
    completed_at: Mapped[datetime]
