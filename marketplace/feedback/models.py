"""Feedback and complaints, and the public answers to them.

The author is always stored; ``anonymous`` only hides them on public faces (platform admins still see who wrote).
``organisation_id`` is who must answer, settled when the item is sent: the listing's organisation, the organisation
itself, or the community's office (None for a volunteer's listing, answered by ``responder_user_id``, or a
community without an office). ``first_answered_at`` and ``response_seconds`` are set once, by the first answer.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Enum, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Base, created_at, intpk
from marketplace.core.i18n import _l, _lp


class FeedbackKind(str, enum.Enum):
    feedback = "feedback"
    complaint = "complaint"

    @property
    def label(self):
        return _l("投诉") if self is FeedbackKind.complaint else _l("意见建议")


class FeedbackSubject(str, enum.Enum):
    """What the item is about."""

    listing = "listing"
    organisation = "organisation"
    community = "community"

    @property
    def label(self):
        return SUBJECT_LABELS[self]


SUBJECT_LABELS = {
    FeedbackSubject.listing: _lp("one", "资源"),
    FeedbackSubject.organisation: _lp("one", "组织"),
    FeedbackSubject.community: _l("社区"),
}


class Feedback(Base):
    __tablename__ = "feedback_items"
    __table_args__ = (
        CheckConstraint("response_seconds IS NULL OR response_seconds >= 0", name="response_not_negative"),
        # The escalation sweep: unanswered, not yet escalated items, oldest first.
        Index("ix_feedback_items_awaiting", "created_at",
              postgresql_where=sql("first_answered_at IS NULL AND escalated_at IS NULL"),
              sqlite_where=sql("first_answered_at IS NULL AND escalated_at IS NULL")),
        # An organisation's median: its answered items' response times, read in order from the index.
        Index("ix_feedback_items_org_response", "organisation_id", "response_seconds"),
        Index("ix_feedback_items_created", "created_at"),
        # The public dashboard's medians of a community and of the street, read in order the same way.
        Index("ix_feedback_items_community_response", "community_id", "response_seconds"),
        Index("ix_feedback_items_response", "response_seconds"),
    )

    id: Mapped[intpk]
    kind: Mapped[FeedbackKind] = mapped_column(Enum(FeedbackKind, native_enum=False, length=16))
    subject: Mapped[FeedbackSubject] = mapped_column(Enum(FeedbackSubject, native_enum=False, length=16))
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    responder_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The community it concerns (also for a listing or an organisation: where they are), and its street.
    community_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    about: Mapped[str] = mapped_column(String(200))  # the subject's name when sent, for lists and messages
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]
    first_answered_at: Mapped[datetime | None]
    response_seconds: Mapped[int | None] = mapped_column(Integer)
    escalated_at: Mapped[datetime | None]

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    answers: Mapped[list[FeedbackAnswer]] = relationship(back_populates="feedback", order_by="FeedbackAnswer.id",
                                                         cascade="all, delete-orphan")

    @property
    def answered(self) -> bool:
        return self.first_answered_at is not None


class FeedbackAnswer(Base):
    """One public answer: by the responsible side, or by the street's staff."""

    __tablename__ = "feedback_answers"

    id: Mapped[intpk]
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback_items.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    by_street: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]

    feedback: Mapped[Feedback] = relationship(back_populates="answers")
    author: Mapped[User] = relationship()
