"""Booking a slot and every step people take on a booking afterwards (edit, approve, reject, cancel, check in,
no-show); the steps time takes on its own (expiry, completion) are in ``bookings.lifecycle``.

The services here take the listing lock themselves (see ``bookings.locking``); on SQLite the unit of
work already holds the write lock (``core.transactions``). Times are aware
UTC datetimes; ``zone`` is the deployment's zone name; ``now`` defaults to ``core.clock.now()``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace.accounts.models import User
from marketplace.bookings import charges, states
from marketplace.bookings.availability import (Hold, Occupancy, SlotTaken, check_bookable, check_supported_years,
                                               check_window_size, nearest_alternatives, opening_plan)
from marketplace.bookings.doorcode import require_door_code
from marketplace.bookings.locking import lock_booking, lock_listing, lock_organisation
from marketplace.bookings.models import ACTIVE_STATUSES, Booking, BookingSeries, BookingStatus
from marketplace.bookings.permissions import can_provide, can_see_requests_of, can_view_booking, is_booker
from marketplace.core import clock
from marketplace.core.db import get_by_id, is_id
from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.transactions import statement_savepoint
from marketplace.core.validation import clean_text
from marketplace.core.zones import UTC, in_supported_years, local_date, week_bounds
from marketplace.groups.models import Group
from marketplace.listings.models import Listing, ListingStatus
from marketplace.organisations.models import Organisation

# A pending request waits at most this long for a decision, and never past its start.
APPROVAL_WINDOW = timedelta(hours=48)
# Providers may check a booker in from this long before the start until the end.
CHECK_IN_OPENS_BEFORE = timedelta(minutes=30)
MAX_PURPOSE_LENGTH = 200
MAX_REASON_LENGTH = 500
MAX_SHIFT_MINUTES = 366 * 24 * 60
DEFAULT_CALENDAR_DAYS = 31
# The name of the database guard against overlapping exclusive bookings (constraint / trigger message).
OVERLAP_GUARD = "bookings_no_overlap"
# Statuses whose hours count towards a booker's weekly cap: the slot was (or is) theirs.
USED_STATUSES = (BookingStatus.pending, BookingStatus.confirmed, BookingStatus.completed, BookingStatus.no_show)
# Statements every booking sends, built once (see "The path of a request" in docs/ARCHITECTURE.md).
_BOOKABLE_LISTING = (select(Listing).where(Listing.id == bindparam("listing_id"))
                     .options(joinedload(Listing.organisation), joinedload(Listing.opening_hours)))
_INSERT_BOOKING = insert(Booking).returning(Booking)


@dataclass
class BookingRequest:
    """What a booker asks for; the API and the pages fill it from their input."""

    listing_id: int
    start: datetime
    end: datetime
    seats: int = 1
    group_id: int | None = None
    purpose: str = ""


# Why a booker's bookings wait for approval even on instant listings, and how they recover; the standing is
# kept by the reputation area with its thresholds (see reputation.services).
STANDING_NOTES = {
    "low_score": lambda reputation: _l(
        "你收到的评价偏低（%(score)s分），即时预约的资源也需要提供方审批。按约使用、获得好评，评分回升后即可恢复即时预约。",
        score=f"{reputation.score:.1f}"),
    "no_shows": lambda reputation: _l(
        "你已爽约%(n)s次，即时预约的资源也需要提供方审批。按时出席已确认的预约，出席率回升后即可恢复即时预约。",
        n=reputation.no_shows),
}


def approval_note(booker: User):
    """Why the booker's bookings need approval even on instant listings, and how to recover; None when they do not."""
    reputation = booker.booker_reputation
    if reputation is None or reputation.standing not in STANDING_NOTES:
        return None
    return STANDING_NOTES[reputation.standing](reputation)


def needs_approval(listing: Listing, booker: User) -> bool:
    """Whether a new booking waits for the provider's decision instead of confirming at once.

    The single place for this policy: approval listings always do; so do instant ones for a booker whose
    reputation standing asks for it (a low score or repeated no-shows, see ``approval_note``).
    """
    return not listing.instant_booking or approval_note(booker) is not None


def approval_deadline(start: datetime, now: datetime) -> datetime:
    """When an undecided request expires: 48 hours after it was made, or at its start if sooner."""
    return min(start, now + APPROVAL_WINDOW)


def aware_utc(value, field: str) -> datetime:
    """The input instant in UTC; ValidationFailed unless an aware datetime."""
    if not isinstance(value, datetime):
        raise ValidationFailed(field, _l("请填写时间"))
    if value.tzinfo is None:
        raise ValidationFailed(field, _l("时间需要带时区，例如 2026-05-01T09:00:00+08:00"))
    if not in_supported_years(value):
        raise ValidationFailed(field, _l("时间超出了可预约的范围"))
    return value.astimezone(UTC)


def get_bookable_listing(session: Session, listing_id) -> Listing:
    """A published listing; NotFound for unknown ids and drafts, ValidationFailed when suspended."""
    # With its organisation, whose caps the booking's lock and rules read, and the hours its rules check.
    listing = session.scalars(_BOOKABLE_LISTING, {"listing_id": listing_id}).unique().first() \
        if is_id(listing_id) else None
    if listing is None or listing.status is ListingStatus.draft:
        raise NotFound(_l("找不到这个资源"))
    if listing.status is not ListingStatus.published:
        raise ValidationFailed("listing_id", _l("这个资源已暂停，暂不接受预约"))
    return listing


def booked_spans(session: Session, booker: User, listing_id: int, start: datetime,
                 end: datetime) -> list[tuple[datetime, datetime]]:
    """[start, end) of the booker's active bookings of the listing that overlap [start, end), soonest first."""
    return [tuple(row) for row in session.execute(select(Booking.start_at, Booking.end_at).where(
        Booking.listing_id == listing_id, Booking.booker_id == booker.id, Booking.status.in_(ACTIVE_STATUSES),
        Booking.start_at < end, Booking.end_at > start).order_by(Booking.start_at))]


def group_to_book_for(session: Session, booker: User, group_id) -> Group | None:
    """The group the booker books for (None for themselves); NotFound, or Forbidden for non-members."""
    if group_id is None:
        return None
    group = get_by_id(session, Group, group_id)
    if group is None:
        raise NotFound(_l("找不到这个团队"))
    if not group.has_member(booker):
        raise Forbidden(_l("你不是这个团队的成员，不能以团队名义预约"))
    return group


def _holder_conditions(booker: User, group: Group | None) -> list[tuple]:
    """The fair-use caps bind the person and, when booking for a group, the group too."""
    conditions = [(Booking.booker_id == booker.id, _l("你"))]
    if group is not None:
        conditions.append((Booking.group_id == group.id, _l("团队“%(name)s”", name=group.name)))
    return conditions


@dataclass
class FairUseScope:
    """Where a pair of fair-use caps applies, and how its refusals name the place."""

    bookings_of: ColumnElement[bool]
    active_cap: int | None
    hours_cap: int | None
    active_refusal: Callable  # (who, held, cap) -> message
    hours_refusal: Callable  # (who, cap) -> message


def _fair_use_scopes(listing: Listing) -> list[FairUseScope]:
    scopes = [FairUseScope(
        Booking.listing_id == listing.id, listing.max_active_bookings_per_booker,
        listing.max_hours_per_week_per_booker,
        lambda who, held, cap: _l("%(who)s在这个资源已有%(n)s个有效预约，达到上限%(cap)s个", who=who, n=held, cap=cap),
        lambda who, cap: _l("%(who)s本周在这个资源的预约将超过每周%(cap)s小时的上限", who=who, cap=cap),
    )]
    org = listing.organisation
    if org is not None and (org.max_active_bookings_per_booker or org.max_hours_per_week_per_booker):
        scopes.append(FairUseScope(
            Booking.listing_id.in_(select(Listing.id).where(Listing.organisation_id == org.id)),
            org.max_active_bookings_per_booker, org.max_hours_per_week_per_booker,
            lambda who, held, cap: _l("%(who)s在%(org)s的有效预约已达上限（%(cap)s个）", who=who, org=org.name,
                                      cap=cap),
            lambda who, cap: _l("%(who)s本周在%(org)s的预约将超过每周%(cap)s小时的上限", who=who, org=org.name,
                                cap=cap),
        ))
    return scopes


def not_overdue(now: datetime) -> ColumnElement[bool]:
    """Leaves out requests nobody decided in time (``Booking.is_overdue``): they hold nothing and count for nothing,
    though they lapse only when the scheduler sweeps them (or when one stands in a new booking's way, see
    ``insert_checked_booking``)."""
    return or_(Booking.status != BookingStatus.pending, Booking.approval_deadline.is_(None),
               Booking.approval_deadline > now)


def check_fair_use(session: Session, listing: Listing, booker: User, group: Group | None, start: datetime,
                   end: datetime, *, zone: str, now: datetime | None = None,
                   exclude_booking_id: int | None = None, also_holding: tuple | list = ()) -> None:
    """Refuse a booking that would put the booker (or the group) over the listing's or its organisation's caps.

    Caps: active bookings at once (pending/confirmed, not yet ended) and hours per local week
    (Monday to Sunday, counting every booking that held its slot); the organisation's count the
    bookings on all its listings together. ``also_holding`` adds (start, end) pairs on this listing
    not yet in the database, such as earlier dates of a series being checked.
    """
    now = now or clock.now()
    scopes = [scope for scope in _fair_use_scopes(listing)
              if scope.active_cap is not None or scope.hours_cap is not None]
    if not scopes:
        return
    for fair_use in scopes:
        for condition, who in _holder_conditions(booker, group):
            scope = [fair_use.bookings_of, condition, not_overdue(now)]
            if exclude_booking_id is not None:
                scope.append(Booking.id != exclude_booking_id)
            if fair_use.active_cap is not None:
                held = session.scalar(select(func.count(Booking.id)).where(
                    *scope, Booking.status.in_(ACTIVE_STATUSES), Booking.end_at > now))
                held += sum(1 for _, pending_end in also_holding if pending_end > now)
                if held + 1 > fair_use.active_cap:
                    raise ValidationFailed(None, fair_use.active_refusal(who, held, fair_use.active_cap))
            if fair_use.hours_cap is not None:
                week_start, week_end = week_bounds(local_date(start, zone), zone)
                spans = [tuple(row) for row in session.execute(select(Booking.start_at, Booking.end_at).where(
                    *scope, Booking.status.in_(USED_STATUSES), Booking.start_at >= week_start,
                    Booking.start_at < week_end))]
                spans += [(s, e) for s, e in also_holding if week_start <= s < week_end]
                used = sum((e - s for s, e in spans), timedelta()) + (end - start)
                if used > timedelta(hours=fair_use.hours_cap):
                    raise ValidationFailed(None, fair_use.hours_refusal(who, fair_use.hours_cap))


def lock_listing_for_booking(session: Session, listing: Listing) -> None:
    """Take the listing's booking lock, and its organisation's when that caps bookings across its listings."""
    lock_listing(session, listing.id)
    organisation = listing.organisation
    if organisation is not None and (organisation.max_active_bookings_per_booker is not None
                                     or organisation.max_hours_per_week_per_booker is not None):
        lock_organisation(session, organisation.id)


def expire_overdue_requests(session: Session, listing: Listing, now: datetime) -> bool:
    """Let the listing's requests that nobody decided in time lapse (under its lock); whether there were any.

    The booking rules already ignore them, but until the scheduler sweeps them the database's overlap guard
    still counts them: a booking the guard refuses is tried once more after this (``insert_checked_booking``).
    """
    overdue = list(session.scalars(select(Booking).where(
        Booking.listing_id == listing.id, Booking.status == BookingStatus.pending,
        Booking.approval_deadline <= now,
    )))
    for booking in overdue:
        states.transition(booking, BookingStatus.expired, action="expire", actor=None, at=now)
        booking.approval_deadline = None
    session.flush()
    return bool(overdue)


def _insert_booking(session: Session, values: dict) -> Booking | None:
    """Insert a booking; None when the database's overlap guard refuses it. Only that statement is undone then,
    and the unit of work goes on (to retry, or to offer alternatives)."""
    try:
        with statement_savepoint(session):
            return session.scalars(_INSERT_BOOKING, [values]).one()
    except IntegrityError as error:
        if OVERLAP_GUARD not in str(error.orig):
            raise
        return None


def insert_checked_booking(session: Session, listing: Listing, booker: User, group: Group | None, start: datetime,
            end: datetime, seats: int, purpose: str, *, zone: str, now: datetime,
            series: BookingSeries | None = None) -> Booking:
    """Write a booking that has passed every check, under the listing lock, and log its creation.

    When the database's overlap guard refuses it, the listing's requests nobody decided in time lapse and the
    insert is tried once more: the guard counts them until then, the checks did not. Else SlotTaken."""
    status = BookingStatus.pending if needs_approval(listing, booker) else BookingStatus.confirmed
    values = {"listing_id": listing.id, "booker_id": booker.id, "group_id": group.id if group else None,
              "series_id": series.id if series else None, "seats": seats, "start_at": start, "end_at": end,
              "blocked_until": end + timedelta(minutes=listing.buffer_minutes), "exclusive": listing.is_exclusive,
              "status": status, "purpose": purpose,
              "approval_deadline": approval_deadline(start, now) if status is BookingStatus.pending else None,
              "created_at": now, "updated_at": now}
    booking = _insert_booking(session, values)
    if booking is None and expire_overdue_requests(session, listing, now):
        booking = _insert_booking(session, values)
    if booking is None:
        raise SlotTaken(_l("这个时段刚刚被别人预约了"), details={
            "seats_left": 0,
            "alternatives": nearest_alternatives(session, listing, start, end, seats, zone=zone, now=now),
        })
    charges.charge_new_booking(session, booking)
    states.log_creation(session, booking, actor=booker, at=now)
    return booking


def create_booking(session: Session, booker: User, request: BookingRequest, *, zone: str,
                   now: datetime | None = None) -> Booking:
    """Book a slot: confirmed at once on instant listings, pending (holding the slot) on approval ones.

    Raises NotFound (listing, group), Forbidden (not a member of the group), ValidationFailed for
    every rule broken (times, duration, notice, advance, seats, fair use, text lengths), and
    SlotTaken (409) with ``details["alternatives"]`` when the slot is full or was just taken.
    """
    now = now or clock.now()
    listing = get_bookable_listing(session, request.listing_id)
    start = aware_utc(request.start, "start")
    end = aware_utc(request.end, "end")
    group = group_to_book_for(session, booker, request.group_id)
    purpose = clean_text(request.purpose, "purpose", MAX_PURPOSE_LENGTH)
    # From here to the insert nobody else may book this listing: PostgreSQL holds its row lock,
    # SQLite the write lock of the unit of work's BEGIN IMMEDIATE (see bookings.locking for why).
    lock_listing_for_booking(session, listing)
    try:
        check_bookable(session, listing, start, end, request.seats, zone=zone, now=now)
    except SlotTaken as taken:
        taken.details["alternatives"] = nearest_alternatives(session, listing, start, end, request.seats,
                                                             zone=zone, now=now)
        raise
    check_fair_use(session, listing, booker, group, start, end, zone=zone, now=now)
    return insert_checked_booking(session, listing, booker, group, start, end, request.seats, purpose, zone=zone,
                                  now=now)


@dataclass
class BookingChange:
    """What a booker changes on a booking; None leaves a field as it is."""

    purpose: str | None = None
    seats: int | None = None
    shift_minutes: int | None = None


def edit_booking(session: Session, actor: User, booking: Booking, change: BookingChange, *, zone: str,
                 now: datetime | None = None) -> Booking:
    """Change the purpose, seats or time (moved by ``shift_minutes``) of a booking not yet started (booker only).

    A new time or seat count is checked like a new booking, this one aside (ValidationFailed,
    SlotTaken). On approval listings a confirmed booking keeps its time and seats: the provider
    approved those, so the booker cancels and books again instead.
    """
    now = now or clock.now()
    if not is_booker(actor, booking):
        raise Forbidden(_l("只有预约人可以修改预约"))
    lock_booking(session, booking)
    if not booking.is_active:
        raise Conflict(_l("这个预约当前是“%(status)s”状态，不能修改", status=booking.status.label), field="status")
    if booking.is_overdue(now):
        raise Conflict(_l("这个申请已过审批期限，不能再修改，请重新预约"), field="status")
    if now >= booking.start_at:
        raise ValidationFailed(None, _l("预约已经开始，不能再修改"))
    listing = booking.listing
    notes = []
    purpose = None if change.purpose is None else clean_text(change.purpose, "purpose", MAX_PURPOSE_LENGTH)
    if purpose is not None:
        notes.append(str(_l("用途改为：%(purpose)s", purpose=purpose)))
    shift = change.shift_minutes or 0
    if isinstance(shift, bool) or not isinstance(shift, int) or abs(shift) > MAX_SHIFT_MINUTES:
        raise ValidationFailed("shift_minutes", _l("调整的分钟数应为整数，且不超过一年"))
    seats = booking.seats if change.seats is None else change.seats
    moves = bool(shift) or seats != booking.seats
    if moves:
        if booking.status is BookingStatus.confirmed and needs_approval(listing, booking.booker):
            raise ValidationFailed(None, _l("已批准的预约不能修改时间或人数，请取消后重新预约"))
        start, end = booking.start_at + timedelta(minutes=shift), booking.end_at + timedelta(minutes=shift)
        lock_listing_for_booking(session, listing)
        # The move is flushed below, where a refusal by the overlap guard cannot be retried: let them lapse first.
        expire_overdue_requests(session, listing, now)
        check_bookable(session, listing, start, end, seats, zone=zone, now=now, exclude_booking_id=booking.id)
        if shift:
            check_fair_use(session, listing, booking.booker, booking.group, start, end, zone=zone, now=now,
                           exclude_booking_id=booking.id)
            notes.append(str(_l("时间调整%(n)s分钟", n=shift)))
        if seats != booking.seats:
            notes.append(str(_l("人数改为%(n)s", n=seats)))
    try:
        # The changes are made inside the savepoint (begin_nested flushes what is pending first, outside it), so
        # that the database's overlap guard refusing them undoes them alone and the session stays usable.
        with session.begin_nested():
            if moves:
                booking.start_at, booking.end_at, booking.seats = start, end, seats
                booking.blocked_until = end + timedelta(minutes=listing.buffer_minutes)
                if booking.status is BookingStatus.pending:
                    booking.approval_deadline = min(booking.approval_deadline, start)
            if purpose is not None:
                booking.purpose = purpose
            booking.updated_at = now
            states.record(booking, action="edit", actor=actor, at=now, reason="；".join(notes)[:MAX_REASON_LENGTH])
            session.flush()
    except IntegrityError as error:
        if OVERLAP_GUARD not in str(error.orig):
            raise
        raise SlotTaken(_l("这个时段刚刚被别人预约了"), details={"seats_left": 0}) from None
    return booking


def require_provider(actor, booking: Booking) -> None:
    """Refuse (Forbidden) anyone but the provider of the booking's listing."""
    if not can_provide(actor, booking.listing):
        raise Forbidden(_l("只有资源的提供方可以处理这个预约"))


def approval_conflicts(session: Session, booking: Booking, *, zone: str, now: datetime | None = None) -> list[dict]:
    """What approving this request would run into, for the provider's inbox (empty when nothing).

    A pending request holds its slot, so other bookings cannot have taken it; conflicts come from
    changes since the request: lower capacity or new overlapping bookings (kind ``capacity``, with
    their ids), a closure added over it (``closed``), or the booker now over a fair-use cap (``fair_use``).
    """
    now = now or clock.now()
    listing = booking.listing
    conflicts = []
    others = session.scalars(select(Booking).where(
        Booking.listing_id == listing.id, Booking.id != booking.id, Booking.status.in_(ACTIVE_STATUSES),
        not_overdue(now), Booking.start_at < booking.blocked_until, Booking.blocked_until > booking.start_at,
    ).order_by(Booking.start_at)).all()
    peak = Occupancy([Hold(o.start_at, o.blocked_until, o.seats) for o in others]).peak(
        booking.start_at, booking.blocked_until)
    if peak + booking.seats > listing.capacity:
        conflicts.append({"kind": "capacity", "booking_ids": [o.id for o in others],
                          "message": str(_l("批准后这个时段将超出容量（与其他%(n)s个预约重叠）", n=len(others)))})
    day = local_date(booking.start_at, zone)
    if not opening_plan(session, listing, day, day, zone).contains(booking.start_at, booking.end_at):
        conflicts.append({"kind": "closed", "message": str(_l("这个时段已不在开放时间内（可能新增了闭馆安排）"))})
    try:
        check_fair_use(session, listing, booking.booker, booking.group, booking.start_at, booking.end_at, zone=zone,
                       now=now, exclude_booking_id=booking.id)
    except ValidationFailed as refusal:
        conflicts.append({"kind": "fair_use", "message": str(refusal.message)})
    return conflicts


def approve_booking(session: Session, actor: User, booking: Booking, *, zone: str, now: datetime | None = None,
                    reason: str = "") -> Booking:
    """Confirm a pending request (provider only) before its deadline; Conflict if it would overfill the slot."""
    now = now or clock.now()
    require_provider(actor, booking)
    lock_booking(session, booking)
    reason = clean_text(reason, "reason", MAX_REASON_LENGTH)
    if booking.is_overdue(now):
        raise Conflict(_l("审批期限已过，这个申请已失效"), field="status")
    if booking.status is BookingStatus.pending:
        lock_listing(session, booking.listing_id)
        if any(c["kind"] == "capacity" for c in approval_conflicts(session, booking, zone=zone, now=now)):
            raise Conflict(_l("批准后这个时段将超出容量，请先处理重叠的预约"))
    states.transition(booking, BookingStatus.confirmed, action="approve", actor=actor, at=now, reason=reason)
    booking.decision_reason = reason or None
    booking.approval_deadline = None
    session.flush()
    return booking


def reject_booking(session: Session, actor: User, booking: Booking, reason: str, *,
                   now: datetime | None = None) -> Booking:
    """Turn down a pending request with a reason the booker sees (provider only)."""
    now = now or clock.now()
    require_provider(actor, booking)
    lock_booking(session, booking)
    reason = clean_text(reason, "reason", MAX_REASON_LENGTH, required=_l("请填写拒绝的原因"))
    states.transition(booking, BookingStatus.rejected, action="reject", actor=actor, at=now, reason=reason)
    booking.decision_reason = reason
    booking.approval_deadline = None
    session.flush()
    return booking


def booker_may_cancel(booking: Booking, now: datetime) -> bool:
    """A booker withdraws a pending request any time before it starts, and a confirmed booking until the
    listing's cancellation cutoff before the start."""
    if booking.status is BookingStatus.pending:
        return now < booking.start_at
    return now < booking.start_at - timedelta(minutes=booking.listing.cancel_cutoff_minutes)


def cancel_booking(session: Session, actor: User, booking: Booking, reason: str = "", *,
                   now: datetime | None = None, account_closing: bool = False) -> Booking:
    """Cancel a pending or confirmed booking.

    The booker may until the cutoff (after it: a clear refusal), or until the start when they are deleting
    their account (they will not come); the provider may any time before the end, with a reason. Raises
    Forbidden for anyone else, Conflict for a final status.
    """
    now = now or clock.now()
    if not (is_booker(actor, booking) or can_provide(actor, booking.listing)):
        raise Forbidden(_l("你不能取消别人的预约"))  # before the status check: outsiders learn nothing of it
    lock_booking(session, booking)
    states.require_transition(booking, BookingStatus.cancelled, action="cancel_by_booker")
    if is_booker(actor, booking) and (booker_may_cancel(booking, now) or (account_closing and now < booking.start_at)):
        reason = clean_text(reason, "reason", MAX_REASON_LENGTH)
        action = "cancel_by_booker"
    elif can_provide(actor, booking.listing):
        reason = clean_text(reason, "reason", MAX_REASON_LENGTH, required=_l("提供方取消预约需要填写原因"))
        if now >= booking.end_at:
            raise ValidationFailed(None, _l("预约已经结束，不能再取消"))
        action = "cancel_by_provider"
    else:
        if now >= booking.start_at:
            raise ValidationFailed(None, _l("预约已经开始，不能再取消"))
        raise ValidationFailed(None, _l("距离开始已不足%(n)s分钟，不能再取消；如有需要请联系提供方",
                                        n=booking.listing.cancel_cutoff_minutes))
    states.transition(booking, BookingStatus.cancelled, action=action, actor=actor, at=now, reason=reason)
    booking.decision_reason = reason or None
    booking.approval_deadline = None
    session.flush()
    return booking


def check_in(session: Session, actor: User, booking: Booking, *, door_token: str | None = None, secret: str = "",
             zone: str = "", now: datetime | None = None) -> Booking:
    """Record that the booker showed up: by the provider, from shortly before the start until the end; or by
    the booker with the listing's door code (``door_token``, checked against ``secret`` and the local date in
    ``zone``) within the listing's check-in window.

    Raises Forbidden for anyone else (and for a booker without the code), ValidationFailed for a wrong or old
    code or outside the window, Conflict unless the booking is confirmed and not checked in yet.
    """
    now = now or clock.now()
    by_the_door = door_token is not None and is_booker(actor, booking)
    if not by_the_door:
        require_provider(actor, booking)
    lock_booking(session, booking)
    if booking.status is not BookingStatus.confirmed:
        raise Conflict(_l("只有已确认的预约可以签到"), field="status")
    if booking.checked_in_at is not None:
        raise Conflict(_l("这个预约已经签到过了"))
    if by_the_door:
        require_door_check_in(booking, door_token, secret=secret, zone=zone, now=now)
    elif now < booking.start_at - CHECK_IN_OPENS_BEFORE:
        raise ValidationFailed(None, _l("开始前%(n)s分钟内才能签到", n=int(CHECK_IN_OPENS_BEFORE.total_seconds() // 60)))
    elif now >= booking.end_at:
        raise ValidationFailed(None, _l("预约已经结束，不能再签到"))
    booking.checked_in_at = now
    states.record(booking, action="check_in", actor=actor, at=now)
    session.flush()
    return booking


def require_door_check_in(booking: Booking, token: str, *, secret: str, zone: str, now: datetime) -> None:
    """Refuse (ValidationFailed) a wrong or old door code, and a moment outside the booking's check-in window."""
    listing = booking.listing
    require_door_code(listing, token, secret=secret, now=now, zone=zone)
    opens, closes = door_window(booking)
    if now < opens:
        raise ValidationFailed(None, _l("还没到签到时间：开始前%(n)s分钟起可以签到", n=listing.check_in_opens_minutes))
    if now >= closes:
        raise ValidationFailed(None, _l("签到时间已过（开始后%(n)s分钟内）：请联系提供方",
                                        n=listing.release_after_minutes))


def door_window(booking: Booking) -> tuple[datetime, datetime]:
    """When the booker may check in with the door code: [start - N, start + M) of the listing's settings."""
    listing = booking.listing
    return (booking.start_at - timedelta(minutes=listing.check_in_opens_minutes),
            booking.start_at + timedelta(minutes=listing.release_after_minutes))


def mark_no_show(session: Session, actor: User, booking: Booking, *, now: datetime | None = None) -> Booking:
    """Record that the booker did not come (provider only), once the booking has started."""
    now = now or clock.now()
    require_provider(actor, booking)
    lock_booking(session, booking)
    if booking.checked_in_at is not None:
        raise Conflict(_l("这个预约已经签到，不能标记为爽约"))
    if booking.status is BookingStatus.confirmed and now < booking.start_at:
        raise ValidationFailed(None, _l("预约开始后才能标记爽约"))
    states.transition(booking, BookingStatus.no_show, action="no_show", actor=actor, at=now)
    session.flush()
    return booking


def get_booking(session: Session, booking_id, *, viewer) -> Booking:
    """The booking if the viewer may see it; NotFound otherwise (others do not learn that it exists)."""
    booking = get_by_id(session, Booking, booking_id)
    if booking is None or not can_view_booking(viewer, booking):
        raise NotFound(_l("找不到这个预约"))
    return booking


def list_my_bookings(session: Session, user: User, *, when: str | None = None,
                     status: BookingStatus | str | None = None, page: int = 1, per_page: int = 20,
                     now: datetime | None = None) -> tuple[list[Booking], int]:
    """A page of the user's own bookings and the total: ``when`` "upcoming" (not yet ended, soonest first)
    or "past" (ended, latest first), or "served" (others' bookings the user served for an organisation, latest
    first), optionally one status."""
    now = now or clock.now()
    stmt = select(Booking).where(Booking.served_by_id == user.id if when == "served" else Booking.booker_id == user.id)
    order = (Booking.start_at.desc(), Booking.id.desc())
    if when == "upcoming":
        stmt = stmt.where(Booking.end_at > now)
        order = (Booking.start_at, Booking.id)
    elif when == "past":
        stmt = stmt.where(Booking.end_at <= now)
    elif when not in (None, "served"):
        raise ValidationFailed("when", _l("只能是 upcoming、past 或 served"))
    if status is not None:
        try:
            stmt = stmt.where(Booking.status == BookingStatus(status))
        except ValueError:
            raise ValidationFailed("status", _l("不认识的预约状态")) from None
    return fetch_page(session, stmt.options(selectinload(Booking.listing)).order_by(*order), page=page,
                      per_page=per_page)


def listing_calendar(session: Session, actor: User, listing: Listing, start: datetime | None = None,
                     end: datetime | None = None, *, include_inactive: bool = False) -> list[Booking]:
    """The provider's view of a listing's bookings overlapping [start, end), by start time (provider only).

    ``start`` defaults to now and ``end`` to DEFAULT_CALENDAR_DAYS after the start.
    """
    if not can_provide(actor, listing):
        raise Forbidden(_l("只有资源的提供方可以查看预约日历"))
    start = start or clock.now()
    check_supported_years(start=start)
    end = end or start + timedelta(days=DEFAULT_CALENDAR_DAYS)
    check_window_size(start, end)
    stmt = select(Booking).where(Booking.listing_id == listing.id, Booking.start_at < end, Booking.end_at > start)
    if not include_inactive:
        stmt = stmt.where(Booking.status.in_(ACTIVE_STATUSES + (BookingStatus.completed, BookingStatus.no_show)))
    return list(session.scalars(stmt.options(selectinload(Booking.booker)).order_by(Booking.start_at, Booking.id)))


def pending_requests(session: Session, actor: User, *, zone: str, organisation: Organisation | None = None,
                     now: datetime | None = None) -> list[tuple[Booking, list[dict]]]:
    """The provider's inbox: pending requests (soonest deadline first), each with its approval conflicts.

    For an organisation's listings (its staff only), or without one for the actor's own volunteer listings.
    """
    now = now or clock.now()
    if organisation is not None:
        if not can_see_requests_of(actor, organisation):
            raise Forbidden(_l("你不是这个组织的工作人员"))
        owned = Listing.organisation_id == organisation.id
    else:
        owned = Listing.provider_user_id == actor.id
    requests = session.scalars(
        select(Booking).join(Listing, Booking.listing_id == Listing.id)
        .where(owned, Booking.status == BookingStatus.pending)
        .options(selectinload(Booking.listing), selectinload(Booking.booker).selectinload(User.booker_reputation),
                 selectinload(Booking.group))
        .order_by(Booking.approval_deadline, Booking.id)
    ).all()
    return [(booking, approval_conflicts(session, booking, zone=zone, now=now)) for booking in requests]
