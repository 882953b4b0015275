"""Needs and matching: publishing a need with its items, the needs and projects lists of a community, the
listings the search service suggests for each item, and inviting their providers.

Suggestions are the search service's own answer (``search.services.search_listings``): the item's words, its
kind, the need's community, free during the item's time, ranked by relevance blended with reputation; nothing
here ranks or filters listings by itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.bookings.services import aware_utc
from marketplace.core import clock, events
from marketplace.core.db import get_by_id, is_id
from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.permissions import can_manage_listings_of
from marketplace.core.validation import clean_text
from marketplace.listings.models import Listing, ListingKind, ListingStatus
from marketplace.needs.models import Need, NeedInvitation, NeedItem, NeedStatus
from marketplace.organisations.models import Organisation, OrganisationStatus
from marketplace.places.models import Place, PlaceKind
from marketplace.search.index import SearchIndex
from marketplace.search.services import MAX_FREE_AT_WINDOW, SearchFilters, SearchHit, community_of, search_listings

MAX_TITLE_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 2000
MAX_ITEM_TEXT_LENGTH = 200
MAX_ITEMS = 10
MAX_QUANTITY = 100
SUGGESTIONS_PER_ITEM = 5


@dataclass
class ItemData:
    kind: str
    text: str
    start: datetime
    end: datetime
    quantity: int = 1


@dataclass
class NeedData:
    """What staff publish; ``community_id`` None means the organisation's own community."""

    organisation_id: int
    title: str
    items: list[ItemData] = field(default_factory=list)
    description: str = ""
    community_id: int | None = None


def _community(session: Session, organisation: Organisation, community_id) -> Place:
    if community_id is None:
        community = community_of(session, organisation.place)
        if community is None:
            raise ValidationFailed("community_id", _l("请选择需求所在的社区"))
        return community
    community = get_by_id(session, Place, community_id)
    if community is None or community.kind is not PlaceKind.community:
        raise ValidationFailed("community_id", _l("请选择一个社区"))
    return community


def _item(data: ItemData, index: int, now: datetime) -> NeedItem:
    field_name = f"items.{index}"
    try:
        kind = ListingKind(data.kind)
    except ValueError:
        raise ValidationFailed(field_name, _l("需求项的类型只能是场地、技能或服务")) from None
    text = clean_text(data.text, field_name, MAX_ITEM_TEXT_LENGTH, required=_l("请写明需要什么"))
    start, end = aware_utc(data.start, field_name), aware_utc(data.end, field_name)
    if end <= start:
        raise ValidationFailed(field_name, _l("需求项的结束时间必须晚于开始时间"))
    if start <= now:
        raise ValidationFailed(field_name, _l("需求项的时间需在将来"))
    if end - start > MAX_FREE_AT_WINDOW:
        raise ValidationFailed(field_name, _l("每项的时间最长7天；长期的需求请填第一次的时间"))
    quantity = data.quantity
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(field_name, _l("数量应在1到%(n)s之间", n=MAX_QUANTITY))
    return NeedItem(kind=kind, text=text, quantity=quantity, start_at=start, end_at=end)


def create_need(session: Session, actor: User, data: NeedData, *, now: datetime | None = None) -> Need:
    """Publish a need for a community on behalf of an organisation (its staff only).

    Raises NotFound (organisation), Forbidden (not its staff, or it is not verified), ValidationFailed for a
    missing title, no items or more than MAX_ITEMS, and each item's kind, text, quantity and time.
    """
    now = now or clock.now()
    organisation = get_by_id(session, Organisation, data.organisation_id)
    if organisation is None:
        raise NotFound(_l("找不到这个组织"))
    if not can_manage_listings_of(actor, organisation) or organisation.status is not OrganisationStatus.verified:
        raise Forbidden(_l("只有已认证组织的工作人员可以发布需求"))
    title = clean_text(data.title, "title", MAX_TITLE_LENGTH, required=_l("请填写需求的标题"))
    description = clean_text(data.description, "description", MAX_DESCRIPTION_LENGTH)
    if not data.items or len(data.items) > MAX_ITEMS:
        raise ValidationFailed("items", _l("一个需求需要1到%(n)s项", n=MAX_ITEMS))
    items = [_item(item, index, now) for index, item in enumerate(data.items)]
    need = Need(organisation_id=organisation.id, community_id=_community(session, organisation, data.community_id).id,
                created_by_id=actor.id, title=title, description=description, status=NeedStatus.open,
                created_at=now, items=items)
    session.add(need)
    session.flush()
    return need


def get_need(session: Session, need_id) -> Need:
    """One need with its items; NotFound for unknown ids."""
    need = get_by_id(session, Need, need_id)
    if need is None:
        raise NotFound(_l("找不到这个需求"))
    return need


def list_needs(session: Session, *, community_id: int | None = None, status: str | None = None, page: int = 1,
               per_page: int = 20) -> tuple[list[Need], int]:
    """A page of needs (``open``: the needs list, ``in_progress``: the projects list), newest first."""
    stmt = select(Need).options(selectinload(Need.items), selectinload(Need.organisation),
                                selectinload(Need.community))
    if community_id is not None:
        stmt = stmt.where(Need.community_id == community_id)
    if status is not None:
        try:
            stmt = stmt.where(Need.status == NeedStatus(status))
        except ValueError:
            raise ValidationFailed("status", _l("状态只能是 open（需求）或 in_progress（项目）")) from None
    return fetch_page(session, stmt.order_by(Need.id.desc()), page=page, per_page=per_page)


def may_manage(user, need: Need) -> bool:
    return can_manage_listings_of(user, need.organisation)


@dataclass
class ItemSuggestions:
    item: NeedItem
    hits: list[SearchHit]
    invited_ids: set[int]


def suggestions(session: Session, index: SearchIndex, need: Need, *, zone: str,
                per_item: int = SUGGESTIONS_PER_ITEM) -> list[ItemSuggestions]:
    """For each item not yet past, the listings the search service finds for its words and kind in the need's
    community, free during the item's time, best first (the listings already invited are marked)."""
    now = clock.now()
    return [ItemSuggestions(item, suggest_listings(session, index, item.text, kind=item.kind.value,
                                                   place_id=need.community_id, start=item.start_at, end=item.end_at,
                                                   zone=zone, limit=per_item) if item.start_at > now else [],
                            {invitation.listing_id for invitation in item.invitations}) for item in need.items]


def suggest_listings(session: Session, index: SearchIndex, text: str, *, kind: str | None, place_id: int | None,
                     start: datetime | None, end: datetime | None, zone: str,
                     limit: int = SUGGESTIONS_PER_ITEM) -> list[SearchHit]:
    """The listings the search service finds for some words (a need's item, a wish) of a kind, in a place, free
    from ``start`` to ``end`` (at any time when they are None), best first; what the search service raises for
    malformed filters."""
    filters = SearchFilters(kind=kind, place_id=place_id, free_at_start=start, free_at_end=end)
    return search_listings(session, index, text, filters, per_page=limit, zone=zone).hits


def invite(session: Session, actor: User, need: Need, item_id, listing_id, *,
           now: datetime | None = None) -> NeedInvitation:
    """Invite a published listing to an item of the need (the need's staff); the first invitation makes the need
    a project. Records ``need.invited`` for the listing's provider. Raises Forbidden, NotFound (item, listing)
    and Conflict when the listing was already invited to the item."""
    now = now or clock.now()
    if not may_manage(actor, need):
        raise Forbidden(_l("只有发布需求的组织可以邀请"))
    item = next((item for item in need.items if is_id(item_id) and item.id == item_id), None)
    if item is None:
        raise NotFound(_l("找不到这个需求项"))
    listing = get_by_id(session, Listing, listing_id)
    if listing is None or listing.status is not ListingStatus.published:
        raise NotFound(_l("找不到这个资源"))
    invitation = NeedInvitation(item_id=item.id, listing_id=listing.id, invited_by_id=actor.id, created_at=now)
    try:
        with session.begin_nested():
            session.add(invitation)
    except IntegrityError:
        raise Conflict(_l("已经邀请过这个资源")) from None
    session.execute(update(Need).where(Need.id == need.id, Need.status == NeedStatus.open)
                    .values(status=NeedStatus.in_progress).execution_options(synchronize_session=False))
    session.refresh(need, ["status"])
    events.record(session, "need.invited", subject=("need_invitation", invitation.id), payload={
        "need_id": need.id, "item_id": item.id, "listing_id": listing.id}, actor_id=actor.id)
    return invitation


def invitations_of(session: Session, need: Need) -> list[NeedInvitation]:
    return list(session.scalars(select(NeedInvitation).join(NeedItem).where(NeedItem.need_id == need.id)
                                .options(selectinload(NeedInvitation.listing)).order_by(NeedInvitation.id)))


def communities(session: Session) -> list[Place]:
    """Every community, for the lists' filter."""
    return list(session.scalars(select(Place).where(Place.kind == PlaceKind.community).order_by(Place.path)))
