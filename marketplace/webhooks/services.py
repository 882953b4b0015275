"""Webhooks: registering endpoints, turning domain events into deliveries, and sending them on the schedule.

Sending is the scheduler's (``send_due``), never a web request's: a sweep claims due deliveries and writes each
attempt's row (unique per delivery and number) and commits that claim *before* any network I/O, so a crash
mid-send, or a second sweeper, never sends one attempt twice; the attempt's outcome is written afterwards. A
crash between the send and that write leaves the attempt without a response code, and the delivery is tried
again at its next scheduled time with the same ``webhook-id``, which the spec tells receivers to deduplicate on.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from marketplace.accounts.models import User
from marketplace.bookings.models import Booking
from marketplace.core import events, permissions
from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.organisations.models import Membership, Organisation
from marketplace.reviews.models import Review
from marketplace.webhooks import signing, targets
from marketplace.webhooks.models import FAILED, PENDING, SUCCEEDED, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from marketplace.wishes.models import Wish

# The Standard Webhooks retry schedule: the first attempt at once, then after each failure these waits.
RETRY_DELAYS = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1

# Public event names, what receivers subscribe to (and what they mean), and who may hear of them: an
# organisation's endpoints hear of their own listings' bookings and reviews; wishes belong to communities, not
# organisations, so only the platform's endpoints hear of them.
PUBLIC_EVENTS = {
    "booking.created": _l("新预约或预约申请"),
    "booking.decided": _l("预约申请获批或被拒"),
    "booking.cancelled": _l("预约被取消"),
    "booking.expired": _l("预约申请过期未处理"),
    "booking.completed": _l("预约已完成"),
    "booking.no_show": _l("预约爽约"),
    "review.revealed": _l("评价公开"),
    "wish.claimed": _l("心愿被认领"),
    "wish.fulfilled": _l("心愿已完成"),
}
PLATFORM_ONLY = frozenset({"wish.claimed", "wish.fulfilled"})
DOMAIN_EVENTS = ("booking.*", "review.revealed", "wish.claimed", "wish.fulfilled")


def public_type(event_type: str, payload: dict) -> str | None:
    """The public webhook event name of a domain event, or None when receivers do not hear of it."""
    if event_type.startswith("booking."):
        status, action = event_type.removeprefix("booking."), payload.get("action")
        if status in {"pending", "confirmed"}:
            return "booking.created" if action == "create" else "booking.decided" if action == "approve" else None
        if status == "rejected":
            return "booking.decided"
        return f"booking.{status}" if f"booking.{status}" in PUBLIC_EVENTS else None
    if event_type == "review.revealed" and payload.get("hidden"):
        return None
    return event_type if event_type in PUBLIC_EVENTS else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _booking_data(booking: Booking, event) -> tuple[int | None, dict]:
    return booking.listing.organisation_id, {
        "booking_id": booking.id, "listing_id": booking.listing_id, "organisation_id": booking.listing.organisation_id,
        "start_at": _iso(booking.start_at), "end_at": _iso(booking.end_at), "seats": booking.seats,
        "status": event.payload.get("to_status"), "from_status": event.payload.get("from_status"),
        "action": event.payload.get("action")}


def _review_data(review: Review, _event) -> tuple[int | None, dict]:
    return review.organisation_id, {
        "review_id": review.id, "booking_id": review.booking_id, "listing_id": review.listing_id,
        "organisation_id": review.organisation_id, "side": review.side.value, "stars": review.stars,
        "revealed_at": _iso(review.revealed_at)}


def _wish_data(wish: Wish, _event) -> tuple[int | None, dict]:
    return None, {"wish_id": wish.id, "community_id": wish.community_id, "status": wish.status.value,
                  "needed_by": wish.needed_by.isoformat()}


# What an endpoint may see of each subject, with the subject's owning organisation: ids, times and status,
# never a person's name, phone or words.
SUBJECTS = {
    "booking": (Booking, [joinedload(Booking.listing)], _booking_data),
    "review": (Review, [], _review_data),
    "wish": (Wish, [], _wish_data),
}


def enqueue_for_events(session: Session, batch: list, now: datetime) -> int:
    """A pending delivery of each event for each enabled endpoint that subscribed to it and may see it, in a few
    statements for the whole batch (none beyond one when no endpoint wants these events); how many."""
    named = [(event, name) for event in batch if (name := public_type(event.type, event.payload)) is not None]
    if not named:
        return 0
    wanted = {name for _event, name in named}
    endpoints = [endpoint for endpoint in session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.enabled).order_by(WebhookEndpoint.id))
        if wanted & set(endpoint.events)]
    if not endpoints:
        return 0
    subjects = {}
    for subject_type, (model, options, _data) in SUBJECTS.items():
        ids = {event.subject_id for event, _name in named if event.subject_type == subject_type}
        if ids:
            subjects.update({(subject_type, row.id): row for row in session.scalars(
                select(model).where(model.id.in_(ids)).options(*options))})
    made = 0
    for event, name in named:
        subject = subjects.get((event.subject_type, event.subject_id))
        if subject is None:
            continue
        organisation_id, data = SUBJECTS[event.subject_type][2](subject, event)
        body = json.dumps({"type": name, "timestamp": _iso(event.occurred_at), "data": data}, ensure_ascii=False,
                          separators=(",", ":"))
        for endpoint in endpoints:
            may_see = endpoint.organisation_id is None or (
                endpoint.organisation_id == organisation_id and name not in PLATFORM_ONLY)
            if name in endpoint.events and may_see:
                session.add(WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id, event_type=name,
                                            message_id=f"msg_{secrets.token_urlsafe(18)}", body=body,
                                            status=PENDING, attempts=0, schedule_offset=0, next_attempt_at=now,
                                            created_at=now))
                made += 1
    session.flush()
    return made


# Registration and management -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EndpointData:
    url: str
    events: list[str]
    organisation_id: int | None = None


def manageable_organisations(session: Session, user: User) -> list[Organisation]:
    """The organisations whose webhooks the user may manage: those they are staff of."""
    return list(session.scalars(select(Organisation).join(Membership).where(Membership.user_id == user.id)
                                .order_by(Organisation.id)))


def _may_manage(user: User, endpoint_org: Organisation | None) -> bool:
    if endpoint_org is None:
        return permissions.is_platform_admin(user)
    return permissions.is_platform_admin(user) or permissions.role_in(user, endpoint_org) is not None


def _owner_organisation(session: Session, actor: User, organisation_id: int | None) -> Organisation | None:
    if organisation_id is not None:
        organisation = session.get(Organisation, organisation_id)
        if organisation is None:
            raise ValidationFailed("organisation_id", _l("没有这个机构"))
        if not _may_manage(actor, organisation):
            raise Forbidden(_l("只有机构的工作人员可以管理它的 Webhook"))
        return organisation
    if permissions.is_platform_admin(actor):
        return None
    mine = manageable_organisations(session, actor)
    if len(mine) != 1:
        raise ValidationFailed("organisation_id", _l("请选择为哪个机构接收通知"))
    return mine[0]


def _clean_events(names: list[str]) -> list[str]:
    unknown = sorted(set(names) - set(PUBLIC_EVENTS))
    if unknown:
        raise ValidationFailed("events", _l("不支持的事件类型：%(names)s", names=", ".join(unknown)))
    if not names:
        raise ValidationFailed("events", _l("请至少选择一种事件"))
    return [name for name in PUBLIC_EVENTS if name in names]


def register_endpoint(session: Session, actor: User, data: EndpointData, now: datetime, *,
                      allow_private: bool) -> WebhookEndpoint:
    """A new enabled endpoint with a fresh secret; raises Forbidden, or ValidationFailed for a URL refused as
    internal (SSRF) or unresolvable, unknown events, or an organisation to choose."""
    organisation = _owner_organisation(session, actor, data.organisation_id)
    chosen = _clean_events(data.events)
    if organisation is not None and PLATFORM_ONLY & set(chosen):
        raise ValidationFailed("events", _l("机构的 Webhook 不能订阅心愿事件"))
    url = data.url.strip()
    if len(url) > 500:
        raise ValidationFailed("url", _l("网址太长"))
    targets.resolve(url, allow_private=allow_private)
    endpoint = WebhookEndpoint(organisation=organisation, owner_id=actor.id, url=url, events=chosen,
                               secret=signing.new_secret(), enabled=True, disabled_reason="", failed_deliveries=0,
                               created_at=now)
    session.add(endpoint)
    session.flush()
    return endpoint


def list_endpoints(session: Session, viewer: User) -> list[WebhookEndpoint]:
    """The endpoints the viewer may manage (a platform admin: all of them), newest first."""
    query = select(WebhookEndpoint).options(joinedload(WebhookEndpoint.organisation)).order_by(
        WebhookEndpoint.id.desc())
    if not permissions.is_platform_admin(viewer):
        query = query.where(WebhookEndpoint.organisation_id.in_(
            select(Membership.organisation_id).where(Membership.user_id == viewer.id)))
    return list(session.scalars(query))


def get_endpoint(session: Session, viewer: User, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint; NotFound when it does not exist or the viewer may not manage it."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not _may_manage(viewer, endpoint.organisation):
        raise NotFound(_l("没有这个 Webhook"))
    return endpoint


def rotate_secret(session: Session, actor: User, endpoint_id: int, now: datetime, *, overlap: timedelta) -> str:
    """A new secret for the endpoint; the old one keeps signing beside it for ``overlap``. Returns the new one."""
    endpoint = get_endpoint(session, actor, endpoint_id)
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, now + overlap
    endpoint.secret = signing.new_secret()
    session.flush()
    return endpoint.secret


def set_enabled(session: Session, actor: User, endpoint_id: int, enabled: bool) -> WebhookEndpoint:
    """Enable or disable the endpoint (enabling starts a fresh count of failures); NotFound."""
    endpoint = get_endpoint(session, actor, endpoint_id)
    endpoint.enabled = enabled
    endpoint.disabled_reason = "" if enabled else "manual"
    if enabled:
        endpoint.failed_deliveries, endpoint.failing_since = 0, None
    session.flush()
    return endpoint


def delete_endpoint(session: Session, actor: User, endpoint_id: int) -> None:
    """Delete the endpoint and its delivery log; NotFound, also when someone else deleted it meanwhile."""
    endpoint = get_endpoint(session, actor, endpoint_id)
    # A statement, not the ORM's delete: two people deleting at once must see a 404, not a stale-data error;
    # the database's cascades take the deliveries and attempts.
    deleted = session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id)
                              .execution_options(synchronize_session="fetch"))
    if deleted.rowcount != 1:
        raise NotFound(_l("没有这个 Webhook"))


def list_deliveries(session: Session, viewer: User, endpoint_id: int, *, page: int,
                    per_page: int) -> tuple[list[WebhookDelivery], int]:
    """The endpoint's deliveries with their attempts, newest first, and how many there are; NotFound."""
    endpoint = get_endpoint(session, viewer, endpoint_id)
    where = WebhookDelivery.endpoint_id == endpoint.id
    total = session.scalar(select(func.count()).select_from(WebhookDelivery).where(where))
    deliveries = list(session.scalars(
        select(WebhookDelivery).where(where).options(joinedload(WebhookDelivery.log))
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).unique())
    return deliveries, total


def replay_delivery(session: Session, actor: User, endpoint_id: int, delivery_id: int,
                    now: datetime) -> WebhookDelivery:
    """Queue a finished delivery to be sent again (same id and body) by the next sweep, with a fresh retry
    schedule; NotFound, Conflict when it is still being sent or the endpoint is disabled."""
    endpoint = get_endpoint(session, actor, endpoint_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound(_l("没有这次投递"))
    if not endpoint.enabled:
        raise Conflict(_l("这个 Webhook 已停用，请先启用"))
    moved = session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery.id, WebhookDelivery.status != PENDING)
        .values(status=PENDING, next_attempt_at=now, finished_at=None, schedule_offset=WebhookDelivery.attempts)
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise Conflict(_l("这次投递还在发送中，无需重发"))
    session.refresh(delivery)
    return delivery


# Sending ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    attempt_id: int
    number: int
    final: bool
    url: str
    message_id: str
    body: str
    secrets: list[str]


def oldest_due(session: Session, now: datetime) -> datetime | None:
    """The retry time of the longest-waiting delivery ``claim_due`` would claim, or None (one index seek)."""
    return session.scalar(
        select(WebhookDelivery.next_attempt_at).join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now, WebhookEndpoint.enabled)
        .order_by(WebhookDelivery.next_attempt_at).limit(1))


@dataclass(frozen=True)
class Due:
    delivery_id: int
    attempts: int
    schedule_offset: int


def due_deliveries(session: Session, now: datetime, *, limit: int) -> list[Due]:
    """Up to ``limit`` pending deliveries of enabled endpoints whose next attempt is due, earliest first (the
    status and next_attempt_at index). Read without a lock: ``claim`` is what makes an attempt one sweeper's."""
    return [Due(*row) for row in session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts, WebhookDelivery.schedule_offset)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now, WebhookEndpoint.enabled)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))]


def claim(session: Session, due: Due, now: datetime) -> Claimed | None:
    """Claim the delivery's next attempt: a conditional update of its attempt count from the count this sweeper
    read, so that of two sweepers that read the same count one matches the row and the other nothing (on
    PostgreSQL the second waits on the first's row lock, then re-reads the row); then the attempt's row, whose
    unique number is the database's second guard. None when another sweeper claimed it first, or when the
    schedule ran out with no outcome (a crash): that delivery ends failed, unsent."""
    made = due.attempts - due.schedule_offset
    values = ({"status": FAILED, "finished_at": now, "next_attempt_at": None} if made >= MAX_ATTEMPTS else
              {"attempts": due.attempts + 1, "next_attempt_at": now + RETRY_DELAYS[min(made, len(RETRY_DELAYS) - 1)]})
    moved = session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == due.delivery_id, WebhookDelivery.status == PENDING,
                                      WebhookDelivery.attempts == due.attempts)
        .values(**values).execution_options(synchronize_session=False))
    if moved.rowcount != 1 or made >= MAX_ATTEMPTS:
        return None
    delivery = session.get(WebhookDelivery, due.delivery_id, options=[joinedload(WebhookDelivery.endpoint)],
                           populate_existing=True)
    attempt = WebhookAttempt(delivery_id=due.delivery_id, number=due.attempts + 1, started_at=now, error="")
    session.add(attempt)
    session.flush()
    endpoint = delivery.endpoint
    in_use = [endpoint.secret] + ([endpoint.previous_secret] if endpoint.previous_secret
                                  and endpoint.previous_secret_until and endpoint.previous_secret_until > now else [])
    return Claimed(due.delivery_id, attempt.id, due.attempts + 1, made + 1 >= MAX_ATTEMPTS, endpoint.url,
                   delivery.message_id, delivery.body, in_use)


def claim_due(session: Session, now: datetime, *, limit: int) -> tuple[int, list[Claimed]]:
    """Claim one attempt of each of up to ``limit`` due deliveries; how many were due and the claims."""
    due = due_deliveries(session, now, limit=limit)
    return len(due), [claimed for row in due if (claimed := claim(session, row, now)) is not None]


def send(claim: Claimed, now: datetime, *, allow_private: bool, timeout: float) -> tuple[int | None, str]:
    """Send one claimed attempt (the address checked again now); its response code, or None and why not."""
    try:
        target = targets.resolve(claim.url, allow_private=allow_private)
    except ValidationFailed as refused:
        return None, str(refused.message)
    headers = signing.headers(claim.secrets, claim.message_id, int(now.timestamp()), claim.body)
    try:
        return targets.post(target, claim.body.encode(), headers, timeout=timeout), ""
    except targets.SendFailed as failed:
        return None, str(failed)[:300]


@dataclass(frozen=True)
class Limits:
    failed_deliveries: int
    failing_for: timedelta

    @classmethod
    def from_config(cls, settings: Mapping) -> Limits:
        return cls(settings["WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES"],
                   timedelta(days=settings["WEBHOOK_DISABLE_AFTER_DAYS"]))


def record_outcome(session: Session, claim: Claimed, status_code: int | None, error: str, now: datetime,
                   limits: Limits) -> bool:
    """Write an attempt's outcome on its row and delivery; after a failure that ends a delivery, or a run of
    failures that lasted too long, disable the endpoint and tell its owner. Whether the attempt succeeded."""
    succeeded = status_code is not None and 200 <= status_code < 300
    session.execute(update(WebhookAttempt).where(WebhookAttempt.id == claim.attempt_id)
                    .values(status_code=status_code, error=error[:300]).execution_options(synchronize_session=False))
    delivery = session.get(WebhookDelivery, claim.delivery_id, options=[joinedload(WebhookDelivery.endpoint)])
    delivery.last_status_code = status_code
    endpoint = delivery.endpoint
    if succeeded:
        delivery.status, delivery.finished_at, delivery.next_attempt_at = SUCCEEDED, now, None
        endpoint.failed_deliveries, endpoint.failing_since = 0, None
    else:
        endpoint.failing_since = endpoint.failing_since or now
        if claim.final:
            delivery.status, delivery.finished_at, delivery.next_attempt_at = FAILED, now, None
            endpoint.failed_deliveries += 1
        if endpoint.enabled and (endpoint.failed_deliveries >= limits.failed_deliveries
                                 or now - endpoint.failing_since >= limits.failing_for):
            endpoint.enabled, endpoint.disabled_reason = False, "failing"
            events.record(session, "webhook.disabled", subject=("webhook_endpoint", endpoint.id), payload={
                "owner_id": endpoint.owner_id, "organisation_id": endpoint.organisation_id,
                "failing_since": endpoint.failing_since.isoformat(), "failed_deliveries": endpoint.failed_deliveries})
    session.flush()
    return succeeded
