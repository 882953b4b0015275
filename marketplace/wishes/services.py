"""Micro-wishes: posting (also for a resident, 代办), review by community staff, the public wall, claims and
their release, fulfilment, confirmation, and escalation up the place tree.

Community staff are the staff of the community offices (``organisations.offices`` says which): an office at a
community reviews that community's wishes, an office at the street reviews the whole street's. Each move
of a wish is one conditional UPDATE that re-checks the status it moves from, so two people (or two sweepers)
acting at the same instant move it once: the other is told it has moved (Conflict). Every move records a
``wish.*`` event naming whom to tell; the points area subscribes to ``wish.confirmed``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.accounts.services import find_user_by_login
from marketplace.core import clock, events
from marketplace.core.db import get_by_id
from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.permissions import is_platform_admin
from marketplace.core.validation import clean_text
from marketplace.core.zones import in_supported_years, local_date
from marketplace.groups.models import Group
from marketplace.organisations import offices
from marketplace.places.models import Place, PlaceKind
from marketplace.places.services import get_place
from marketplace.wishes.models import ON_THE_WALL, Wish, WishCoClaimer, WishStatus

MAX_TITLE_LENGTH = 60
MAX_NEED_LENGTH = 500
MAX_NOTE_LENGTH = 500
MAX_HOURS = Decimal("100")
# Where a wish can live: the wall shows its grid.
WISH_PLACE_KINDS = (PlaceKind.grid, PlaceKind.building)


@dataclass(frozen=True)
class Rules:
    """The deployment's settings for wishes."""

    claim_days: int  # a claim with no fulfilment by then is released
    escalate_days: int  # an unclaimed wish moves up one level after this long on a wall
    zone: str

    @classmethod
    def from_config(cls, config) -> Rules:
        return cls(claim_days=config["WISH_CLAIM_PROGRESS_DAYS"], escalate_days=config["WISH_ESCALATE_AFTER_DAYS"],
                   zone=config["TIMEZONE"])


@dataclass
class WishInput:
    """What a poster gives. ``resident_login`` (a phone or email) makes it a wish posted for that resident by
    community staff; ``confirmed_in_person`` says the resident agreed to it at the desk."""

    title: str
    need: str
    needed_by: date | None
    place_id: int | None
    resident_login: str | None = None
    confirmed_in_person: bool = False


# Who is who -----------------------------------------------------------------------------------------------------------

def reviewer_ids(session: Session, wish: Wish) -> list[int]:
    """Community staff who review and act for the wish's resident: offices at its community or its street."""
    return offices.office_staff_ids(session, session.get(Place, wish.community_id).ancestor_ids)


def level_staff_ids(session: Session, place: Place) -> list[int]:
    """Whom to tell when a wish reaches this wall: the offices at that place; for a street with no office of
    its own, the platform admins (who run the street's platform)."""
    staff = offices.office_staff_ids(session, [place.id])
    if not staff and place.kind is PlaceKind.street:
        staff = list(session.scalars(select(User.id).where(User.is_platform_admin.is_(True)).order_by(User.id)))
    return staff


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def can_review(session: Session, user, wish: Wish) -> bool:
    return _signed_in(user) and (is_platform_admin(user) or user.id in reviewer_ids(session, wish))


def is_office_staff(session: Session, user) -> bool:
    """Whether the user is a platform admin or staff of any community office (may post for residents, sees the
    queue)."""
    return _signed_in(user) and (is_platform_admin(user) or offices.is_office_staff(session, user))


def may_claim(user) -> bool:
    """Volunteers and party members claim wishes (and group leaders, for their groups)."""
    return _signed_in(user) and (user.is_volunteer or user.is_party_member)


def groups_led_by(session: Session, user) -> list[Group]:
    """The groups the user leads, for whom they may claim wishes."""
    if not _signed_in(user):
        return []
    return list(session.scalars(select(Group).where(Group.leader_id == user.id).order_by(Group.name, Group.id)))


def co_claimer_ids(wish: Wish) -> list[int]:
    return [row.user_id for row in wish.co_claimers]


def is_participant(user, wish: Wish) -> bool:
    """The resident, whoever posted it, its claimant and co-claimers: they see who and where."""
    return _signed_in(user) and user.id in {wish.resident_id, wish.posted_by_id, wish.claimant_id,
                                            *co_claimer_ids(wish)}


def may_see_details(session: Session, user, wish: Wish) -> bool:
    return is_participant(user, wish) or can_review(session, user, wish)


# Reading -------------------------------------------------------------------------------------------------------------

def get_wish(session: Session, wish_id, *, viewer) -> Wish:
    """The wish if it is on the public wall or the viewer takes part in it or reviews it; NotFound otherwise."""
    wish = get_by_id(session, Wish, wish_id)
    if wish is None or (wish.status not in ON_THE_WALL and not may_see_details(session, viewer, wish)):
        raise NotFound(_l("找不到这个心愿"))
    return wish


def _wall_options():
    return (selectinload(Wish.grid), selectinload(Wish.wall_place), selectinload(Wish.co_claimers))


def public_wall(session: Session, *, place_id: int | None = None, status: WishStatus | None = None,
                page: int = 1, per_page: int = 20) -> tuple[list[Wish], int]:
    """A page of the wall: approved wishes not yet confirmed, unclaimed ones first, soonest needed first. For a
    place, the wishes on its wall and on the walls above it (a wish escalated to the community is on every grid's
    wall of it). Raises NotFound for an unknown place."""
    if status is not None and status not in ON_THE_WALL:
        raise ValidationFailed("status", _l("墙上只有待认领、已认领和待确认的心愿"))
    stmt = select(Wish).where(Wish.status.in_(ON_THE_WALL) if status is None else Wish.status == status)
    if place_id is not None:
        stmt = stmt.where(Wish.wall_place_id.in_(get_place(session, place_id).ancestor_ids))
    unclaimed_first = (Wish.status != WishStatus.open)
    return fetch_page(session, stmt.options(*_wall_options())
                      .order_by(unclaimed_first, Wish.needed_by, Wish.id), page=page, per_page=per_page)


def review_queue(session: Session, actor) -> list[Wish]:
    """Wishes waiting for the actor's review, oldest first: in the communities of their offices (all of them
    for a platform admin). Raises Forbidden for anyone else."""
    if not is_office_staff(session, actor):
        raise Forbidden(_l("只有社区居委会工作人员可以审核心愿"))
    stmt = select(Wish).where(Wish.status == WishStatus.pending)
    if not is_platform_admin(actor):
        paths = [place.path for place in offices.office_places(session, actor)]
        communities = select(Place.id).where(Place.kind == PlaceKind.community,
                                             or_(*[Place.path.startswith(path) for path in paths]))
        stmt = stmt.where(Wish.community_id.in_(communities))
    return list(session.scalars(stmt.options(*_wall_options(), selectinload(Wish.resident))
                                .order_by(Wish.created_at, Wish.id)))


def wishes_of(session: Session, user: User) -> list[Wish]:
    """The user's wishes: for them, posted by them, claimed or joined by them; newest first."""
    joined = select(WishCoClaimer.wish_id).where(WishCoClaimer.user_id == user.id)
    return list(session.scalars(
        select(Wish).where(or_(Wish.resident_id == user.id, Wish.posted_by_id == user.id,
                               Wish.claimant_id == user.id, Wish.id.in_(joined)))
        .options(*_wall_options()).order_by(Wish.created_at.desc(), Wish.id.desc())))


def awaiting_my_confirmation(session: Session, user: User) -> list[Wish]:
    """Wishes staff posted for the user that they have not agreed to yet (on their page of wishes)."""
    return list(session.scalars(select(Wish).where(Wish.resident_id == user.id,
                                                   Wish.resident_confirmed_at.is_(None))
                                .order_by(Wish.created_at, Wish.id)))


# Posting and review --------------------------------------------------------------------------------------------------

def _move(session: Session, wish: Wish, conditions: list, values: dict) -> bool:
    """One conditional update of the wish; whether it moved (False: someone else moved it first)."""
    moved = session.execute(update(Wish).where(Wish.id == wish.id, *conditions).values(**values)
                            .execution_options(synchronize_session=False)).rowcount
    session.refresh(wish)
    return bool(moved)


def _moved_already(wish: Wish) -> Conflict:
    return Conflict(_l("这个心愿当前是“%(status)s”，不能这样操作", status=wish.status.label), field="status")


def _grid_and_community(session: Session, place_id) -> tuple[Place, Place, Place]:
    place = get_by_id(session, Place, place_id) if place_id is not None else None
    if place is None or place.kind not in WISH_PLACE_KINDS:
        raise ValidationFailed("place_id", _l("请选择所在的网格或楼栋"))
    grid = place if place.kind is PlaceKind.grid else place.parent
    return place, grid, grid.parent


@dataclass
class WishChanges:
    """What a poster may change of a pending or sent-back wish."""

    title: str
    need: str
    needed_by: date | None
    place_id: int | None


def _clean_wish(session: Session, data: WishInput | WishChanges, rules: Rules, now: datetime) -> dict:
    title = clean_text(data.title, "title", MAX_TITLE_LENGTH, required=_l("请填写心愿标题"),
                       too_long=_l("标题最多%(n)s个字", n=MAX_TITLE_LENGTH))
    need = clean_text(data.need, "need", MAX_NEED_LENGTH, required=_l("请写下需要什么帮助"),
                      too_long=_l("最多%(n)s个字", n=MAX_NEED_LENGTH))
    if not isinstance(data.needed_by, date) or not in_supported_years(data.needed_by):
        raise ValidationFailed("needed_by", _l("请填写希望在哪天之前实现"))
    if data.needed_by < local_date(now, rules.zone):
        raise ValidationFailed("needed_by", _l("日期不能早于今天"))
    place, grid, community = _grid_and_community(session, data.place_id)
    return {"title": title, "need": need, "needed_by": data.needed_by, "place_id": place.id, "grid_id": grid.id,
            "community_id": community.id, "wall_place_id": grid.id}


def post_wish(session: Session, actor: User, data: WishInput, *, rules: Rules, now: datetime | None = None) -> Wish:
    """A new wish waiting for review: the actor's own, or a resident's posted for them by community staff.

    Raises ValidationFailed (title, need, needed_by, place_id, resident_login), Forbidden (posting for someone
    without being staff of their community's office)."""
    now = now or clock.now()
    values = _clean_wish(session, data, rules, now)
    resident = actor
    if data.resident_login:
        resident = find_user_by_login(session, data.resident_login)
        if resident is None:
            raise ValidationFailed("resident_login", _l("找不到这个居民的账号（手机号或邮箱）"))
        if resident.id == actor.id:
            raise ValidationFailed("resident_login", _l("为自己发布心愿不用填写居民账号"))
        community = session.get(Place, values["community_id"])
        if not (is_platform_admin(actor) or offices.is_office_staff(session, actor, community.ancestor_ids)):
            raise Forbidden(_l("只有该社区居委会的工作人员可以代居民发布心愿"))
    confirmed = resident.id == actor.id or data.confirmed_in_person
    wish = Wish(resident_id=resident.id, posted_by_id=actor.id, resident_confirmed_at=now if confirmed else None,
                resident_confirmed_by_id=actor.id if confirmed else None, status=WishStatus.pending, created_at=now,
                **values)
    session.add(wish)
    session.flush()
    events.record(session, "wish.posted", subject=("wish", wish.id), actor_id=actor.id, payload={
        "resident_id": resident.id, "posted_by_id": actor.id, "on_behalf": wish.on_behalf,
        "awaiting_resident": not confirmed, "staff_ids": [i for i in reviewer_ids(session, wish) if i != actor.id]})
    return wish


def edit_wish(session: Session, actor: User, wish: Wish, data: WishChanges, *, rules: Rules,
              now: datetime | None = None) -> Wish:
    """The poster changes a wish not yet on the wall; a sent-back wish goes back for review, its staff told.

    Raises Forbidden (not its poster), Conflict (already approved), ValidationFailed (as ``post_wish``)."""
    now = now or clock.now()
    if actor.id != wish.posted_by_id:
        raise Forbidden(_l("只有发布人可以修改心愿"))
    values = _clean_wish(session, data, rules, now)
    was_sent_back = wish.status is WishStatus.sent_back
    if not _move(session, wish, [Wish.status.in_((WishStatus.pending, WishStatus.sent_back))],
                 {**values, "status": WishStatus.pending, "sent_back_reason": None}):
        raise _moved_already(wish)
    if was_sent_back:
        events.record(session, "wish.resubmitted", subject=("wish", wish.id), actor_id=actor.id, payload={
            "staff_ids": [i for i in reviewer_ids(session, wish) if i != actor.id]})
    return wish


def confirm_posting(session: Session, actor: User, wish: Wish, *, now: datetime | None = None) -> Wish:
    """The resident agrees to a wish posted for them (or community staff record that they agreed in person).

    Raises Forbidden (neither), Conflict (already agreed)."""
    if actor.id != wish.resident_id and not can_review(session, actor, wish):
        raise Forbidden(_l("只有心愿的主人或社区工作人员可以确认"))
    if not _move(session, wish, [Wish.resident_confirmed_at.is_(None)],
                 {"resident_confirmed_at": now or clock.now(), "resident_confirmed_by_id": actor.id}):
        raise Conflict(_l("这个心愿已经确认过了"))
    return wish


def _require_reviewer(session: Session, actor: User, wish: Wish) -> None:
    if not can_review(session, actor, wish):
        raise Forbidden(_l("只有该社区居委会的工作人员可以审核心愿"))


def approve_wish(session: Session, actor: User, wish: Wish, *, rules: Rules, now: datetime | None = None) -> Wish:
    """Put a pending wish on its grid's wall. Raises Forbidden (not its community's staff), Conflict (not pending,
    or still waiting for the resident to agree to a wish posted for them)."""
    now = now or clock.now()
    _require_reviewer(session, actor, wish)
    if wish.status is WishStatus.pending and wish.resident_confirmed_at is None:
        raise Conflict(_l("代办的心愿要等居民本人确认（或工作人员登记当面确认）后才能上墙"))
    if not _move(session, wish, [Wish.status == WishStatus.pending, Wish.resident_confirmed_at.is_not(None)], {
            "status": WishStatus.open, "approved_at": now, "reviewed_by_id": actor.id, "sent_back_reason": None,
            "wall_place_id": wish.grid_id, "escalate_at": now + timedelta(days=rules.escalate_days)}):
        raise _moved_already(wish)
    events.record(session, "wish.approved", subject=("wish", wish.id), actor_id=actor.id,
                  payload={"notify_ids": sorted({wish.resident_id, wish.posted_by_id} - {actor.id})})
    return wish


def send_back_wish(session: Session, actor: User, wish: Wish, reason: str) -> Wish:
    """Return a pending wish to its poster with the reason. Raises Forbidden, Conflict (not pending),
    ValidationFailed (reason)."""
    _require_reviewer(session, actor, wish)
    reason = clean_text(reason, "reason", MAX_NOTE_LENGTH, required=_l("请填写退回的原因"))
    if not _move(session, wish, [Wish.status == WishStatus.pending],
                 {"status": WishStatus.sent_back, "sent_back_reason": reason, "reviewed_by_id": actor.id}):
        raise _moved_already(wish)
    events.record(session, "wish.sent_back", subject=("wish", wish.id), actor_id=actor.id, payload={
        "reason": reason, "notify_ids": sorted({wish.resident_id, wish.posted_by_id} - {actor.id})})
    return wish


# Claims --------------------------------------------------------------------------------------------------------------

def claim_wish(session: Session, actor: User, wish: Wish, *, rules: Rules, group_id: int | None = None,
               now: datetime | None = None) -> Wish:
    """The actor (for their group when ``group_id`` names one they lead) owns the wish's claim until they fulfil it
    or ``rules.claim_days`` pass. Of two claims at the same instant one wins; the other gets Conflict. Raises
    Forbidden (not a volunteer, party member or the group's leader, or the wish is their own), ValidationFailed
    (no such group), Conflict (claimed already, or not on the wall)."""
    now = now or clock.now()
    group = None
    if group_id is not None:
        group = get_by_id(session, Group, group_id)
        if group is None:
            raise ValidationFailed("group_id", _l("找不到这个小组"))
        if group.leader_id != actor.id:
            raise Forbidden(_l("只有小组的组长可以代表小组认领"))
    elif not may_claim(actor):
        raise Forbidden(_l("志愿者、党员和小组组长可以认领心愿"))
    if actor.id == wish.resident_id:
        raise Forbidden(_l("不能认领自己的心愿"))
    if not _move(session, wish, [Wish.status == WishStatus.open], {
            "status": WishStatus.claimed, "claimant_id": actor.id, "claimant_group_id": group.id if group else None,
            "claimed_at": now, "claim_due_at": now + timedelta(days=rules.claim_days), "escalate_at": None}):
        if wish.status is WishStatus.claimed:
            raise Conflict(_l("这个心愿刚被别人认领了，你可以加入一起帮忙"), field="status")
        raise _moved_already(wish)
    events.record(session, "wish.claimed", subject=("wish", wish.id), actor_id=actor.id, payload={
        "claimant_id": actor.id, "group_id": wish.claimant_group_id,
        "notify_ids": sorted({wish.resident_id, wish.posted_by_id})})
    return wish


def join_wish(session: Session, actor: User, wish: Wish) -> WishCoClaimer:
    """Join a claimed wish as a co-claimer. Raises Forbidden (not a volunteer or party member, or their own
    wish), Conflict (not claimed, the claimant, or joined already)."""
    if not may_claim(actor):
        raise Forbidden(_l("志愿者和党员可以加入认领"))
    if actor.id == wish.resident_id:
        raise Forbidden(_l("不能认领自己的心愿"))
    session.refresh(wish, with_for_update=True)  # a release clears co-claimers: none may join while it runs
    if wish.status is not WishStatus.claimed:
        raise _moved_already(wish)
    if wish.claimant_id == actor.id:
        raise Conflict(_l("你已经是这个心愿的认领人了"))
    try:
        with session.begin_nested():
            joined = WishCoClaimer(wish_id=wish.id, user_id=actor.id)
            session.add(joined)
    except IntegrityError:
        raise Conflict(_l("你已经加入这个心愿了")) from None
    return joined


def _release_values(now: datetime, rules: Rules) -> dict:
    return {"status": WishStatus.open, "claimant_id": None, "claimant_group_id": None, "claimed_at": None,
            "claim_due_at": None,
            "escalate_at": now + timedelta(days=rules.escalate_days)}


def _record_release(session: Session, wish: Wish, claimant_id: int, helpers: list[int], *, automatic: bool,
                    actor_id: int | None) -> None:
    session.execute(delete(WishCoClaimer).where(WishCoClaimer.wish_id == wish.id))
    session.expire(wish, ["co_claimers"])
    events.record(session, "wish.released", subject=("wish", wish.id), actor_id=actor_id, payload={
        "claimant_id": claimant_id, "co_claimer_ids": helpers, "automatic": automatic,
        "notify_ids": sorted({claimant_id, *helpers, wish.resident_id} - {actor_id})})


def release_wish(session: Session, actor: User, wish: Wish, *, rules: Rules, now: datetime | None = None) -> Wish:
    """The claimant (or community staff) gives the claim up; the wish goes back to the wall and co-claimers leave
    with the claim. Raises Forbidden, Conflict (not claimed)."""
    now = now or clock.now()
    claimant_id, helpers = wish.claimant_id, co_claimer_ids(wish)
    if actor.id != claimant_id and not can_review(session, actor, wish):
        raise Forbidden(_l("只有认领人或社区工作人员可以放弃认领"))
    if not _move(session, wish, [Wish.status == WishStatus.claimed, Wish.claimant_id == claimant_id],
                 _release_values(now, rules)):
        raise _moved_already(wish)
    _record_release(session, wish, claimant_id, helpers, automatic=False, actor_id=actor.id)
    return wish


def oldest_claim_due(session: Session, now: datetime) -> datetime | None:
    """The progress deadline of the longest-overdue claim ``due_claims`` would find, or None (one index seek)."""
    return session.scalar(select(Wish.claim_due_at).where(Wish.status == WishStatus.claimed, Wish.claim_due_at <= now)
                          .order_by(Wish.claim_due_at).limit(1))


def due_claims(session: Session, now: datetime, *, limit: int) -> list[Wish]:
    """Claimed wishes past their progress deadline, earliest first (the status and claim_due_at index)."""
    return list(session.scalars(select(Wish).where(Wish.status == WishStatus.claimed, Wish.claim_due_at <= now)
                                .options(selectinload(Wish.co_claimers))
                                .order_by(Wish.claim_due_at, Wish.id).limit(limit)))


def release_if_due(session: Session, wish: Wish, now: datetime, *, rules: Rules) -> bool:
    """The scheduler's release of a stalled claim; False when it moved meanwhile (fulfilled, released, or
    another sweeper released it first)."""
    claimant_id, helpers = wish.claimant_id, co_claimer_ids(wish)
    if not _move(session, wish, [Wish.status == WishStatus.claimed, Wish.claimant_id == claimant_id,
                                 Wish.claim_due_at <= now], _release_values(now, rules)):
        return False
    _record_release(session, wish, claimant_id, helpers, automatic=True, actor_id=None)
    return True


# Fulfilment ----------------------------------------------------------------------------------------------------------

def _clean_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)) if value is not None and not isinstance(value, bool) else None
    except InvalidOperation:
        hours = None
    if hours is None or not hours.is_finite() or hours <= 0 or hours > MAX_HOURS or hours != round(hours, 1):
        raise ValidationFailed("hours", _l("请填写服务时长（小时），大于0、不超过%(n)s，最多一位小数", n=MAX_HOURS))
    return hours


def fulfil_wish(session: Session, actor: User, wish: Wish, note: str, hours, *, now: datetime | None = None) -> Wish:
    """The claimant says it is done, with a short note and the hours of service it took; the resident confirms.
    Raises Forbidden (not the claimant), Conflict (not claimed), ValidationFailed (note, hours)."""
    now = now or clock.now()
    if actor.id != wish.claimant_id:
        raise Forbidden(_l("只有认领人可以标记完成"))
    note = clean_text(note, "note", MAX_NOTE_LENGTH, required=_l("请简单说说做了什么"),
                      too_long=_l("最多%(n)s个字", n=MAX_NOTE_LENGTH))
    hours = _clean_hours(hours)
    if not _move(session, wish, [Wish.status == WishStatus.claimed, Wish.claimant_id == actor.id], {
            "status": WishStatus.fulfilled, "fulfilment_note": note, "hours": hours, "fulfilled_at": now,
            "claim_due_at": None}):
        raise _moved_already(wish)
    events.record(session, "wish.fulfilled", subject=("wish", wish.id), actor_id=actor.id, payload={
        "claimant_id": actor.id, "notify_ids": sorted({wish.resident_id, wish.posted_by_id} - {actor.id})})
    return wish


def confirm_wish(session: Session, actor: User, wish: Wish, *, thanks: str = "", rating: int | None = None,
                 now: datetime | None = None) -> Wish:
    """The resident (or community staff for them, recorded as on their behalf) confirms a fulfilled wish, with
    optional thanks and 1–5 stars; records ``wish.confirmed`` for the points area.

    Raises Forbidden, Conflict (not fulfilled), ValidationFailed (thanks, rating)."""
    now = now or clock.now()
    if actor.id != wish.resident_id and not can_review(session, actor, wish):
        raise Forbidden(_l("只有心愿的主人或社区工作人员可以确认完成"))
    thanks = clean_text(thanks, "thanks", MAX_NOTE_LENGTH, too_long=_l("最多%(n)s个字", n=MAX_NOTE_LENGTH))
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5):
        raise ValidationFailed("rating", _l("请选择1到5颗星"))
    helpers = co_claimer_ids(wish)
    if not _move(session, wish, [Wish.status == WishStatus.fulfilled], {
            "status": WishStatus.confirmed, "confirmed_at": now, "confirmed_by_id": actor.id,
            "thanks": thanks or None, "rating": rating}):
        raise _moved_already(wish)
    events.record(session, "wish.confirmed", subject=("wish", wish.id), actor_id=actor.id, payload={
        "wish_id": wish.id, "claimant_id": wish.claimant_id, "co_claimer_ids": helpers, "hours": float(wish.hours),
        "confirmed_by_id": actor.id, "on_behalf": actor.id != wish.resident_id, "rating": rating,
        "group_id": wish.claimant_group_id})
    return wish


# Escalation ----------------------------------------------------------------------------------------------------------

def oldest_escalation_due(session: Session, now: datetime) -> datetime | None:
    """When the longest-waiting wish ``due_escalations`` would find was due to go up, or None (one index seek)."""
    return session.scalar(select(Wish.escalate_at).where(Wish.status == WishStatus.open, Wish.escalate_at <= now)
                          .order_by(Wish.escalate_at).limit(1))


def due_escalations(session: Session, now: datetime, *, limit: int) -> list[Wish]:
    """Unclaimed wishes whose time on their wall is up, earliest first (the status and escalate_at index)."""
    return list(session.scalars(select(Wish).where(Wish.status == WishStatus.open, Wish.escalate_at <= now)
                                .options(selectinload(Wish.wall_place))
                                .order_by(Wish.escalate_at, Wish.id).limit(limit)))


def escalate_if_due(session: Session, wish: Wish, now: datetime, *, rules: Rules) -> bool:
    """Move an unclaimed wish one level up (grid → community → street) and tell that level's staff; at the street
    it stays. False when it moved meanwhile (claimed, or another sweeper escalated it first)."""
    here = wish.wall_place
    up = here.parent  # a wall below the street always has one: only grids and communities are ever due
    again = now + timedelta(days=rules.escalate_days) if up.parent is not None else None
    if not _move(session, wish, [Wish.status == WishStatus.open, Wish.wall_place_id == here.id,
                                 Wish.escalate_at <= now], {"wall_place_id": up.id, "escalate_at": again}):
        return False
    events.record(session, "wish.escalated", subject=("wish", wish.id), payload={
        "from_level": here.kind.value, "to_level": up.kind.value, "wall_place_id": up.id,
        "staff_ids": level_staff_ids(session, up)})
    return True
