from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.db import Base, created_at, intpk


class HsdsRecord(Base):
    """Which HSDS id an imported organisation or listing came with, so that exporting gives it back and importing
    the same file again finds it instead of creating a twin. Objects born here need no row: their HSDS id is
    derived from their own id (``exchange.hsds.derived_id``)."""

    __tablename__ = "hsds_records"
    __table_args__ = (UniqueConstraint("kind", "hsds_id", name="uq_hsds_records_kind_hsds_id"),
                      UniqueConstraint("kind", "local_id", name="uq_hsds_records_kind_local_id"))

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(16))  # "organization" or "service"
    hsds_id: Mapped[str] = mapped_column(String(64))
    local_id: Mapped[int]
    created_at: Mapped[created_at]
