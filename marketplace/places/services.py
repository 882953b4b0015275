"""Reading and growing the community tree."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from marketplace.core import audit, events
from marketplace.core.db import get_by_id
from marketplace.core.errors import Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.permissions import is_platform_admin
from marketplace.core.validation import clean_text
from marketplace.places.models import CHILD_KIND, Place, PlaceKind
from marketplace.places.ordering import natural_key


def create_place(session: Session, *, kind: PlaceKind, name: str, parent_id: int | None) -> Place:
    """Add a node under ``parent_id`` (none for a street); raises ValidationFailed on a wrong level."""
    name = clean_text(name, "name", 100, required=_l("名称必须填写，且不超过100个字"),
                      too_long=_l("名称必须填写，且不超过100个字"))
    parent = None
    if parent_id is not None:
        parent = get_place(session, parent_id)
        if CHILD_KIND.get(parent.kind) != kind:
            raise ValidationFailed("kind", _l("这一层级不能放在所选上级之下"))
    elif kind != PlaceKind.street:
        raise ValidationFailed("parent_id", _l("只有街道可以没有上级"))
    place = Place(kind=kind, name=name, parent=parent)
    session.add(place)
    session.flush()
    place.path = (parent.path if parent else "/") + f"{place.id}/"
    session.flush()
    events.record(session, "place.added", subject=("place", place.id), payload={"kind": kind.value, "name": name})
    return place


def get_place(session: Session, place_id: int) -> Place:
    """Return the place or raise NotFound."""
    place = get_by_id(session, Place, place_id)
    if place is None:
        raise NotFound(_l("找不到这个地点"))
    return place


def with_ancestors(load=None):
    """A loader option that brings a place's ancestors up to the street in the same query (``load``: the path to
    the place, e.g. ``joinedload(Listing.place)``; none for places themselves), so that full names, communities
    and tree order then cost no query: a place's ``parent`` is looked up in the session first."""
    for _ in range(len(PlaceKind) - 1):
        load = joinedload(Place.parent) if load is None else load.joinedload(Place.parent)
    return load


def in_tree_order(places) -> list[Place]:
    """The places depth first, siblings in the order people count them (see ``ordering.natural_key``)."""

    def key(place: Place) -> tuple:
        chain = []
        node: Place | None = place
        while node is not None:
            chain.append((natural_key(node.name), node.id))
            node = node.parent
        return tuple(reversed(chain))

    return sorted(places, key=key)


def list_places(session: Session, *, kind: PlaceKind | None = None, parent_id: int | None = None) -> list[Place]:
    """Places filtered by level and parent, in tree order."""
    query = select(Place).options(with_ancestors())
    if kind is not None:
        query = query.where(Place.kind == kind)
    if parent_id is not None:
        query = query.where(Place.parent_id == parent_id)
    return in_tree_order(session.scalars(query).unique())


def browse_places(session: Session, *, kind: PlaceKind | None = None, parent_id: int | None = None,
                  page: int = 1, per_page: int = 20) -> tuple[list[Place], int]:
    """A page of places filtered by level and parent, in tree order, and the total.

    Sorted in Python, not SQL, for the numbers in names: a district's tree is a few thousand rows at most.
    """
    places = list_places(session, kind=kind, parent_id=parent_id)
    offset = (max(page, 1) - 1) * per_page
    return places[offset:offset + per_page], len(places)


def subtree_ids(session: Session, place_id: int) -> list[int]:
    """Ids of the place and everything beneath it (a community includes its grids and buildings)."""
    place = get_place(session, place_id)
    return list(session.scalars(select(Place.id).where(Place.path.startswith(place.path))))


def add_place(session: Session, actor, *, name: str, parent_id: int | None) -> Place:
    """Grow the tree as a platform admin, audited: a street at the top, else the level below ``parent_id``."""
    if not is_platform_admin(actor):
        raise Forbidden(_l("只有平台管理员可以修改社区树"))
    kind = PlaceKind.street
    if parent_id is not None:
        parent = get_place(session, parent_id)
        if parent.kind not in CHILD_KIND:
            raise ValidationFailed("parent_id", _l("楼栋之下不能再添加节点"))
        kind = CHILD_KIND[parent.kind]
    place = create_place(session, kind=kind, name=name, parent_id=parent_id)
    audit.record(session, actor, "place.create", place)
    return place


def children_by_parent(session: Session) -> dict[int | None, list[Place]]:
    """The whole tree in one query: each parent id (None for the top) mapped to its children in counting order."""
    children: dict[int | None, list[Place]] = {}
    for place in sorted(session.scalars(select(Place)), key=lambda p: (natural_key(p.name), p.id)):
        children.setdefault(place.parent_id, []).append(place)
    return children


def place_choices(session: Session) -> list[tuple[int, str]]:
    """(id, indented name) pairs of the whole tree, for select boxes."""
    depth = {PlaceKind.street: 0, PlaceKind.community: 1, PlaceKind.grid: 2, PlaceKind.building: 3}
    return [(p.id, "　" * depth[p.kind] + p.name) for p in list_places(session)]
