"""A resident unit's co-building pledge for one year.

The row is the co-building agreement (共驻共建协议) for that year: only the street (platform admins, or the
street's staff for a unit in their street) creates it; afterwards the unit's admins and the street may change
the hours pledged. What was delivered is never stored: ``pledges.services`` computes it from bookings.
"""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer, SmallInteger, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import Base, created_at, intpk, updated_at
from marketplace.organisations.models import Organisation


class Pledge(Base):
    __tablename__ = "pledges"
    __table_args__ = (
        UniqueConstraint("organisation_id", "year"),
        CheckConstraint("room_hours >= 0 AND volunteer_hours >= 0", name="hours_not_negative"),
        CheckConstraint("year >= 2000 AND year <= 2999", name="year_supported"),
    )

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(SmallInteger, index=True)
    room_hours: Mapped[int] = mapped_column(Integer)  # hours of its rooms opened to the community
    volunteer_hours: Mapped[int] = mapped_column(Integer)  # hours of its people's volunteering
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    organisation: Mapped[Organisation] = relationship()
