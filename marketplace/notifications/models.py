from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Base, created_at, intpk
from marketplace.core.i18n import _l


class Kind(str, enum.Enum):
    """What a notification is about; preferences are per kind."""

    reminders = "reminders"
    decisions = "decisions"
    waitlist = "waitlist"
    messages = "messages"
    requests = "requests"  # staff: requests to decide, their deadlines, cancellations by bookers
    reviews = "reviews"  # a review of me revealed, a reply to mine, the decision on a review I reported
    feedback = "feedback"  # feedback to answer, an answer to mine, feedback escalated to my street
    wishes = "wishes"  # micro-wishes: mine reviewed, claimed, fulfilled; ones I claimed; ones to review (staff)
    lotteries = "lotteries"  # the outcome of a lottery I applied for
    invitations = "invitations"  # a need's staff invite my listing to it
    webhooks = "webhooks"  # a webhook endpoint I registered was disabled after failing

    @property
    def label(self):
        return KIND_LABELS[self]


KIND_LABELS = {
    Kind.reminders: _l("预约提醒"),
    Kind.decisions: _l("预约结果"),
    Kind.waitlist: _l("候补通知"),
    Kind.messages: _l("预约留言"),
    Kind.requests: _l("待审批的申请"),
    Kind.reviews: _l("评价"),
    Kind.feedback: _l("群众发声"),
    Kind.wishes: _l("微心愿"),
    Kind.lotteries: _l("抽签结果"),
    Kind.invitations: _l("需求邀请"),
    Kind.webhooks: _l("Webhook 通知"),
}


class Notification(Base):
    """One message in a user's inbox, its text rendered in their language when it was sent."""

    __tablename__ = "notifications"
    __table_args__ = (
        # One event never tells one person the same thing twice, however often its delivery runs.
        UniqueConstraint("event_id", "recipient_id", "kind"),
        Index("ix_notifications_recipient_read", "recipient_id", "read_at"),
        Index("ix_notifications_recipient_created", "recipient_id", "created_at"),
    )

    id: Mapped[intpk]
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[Kind] = mapped_column(Enum(Kind, native_enum=False, length=16, name="notificationkind"))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300))
    # The domain event it tells of; None for a digest (one a day, guarded by its DigestRun).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("domain_events.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    read_at: Mapped[datetime | None]
    emailed_at: Mapped[datetime | None]

    recipient: Mapped[User] = relationship()

    @property
    def read(self) -> bool:
        return self.read_at is not None


# Without a row of their own, a user has these: email on for every kind, reminders on, no digest.
PREFERENCE_DEFAULTS = {"reminders": True, "reminders_email": True, "decisions_email": True, "waitlist_email": True,
                       "messages_email": True, "requests_email": True, "requests_digest": False,
                       "reviews_email": True, "feedback_email": True, "wishes_email": True,
                       "lotteries_email": True, "invitations_email": True,
                       "webhooks_email": True}


def _preference(name: str, **kwargs):
    value = PREFERENCE_DEFAULTS[name]
    return mapped_column(Boolean, default=value, server_default=true() if value else false(), **kwargs)


class NotificationPreference(Base):
    """A user's choices, one row per user once they change any (PREFERENCE_DEFAULTS until then)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    reminders: Mapped[bool] = _preference("reminders")
    reminders_email: Mapped[bool] = _preference("reminders_email")
    decisions_email: Mapped[bool] = _preference("decisions_email")
    waitlist_email: Mapped[bool] = _preference("waitlist_email")
    messages_email: Mapped[bool] = _preference("messages_email")
    requests_email: Mapped[bool] = _preference("requests_email")
    requests_digest: Mapped[bool] = _preference("requests_digest", index=True)
    reviews_email: Mapped[bool] = _preference("reviews_email")
    feedback_email: Mapped[bool] = _preference("feedback_email")
    wishes_email: Mapped[bool] = _preference("wishes_email")
    lotteries_email: Mapped[bool] = _preference("lotteries_email")
    invitations_email: Mapped[bool] = _preference("invitations_email")
    webhooks_email: Mapped[bool] = _preference("webhooks_email")

    def email_for(self, kind: Kind) -> bool:
        return getattr(self, f"{kind.value}_email")


class DigestRun(Base):
    """A staff member's digest of one local day: the unique row makes it one a day, whoever sweeps."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
