"""What each final booking added to attendance and reliability (the figures themselves: ``core.reputation``).

``ReputationOutcome`` lets an incremental update run twice, or after the nightly recompute already counted its
booking, change nothing.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import Base
from marketplace.core.reputation import (ABOUT_BOOKERS, ABOUT_PROVIDERS, BOOKER, LAST_RECOMPUTE, LISTING,
                                         ORGANISATION, PLATFORM, PROVIDER, Reputation)

__all__ = ["ABOUT_BOOKERS", "ABOUT_PROVIDERS", "BOOKER", "LAST_RECOMPUTE", "LISTING", "ORGANISATION", "PLATFORM",
           "PROVIDER", "Reputation", "ReputationOutcome"]


class ReputationOutcome(Base):
    """What one final booking counted for: kept, no_show, late_cancel or provider_cancel."""

    __tablename__ = "reputation_outcomes"

    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False)
    outcome: Mapped[str] = mapped_column(String(16))
    # When the booking reached it: a no-show or cancellation weighs in the score from then (and decays).
    at: Mapped[datetime]
