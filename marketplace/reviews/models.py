"""Reviews of a booking, one per side, and reports of abusive ones.

A review is double-blind: ``revealed_at`` stays empty (only its author sees it) until the other side has
written too or ``window_closes_at`` has passed (the scheduler's ``reveal_reviews``). ``counted`` says
whether the reputation includes it (revealed and not hidden); only ``reputation.services`` flips it, under
the review's row lock, so that a delivery run twice or beside the nightly recompute counts it once.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Enum, ForeignKey, Index, SmallInteger, String, Text,
                        UniqueConstraint, false)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.bookings.models import Booking
from marketplace.core.db import Base, created_at, intpk
from marketplace.core.i18n import _l


class ReviewSide(str, enum.Enum):
    """Who wrote it: the booker (about the listing, its provider and who served), the provider (about the booker),
    and on a booking an organisation's member served (three-way) the organisation's staff (about that volunteer)
    and the volunteer (about the organisation)."""

    booker = "booker"
    provider = "provider"
    organisation = "organisation"
    volunteer = "volunteer"


# The pairs that reveal together: the booker and the provider; the organisation and its volunteer.
COUNTERPART = {ReviewSide.booker: ReviewSide.provider, ReviewSide.provider: ReviewSide.booker,
               ReviewSide.organisation: ReviewSide.volunteer, ReviewSide.volunteer: ReviewSide.organisation}


# Tags fitting the side reviewed: a booker tags the provider, a provider tags the booker.
PROVIDER_TAGS = {
    "punctual": _l("守时"), "professional": _l("专业"), "warm": _l("热情"), "tidy": _l("整洁"),
    "as_described": _l("与描述一致"), "responsive": _l("回复及时"),
}
BOOKER_TAGS = {
    "punctual": _l("守时"), "kept_word": _l("守约"), "tidy": _l("整洁"), "polite": _l("礼貌"),
    "careful": _l("爱护设施"),
}
VOLUNTEER_TAGS = {
    "punctual": _l("守时"), "professional": _l("专业"), "warm": _l("热情"), "responsible": _l("认真负责"),
}
ORGANISATION_TAGS = {
    "well_organised": _l("组织有序"), "supportive": _l("保障到位"), "respectful": _l("尊重志愿者"),
}
TAGS_ABOUT = {ReviewSide.booker: PROVIDER_TAGS, ReviewSide.provider: BOOKER_TAGS,
              ReviewSide.organisation: VOLUNTEER_TAGS, ReviewSide.volunteer: ORGANISATION_TAGS}


class Review(Base):
    """One side's stars, tags and words about the other side of one booking."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("booking_id", "side"),
        CheckConstraint("stars >= 1 AND stars <= 5", name="stars_1_to_5"),
        # The scheduler's reveal sweep: unrevealed reviews by the end of their window.
        Index("ix_reviews_unrevealed_window", "window_closes_at", postgresql_where=sql("revealed_at IS NULL"),
              sqlite_where=sql("revealed_at IS NULL")),
        Index("ix_reviews_listing_revealed", "listing_id", "revealed_at"),
    )

    id: Mapped[intpk]
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    side: Mapped[ReviewSide] = mapped_column(Enum(ReviewSide, native_enum=False, length=16))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Whom it is about: a booker's review the listing, its organisation or volunteer provider and the member who
    # served; a provider's the booker; the organisation's the volunteer; the volunteer's the organisation.
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    reviewee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    stars: Mapped[int] = mapped_column(SmallInteger)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]
    window_closes_at: Mapped[datetime]
    revealed_at: Mapped[datetime | None]
    hidden: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    counted: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None]
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    booking: Mapped[Booking] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    @property
    def tag_labels(self) -> list:
        labels = TAGS_ABOUT[self.side]
        return [labels[tag] for tag in self.tags if tag in labels]


class ReportDecision(str, enum.Enum):
    hide = "hide"
    keep = "keep"


class ReviewReport(Base):
    """Someone's report that a review is abusive, and the platform admin's decision on it."""

    __tablename__ = "review_reports"
    __table_args__ = (
        UniqueConstraint("review_id", "reporter_id"),
        Index("ix_review_reports_undecided", "created_at", postgresql_where=sql("decided_at IS NULL"),
              sqlite_where=sql("decided_at IS NULL")),
    )

    id: Mapped[intpk]
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[created_at]
    decision: Mapped[ReportDecision | None] = mapped_column(Enum(ReportDecision, native_enum=False, length=8))
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    review: Mapped[Review] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
