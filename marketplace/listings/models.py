from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (JSON, and_, Boolean, CheckConstraint, Date, Enum, ForeignKey, Index, Integer, Numeric, SmallInteger,
                        String, Text, Time, false, true)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.reputation import Reputation
from marketplace.core.db import Base, created_at, intpk, updated_at
from marketplace.core.i18n import _l
from marketplace.core.ids import child_uuid, new_uuid
from marketplace.organisations.models import Organisation
from marketplace.places.models import Place


class ListingKind(str, enum.Enum):
    space = "space"
    skill = "skill"
    service = "service"

    @property
    def label(self):
        return LISTING_KIND_LABELS[self]


LISTING_KIND_LABELS = {ListingKind.space: _l("场地"), ListingKind.skill: _l("技能"), ListingKind.service: _l("服务")}


class ListingStatus(str, enum.Enum):
    draft = "draft"
    published = "published"
    suspended = "suspended"

    @property
    def label(self):
        return LISTING_STATUS_LABELS[self]


LISTING_STATUS_LABELS = {
    ListingStatus.draft: _l("草稿"),
    ListingStatus.published: _l("已发布"),
    ListingStatus.suspended: _l("已暂停"),
}


class FeeType(str, enum.Enum):
    free = "free"
    money = "money"
    points = "points"

    @property
    def label(self):
        return FEE_TYPE_LABELS[self]


FEE_TYPE_LABELS = {FeeType.free: _l("免费"), FeeType.money: _l("收费（仅供参考）"), FeeType.points: _l("志愿积分")}

FACILITIES = {
    "projector": _l("投影仪"),
    "sound": _l("音响"),
    "air_conditioning": _l("空调"),
    "wheelchair": _l("无障碍通道"),
    "water": _l("饮水机"),
    "whiteboard": _l("白板"),
    "piano": _l("钢琴"),
    "mirror": _l("舞蹈镜"),
    "computer": _l("电脑"),
    "printer": _l("打印机"),
    "wifi": _l("无线网络"),
    "parking": _l("停车位"),
    "nursing_room": _l("母婴室"),
    "elevator": _l("电梯"),
    "first_aid": _l("急救箱"),
}

WEEKDAY_LABELS = [_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日")]


def _service_at_location_id(context) -> str:
    """Derived from the service's id (set explicitly or by its own default, which runs first: it is the column
    before this one), as every HSDS child object's id is."""
    return child_uuid(context.get_current_parameters()["hsds_id"], "service_at_location")


class Listing(Base):
    """One bookable thing offered by an organisation or by a volunteer."""

    __tablename__ = "listings"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("people IS NULL OR people >= 1", name="people_positive"),
        CheckConstraint("(organisation_id IS NULL) <> (provider_user_id IS NULL)", name="one_provider"),
        # Browse's order (newest published first): a page reads its rows off the index, however many listings.
        Index("ix_listings_published_order", "status", "published_at", "id"),
    )

    id: Mapped[intpk]
    kind: Mapped[ListingKind] = mapped_column(Enum(ListingKind, native_enum=False, length=16), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    facilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    provider_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    # Two different numbers: ``people`` is how many people the room or class holds (shown, searched by);
    # ``capacity`` is how many bookings it takes at once: 1 is exclusive (one booking has it all),
    # N shares it seat by seat between N bookers. None: the provider has not said (skills, services).
    people: Mapped[int | None] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    # The ids the open-data exchange (exchange.hsds) gives the listing's service and its service_at_location:
    # stored, so a detail request finds them by index; an imported listing keeps the service id it came with.
    hsds_id: Mapped[str] = mapped_column(String(36), unique=True, index=True, default=new_uuid)
    hsds_service_at_location_id: Mapped[str] = mapped_column(String(36), unique=True, index=True,
                                                             default=_service_at_location_id)

    @property
    def is_exclusive(self) -> bool:
        return self.capacity == 1
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    min_duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    max_duration_minutes: Mapped[int] = mapped_column(Integer, default=240)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=60)
    max_advance_days: Mapped[int] = mapped_column(Integer, default=30)
    cancel_cutoff_minutes: Mapped[int] = mapped_column(Integer, default=120)
    instant_booking: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Check-in at the door: the booker scans the listing's QR code from ``check_in_opens_minutes`` before the
    # start until ``release_after_minutes`` after it; a confirmed booking still not checked in then is released.
    requires_check_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    check_in_opens_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    release_after_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    # Fair use: how much one person or group may hold; None means no cap.
    max_active_bookings_per_booker: Mapped[int | None] = mapped_column(Integer)
    max_hours_per_week_per_booker: Mapped[int | None] = mapped_column(Integer)
    fee_type: Mapped[FeeType] = mapped_column(Enum(FeeType, native_enum=False, length=16), default=FeeType.free)
    fee_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    rules: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ListingStatus] = mapped_column(
        Enum(ListingStatus, native_enum=False, length=16), default=ListingStatus.draft, index=True
    )
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    # Suspended by a platform admin (moderation): only a platform admin may make it public again.
    suspended_by_platform: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published_at: Mapped[datetime | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[updated_at]

    organisation: Mapped[Organisation | None] = relationship()
    provider_user: Mapped[User | None] = relationship()
    place: Mapped[Place] = relationship()
    # The figures the reputation area keeps (see core.reputation), or None before it has any.
    reputation: Mapped[Reputation | None] = relationship(
        Reputation, uselist=False, viewonly=True,
        primaryjoin=lambda: and_(Reputation.subject_type == "listing", foreign(Reputation.subject_id) == Listing.id))
    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="(OpeningHours.weekday, OpeningHours.opens)"
    )
    exceptions: Mapped[list[ListingException]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="ListingException.day"
    )
    photos: Mapped[list[Photo]] = relationship(
        back_populates="listing", cascade="all, delete-orphan", order_by="Photo.position"
    )

    @property
    def provider_name(self) -> str:
        if self.organisation is not None:
            return self.organisation.name
        return self.provider_user.display_name if self.provider_user else ""

    @property
    def is_published(self) -> bool:
        return self.status is ListingStatus.published


class OpeningHours(Base):
    """A weekly opening interval in the deployment's local time; weekday 0 is Monday."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("opens < closes", name="opens_before_closes"),
    )

    id: Mapped[intpk]
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    listing: Mapped[Listing] = relationship(back_populates="opening_hours")


class ListingException(Base):
    """A date that departs from the weekly hours: closed (all day, or a span) or an extra opening."""

    __tablename__ = "listing_exceptions"

    id: Mapped[intpk]
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=True)
    opens: Mapped[time | None] = mapped_column(Time)
    closes: Mapped[time | None] = mapped_column(Time)
    note: Mapped[str] = mapped_column(String(200), default="")

    listing: Mapped[Listing] = relationship(back_populates="exceptions")


class Photo(Base):
    """An uploaded image stored under instance/uploads; only the stored name is kept here."""

    __tablename__ = "photos"

    id: Mapped[intpk]
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[created_at]

    listing: Mapped[Listing] = relationship(back_populates="photos")
