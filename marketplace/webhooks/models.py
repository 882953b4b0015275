"""Webhook endpoints that organisations (and the platform) register, and the deliveries sent to them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import Base, created_at, intpk
from marketplace.organisations.models import Organisation

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"


class WebhookEndpoint(Base):
    """A URL that hears of some public event types: an organisation's (its own bookings and reviews) or, without
    an organisation, the platform's (everything)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[intpk]
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                        index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(100))
    # After a rotation the old secret signs too, until this time, so receivers can switch without a gap.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    disabled_reason: Mapped[str] = mapped_column(String(200), default="")
    # Deliveries that ended failed in a row, and when the current run of failures began (reset by a success).
    failed_deliveries: Mapped[int] = mapped_column(default=0, server_default="0")
    failing_since: Mapped[datetime | None]
    created_at: Mapped[created_at]

    organisation: Mapped[Organisation | None] = relationship()


class WebhookDelivery(Base):
    """One event for one endpoint: its message id and body fixed when created, so every attempt and replay sends
    the same bytes; pending until an attempt succeeds or the retry schedule runs out."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
    )

    id: Mapped[intpk]
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("domain_events.id", ondelete="SET NULL"))
    event_type: Mapped[str] = mapped_column(String(60))
    message_id: Mapped[str] = mapped_column(String(60), unique=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # The attempts made before the latest replay: the retry schedule counts from there.
    schedule_offset: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[created_at]
    finished_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship()
    log: Mapped[list[WebhookAttempt]] = relationship(order_by="WebhookAttempt.id", back_populates="delivery",
                                                      cascade="all, delete-orphan")


class WebhookAttempt(Base):
    """One send of a delivery: written when it is claimed (the unique number makes each attempt happen once),
    its response code or error filled in afterwards."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (UniqueConstraint("delivery_id", "number"),)

    id: Mapped[intpk]
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    number: Mapped[int]
    started_at: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    error: Mapped[str] = mapped_column(String(300), default="")

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="log")
