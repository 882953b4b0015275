"""The service-points ledger: accounts and the transfers between them (double entry, append only).

Each transfer is one row naming the account it takes from and the one it gives to, with a positive
amount: whatever moves leaves one account and enters another, so the sum over all accounts is zero by
construction, and the database refuses a row that would break it (a missing account, an amount of zero or
less, an account paying itself). Rows are never changed: triggers on both databases refuse UPDATE and
DELETE of transfers; a mistake is undone by a reversal, a new transfer the other way.

Each account keeps its balance, which only the database's insert trigger changes (by the amount of each
new transfer, in the same statement), and a CHECK refuses a negative balance except on the system accounts
that may issue points (issuance, the street). The ``POINTS_OVERDRAFT_ACCOUNTS`` setting may narrow that
further; nobody's own account, an organisation's or the holds can ever go below zero.

Amounts are decimals with two places (listings' fees are, and hours × rate need not be whole), stored as
whole hundredths in an integer column: sums and checks are exact on SQLite (whose NUMERIC is a float) and
PostgreSQL alike.
"""
from __future__ import annotations

import enum
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, CheckConstraint, Enum, ForeignKey, Index, String, TypeDecorator, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.db import Base, created_at, intpk
from marketplace.core.i18n import _l, _lp
from marketplace.organisations.models import Organisation

CENT = Decimal("0.01")


def quantize(value) -> Decimal:
    """A number of points to two places (half up), the ledger's unit."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


class Points(TypeDecorator):
    """Decimal points in Python, whole hundredths of a point in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        hundredths = Decimal(str(value)) * 100
        if hundredths != hundredths.to_integral_value():
            raise ValueError(f"{value} points has more than two decimal places")
        return int(hundredths)

    def process_result_value(self, value, dialect):
        return None if value is None else (Decimal(value) / 100).quantize(CENT)


class AccountKind(str, enum.Enum):
    user = "user"
    organisation = "organisation"
    street = "street"  # the street (the platform): grants to organisations and people
    issuance = "issuance"  # where earned points come from: its balance is minus everything ever earned
    holds = "holds"  # points held for bookings not yet completed, cancelled, rejected or expired

    @property
    def label(self):
        return ACCOUNT_KIND_LABELS[self]


ACCOUNT_KIND_LABELS = {AccountKind.user: _l("个人"), AccountKind.organisation: _lp("one", "组织"),
                       AccountKind.street: _l("街道"), AccountKind.issuance: _l("积分发行"),
                       AccountKind.holds: _l("预约冻结")}
SYSTEM_KINDS = (AccountKind.street, AccountKind.issuance, AccountKind.holds)
# The accounts the database lets go below zero; the setting POINTS_OVERDRAFT_ACCOUNTS chooses among these.
MAY_OVERDRAW = (AccountKind.street, AccountKind.issuance)


class Reason(str, enum.Enum):
    earn_wish = "earn_wish"
    earn_service = "earn_service"
    grant = "grant"
    hold = "hold"
    take = "take"
    release = "release"
    reversal = "reversal"

    @property
    def label(self):
        return REASON_LABELS[self]


REASON_LABELS = {
    Reason.earn_wish: _l("完成微心愿"), Reason.earn_service: _l("志愿服务"), Reason.grant: _l("发放奖励"),
    Reason.hold: _l("预约冻结"), Reason.take: _l("预约扣除"), Reason.release: _l("预约退回"),
    Reason.reversal: _l("冲正"),
}
# Each of these happens at most once per reference and recipient (a subscriber run twice adds nothing).
ONCE_PER_REFERENCE = (Reason.earn_wish, Reason.earn_service, Reason.hold, Reason.take, Reason.release)
# A booking's hold ends once, one way or the other.
HOLD_ENDINGS = (Reason.take, Reason.release)


def _in(reasons) -> str:
    return "reason IN (" + ", ".join(f"'{reason.value}'" for reason in reasons) + ")"


class PointsAccount(Base):
    __tablename__ = "points_accounts"
    __table_args__ = (
        CheckConstraint("(kind = 'user') = (user_id IS NOT NULL)", name="user_owner"),
        CheckConstraint("(kind = 'organisation') = (organisation_id IS NOT NULL)", name="organisation_owner"),
        CheckConstraint("balance >= 0 OR kind IN ('street', 'issuance')", name="no_overdraft"),
        Index("uq_points_accounts_system_kind", "kind", unique=True,
              sqlite_where=text("kind IN ('street', 'issuance', 'holds')"),
              postgresql_where=text("kind IN ('street', 'issuance', 'holds')")),
    )

    id: Mapped[intpk]
    kind: Mapped[AccountKind] = mapped_column(Enum(AccountKind, native_enum=False, length=16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), unique=True)
    # Written by the database's trigger on each new transfer, never by the code.
    balance: Mapped[Decimal] = mapped_column(Points(), default=Decimal("0"), server_default="0")
    created_at: Mapped[created_at]

    user: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def name(self) -> str:
        if self.user is not None:
            return self.user.display_name
        if self.organisation is not None:
            return self.organisation.name
        return str(self.kind.label)


class PointsTransfer(Base):
    __tablename__ = "points_transfers"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("source_id <> destination_id", name="two_accounts"),
        CheckConstraint("(reason = 'reversal') = (reverses_id IS NOT NULL)", name="reversal_names_original"),
        Index("uq_points_transfers_once", "reference_type", "reference_id", "reason", "destination_id",
              unique=True, sqlite_where=text(_in(ONCE_PER_REFERENCE)),
              postgresql_where=text(_in(ONCE_PER_REFERENCE))),
        Index("uq_points_transfers_hold_ending", "reference_type", "reference_id", unique=True,
              sqlite_where=text(_in(HOLD_ENDINGS)), postgresql_where=text(_in(HOLD_ENDINGS))),
        Index("ix_points_transfers_source_id_id", "source_id", "id"),
        Index("ix_points_transfers_destination_id_id", "destination_id", "id"),
        # The public dashboard's street-wide sums by reason, read off the index instead of the rows.
        Index("ix_points_transfers_reason_amount", "reason", "amount"),
    )

    id: Mapped[intpk]
    source_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id"))
    destination_id: Mapped[int] = mapped_column(ForeignKey("points_accounts.id"))
    amount: Mapped[Decimal] = mapped_column(Points())
    reason: Mapped[Reason] = mapped_column(Enum(Reason, native_enum=False, length=16))
    # What it is for: ("booking", id), ("wish", id), ("grant", None) or ("transfer", id) for a reversal.
    reference_type: Mapped[str] = mapped_column(String(20))
    reference_id: Mapped[int | None]
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("points_transfers.id"), unique=True)
    memo: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[created_at]

    source: Mapped[PointsAccount] = relationship(foreign_keys=[source_id])
    destination: Mapped[PointsAccount] = relationship(foreign_keys=[destination_id])
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return (f"<PointsTransfer {self.id} {self.source_id}→{self.destination_id} {self.amount} "
                f"{self.reason.value} {self.reference_type}:{self.reference_id}>")
