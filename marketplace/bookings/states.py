"""The booking state machine, in one place: which status may follow which, and the log of every move.

    pending   → confirmed | rejected | expired | cancelled
    confirmed → completed | cancelled | no_show

Every other status is final. Services call :func:`transition` and nothing else changes ``status``.

Each move (and a booking's first status) is written twice, in the same transaction: a ``BookingEvent``,
the booking's history that its pages show, and a ``booking.<status>`` domain event (``core.events``),
which is what other areas (notifications, reputation …) subscribe to.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import object_session

from marketplace.bookings.models import Booking, BookingEvent, BookingStatus
from marketplace.core import events
from marketplace.core.errors import Conflict
from marketplace.core.i18n import _l

TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    BookingStatus.pending: frozenset({BookingStatus.confirmed, BookingStatus.rejected, BookingStatus.expired,
                                      BookingStatus.cancelled}),
    BookingStatus.confirmed: frozenset({BookingStatus.completed, BookingStatus.cancelled, BookingStatus.no_show}),
}

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


def record(booking: Booking, *, action: str, actor, at: datetime, reason: str = "") -> BookingEvent:
    """Log something that happened to the booking without changing its status (creation, check-in, edits)."""
    event = BookingEvent(action=action, from_status=None if action == "create" else booking.status,
                         to_status=booking.status, actor_id=getattr(actor, "id", None), reason=reason, at=at)
    booking.events.append(event)
    if action == "create":
        _announce(booking, event)
    return event


def _announce(booking: Booking, history: BookingEvent) -> None:
    events.record(object_session(booking), f"booking.{history.to_status.value}", subject=("booking", booking.id),
                  payload={"listing_id": booking.listing_id, "booker_id": booking.booker_id,
                           "from_status": history.from_status.value if history.from_status else None,
                           "to_status": history.to_status.value, "action": history.action,
                           "reason": history.reason},
                  actor_id=history.actor_id)
