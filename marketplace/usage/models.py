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
    # No-shows the check-in rule released (a subset of no_show), and the minutes cancelled bookings were
    # cancelled ahead of their start, summed: the dashboard's auto-release rate and mean cancellation lead time.
    released: Mapped[int] = mapped_column(Integer, server_default="0")
    cancel_lead_minutes: Mapped[int] = mapped_column(Integer, server_default="0")
    # booked_minutes split by local hour of the day: the busiest-hours heat map sums these by weekday in SQL.
    booked_h00: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h01: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h02: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h03: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h04: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h05: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h06: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h07: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h08: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h09: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h10: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h11: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h12: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h13: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h14: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h15: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h16: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h17: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h18: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h19: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h20: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h21: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h22: Mapped[int] = mapped_column(Integer, server_default="0")
    booked_h23: Mapped[int] = mapped_column(Integer, server_default="0")

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
