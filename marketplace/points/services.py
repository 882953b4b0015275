"""Moving service points: accounts, transfers, holds for bookings, earning, grants, reversals, statements.

Every move goes through :func:`transfer`, which locks the accounts it touches (PostgreSQL: their rows,
``SELECT … FOR UPDATE``, in id order so that two transfers between the same accounts cannot deadlock;
SQLite: the unit of work already holds the write lock, see ``core.transactions``), checks that the source
can pay, and inserts one row; the database's trigger moves the balances and its CHECK refuses an
overdraft should the check above ever be skipped. Services flush; their callers commit.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import BigInteger, func, literal_column, or_, select, type_coerce, union_all
from sqlalchemy.orm import Session, aliased, selectinload

from marketplace.accounts.models import User
from marketplace.accounts.services import find_user_by_login
from marketplace.bookings.models import Booking
from marketplace.core import audit
from marketplace.core.db import dialect_insert, get_by_id
from marketplace.core.events import PENDING, DomainEvent, EventDelivery
from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.permissions import can_manage_organisation, is_platform_admin, role_in
from marketplace.core.validation import clean_text
from marketplace.listings.models import FeeType, Listing, ListingKind
from marketplace.organisations.models import Organisation
from marketplace.points.models import (CENT, MAY_OVERDRAW, AccountKind, PointsAccount, PointsTransfer, Reason,
                                       quantize)
from marketplace.wishes.models import Wish

MAX_GRANT = Decimal("10000")
MAX_MEMO_LENGTH = 200
# Longer than any real wish or service session: a larger number of hours is a mistake, not work done.
MAX_HOURS = Decimal("24")
SERVICE_KINDS = (ListingKind.skill, ListingKind.service)


@dataclass(frozen=True)
class Policy:
    """The deployment's points settings: points per hour served, and which system accounts may go below zero."""

    per_hour: Decimal
    overdraft: frozenset[AccountKind]

    @classmethod
    def from_config(cls, config: Mapping) -> Policy:
        overdraft = frozenset(AccountKind(kind) for kind in config["POINTS_OVERDRAFT_ACCOUNTS"])
        if not overdraft <= set(MAY_OVERDRAW):
            raise ValueError(f"POINTS_OVERDRAFT_ACCOUNTS may name only {[k.value for k in MAY_OVERDRAW]}")
        return cls(per_hour=quantize(config["POINTS_PER_HOUR"]), overdraft=overdraft)


class InsufficientPoints(Conflict):
    """The source account cannot pay; ``details`` says how much was needed and how much it has."""


# Accounts ----------------------------------------------------------------------------------------------------

def find_account(session: Session, kind: AccountKind, **owner) -> PointsAccount | None:
    """The account of that kind and owner (``user_id=`` or ``organisation_id=``), or None before its first transfer."""
    conditions = [PointsAccount.kind == kind] + [getattr(PointsAccount, key) == value for key, value in owner.items()]
    return session.scalar(select(PointsAccount).where(*conditions))


def _account(session: Session, kind: AccountKind, **owner) -> PointsAccount:
    """The account, created on first use; two units of work creating it at once both get the one row."""
    account = find_account(session, kind, **owner)
    if account is None:
        session.execute(dialect_insert(session, PointsAccount).values(kind=kind.value, balance=0, **owner)
                        .on_conflict_do_nothing())
        account = find_account(session, kind, **owner)
    return account


def user_account(session: Session, user_id: int) -> PointsAccount:
    return _account(session, AccountKind.user, user_id=user_id)


def organisation_account(session: Session, organisation_id: int) -> PointsAccount:
    return _account(session, AccountKind.organisation, organisation_id=organisation_id)


def system_account(session: Session, kind: AccountKind) -> PointsAccount:
    return _account(session, kind)


def balance_of(session: Session, account_id: int) -> Decimal:
    """The account's balance as the database has it now (the trigger writes it, so never the session's copy)."""
    return session.scalar(select(PointsAccount.balance).where(PointsAccount.id == account_id)
                          .execution_options(populate_existing=True))


# Moving points ------------------------------------------------------------------------------------------------

def _lock(session: Session, account_ids: Collection[int]) -> dict[int, PointsAccount]:
    stmt = select(PointsAccount).where(PointsAccount.id.in_(sorted(account_ids))).order_by(PointsAccount.id)
    if session.connection().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return {account.id: account for account in session.scalars(stmt.execution_options(populate_existing=True))}


def transfer(session: Session, source: PointsAccount, destination: PointsAccount, amount, reason: Reason,
             reference: tuple[str, int | None], *, actor_id: int | None = None, memo: str = "",
             overdraft: frozenset[AccountKind] = frozenset(), reverses_id: int | None = None) -> PointsTransfer:
    """Move ``amount`` points from ``source`` to ``destination``; InsufficientPoints (409) if the source cannot pay.

    Only accounts of a kind in ``overdraft`` may end below zero.
    """
    amount = quantize(amount)
    if amount <= 0:
        raise ValidationFailed("amount", _l("积分数量必须大于0"))
    if source.id == destination.id:
        raise ValidationFailed(None, _l("不能转给同一个账户"))
    locked = _lock(session, {source.id, destination.id})
    payer = locked[source.id]
    if payer.kind not in overdraft and payer.balance < amount:
        raise InsufficientPoints(_l("积分不足：需要%(need)s分，%(who)s只有%(have)s分",
                                    need=amount, who=payer.name, have=payer.balance),
                                 details={"needed": str(amount), "balance": str(payer.balance)})
    reference_type, reference_id = reference
    row = PointsTransfer(source_id=source.id, destination_id=destination.id, amount=amount, reason=reason,
                         reference_type=reference_type, reference_id=reference_id, reverses_id=reverses_id,
                         memo=memo, actor_id=actor_id)
    session.add(row)
    session.flush()
    return row


# Bookings: hold, take, release -----------------------------------------------------------------------------------

def booking_fee(listing: Listing) -> Decimal | None:
    """The points a booking of the listing costs, or None when it is not priced in points."""
    if listing.fee_type is not FeeType.points or not listing.fee_amount or listing.fee_amount <= 0:
        return None
    return quantize(listing.fee_amount)


def hold_for_booking(session: Session, booking: Booking) -> PointsTransfer | None:
    """Hold the fee of a new booking of a points-priced listing from its booker (called inside the booking's
    transaction, after it is flushed); InsufficientPoints refuses the booking when their balance cannot cover it."""
    fee = booking_fee(booking.listing)
    if fee is None:
        return None
    payer = user_account(session, booking.booker_id)
    try:
        return transfer(session, payer, system_account(session, AccountKind.holds), fee, Reason.hold,
                        ("booking", booking.id), actor_id=booking.booker_id)
    except InsufficientPoints as short:
        raise InsufficientPoints(_l("积分不足，无法预约：这个资源需要%(need)s积分，你的可用积分是%(have)s",
                                    need=short.details["needed"], have=short.details["balance"]),
                                 details=short.details) from None


def _booking_transfers(session: Session, booking_id: int) -> dict[Reason, PointsTransfer]:
    return {row.reason: row for row in session.scalars(select(PointsTransfer).where(
        PointsTransfer.reference_type == "booking", PointsTransfer.reference_id == booking_id))}


def end_hold(session: Session, booking_id: int, *, take: bool) -> PointsTransfer | None:
    """End a booking's hold: taken by its provider (completed, no-show) or released to the booker (cancelled,
    rejected, expired). Nothing when it holds nothing or its hold already ended."""
    hold = _booking_transfers(session, booking_id).get(Reason.hold)
    if hold is None:
        return None
    holds = system_account(session, AccountKind.holds)
    destination = provider_account(session, session.get(Booking, booking_id).listing) if take else hold.source
    # Both accounts at once, in id order like every transfer (no deadlock), then the check again under the lock.
    _lock(session, {holds.id, destination.id})
    ended = _booking_transfers(session, booking_id)
    if Reason.take in ended or Reason.release in ended:
        return None
    return transfer(session, holds, destination, hold.amount, Reason.take if take else Reason.release,
                    ("booking", booking_id))


def end_holds(session: Session, booking_ids: Collection[int], *, take: bool) -> list[PointsTransfer]:
    """``end_hold`` of many bookings (an outbox run's): one read finds the few whose hold is still open, and only
    those go through ``end_hold``'s locks and re-check."""
    return [ended for booking_id in _open_holds(session, booking_ids)
            if (ended := end_hold(session, booking_id, take=take)) is not None]


def _open_holds(session: Session, booking_ids: Collection[int]) -> list[int]:
    reasons: dict[int, set[Reason]] = {}
    for booking_id, reason in session.execute(select(PointsTransfer.reference_id, PointsTransfer.reason).where(
            PointsTransfer.reference_type == "booking", PointsTransfer.reference_id.in_(set(booking_ids)),
            PointsTransfer.reason.in_((Reason.hold, Reason.take, Reason.release)))):
        reasons.setdefault(booking_id, set()).add(reason)
    return sorted(booking_id for booking_id, made in reasons.items()
                  if Reason.hold in made and not made & {Reason.take, Reason.release})


def provider_account(session: Session, listing: Listing) -> PointsAccount:
    if listing.organisation_id is not None:
        return organisation_account(session, listing.organisation_id)
    return user_account(session, listing.provider_user_id)


# Earning ---------------------------------------------------------------------------------------------------

def _hours(value, field: str = "hours") -> Decimal:
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(field, _l("时长应为数字")) from None
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS:
        raise ValidationFailed(field, _l("时长应在0到%(n)s小时之间", n=MAX_HOURS))
    return hours


def earn_for_booking(session: Session, booking_id: int, policy: Policy) -> PointsTransfer | None:
    """A completed booking of a skill or service a volunteer offers earns them hours × rate, once.

    Not when the listing is priced in points: then the booker's points (taken from the hold) are what the
    volunteer earns, so one hour of service never creates points twice.
    """
    booking = session.get(Booking, booking_id)
    listing = booking.listing
    if listing.provider_user_id is None or listing.kind not in SERVICE_KINDS or booking_fee(listing) is not None:
        return None
    issuance = system_account(session, AccountKind.issuance)
    volunteer = user_account(session, listing.provider_user_id)
    _lock(session, {issuance.id, volunteer.id})
    if Reason.earn_service in _booking_transfers(session, booking_id):
        return None
    hours = Decimal((booking.end_at - booking.start_at).total_seconds()) / 3600
    amount = quantize(hours * policy.per_hour)
    if amount <= 0:
        return None
    return transfer(session, issuance, volunteer, amount, Reason.earn_service,
                    ("booking", booking_id), overdraft=policy.overdraft)


def earn_for_bookings(session: Session, booking_ids: Collection[int], policy: Policy) -> list[PointsTransfer]:
    """``earn_for_booking`` of many bookings: one read keeps those of a volunteer's skill or service listing (few
    of an outbox run's completions), and only those go on to its locks and checks."""
    may_earn = session.scalars(select(Booking.id).join(Listing, Listing.id == Booking.listing_id).where(
        Booking.id.in_(set(booking_ids)), Listing.provider_user_id.is_not(None), Listing.kind.in_(SERVICE_KINDS))
        .order_by(Booking.id)).all()
    return [earned for booking_id in may_earn if (earned := earn_for_booking(session, booking_id, policy)) is not None]


def earn_for_wish(session: Session, wish_id: int, payload: Mapping, policy: Policy) -> list[PointsTransfer]:
    """A confirmed wish earns its claimant and each co-claimer hours × rate each (each of them gave those
    hours), once per person; nothing for no hours, ValidationFailed for hours that are not a sensible number."""
    amount = quantize(_hours(payload.get("hours")) * policy.per_hour)
    if amount == 0:
        return []
    people = list(dict.fromkeys([payload["claimant_id"], *payload.get("co_claimer_ids", [])]))
    issuance = system_account(session, AccountKind.issuance)
    accounts = [user_account(session, int(user_id)) for user_id in people]
    _lock(session, {issuance.id, *(account.id for account in accounts)})
    done = set(session.scalars(select(PointsTransfer.destination_id).where(
        PointsTransfer.reason == Reason.earn_wish, PointsTransfer.reference_type == "wish",
        PointsTransfer.reference_id == wish_id)))
    made = []
    for account in accounts:
        if account.id not in done:
            made.append(transfer(session, issuance, account, amount, Reason.earn_wish, ("wish", wish_id),
                                 actor_id=payload.get("confirmed_by_id"), overdraft=policy.overdraft))
    return made


# Grants and reversals ----------------------------------------------------------------------------------------

@dataclass
class GrantRequest:
    """Points given from an organisation's or the street's account to a person or an organisation."""

    amount: Decimal | str | int | float
    memo: str = ""
    user_id: int | None = None
    organisation_id: int | None = None
    login: str | None = None  # a person's phone or email, as staff know them (the pages)


def _grant_amount(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("amount", _l("积分数量必须是数字")) from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_GRANT:
        raise ValidationFailed("amount", _l("积分数量应大于0且不超过%(n)s", n=MAX_GRANT))
    if amount != quantize(amount):
        raise ValidationFailed("amount", _l("积分最多保留两位小数"))
    return amount


def _recipient(session: Session, request: GrantRequest) -> PointsAccount:
    if request.login:
        user = find_user_by_login(session, request.login)
        if user is None:
            raise ValidationFailed("login", _l("没有找到这个手机号或邮箱对应的用户"))
        return user_account(session, user.id)
    if (request.user_id is None) == (request.organisation_id is None):
        raise ValidationFailed("user_id", _l("请指定一位居民或一个组织作为接收方"))
    if request.user_id is not None:
        if get_by_id(session, User, request.user_id) is None:
            raise ValidationFailed("user_id", _l("找不到这位接收人"))
        return user_account(session, request.user_id)
    if get_by_id(session, Organisation, request.organisation_id) is None:
        raise ValidationFailed("organisation_id", _l("找不到这个组织"))
    return organisation_account(session, request.organisation_id)


def grant(session: Session, actor: User, organisation: Organisation | None, request: GrantRequest,
          policy: Policy) -> PointsTransfer:
    """Give points from ``organisation``'s account (its admins) or, with None, the street's (platform admins).

    Raises Forbidden, ValidationFailed (amount, memo, recipient) and InsufficientPoints; audited.
    """
    if organisation is None:
        if not is_platform_admin(actor):
            raise Forbidden(_l("只有平台管理员可以从街道账户发放积分"))
        source = system_account(session, AccountKind.street)
    else:
        if not can_manage_organisation(actor, organisation):
            raise Forbidden(_l("只有组织管理员可以发放本组织的积分"))
        source = organisation_account(session, organisation.id)
    amount = _grant_amount(request.amount)
    memo = clean_text(request.memo, "memo", MAX_MEMO_LENGTH, required=_l("请写明发放原因"))
    destination = _recipient(session, request)
    row = transfer(session, source, destination, amount, Reason.grant, ("grant", None), actor_id=actor.id,
                   memo=memo, overdraft=policy.overdraft)
    audit.record(session, actor, "points.grant", row)
    return row


def reverse(session: Session, actor: User, transfer_id, memo: str, policy: Policy) -> PointsTransfer:
    """Undo a mistaken earning or grant by a transfer of the same amount the other way (platform admins).

    Holds and their endings follow their bookings and are not reversed by hand; a reversal is not
    reversed (grant again instead). Raises Forbidden, NotFound, Conflict, InsufficientPoints; audited.
    """
    if not is_platform_admin(actor):
        raise Forbidden(_l("只有平台管理员可以冲正积分"))
    original = get_by_id(session, PointsTransfer, transfer_id)
    if original is None:
        raise NotFound(_l("找不到这笔积分记录"))
    if original.reason not in (Reason.earn_wish, Reason.earn_service, Reason.grant):
        raise Conflict(_l("只能冲正获得或发放的积分，预约冻结随预约状态变化"))
    # Under the accounts' lock (PostgreSQL), so that of two admins reversing it at once the second sees the first's.
    _lock(session, {original.source_id, original.destination_id})
    if session.scalar(select(PointsTransfer.id).where(PointsTransfer.reverses_id == original.id)) is not None:
        raise Conflict(_l("这笔积分已经冲正过了"))
    memo = clean_text(memo, "memo", MAX_MEMO_LENGTH, required=_l("请写明冲正原因"))
    row = transfer(session, original.destination, original.source, original.amount, Reason.reversal,
                   ("transfer", original.id), actor_id=actor.id, memo=memo, overdraft=policy.overdraft,
                   reverses_id=original.id)
    audit.record(session, actor, "points.reverse", row)
    return row


# Reading ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One transfer as an account's statement shows it: signed for that account."""

    id: int
    at: datetime
    amount: Decimal
    reason: Reason
    counterparty: str
    reference_type: str
    reference_id: int | None
    memo: str
    reference_title: str | None  # the wish's title, the booked listing's; None once it is gone


def _reference_titles(session: Session, rows: list[PointsTransfer]) -> dict[tuple[str, int], str]:
    """The titles of the wishes and of the bookings' listings these transfers refer to, in one query."""
    wanted = {kind: {row.reference_id for row in rows if row.reference_type == kind and row.reference_id}
              for kind in ("wish", "booking")}
    if not any(wanted.values()):
        return {}
    wishes = select(literal_column("'wish'"), Wish.id, Wish.title).where(Wish.id.in_(wanted["wish"]))
    bookings = (select(literal_column("'booking'"), Booking.id, Listing.title)
                .join(Listing, Booking.listing_id == Listing.id).where(Booking.id.in_(wanted["booking"])))
    return {(kind, ref): title for kind, ref, title in session.execute(union_all(wishes, bookings))}


def statement(session: Session, account: PointsAccount, *, page: int = 1, per_page: int = 20) -> tuple[list[Entry], int]:
    """The account's transfers, newest first, each signed (+ in, − out) and named by what it was for, and how
    many there are."""
    stmt = (select(PointsTransfer)
            .where(or_(PointsTransfer.source_id == account.id, PointsTransfer.destination_id == account.id))
            .options(selectinload(PointsTransfer.source).selectinload(PointsAccount.user),
                     selectinload(PointsTransfer.source).selectinload(PointsAccount.organisation),
                     selectinload(PointsTransfer.destination).selectinload(PointsAccount.user),
                     selectinload(PointsTransfer.destination).selectinload(PointsAccount.organisation))
            .order_by(PointsTransfer.id.desc()))
    rows, total = fetch_page(session, stmt, page=page, per_page=per_page)
    titles = _reference_titles(session, rows)
    entries = []
    for row in rows:
        incoming = row.destination_id == account.id
        other = row.source if incoming else row.destination
        entries.append(Entry(row.id, row.created_at, row.amount if incoming else -row.amount, row.reason,
                             other.name, row.reference_type, row.reference_id, row.memo,
                             titles.get((row.reference_type, row.reference_id))))
    return entries, total


def organisation_account_for(session: Session, viewer, organisation: Organisation) -> PointsAccount | None:
    """The organisation's account (None before its first transfer), for its staff and platform admins;
    Forbidden for anyone else."""
    if not (is_platform_admin(viewer) or role_in(viewer, organisation) is not None):
        raise Forbidden(_l("只有本组织的工作人员可以查看组织积分"))
    return find_account(session, AccountKind.organisation, organisation_id=organisation.id)


def totals(session: Session, viewer) -> dict:
    """The street's figures: points issued, held, in people's and organisations' hands, the street's balance."""
    if not is_platform_admin(viewer):
        raise Forbidden(_l("只有平台管理员可以查看积分总览"))
    by_kind = dict(session.execute(select(PointsAccount.kind, _summed(PointsAccount.balance))
                                   .group_by(PointsAccount.kind)).all())
    figures = {kind.value: _points(by_kind.get(kind, 0)) for kind in AccountKind}
    figures["issued"] = -figures["issuance"]
    figures["transfers"] = session.scalar(select(func.count()).select_from(PointsTransfer))
    return figures


def moved_by_reason(session: Session, account_id: int | None = None) -> dict[Reason, tuple[int, Decimal]]:
    """Transfers and points moved per reason: the whole ledger, or those into or out of one account (whose
    source and destination indexes it reads)."""
    stmt = select(PointsTransfer.reason, func.count(), _summed(PointsTransfer.amount)).group_by(PointsTransfer.reason)
    if account_id is not None:
        stmt = stmt.where((PointsTransfer.source_id == account_id) | (PointsTransfer.destination_id == account_id))
    return {reason: (count, _points(total)) for reason, count, total in session.execute(stmt)}


def _summed(column):
    """SUM of a points column in stored hundredths, 0 for no rows (exact, whatever the database)."""
    return func.coalesce(func.sum(type_coerce(column, BigInteger)), 0)


def _points(hundredths) -> Decimal:
    return (Decimal(int(hundredths)) / 100).quantize(CENT)


# Verifying ---------------------------------------------------------------------------------------------------

HOLD_ENDING_BY_STATUS = {"pending": None, "confirmed": None, "completed": Reason.take, "no_show": Reason.take,
                         "cancelled": Reason.release, "rejected": Reason.release, "expired": Reason.release}


def bookings_in_flight(session: Session) -> set[int]:
    """Bookings with a points subscriber's delivery still pending: their hold may lag their status for now."""
    return set(session.scalars(
        select(DomainEvent.subject_id).join(EventDelivery)
        .where(DomainEvent.subject_type == "booking", EventDelivery.status == PENDING,
               EventDelivery.subscriber.like(f"{__package__}.%"))))


def verify(session: Session, policy: Policy, *, in_flight: Collection[int] = ()) -> list[str]:
    """Every broken ledger invariant, one line each (empty when the ledger is sound).

    ``in_flight``: bookings whose points subscriber has yet to run (their hold may still lag their status).
    """
    problems = []
    total = _points(session.scalar(select(_summed(PointsAccount.balance))))
    if total != 0:
        problems.append(f"balances do not sum to zero: {total}")
    source, destination = aliased(PointsTransfer), aliased(PointsTransfer)
    outgoing = select(_summed(source.amount)).where(source.source_id == PointsAccount.id).scalar_subquery()
    incoming = select(_summed(destination.amount)).where(
        destination.destination_id == PointsAccount.id).scalar_subquery()
    rows = session.execute(select(PointsAccount.id, PointsAccount.kind, type_coerce(PointsAccount.balance, BigInteger),
                                  incoming - outgoing).order_by(PointsAccount.id))
    for account_id, kind, balance, summed in rows:
        balance, summed = _points(balance), _points(summed)
        if balance != summed:
            problems.append(f"account {account_id} ({kind.value}): balance {balance} but its transfers sum to {summed}")
        if balance < 0 and kind not in policy.overdraft:
            problems.append(f"account {account_id} ({kind.value}) is below zero: {balance}")
    bad_amounts = session.scalars(select(PointsTransfer.id).where(
        or_(PointsTransfer.amount <= 0, PointsTransfer.source_id == PointsTransfer.destination_id)))
    problems += [f"transfer {transfer_id}: amount not positive or an account paying itself" for transfer_id in bad_amounts]
    problems += _verify_reversals(session)
    problems += _verify_holds(session, in_flight)
    return problems


def _verify_reversals(session: Session) -> list[str]:
    original = aliased(PointsTransfer)
    rows = session.execute(select(PointsTransfer.id, original.id, PointsTransfer.source_id, original.destination_id,
                                  PointsTransfer.destination_id, original.source_id, PointsTransfer.amount,
                                  original.amount)
                           .join(original, PointsTransfer.reverses_id == original.id))
    return [f"reversal {row[0]} does not mirror transfer {row[1]}" for row in rows
            if (row[2], row[4], row[6]) != (row[3], row[5], row[7])]


def _verify_holds(session: Session, in_flight: Collection[int]) -> list[str]:
    problems = []
    rows = session.execute(select(PointsTransfer.reference_id, PointsTransfer.reason, PointsTransfer.amount,
                                  Booking.status)
                           .join(Booking, Booking.id == PointsTransfer.reference_id)
                           .where(PointsTransfer.reference_type == "booking",
                                  PointsTransfer.reason.in_([Reason.hold, Reason.take, Reason.release]))
                           .order_by(PointsTransfer.reference_id))
    by_booking: dict[int, dict] = {}
    for booking_id, reason, amount, status in rows:
        by_booking.setdefault(booking_id, {"status": status.value})[reason] = amount
    for booking_id, seen in sorted(by_booking.items()):
        status, held = seen["status"], seen.get(Reason.hold)
        endings = [reason for reason in (Reason.take, Reason.release) if reason in seen]
        if held is None:
            problems.append(f"booking {booking_id}: points {endings[0].value} without a hold")
            continue
        for reason in endings:
            if seen[reason] != held:
                problems.append(f"booking {booking_id}: {reason.value} of {seen[reason]} for a hold of {held}")
        expected = HOLD_ENDING_BY_STATUS[status]
        actual = endings[0] if endings else None
        if actual != expected and booking_id not in in_flight:
            problems.append(f"booking {booking_id} is {status} but its hold is "
                            f"{actual.value if actual else 'still held'} (expected "
                            f"{expected.value if expected else 'held'})")
    return problems


def held_from(session: Session, account: PointsAccount) -> Decimal:
    """What the account has on hold for bookings not yet over (already out of its balance)."""
    ending = aliased(PointsTransfer)
    still_held = ~select(ending.id).where(ending.reference_type == "booking",
                                          ending.reference_id == PointsTransfer.reference_id,
                                          ending.reason.in_([Reason.take, Reason.release])).exists()
    return _points(session.scalar(select(_summed(PointsTransfer.amount)).where(
        PointsTransfer.source_id == account.id, PointsTransfer.reason == Reason.hold, still_held)))


def account_view(session: Session, account: PointsAccount | None, *, page: int = 1, per_page: int = 20) -> dict:
    """An account's balance, what it has on hold, and one page of its statement (all nothing for no account yet:
    pages only read, so they do not open accounts)."""
    if account is None:
        return {"account": None, "balance": Decimal("0.00"), "held": Decimal("0.00"), "entries": [], "total": 0,
                "page": page, "per_page": per_page}
    entries, total = statement(session, account, page=page, per_page=per_page)
    return {"account": account, "balance": balance_of(session, account.id), "held": held_from(session, account),
            "entries": entries, "total": total, "page": page, "per_page": per_page}
