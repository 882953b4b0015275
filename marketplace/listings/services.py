"""Creating, editing, publishing and browsing listings."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace.accounts.models import User
from marketplace.core import audit, clock, events
from marketplace.core.db import get_by_id, is_id
from marketplace.core.errors import Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.permissions import (can_edit_listing, can_manage_listings_of, can_moderate_listing,
                                          can_publish_listing, can_view_listing, is_held_by_platform, is_platform_admin)
from marketplace.core.validation import clean_text
from marketplace.listings.models import (FACILITIES, FeeType, Listing, ListingException, ListingKind, ListingStatus,
                                         OpeningHours)
from marketplace.organisations.models import Membership
from marketplace.organisations.services import get_organisation
from marketplace.places.models import Place
from marketplace.places.services import get_place, with_ancestors

MAX_TAGS = 10
MAX_TAG_LENGTH = 20
MINUTES_PER_DAY = 24 * 60
# Check-in opens at most this long before the start, and a booking is released at most this long after it.
MAX_CHECK_IN_MINUTES = 240

# What a listing's card shows (provider, place as "community · building", first photo, reputation), in the listing's own
# query: a card then costs no further statement.
CARD_LOADING = (joinedload(Listing.organisation), joinedload(Listing.provider_user),
                with_ancestors(joinedload(Listing.place)), joinedload(Listing.photos), joinedload(Listing.reputation))


@dataclass
class ListingData:
    """Everything a provider types about a listing; services check the rules."""

    kind: ListingKind | str
    title: str
    place_id: int
    description: str = ""
    tags: list[str] = field(default_factory=list)
    facilities: list[str] = field(default_factory=list)
    address: str = ""
    people: int | None = None
    capacity: int = 1
    slot_minutes: int = 30
    min_duration_minutes: int = 30
    max_duration_minutes: int = 240
    buffer_minutes: int = 0
    min_notice_minutes: int = 60
    max_advance_days: int = 30
    cancel_cutoff_minutes: int = 120
    instant_booking: bool = True
    requires_check_in: bool = False
    check_in_opens_minutes: int = 15
    release_after_minutes: int = 15
    max_active_bookings_per_booker: int | None = None
    max_hours_per_week_per_booker: int | None = None
    fee_type: FeeType | str = FeeType.free
    fee_amount: Decimal | str | int = 0
    rules: str = ""


@dataclass
class HoursInterval:
    weekday: int
    opens: time
    closes: time


@dataclass
class ExceptionData:
    day: date
    is_closed: bool = True
    opens: time | None = None
    closes: time | None = None
    note: str = ""


def _text(value, field_name: str, limit: int, label, *, required: bool = False) -> str:
    """Text named by its ``label`` in the messages ("标题不能超过100个字")."""
    return clean_text(value, field_name, limit, required=_l("请填写%(label)s", label=label) if required else None,
                      too_long=_l("%(label)s不能超过%(limit)s个字", label=label, limit=limit))


def _whole(value, field_name: str, low: int, high: int, label) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(field_name, _l("%(label)s必须是整数", label=label)) from None
    if isinstance(value, float) and value != number:
        raise ValidationFailed(field_name, _l("%(label)s必须是整数", label=label))
    if not low <= number <= high:
        raise ValidationFailed(field_name, _l("%(label)s应在%(low)s到%(high)s之间", label=label, low=low, high=high))
    return number


def _optional_whole(value, field_name: str, low: int, high: int, label) -> int | None:
    """A whole number in range, or None for "no limit" (blank)."""
    if value is None or value == "":
        return None
    return _whole(value, field_name, low, high, label)


def _clean_tags(raw) -> list[str]:
    if isinstance(raw, str):
        raw = raw.replace("，", ",").split(",")
    tags = []
    for tag in raw or []:
        tag = str(tag).strip()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationFailed("tags", _l("每个标签不能超过20个字"))
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValidationFailed("tags", _l("标签最多10个"))
    return tags


def _clean(session: Session, data: ListingData) -> dict:
    try:
        kind = ListingKind(data.kind)
    except ValueError:
        raise ValidationFailed("kind", _l("请选择资源类型")) from None
    try:
        fee_type = FeeType(data.fee_type)
    except ValueError:
        raise ValidationFailed("fee_type", _l("请选择收费方式")) from None
    try:
        fee_amount = Decimal(str(data.fee_amount if data.fee_amount not in (None, "") else 0))
    except InvalidOperation:
        raise ValidationFailed("fee_amount", _l("费用必须是数字")) from None
    if not fee_amount.is_finite() or fee_amount < 0 or fee_amount > Decimal("100000"):
        raise ValidationFailed("fee_amount", _l("费用应在0到100000之间"))
    if fee_type is FeeType.free:
        fee_amount = Decimal("0")
    elif fee_amount == 0:
        raise ValidationFailed("fee_amount", _l("收费的资源请填写金额或积分"))
    if data.place_id in (None, ""):
        raise ValidationFailed("place_id", _l("请选择所在位置"))
    get_place(session, _whole(data.place_id, "place_id", 1, 2**31 - 1, _l("位置")))
    unknown = [f for f in data.facilities or [] if f not in FACILITIES]
    if unknown:
        raise ValidationFailed("facilities", _l("不认识的设施：%(names)s", names="、".join(map(str, unknown))[:100]))
    values = {
        "kind": kind,
        "title": _text(data.title, "title", 100, _l("标题"), required=True),
        "description": _text(data.description, "description", 5000, _l("介绍")),
        "tags": _clean_tags(data.tags),
        "facilities": list(dict.fromkeys(data.facilities or [])),
        "place_id": int(data.place_id),
        "address": _text(data.address, "address", 200, _l("地址")),
        "people": _optional_whole(data.people, "people", 1, 10000, _l("容纳人数")),
        "capacity": _whole(data.capacity, "capacity", 1, 10000, _l("座位数")),
        "slot_minutes": _whole(data.slot_minutes, "slot_minutes", 5, MINUTES_PER_DAY, _l("时段长度")),
        "min_duration_minutes": _whole(data.min_duration_minutes, "min_duration_minutes", 5, MINUTES_PER_DAY,
                                       _l("最短时长")),
        "max_duration_minutes": _whole(data.max_duration_minutes, "max_duration_minutes", 5, 7 * MINUTES_PER_DAY,
                                       _l("最长时长")),
        "buffer_minutes": _whole(data.buffer_minutes, "buffer_minutes", 0, MINUTES_PER_DAY, _l("间隔时间")),
        "min_notice_minutes": _whole(data.min_notice_minutes, "min_notice_minutes", 0, 30 * MINUTES_PER_DAY,
                                     _l("最晚提前预约时间")),
        "max_advance_days": _whole(data.max_advance_days, "max_advance_days", 1, 366, _l("最多提前天数")),
        "cancel_cutoff_minutes": _whole(data.cancel_cutoff_minutes, "cancel_cutoff_minutes", 0,
                                        30 * MINUTES_PER_DAY, _l("取消截止时间")),
        "instant_booking": bool(data.instant_booking),
        "requires_check_in": bool(data.requires_check_in),
        "check_in_opens_minutes": _whole(data.check_in_opens_minutes, "check_in_opens_minutes", 0, MAX_CHECK_IN_MINUTES,
                                         _l("开始前多久可以签到")),
        "release_after_minutes": _whole(data.release_after_minutes, "release_after_minutes", 1, MAX_CHECK_IN_MINUTES,
                                        _l("开始后多久未签到即释放")),
        "max_active_bookings_per_booker": _optional_whole(
            data.max_active_bookings_per_booker, "max_active_bookings_per_booker", 1, 1000, _l("每人同时有效预约上限")),
        "max_hours_per_week_per_booker": _optional_whole(
            data.max_hours_per_week_per_booker, "max_hours_per_week_per_booker", 1, 168, _l("每人每周预约小时上限")),
        "fee_type": fee_type,
        "fee_amount": fee_amount,
        "rules": _text(data.rules, "rules", 5000, _l("使用须知")),
    }
    if values["min_duration_minutes"] > values["max_duration_minutes"]:
        raise ValidationFailed("max_duration_minutes", _l("最长时长不能小于最短时长"))
    if values["min_duration_minutes"] % values["slot_minutes"]:
        raise ValidationFailed("min_duration_minutes", _l("最短时长应是时段长度的整数倍"))
    if kind is not ListingKind.space and values["facilities"]:
        values["facilities"] = []
    return values


def create_listing(session: Session, actor: User, data: ListingData, *, organisation_id: int | None) -> Listing:
    """Create a draft listing for an organisation the actor staffs, or as the actor's own volunteer offer."""
    values = _clean(session, data)
    if organisation_id is not None:
        organisation = get_organisation(session, organisation_id)
        if not can_manage_listings_of(actor, organisation):
            raise Forbidden(_l("你不是这个组织的工作人员"))
        listing = Listing(**values, organisation_id=organisation.id)
    else:
        if values["kind"] is ListingKind.space:
            raise ValidationFailed("kind", _l("个人志愿者只能发布技能或服务，场地请以组织名义发布"))
        if not actor.is_volunteer:
            raise Forbidden(_l("请先在个人资料中登记为志愿者"))
        listing = Listing(**values, provider_user_id=actor.id)
    listing.status = ListingStatus.draft
    session.add(listing)
    session.flush()
    audit.record(session, actor, "listing.create", listing)
    record_change(session, actor, listing, "listing.create")
    return listing


def record_change(session: Session, actor, listing: Listing, action: str) -> None:
    """Say, in the change's transaction, that the listing changed: the search index (and whoever else) follows."""
    events.record(session, "listing.changed", subject=("listing", listing.id), payload={"action": action},
                  actor_id=getattr(actor, "id", None))


def get_listing(session: Session, listing_id: int, *, viewer=None) -> Listing:
    """Return a listing the viewer may see; NotFound otherwise (drafts are hidden, not forbidden)."""
    listing = get_by_id(session, Listing, listing_id)
    if listing is None or not can_view_listing(viewer, listing):
        raise NotFound(_l("找不到这个资源"))
    return listing


def get_listing_for_page(session: Session, listing_id: int, *, viewer=None, exceptions_from: date) -> Listing:
    """``get_listing`` with everything the listing's page shows loaded in one statement: the listing with its
    provider, place, photos, hours and its exceptions from the local day ``exceptions_from`` on (the page shows
    only days from today; the day before is kept for hours that run past midnight): so ``listing.exceptions``
    holds only those. NotFound as ``get_listing``."""
    listing = session.get(Listing, listing_id, options=[
        *CARD_LOADING, joinedload(Listing.opening_hours),
        joinedload(Listing.exceptions.and_(ListingException.day >= exceptions_from - timedelta(days=1))),
    ]) if is_id(listing_id) else None
    if listing is None or not can_view_listing(viewer, listing):
        raise NotFound(_l("找不到这个资源"))
    return listing


def get_listing_for_edit(session: Session, listing_id: int, actor: User) -> Listing:
    """Return a listing the actor may edit; NotFound when they may not even see it, Forbidden otherwise."""
    listing = get_listing(session, listing_id, viewer=actor)
    _require_editor(actor, listing)
    return listing


def _require_editor(actor, listing: Listing) -> None:
    if not can_edit_listing(actor, listing):
        raise Forbidden(_l("你没有修改这个资源的权限"))


def update_listing(session: Session, actor: User, listing: Listing, data: ListingData) -> Listing:
    """Change a listing's fields; editors only."""
    _require_editor(actor, listing)
    values = _clean(session, data)
    if listing.provider_user_id is not None and values["kind"] is ListingKind.space:
        raise ValidationFailed("kind", _l("个人志愿者只能发布技能或服务，场地请以组织名义发布"))
    before = audit.snapshot(listing)
    for key, value in values.items():
        setattr(listing, key, value)
    session.flush()
    audit.record(session, actor, "listing.update", listing, before=before)
    record_change(session, actor, listing, "listing.update")
    return listing


def publish_listing(session: Session, actor: User, listing: Listing) -> Listing:
    """Make a listing public; needs opening hours and, for organisations, verification."""
    _require_editor(actor, listing)
    if not can_publish_listing(actor, listing):
        raise Forbidden(_l("这个资源已被暂停"))
    if listing.organisation is not None and not listing.organisation.is_verified:
        raise Forbidden(_l("组织通过认证后才能发布资源"))
    if not listing.opening_hours and not any(not e.is_closed for e in listing.exceptions):
        raise ValidationFailed("opening_hours", _l("请先设置开放时间再发布"))
    before = audit.snapshot(listing)
    listing.status = ListingStatus.published
    listing.suspension_reason = None
    listing.suspended_by_platform = False
    listing.published_at = listing.published_at or clock.now()
    session.flush()
    audit.record(session, actor, "listing.publish", listing, before=before)
    record_change(session, actor, listing, "listing.publish")
    return listing


def suspend_listing(session: Session, actor: User, listing: Listing, reason: str = "") -> Listing:
    """Take a listing out of public view (provider or platform admin), keeping its bookings' history."""
    if not can_moderate_listing(actor, listing):
        raise Forbidden(_l("你没有暂停这个资源的权限"))
    if is_held_by_platform(listing) and not is_platform_admin(actor):
        raise Forbidden(_l("这个资源已被暂停"))  # suspending again would turn moderation into the provider's own pause
    reason = _text(reason, "reason", 500, _l("原因"))
    before = audit.snapshot(listing)
    listing.status = ListingStatus.suspended
    listing.suspension_reason = reason or None
    listing.suspended_by_platform = is_platform_admin(actor)
    session.flush()
    audit.record(session, actor, "listing.suspend", listing, before=before)
    record_change(session, actor, listing, "listing.suspend")
    return listing


def _intervals_overlap(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def set_opening_hours(session: Session, actor: User, listing: Listing, intervals: list[HoursInterval]) -> Listing:
    """Replace the weekly hours; each interval must end after it starts and not overlap another that day."""
    _require_editor(actor, listing)
    cleaned: list[HoursInterval] = []
    for interval in intervals:
        if not isinstance(interval.weekday, int) or not 0 <= interval.weekday <= 6:
            raise ValidationFailed("opening_hours", _l("星期必须在周一到周日之间"))
        if interval.opens is None or interval.closes is None or interval.closes <= interval.opens:
            raise ValidationFailed("opening_hours", _l("结束时间必须晚于开始时间"))
        for other in cleaned:
            if other.weekday == interval.weekday and _intervals_overlap(
                interval.opens, interval.closes, other.opens, other.closes
            ):
                raise ValidationFailed("opening_hours", _l("同一天的开放时段不能重叠"))
        cleaned.append(interval)
    if len(cleaned) > 70:
        raise ValidationFailed("opening_hours", _l("开放时段太多了"))
    # Two editors replacing the hours at once would both delete the old rows and both insert theirs
    # (PostgreSQL, READ COMMITTED): the listing's row lock makes the second wait and replace the first's.
    session.refresh(listing, with_for_update=True)
    session.expire(listing, ["opening_hours"])
    before = [f"{h.weekday} {h.opens}-{h.closes}" for h in listing.opening_hours]
    listing.opening_hours.clear()
    session.flush()
    for interval in sorted(cleaned, key=lambda i: (i.weekday, i.opens)):
        listing.opening_hours.append(OpeningHours(weekday=interval.weekday, opens=interval.opens,
                                                  closes=interval.closes))
    session.flush()
    audit.record(session, actor, "listing.set_hours", object_type="listings", object_id=listing.id,
                 before={"opening_hours": before},
                 after={"opening_hours": [f"{h.weekday} {h.opens}-{h.closes}" for h in listing.opening_hours]})
    record_change(session, actor, listing, "listing.set_hours")
    return listing


def add_exception(session: Session, actor: User, listing: Listing, data: ExceptionData) -> ListingException:
    """Add a closure (whole day or a span) or an extra opening on one date."""
    _require_editor(actor, listing)
    if not isinstance(data.day, date):
        raise ValidationFailed("day", _l("请选择日期"))
    if (data.opens is None) != (data.closes is None):
        raise ValidationFailed("opens", _l("开始和结束时间要么都填，要么都不填"))
    if data.opens is not None and data.closes <= data.opens:
        raise ValidationFailed("closes", _l("结束时间必须晚于开始时间"))
    if not data.is_closed and data.opens is None:
        raise ValidationFailed("opens", _l("额外开放需要填写开始和结束时间"))
    exception = ListingException(day=data.day, is_closed=bool(data.is_closed), opens=data.opens, closes=data.closes,
                                 note=_text(data.note, "note", 200, _l("说明")))
    listing.exceptions.append(exception)
    session.flush()
    audit.record(session, actor, "listing.add_exception", exception)
    record_change(session, actor, listing, "listing.add_exception")
    return exception


def remove_exception(session: Session, actor: User, listing: Listing, exception_id: int) -> None:
    """Delete one exception of the listing."""
    _require_editor(actor, listing)
    exception = next((e for e in listing.exceptions if e.id == exception_id), None)
    if exception is None:
        raise NotFound(_l("找不到这条例外安排"))
    before = audit.snapshot(exception)
    listing.exceptions.remove(exception)
    session.flush()
    audit.record(session, actor, "listing.remove_exception", object_type="listing_exceptions",
                 object_id=exception_id, before=before)
    record_change(session, actor, listing, "listing.remove_exception")


def browse_listings(session: Session, *, kind: ListingKind | str | None = None, place_id: int | None = None,
                    page: int = 1, per_page: int = 20, with_schedule: bool = False):
    """A page of published listings, filtered by kind and by a subtree of the community tree, and the total.

    Loaded with what a card shows; ``with_schedule`` adds the opening hours and exceptions (for the API).
    """
    stmt = select(Listing).where(Listing.status == ListingStatus.published)
    if kind:
        try:
            stmt = stmt.where(Listing.kind == ListingKind(kind))
        except ValueError:
            raise ValidationFailed("kind", _l("资源类型只能是场地、技能或服务")) from None
    if place_id is not None:
        subtree = get_place(session, place_id).path
        stmt = stmt.where(Listing.place_id.in_(select(Place.id).where(Place.path.startswith(subtree))))
    stmt = stmt.options(*CARD_LOADING)
    if with_schedule:
        stmt = stmt.options(selectinload(Listing.opening_hours), selectinload(Listing.exceptions))
    return fetch_page(session, stmt.order_by(Listing.published_at.desc(), Listing.id.desc()), page=page,
                      per_page=per_page)


def listing_data(listing: Listing) -> ListingData:
    """The listing's current values as ListingData: the starting point of a partial update."""
    return ListingData(**{f.name: getattr(listing, f.name) for f in fields(ListingData)})


def listings_managed_by(session: Session, user: User) -> list[Listing]:
    """Every listing the user may edit: their organisations' and their own volunteer offers."""
    org_ids = select(Membership.organisation_id).where(Membership.user_id == user.id)
    return list(session.scalars(
        select(Listing).where((Listing.organisation_id.in_(org_ids)) | (Listing.provider_user_id == user.id))
        .order_by(Listing.updated_at.desc())
    ))
