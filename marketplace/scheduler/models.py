"""The lease that lets one scheduler process act at a time."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import Base


class SchedulerLease(Base):
    """Held by ``holder`` (host:pid:random) until ``expires_at``; the holder renews it and beats at ``heartbeat_at``."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]
