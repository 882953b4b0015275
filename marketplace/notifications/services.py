"""The inbox and preferences: making a notification exactly once per event and recipient, reading and marking
one's own, choosing what is emailed, and which staff get the day's digest instead of one message per request.

Each function takes the session and plain values and flushes; its caller (a request, the outbox, a scheduler
step) commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core import events
from marketplace.core.db import dialect_insert, is_id
from marketplace.core.errors import NotFound
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.zones import local_date, to_utc
from marketplace.listings.models import Listing
from marketplace.notifications import texts
from marketplace.notifications.models import (PREFERENCE_DEFAULTS, DigestRun, Kind, Notification,
                                              NotificationPreference)
from marketplace.organisations.models import Membership

# The staff digest goes out at the first sweep after this local time, once a day.
DIGEST_FROM = time(8)
PREFERENCE_FIELDS = tuple(PREFERENCE_DEFAULTS)


def booking_link(booking_id: int) -> str:
    return f"/bookings/{booking_id}"


def review_link(review_id: int) -> str:
    return f"/reviews/{review_id}"


def wish_link(wish_id: int) -> str:
    return f"/wishes/{wish_id}"


def lottery_link(listing_id: int, lottery_id: int) -> str:
    return f"/listings/{listing_id}/lotteries/{lottery_id}"


def need_link(need_id: int) -> str:
    return f"/needs/{need_id}"


def webhook_link(endpoint_id: int) -> str:
    return f"/webhooks/{endpoint_id}"


def waitlist_link(entry_id: int) -> str:
    """The person's waitlist, at the entry: where an offer is accepted."""
    return f"/waitlist#entry-{entry_id}"


# Preferences ---------------------------------------------------------------------------------------------------------

def preferences_of(session: Session, user_id: int) -> NotificationPreference:
    """The user's preferences: their row, or the defaults (not added to the session) when they chose nothing."""
    found = session.get(NotificationPreference, user_id)
    if found is not None:
        return found
    return NotificationPreference(user_id=user_id, **PREFERENCE_DEFAULTS)


def update_preferences(session: Session, user: User, changes: dict[str, bool]) -> NotificationPreference:
    """Set the named preferences (see PREFERENCE_FIELDS), keeping the others."""
    unknown = set(changes) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValueError(f"unknown preferences {sorted(unknown)}")
    preferences = session.get(NotificationPreference, user.id, with_for_update=True)
    if preferences is None:
        try:
            # Two devices saving at once both find no row: the second insert meets the primary key and updates.
            with session.begin_nested():
                preferences = preferences_of(session, user.id)
                session.add(preferences)
        except IntegrityError:
            preferences = session.get(NotificationPreference, user.id, with_for_update=True, populate_existing=True)
    for name, value in changes.items():
        setattr(preferences, name, bool(value))
    session.flush()
    return preferences


# Making notifications ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Message:
    """What to tell one kind of recipient: the lazy message, rendered per recipient in their language."""

    kind: Kind
    subject: tuple[str, int]
    message: object
    link: str


def notify(session: Session, recipient: User, message: Message, *, event_id: int | None) -> Notification | None:
    """Put the message in the recipient's inbox, in their language, and record ``notification.created``.

    None, adding nothing, when this event already gave them a notification of this kind (a delivery run
    twice), when the recipient's account is disabled, or for a reminder they turned reminders off for.
    """
    made = notify_all(session, [(recipient, message, event_id)])
    return made[0] if made else None


def notify_all(session: Session, wanted: list[tuple[User, Message, int | None]]) -> list[Notification]:
    """``notify`` for many (recipient, message, event id) at once: one query for reminder preferences, one
    insert for the notifications, their ``notification.created`` events flushed together; the ones made."""
    wanted = [(user, message, event_id) for user, message, event_id in wanted if not user.is_disabled]
    reminded = {user.id for user, message, _ in wanted if message.kind is Kind.reminders}
    muted = set(session.scalars(select(NotificationPreference.user_id).where(
        NotificationPreference.user_id.in_(reminded), NotificationPreference.reminders.is_(False)))) \
        if reminded else set()
    rows = {}
    for user, message, event_id in wanted:
        if message.kind is Kind.reminders and user.id in muted:
            continue
        subject_type, subject_id = message.subject
        rows.setdefault((event_id, user.id, message.kind), {
            "recipient_id": user.id, "kind": message.kind, "subject_type": subject_type, "subject_id": subject_id,
            "text": texts.render_in(user.locale, message.message), "link": message.link, "event_id": event_id})
    if not rows:
        return []
    # The unique (event, recipient, kind) row: a delivery run twice, or a racing one, inserts nothing.
    # An executemany: SQLAlchemy sends multi-row INSERTs from one cached compilation.
    made = list(session.scalars(
        dialect_insert(session, Notification)
        .on_conflict_do_nothing(index_elements=["event_id", "recipient_id", "kind"])
        .returning(Notification), list(rows.values())))
    made.sort(key=lambda notification: notification.id)
    events.record_many(session, "notification.created", [
        (("notification", notification.id), {"recipient_id": notification.recipient_id,
                                              "kind": notification.kind.value}) for notification in made])
    return made


def provider_staff(session: Session, listing: Listing) -> list[User]:
    """Who answers for a listing's bookings: its organisation's staff, or the volunteer who offers it."""
    return staff_of(session, [listing])[listing.id]


def staff_of(session: Session, listings: list[Listing]) -> dict[int, list[User]]:
    """``provider_staff`` of each listing, by listing id, in a query for the organisations' staff and one for
    the volunteers (none when no listing needs it)."""
    organisation_ids = {listing.organisation_id for listing in listings if listing.organisation_id is not None}
    volunteer_ids = {listing.provider_user_id for listing in listings
                     if listing.organisation_id is None and listing.provider_user_id}
    members: dict[int, list[User]] = {}
    if organisation_ids:
        for organisation_id, user in session.execute(
                select(Membership.organisation_id, User).join(Membership, Membership.user_id == User.id)
                .where(Membership.organisation_id.in_(organisation_ids)).order_by(User.id)):
            members.setdefault(organisation_id, []).append(user)
    volunteers = {user.id: user for user in session.scalars(select(User).where(User.id.in_(volunteer_ids)))} \
        if volunteer_ids else {}
    return {listing.id: list(members.get(listing.organisation_id, [])) if listing.organisation_id is not None
            else [volunteers[listing.provider_user_id]] if listing.provider_user_id in volunteers else []
            for listing in listings}


def digest_takers(session: Session, user_ids: list[int]) -> set[int]:
    """Those of these users who chose the day's digest instead of one message per request (one query)."""
    if not user_ids:
        return set()
    return set(session.scalars(select(NotificationPreference.user_id).where(
        NotificationPreference.user_id.in_(user_ids), NotificationPreference.requests_digest.is_(True))))


# Reading and marking ---------------------------------------------------------------------------------------------------

def list_notifications(session: Session, user: User, *, page: int = 1, per_page: int = 20,
                       unread: bool | None = None) -> tuple[list[Notification], int]:
    """A page of the user's notifications, newest first (only unread, or only read ones, when asked), and the total."""
    stmt = select(Notification).where(Notification.recipient_id == user.id)
    if unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    return fetch_page(session, stmt.order_by(Notification.created_at.desc(), Notification.id.desc()),
                      page=page, per_page=per_page)


def unread_count(session: Session, user_id: int) -> int:
    """How many of the user's notifications are unread: one COUNT on the (recipient, read_at) index."""
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.recipient_id == user_id, Notification.read_at.is_(None)))


def open_notification(session: Session, user: User, notification_id, *, now: datetime) -> Notification:
    """Mark one of the user's notifications read (kept as first read) and return it; NotFound for anyone else's."""
    notification = session.get(Notification, notification_id) if is_id(notification_id) else None
    if notification is None or notification.recipient_id != user.id:
        raise NotFound(_l("找不到这条通知"))
    if notification.read_at is None:
        mark_read(session, user, [notification.id], now=now)
        session.refresh(notification)
    return notification


def mark_read(session: Session, user: User, ids: list[int] | None, *, now: datetime) -> int:
    """Mark the user's notifications with these ids read (all of theirs with None); how many were unread.

    Ids of other people's notifications, or of none, change nothing.
    """
    stmt = update(Notification).where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_([i for i in ids if is_id(i)]))
    changed = session.execute(stmt.values(read_at=now).execution_options(synchronize_session=False)).rowcount
    session.flush()
    return changed


# Email ----------------------------------------------------------------------------------------------------------------

def notification_to_email(session: Session, notification_id: int) -> Notification | None:
    """The notification, locked, when it is still to be emailed: not emailed yet, its recipient has an address and
    email on for its kind; else None."""
    notification = session.scalar(select(Notification).where(Notification.id == notification_id)
                                  .options(selectinload(Notification.recipient)).with_for_update())
    if notification is None or notification.emailed_at is not None:
        return None
    recipient = notification.recipient
    if not recipient.email or recipient.is_disabled:
        return None
    if not preferences_of(session, recipient.id).email_for(notification.kind):
        return None
    return notification


def mark_emailed(session: Session, notification: Notification, *, now: datetime) -> None:
    notification.emailed_at = now
    session.flush()


# The staff digest -----------------------------------------------------------------------------------------------------

def _pending_of(user_id):
    """Pending bookings of listings the user answers for (their organisations', their own as a volunteer)."""
    staffed = select(Membership.organisation_id).where(Membership.user_id == user_id)
    return (select(Booking).join(Listing, Booking.listing_id == Listing.id)
            .where(Booking.status == BookingStatus.pending,
                   Listing.organisation_id.in_(staffed) | (Listing.organisation_id.is_(None)
                                                           & (Listing.provider_user_id == user_id))))


def due_digests(session: Session, now: datetime, *, zone: str, limit: int) -> list[int]:
    """Ids of staff who chose the digest, have pending requests and had no digest this local day (after DIGEST_FROM)."""
    day = local_date(now, zone)
    if now < to_utc(datetime.combine(day, DIGEST_FROM), zone, nonexistent="shift_forward"):
        return []
    preference = NotificationPreference
    has_pending = _pending_of(preference.user_id).with_only_columns(Booking.id).correlate(preference).exists()
    return list(session.scalars(
        select(preference.user_id)
        .where(preference.requests_digest.is_(True), has_pending,
               ~exists().where(DigestRun.user_id == preference.user_id, DigestRun.day == day))
        .order_by(preference.user_id).limit(limit)))


def send_digest(session: Session, user_id: int, now: datetime, *, zone: str) -> Notification | None:
    """Today's digest for one staff member: one notification listing their pending requests, soonest deadline first.

    None when they already had today's (the unique DigestRun row: another sweeper got there first).
    """
    day = local_date(now, zone)
    try:
        with session.begin_nested():
            run = DigestRun(user_id=user_id, day=day)
            session.add(run)
    except IntegrityError:
        return None
    user = session.get(User, user_id)
    pending = list(session.scalars(_pending_of(user_id).options(selectinload(Booking.listing),
                                                                selectinload(Booking.booker))
                                   .order_by(Booking.approval_deadline, Booking.start_at, Booking.id)))
    if not pending:
        return None
    lines = [texts.render_in(user.locale, texts.digest_line(
        booking.listing.title, texts.local_time(booking.start_at, zone), booking.booker.display_name))
        for booking in pending]
    notification = notify(session, user, Message(Kind.requests, ("user", user_id),
                                                  texts.digest_text(len(pending), lines), "/bookings/requests"),
                          event_id=None)
    run.notification_id = notification.id if notification else None
    session.flush()
    return notification
