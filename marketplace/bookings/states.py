"""The booking state machine, in one place: which status may follow which, and the log of every move.

    pending   → confirmed | rejected | expired | cancelled
    confirmed → completed | cancelled | no_show

Every other status is final. Services call :func:`transition` (the scheduler's batches :func:`transition_many`)
and nothing else changes ``status``.

Each move (and a booking's first status: :func:`log_creation`) is written twice, in the same transaction: a
``BookingEvent``, the booking's history that its pages show, and a ``booking.<status>`` domain event
(``core.events``), which is what other areas (notifications, reputation …) subscribe to.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, insert, update
from sqlalchemy.orm import Session, object_session

from marketplace.bookings.models import Booking, BookingEvent, BookingStatus
from marketplace.core import events
from marketplace.core.errors import Conflict
from marketplace.core.i18n import _l

TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    BookingStatus.pending: frozenset({BookingStatus.confirmed, BookingStatus.rejected, BookingStatus.expired,
                                      BookingStatus.cancelled}),
    BookingStatus.confirmed: frozenset({BookingStatus.completed, BookingStatus.cancelled, BookingStatus.no_show}),
}

# Built once: every booking and every change of one writes a history entry.
_INSERT_HISTORY = insert(BookingEvent.__table__)

ACTION_LABELS = {
    "create": _l("提交预约"),
    "approve": _l("批准"),
    "reject": _l("拒绝"),
    "cancel_by_booker": _l("取消"),
    "cancel_by_provider": _l("取消"),
    "expire": _l("过期"),
    "complete": _l("完成"),
    "no_show": _l("标记爽约"),
    "release": _l("未签到自动释放"),
    "check_in": _l("签到"),
    "edit": _l("修改"),
}


def can_transition(current: BookingStatus, target: BookingStatus) -> bool:
    """Whether ``target`` may follow ``current``."""
    return target in TRANSITIONS.get(current, frozenset())


def require_transition(booking: Booking, target: BookingStatus, *, action: str) -> None:
    """Refuse with Conflict, naming the current status, unless ``target`` may follow it."""
    if not can_transition(booking.status, target):
        raise Conflict(_l("这个预约当前是“%(status)s”状态，不能%(action)s",
                          status=booking.status.label, action=ACTION_LABELS[action]), field="status")


def transition(booking: Booking, target: BookingStatus, *, action: str, actor, at: datetime,
               reason: str = "") -> BookingEvent:
    """Move the booking to ``target`` and log who, when and why; Conflict if the move is not allowed."""
    require_transition(booking, target, action=action)
    event = BookingEvent(action=action, from_status=booking.status, to_status=target,
                         actor_id=getattr(actor, "id", None), reason=reason, at=at)
    booking.status = target
    booking.events.append(event)
    _announce(booking, event)
    return event


def transition_many(session: Session, booking_ids: list[int], source: BookingStatus, target: BookingStatus, *,
                    action: str, at: datetime, still_due: ColumnElement[bool], values: dict | None = None) -> list[int]:
    """The system's move of many bookings at once (the scheduler): those of ``booking_ids`` still in ``source``
    and ``still_due`` go to ``target`` in one conditional UPDATE, each logged as ``transition`` logs one.

    The condition is re-checked by the UPDATE itself, so a booking that another sweeper or a person moved
    since it was found due is left alone (on PostgreSQL the UPDATE waits for a row another transaction
    holds, then re-reads it). Returns the ids moved, in the order given (their history is written in it).
    """
    if not can_transition(source, target):
        raise ValueError(f"{source.value} → {target.value} is not a transition")
    if not booking_ids:
        return []
    moved_rows = session.execute(
        update(Booking).where(Booking.id.in_(booking_ids), Booking.status == source, still_due)
        .values(status=target, updated_at=at, **(values or {}))
        .returning(Booking.id, Booking.listing_id, Booking.booker_id)
        .execution_options(synchronize_session=False)).all()
    by_id = {row.id: row for row in moved_rows}
    moved = [booking_id for booking_id in dict.fromkeys(booking_ids) if booking_id in by_id]
    if not moved:
        return []
    session.execute(insert(BookingEvent), [
        {"booking_id": booking_id, "action": action, "from_status": source, "to_status": target, "actor_id": None,
         "reason": "", "at": at} for booking_id in moved])
    events.record_many(session, f"booking.{target.value}", [
        (("booking", booking_id), _move_payload(by_id[booking_id].listing_id, by_id[booking_id].booker_id, source,
                                                target, action, "")) for booking_id in moved])
    return moved


def record(booking: Booking, *, action: str, actor, at: datetime, reason: str = "") -> BookingEvent:
    """Log something that happened to the booking without changing its status (check-in, edits)."""
    event = BookingEvent(action=action, from_status=booking.status, to_status=booking.status,
                         actor_id=getattr(actor, "id", None), reason=reason, at=at)
    booking.events.append(event)
    return event


def log_creation(session: Session, booking: Booking, *, actor, at: datetime) -> None:
    """Log a new, inserted booking's first status: its history entry and its ``booking.<status>`` event."""
    actor_id = getattr(actor, "id", None)
    session.execute(_INSERT_HISTORY, {
        "booking_id": booking.id, "action": "create", "from_status": None, "to_status": booking.status,
        "actor_id": actor_id, "reason": "", "at": at})
    _announce_move(session, booking.id, booking.listing_id, booking.booker_id, None, booking.status, "create", "",
                   actor_id)


def _announce(booking: Booking, history: BookingEvent) -> None:
    _announce_move(object_session(booking), booking.id, booking.listing_id, booking.booker_id, history.from_status,
                   history.to_status, history.action, history.reason, history.actor_id)


def _announce_move(session: Session, booking_id: int, listing_id: int, booker_id: int,
                   from_status: BookingStatus | None, to_status: BookingStatus, action: str, reason: str,
                   actor_id: int | None) -> None:
    events.record_many(session, f"booking.{to_status.value}", [
        (("booking", booking_id), _move_payload(listing_id, booker_id, from_status, to_status, action, reason))],
        actor_id=actor_id)


def _move_payload(listing_id: int, booker_id: int, from_status: BookingStatus | None, to_status: BookingStatus,
                  action: str, reason: str) -> dict:
    return {"listing_id": listing_id, "booker_id": booker_id, "from_status": from_status.value if from_status else None,
            "to_status": to_status.value, "action": action, "reason": reason}
