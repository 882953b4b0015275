"""Reputation figures, one row per subject: a listing, an organisation, a volunteer provider, a booker, and rows
for the platform (whose means are the prior). The reputation area keeps them (see ``reputation.services`` for the
formula); they live in core because the listings, organisations and people they describe load them with
themselves, and core is the one place every area may import.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import Base

LISTING, ORGANISATION, PROVIDER, BOOKER, PLATFORM = "listing", "organisation", "provider", "booker", "platform"
# The platform rows' subject ids: the mean of reviews about providers (the prior of listings, organisations and
# volunteers), the mean of reviews about bookers, and the row that remembers the last full recompute.
ABOUT_PROVIDERS, ABOUT_BOOKERS, LAST_RECOMPUTE = 1, 2, 3


class Reputation(Base):
    __tablename__ = "reputations"

    subject_type: Mapped[str] = mapped_column(String(12), primary_key=True)
    subject_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    review_count: Mapped[int] = mapped_column(default=0)
    stars_1: Mapped[int] = mapped_column(default=0)
    stars_2: Mapped[int] = mapped_column(default=0)
    stars_3: Mapped[int] = mapped_column(default=0)
    stars_4: Mapped[int] = mapped_column(default=0)
    stars_5: Mapped[int] = mapped_column(default=0)
    star_total: Mapped[int] = mapped_column(default=0)
    weighted_stars: Mapped[float] = mapped_column(Float, default=0.0)
    weight: Mapped[float] = mapped_column(Float, default=0.0)
    kept: Mapped[int] = mapped_column(default=0)
    no_shows: Mapped[int] = mapped_column(default=0)
    late_cancels: Mapped[int] = mapped_column(default=0)
    provider_cancels: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None] = mapped_column(Float)
    # A booker's standing: None, or why their bookings need approval even on instant listings
    # ("low_score", "no_shows"; see ``services.standing``).
    standing: Mapped[str | None] = mapped_column(String(16))
    scored_at: Mapped[datetime | None]

    @property
    def distribution(self) -> dict[int, int]:
        return {n: getattr(self, f"stars_{n}") for n in range(1, 6)}

    @property
    def rating(self) -> float | None:
        """The score to show, one decimal; None until a review (or a failure that weighs like one) counts."""
        return round(self.score, 1) if self.weight and self.score is not None else None

    @property
    def attendance(self) -> float | None:
        """A booker's share of bookings kept (no-shows and late cancellations count against)."""
        total = self.kept + self.no_shows + self.late_cancels
        return self.kept / total if total else None

    @property
    def reliability(self) -> float | None:
        """A provider's share of confirmed bookings it kept (its own cancellations count against)."""
        total = self.kept + self.provider_cancels
        return self.kept / total if total else None
