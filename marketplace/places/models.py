from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import Base, intpk
from marketplace.core.i18n import _l


class PlaceKind(str, enum.Enum):
    street = "street"
    community = "community"
    grid = "grid"
    building = "building"

    @property
    def label(self):
        return PLACE_KIND_LABELS[self]


PLACE_KIND_LABELS = {
    PlaceKind.street: _l("街道"),
    PlaceKind.community: _l("社区"),
    PlaceKind.grid: _l("网格"),
    PlaceKind.building: _l("楼栋"),
}
CHILD_KIND = {
    PlaceKind.street: PlaceKind.community,
    PlaceKind.community: PlaceKind.grid,
    PlaceKind.grid: PlaceKind.building,
}


class Place(Base):
    """One node of the community tree; ``path`` ("/1/4/9/") makes subtree queries one LIKE."""

    __tablename__ = "places"

    id: Mapped[intpk]
    kind: Mapped[PlaceKind] = mapped_column(Enum(PlaceKind, native_enum=False, length=16))
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="")

    parent: Mapped[Place | None] = relationship(remote_side="Place.id", back_populates="children")
    children: Mapped[list[Place]] = relationship(back_populates="parent", order_by="Place.name")

    @property
    def ancestor_ids(self) -> list[int]:
        """The ids along the path, the street first and this place last (read from ``path``, no query)."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def full_name(self) -> str:
        names = []
        node: Place | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " · ".join(reversed(names))

    def __repr__(self) -> str:
        return f"<Place {self.id} {self.kind.value} {self.name}>"
