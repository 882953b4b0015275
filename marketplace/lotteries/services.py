"""Lotteries: opening a slot by lottery, applying and withdrawing, the scheduler's draw, and the published result.

While a lottery is open its slot is held whole (a ``SlotHold`` of purpose ``lottery``), so the booking rules
refuse it to everyone (``bookings.availability.check_bookable``), in one place. The draw takes the listing's
booking lock first, the order the booking path uses, then moves the lottery from ``open`` to ``drawn`` by one
conditional update: a second sweeper that found the same lottery due changes nothing. Applying and withdrawing
lock the lottery's row, so that no application slips in while the draw reads them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.bookings.holds import place_hold, release_hold
from marketplace.bookings.locking import lock_listing
from marketplace.bookings.models import BookingStatus, HoldPurpose
from marketplace.bookings.permissions import can_provide
from marketplace.bookings.services import (BookingRequest, approve_booking, aware_utc, create_booking,
                                           get_bookable_listing)
from marketplace.core import clock, events
from marketplace.core.db import get_by_id
from marketplace.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.permissions import can_edit_listing
from marketplace.listings.models import Listing, ListingStatus
from marketplace.lotteries import draw
from marketplace.lotteries.models import Lottery, LotteryApplication, LotteryStatus, Outcome, Priority
from marketplace.places.models import Place
from marketplace.waitlist import services as waitlist

MAX_REFUSAL_LENGTH = 300


@dataclass
class LotteryRequest:
    """What staff give to open a slot by lottery; ``applications_open_at`` None means at once."""

    start: datetime
    end: datetime
    applications_close_at: datetime
    draw_at: datetime
    applications_open_at: datetime | None = None
    priority: str = Priority.none.value


def _priority(value) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        raise ValidationFailed("priority", _l("优先规则只能是 none 或 community_residents")) from None


def create_lottery(session: Session, actor: User, listing_id, request: LotteryRequest, *, zone: str,
                   now: datetime | None = None) -> Lottery:
    """Open a free slot of a listing by lottery (its staff, or the volunteer who offers it).

    Raises NotFound (listing), Forbidden (not its provider), ValidationFailed for times out of order (the window
    opens before it closes, the draw is no earlier than the close and leaves the listing's notice before the
    start) or a slot the booking rules refuse, and SlotTaken (409) when the slot is not wholly free.
    """
    now = now or clock.now()
    listing = get_bookable_listing(session, listing_id)
    if not can_edit_listing(actor, listing):
        raise Forbidden(_l("只有资源的提供方可以设置抽签"))
    start, end = aware_utc(request.start, "start"), aware_utc(request.end, "end")
    close = aware_utc(request.applications_close_at, "applications_close_at")
    draw_at = aware_utc(request.draw_at, "draw_at")
    opens = now if request.applications_open_at is None else aware_utc(request.applications_open_at,
                                                                      "applications_open_at")
    priority = _priority(request.priority)
    if close <= max(opens, now):
        raise ValidationFailed("applications_close_at", _l("报名截止时间必须晚于报名开始时间和现在"))
    if draw_at < close:
        raise ValidationFailed("draw_at", _l("抽签时间不能早于报名截止时间"))
    if draw_at > start - timedelta(minutes=listing.min_notice_minutes):
        raise ValidationFailed("draw_at", _l("抽签时间需早于开始时间至少%(n)s分钟（资源的最短提前预约时间）",
                                             n=listing.min_notice_minutes))
    seats = listing.capacity
    hold = place_hold(session, listing, actor.id, start, end, seats, end, zone=zone, now=now,
                      purpose=HoldPurpose.lottery)
    lottery = Lottery(listing_id=listing.id, created_by_id=actor.id, start_at=start, end_at=end, seats=seats,
                      applications_open_at=opens, applications_close_at=close, draw_at=draw_at, priority=priority,
                      status=LotteryStatus.open, hold_id=hold.id, created_at=now)
    session.add(lottery)
    session.flush()
    return lottery


def get_lottery(session: Session, listing_id, lottery_id) -> Lottery:
    """One lottery of a listing; NotFound for unknown ids, or a lottery of another listing."""
    lottery = get_by_id(session, Lottery, lottery_id)
    if lottery is None or lottery.listing_id != listing_id or lottery.listing.status is ListingStatus.draft:
        raise NotFound(_l("找不到这个抽签"))
    return lottery


def list_lotteries(session: Session, listing: Listing) -> list[Lottery]:
    """A listing's lotteries, the soonest slot first."""
    return list(session.scalars(select(Lottery).where(Lottery.listing_id == listing.id)
                                .order_by(Lottery.start_at, Lottery.id)))


def application_count(session: Session, lottery: Lottery) -> int:
    return session.scalar(select(func.count()).select_from(LotteryApplication)
                          .where(LotteryApplication.lottery_id == lottery.id))


def application_of(session: Session, lottery: Lottery, user) -> LotteryApplication | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(select(LotteryApplication).where(LotteryApplication.lottery_id == lottery.id,
                                                           LotteryApplication.user_id == user.id))


def _lock(session: Session, lottery: Lottery) -> Lottery:
    """Re-read the lottery under its row lock (PostgreSQL; SQLite's unit of work already has the write lock)."""
    session.refresh(lottery, with_for_update=True)
    return lottery


def _require_window(lottery: Lottery, now: datetime) -> None:
    if lottery.status is not LotteryStatus.open or now >= lottery.applications_close_at:
        raise Conflict(_l("报名已截止"), field="status")
    if now < lottery.applications_open_at:
        raise Conflict(_l("报名尚未开始"), field="status")


def apply(session: Session, user: User, lottery: Lottery, *, now: datetime | None = None) -> LotteryApplication:
    """Apply for the lottery's slot, once per person, during its window; Conflict outside it or when already in."""
    now = now or clock.now()
    _lock(session, lottery)
    _require_window(lottery, now)
    application = LotteryApplication(lottery_id=lottery.id, user_id=user.id, created_at=now)
    try:
        with session.begin_nested():
            session.add(application)
    except IntegrityError:
        raise Conflict(_l("你已经报名了这个抽签")) from None
    return application


def withdraw(session: Session, user: User, lottery: Lottery, *, now: datetime | None = None) -> None:
    """Take back the user's application during the window (nothing when they had none); Conflict after it."""
    now = now or clock.now()
    _lock(session, lottery)
    _require_window(lottery, now)
    application = application_of(session, lottery, user)
    if application is not None:
        session.delete(application)
        session.flush()


def community_path(session: Session, listing: Listing) -> str | None:
    """The path prefix of the listing's community ("/street/community/"), None for a listing of a street."""
    place = session.get(Place, listing.place_id)
    parts = [part for part in place.path.strip("/").split("/") if part]
    return f"/{parts[0]}/{parts[1]}/" if len(parts) >= 2 else None


def _tiers(session: Session, lottery: Lottery, applications: list[LotteryApplication]) -> dict[int, int]:
    """Each applicant's tier: 0 for the priority group, 1 for the others (everyone 1 without priority)."""
    prefix = community_path(session, lottery.listing) if lottery.priority is Priority.community_residents else None
    if prefix is None:
        return {application.user_id: 1 for application in applications}
    homes = dict(session.execute(select(User.id, Place.path).join(Place, Place.id == User.home_place_id)
                                 .where(User.id.in_([a.user_id for a in applications]))).all())
    return {a.user_id: 0 if (homes.get(a.user_id) or "").startswith(prefix) else 1 for a in applications}


def oldest_draw_due(session: Session, now: datetime) -> datetime | None:
    """The draw time of the longest-waiting lottery ``due_draws`` would find, or None (one index seek)."""
    return session.scalar(select(Lottery.draw_at).where(Lottery.status == LotteryStatus.open, Lottery.draw_at <= now)
                          .order_by(Lottery.draw_at).limit(1))


def due_draws(session: Session, now: datetime, *, limit: int = 100) -> list[tuple[int, int]]:
    """(lottery id, listing id) of open lotteries whose draw time came, oldest first (the status+draw_at index)."""
    return [tuple(row) for row in session.execute(select(Lottery.id, Lottery.listing_id).where(
        Lottery.status == LotteryStatus.open, Lottery.draw_at <= now).order_by(Lottery.draw_at, Lottery.id)
        .limit(limit))]


def _payload(lottery: Lottery, **more) -> dict:
    return {"listing_id": lottery.listing_id, "start_at": lottery.start_at.isoformat(),
            "end_at": lottery.end_at.isoformat(), **more}


def draw_if_due(session: Session, lottery_id: int, listing_id: int, now: datetime, *, zone: str,
                seed: str | None = None) -> bool:
    """Draw one due lottery: a fresh seed (``seed`` only for the demo street, which must come out the same every
    time), the ranking (``draw.ranking``), bookings for the winners through the booking service, the others put
    on the slot's waitlist in the order drawn; events ``lottery.drawn``, one ``lottery.won`` or ``lottery.lost``
    per applicant. False, changing nothing, when another sweeper drew it."""
    lock_listing(session, listing_id)
    seed = seed or draw.new_seed()
    drawn = session.execute(update(Lottery).where(
        Lottery.id == lottery_id, Lottery.status == LotteryStatus.open, Lottery.draw_at <= now,
    ).values(status=LotteryStatus.drawn, seed=seed, drawn_at=now).execution_options(synchronize_session=False))
    if drawn.rowcount != 1:
        return False
    lottery = session.scalar(select(Lottery).where(Lottery.id == lottery_id).options(
        selectinload(Lottery.applications)).execution_options(populate_existing=True))
    hold_id, lottery.hold_id = lottery.hold_id, None
    session.flush()
    release_hold(session, hold_id)
    applications = {application.user_id: application for application in lottery.applications}
    tiers = _tiers(session, lottery, list(applications.values()))
    order = draw.ranking(seed, [u for u, t in tiers.items() if t == 0], [u for u, t in tiers.items() if t == 1])
    creator = session.get(User, lottery.created_by_id) if lottery.created_by_id else None
    seats_left = lottery.seats
    for rank, user_id in enumerate(order, start=1):
        application = applications[user_id]
        application.tier, application.rank = tiers[user_id], rank
        if seats_left > 0:
            try:
                with session.begin_nested():
                    application.booking_id = _book_winner(session, lottery, application.user, creator, zone, now)
            except DomainError as refusal:
                application.outcome = Outcome.refused
                application.refusal = str(refusal.message)[:MAX_REFUSAL_LENGTH]
                continue
            application.outcome = Outcome.won
            seats_left -= 1
        else:
            application.outcome = Outcome.lost
            application.waitlist_entry_id = _put_on_waitlist(session, lottery, application.user, zone, now)
    session.flush()
    winners = [a.user_id for a in lottery.applications if a.outcome is Outcome.won]
    events.record(session, "lottery.drawn", subject=("lottery", lottery.id), payload=_payload(
        lottery, seed=seed, applicant_ids=sorted(applications), winner_ids=winners))
    for application in sorted(lottery.applications, key=lambda a: a.rank):
        if application.outcome is Outcome.won:
            events.record(session, "lottery.won", subject=("lottery", lottery.id), payload=_payload(
                lottery, user_id=application.user_id, booking_id=application.booking_id))
        else:
            events.record(session, "lottery.lost", subject=("lottery", lottery.id), payload=_payload(
                lottery, user_id=application.user_id, waitlist_entry_id=application.waitlist_entry_id,
                refused=application.outcome is Outcome.refused))
    return True


def _book_winner(session: Session, lottery: Lottery, winner: User, creator: User | None, zone: str,
                 now: datetime) -> int:
    """The winner's booking, made by the booking service; on an approval listing the lottery's creator approves
    it at once (the draw was the decision)."""
    booking = create_booking(session, winner, BookingRequest(listing_id=lottery.listing_id, start=lottery.start_at,
                                                             end=lottery.end_at), zone=zone, now=now)
    if booking.status is BookingStatus.pending and creator is not None and can_provide(creator, lottery.listing):
        approve_booking(session, creator, booking, zone=zone, now=now, reason=str(_l("抽签中签")))
    return booking.id


def _put_on_waitlist(session: Session, lottery: Lottery, user: User, zone: str, now: datetime) -> int | None:
    """Put one who was not drawn on the slot's waitlist (entries made in the order drawn keep that order); None
    when the waitlist refuses them (the slot is about to start, they hold a booking there already)."""
    try:
        with session.begin_nested():
            entry = waitlist.join_waitlist(session, user, waitlist.WaitRequest(
                listing_id=lottery.listing_id, start=lottery.start_at, end=lottery.end_at), zone=zone, now=now)
    except DomainError:
        return None
    return entry.id


@dataclass
class PublishedResult:
    """What anyone may see after the draw: the seed, the applicants' ids by tier, the ranking and the outcomes."""

    seed: str
    priority_ids: list[int]
    other_ids: list[int]
    ranking: list[int]
    winner_ids: list[int]
    refused_ids: list[int]


def published_result(lottery: Lottery) -> PublishedResult | None:
    """The result of a drawn lottery (None before the draw)."""
    if lottery.status is not LotteryStatus.drawn:
        return None
    drawn = [a for a in lottery.applications if a.rank is not None]
    by_rank = sorted(drawn, key=lambda a: a.rank)
    return PublishedResult(
        seed=lottery.seed, priority_ids=sorted(a.user_id for a in drawn if a.tier == 0),
        other_ids=sorted(a.user_id for a in drawn if a.tier != 0), ranking=[a.user_id for a in by_rank],
        winner_ids=[a.user_id for a in by_rank if a.outcome is Outcome.won],
        refused_ids=[a.user_id for a in by_rank if a.outcome is Outcome.refused])


@dataclass
class Verification:
    ranking: list[int]
    winner_ids: list[int]


def verify(seed: str, priority_ids: list[int], other_ids: list[int], seats: int,
           refused_ids: list[int] = ()) -> Verification:
    """Re-run a draw from published data: the ranking, and the winners (the first ``seats`` not refused)."""
    if not isinstance(seed, str) or len(seed) != 2 * draw.SEED_BYTES or any(c not in "0123456789abcdef"
                                                                             for c in seed):
        raise ValidationFailed("seed", _l("种子应为64位十六进制字符（0-9、a-f）"))
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= 10000:
        raise ValidationFailed("seats", _l("名额应在1到10000之间"))
    order = draw.ranking(seed, priority_ids, other_ids)
    refused = set(refused_ids)
    return Verification(ranking=order, winner_ids=[u for u in order if u not in refused][:seats])
