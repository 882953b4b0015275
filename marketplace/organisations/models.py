from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import and_, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.reputation import Reputation
from marketplace.core.db import Base, created_at, intpk
from marketplace.core.i18n import _l
from marketplace.core.ids import new_uuid
from marketplace.places.models import Place


class OrganisationType(str, enum.Enum):
    community_office = "community_office"
    party_branch = "party_branch"
    resident_unit = "resident_unit"
    enterprise = "enterprise"
    social_organisation = "social_organisation"

    @property
    def label(self):
        return ORGANISATION_TYPE_LABELS[self]


ORGANISATION_TYPE_LABELS = {
    OrganisationType.community_office: _l("社区居委会"),
    OrganisationType.party_branch: _l("党支部"),
    OrganisationType.resident_unit: _l("驻区单位"),
    OrganisationType.enterprise: _l("企业"),
    OrganisationType.social_organisation: _l("社会组织"),
}


class OrganisationStatus(str, enum.Enum):
    pending = "pending"
    verified = "verified"
    rejected = "rejected"

    @property
    def label(self):
        return ORGANISATION_STATUS_LABELS[self]


ORGANISATION_STATUS_LABELS = {
    OrganisationStatus.pending: _l("待审核"),
    OrganisationStatus.verified: _l("已认证"),
    OrganisationStatus.rejected: _l("未通过"),
}


class StaffRole(str, enum.Enum):
    staff = "staff"
    admin = "admin"

    @property
    def label(self):
        return _l("管理员") if self is StaffRole.admin else _l("工作人员")


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    type: Mapped[OrganisationType] = mapped_column(Enum(OrganisationType, native_enum=False, length=32))
    description: Mapped[str] = mapped_column(Text, default="")
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    office_hours: Mapped[str] = mapped_column(String(200), default="", server_default="")
    status: Mapped[OrganisationStatus] = mapped_column(
        Enum(OrganisationStatus, native_enum=False, length=16), default=OrganisationStatus.pending, index=True
    )
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None]
    # Fair-use caps over all the organisation's listings together; None means no cap.
    max_active_bookings_per_booker: Mapped[int | None] = mapped_column(Integer)
    max_hours_per_week_per_booker: Mapped[int | None] = mapped_column(Integer)
    # The id the open-data exchange (exchange.hsds) gives the organisation: stored, so a detail request finds it by
    # index; an imported organisation keeps the one it came with.
    hsds_id: Mapped[str] = mapped_column(String(36), unique=True, index=True, default=new_uuid)
    created_at: Mapped[created_at]

    place: Mapped[Place] = relationship()
    applicant: Mapped[User | None] = relationship()
    # The figures the reputation area keeps (see core.reputation), or None before it has any.
    reputation: Mapped[Reputation | None] = relationship(
        Reputation, uselist=False, viewonly=True,
        primaryjoin=lambda: and_(Reputation.subject_type == "organisation", foreign(Reputation.subject_id) == Organisation.id))
    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    @property
    def is_verified(self) -> bool:
        return self.status is OrganisationStatus.verified


class Membership(Base):
    """A user's role in an organisation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[StaffRole] = mapped_column(Enum(StaffRole, native_enum=False, length=16), default=StaffRole.staff)
    created_at: Mapped[created_at]

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()
