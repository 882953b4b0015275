"""The names of the communities and buildings, read once and kept by each process for ``KEPT_FOR``.

Every search reads them (its place words are matched against them, and its community filter lists the
communities), while places change rarely and are only ever added: reading them per search cost a statement
on every results page. A place added through this process clears the copy as soon as its transaction commits
(``places.subscribers``); other processes read the new name within ``KEPT_FOR``.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core import clock
from marketplace.places.models import Place, PlaceKind
from marketplace.places.ordering import natural_key

KEPT_FOR = timedelta(seconds=60)


@dataclass(frozen=True)
class PlaceName:
    id: int
    name: str
    kind: str  # "community" or "building"
    community_id: int | None  # a building's community


@dataclass(frozen=True)
class Directory:
    communities: tuple[PlaceName, ...]  # in tree order, as every dropdown lists them
    buildings: tuple[PlaceName, ...]

    @property
    def names(self) -> tuple[PlaceName, ...]:
        return self.communities + self.buildings


_lock = threading.Lock()
_kept: tuple[datetime, Directory] | None = None


def directory(session: Session) -> Directory:
    """The communities and buildings, from this process's copy while it is fresh."""
    global _kept
    with _lock:
        kept = _kept
    now = clock.now()
    if kept is not None and kept[0] <= now < kept[0] + KEPT_FOR:
        return kept[1]
    read = _read(session)
    with _lock:
        _kept = (now, read)
    return read


def forget() -> None:
    """Drop this process's copy: the next search reads the names again."""
    global _kept
    with _lock:
        _kept = None


def _read(session: Session) -> Directory:
    rows = session.execute(select(Place.id, Place.name, Place.kind, Place.path).where(
        Place.kind.in_([PlaceKind.street, PlaceKind.community, PlaceKind.building]))).all()
    streets = {row.id: row.name for row in rows if row.kind is PlaceKind.street}
    communities, buildings = [], []
    for row in rows:
        ancestors = [int(part) for part in row.path.strip("/").split("/")]
        if row.kind is PlaceKind.community:
            street_id = ancestors[0]
            key = (natural_key(streets.get(street_id, "")), street_id, natural_key(row.name), row.id)
            communities.append((key, PlaceName(row.id, row.name, "community", None)))
        elif row.kind is PlaceKind.building:
            buildings.append(PlaceName(row.id, row.name, "building", ancestors[1]))
    return Directory(tuple(name for _key, name in sorted(communities)), tuple(buildings))
