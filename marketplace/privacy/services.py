"""Export, deletion and the on-behalf record of one person's data; each area's part comes from its own
``personal_data`` module (core.personal_data)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.accounts.services import password_matches
from marketplace.bookings import ical
from marketplace.bookings.models import Booking
from marketplace.core import audit, personal_data
from marketplace.core.audit import AuditEntry
from marketplace.core.errors import ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.personal_data import Erasure
from marketplace.wishes.models import Wish

UNUSABLE_PASSWORD = "!deleted"  # no werkzeug hash looks like this, so no password ever matches it


def export_user_data(session: Session, user: User, *, now: datetime) -> dict:
    """Everything the platform holds about ``user``, by area (secrets and hashes left out)."""
    personal_data.load()
    sections = {name: entry.export(session, user) for name, entry in sorted(personal_data.EXPORTERS.items())}
    return {"exported_at": now.isoformat(), "user_id": user.id, "sections": sections}


def calendar_of(session: Session, user: User, *, now: datetime, booking_url: Callable[[Booking], str]) -> bytes:
    """Every booking the person made, as one iCalendar file."""
    bookings = session.scalars(select(Booking).where(Booking.booker_id == user.id).order_by(Booking.start_at))
    return ical.personal_calendar(user, bookings, now=now, booking_url=booking_url)


def delete_account(session: Session, user: User, password: str | None, erasure: Erasure) -> None:
    """Erase or anonymise the person's data through every area's eraser, end their sign-ins and keep an audit
    entry that says it happened (without the data). Raises ValidationFailed("password") for a wrong password."""
    # Two devices deleting at once: the second waits here, then reads the unusable password and is refused,
    # instead of cancelling the same bookings again.
    session.scalars(select(User).where(User.id == user.id).with_for_update()
                    .execution_options(populate_existing=True)).one()
    if not password_matches(user, password):
        raise ValidationFailed("password", _l("密码不正确"))
    personal_data.load()
    erasers = sorted(personal_data.ERASERS.values(), key=lambda entry: (entry.order, entry.name))
    for entry in erasers:
        entry.erase(session, user, erasure)
    session.flush()
    user.phone = None
    user.email = None
    user.password_hash = UNUSABLE_PASSWORD
    # Only the fact is kept: User.display_name shows the account as deleted in each viewer's language.
    user.chosen_name = ""
    user.deleted_at = erasure.now
    user.home_place_id = None
    user.locale = None
    user.is_party_member = user.is_volunteer = user.is_platform_admin = False
    user.shows_phone_publicly = False
    user.public_contact_note = ""
    user.must_change_password = False
    user.is_disabled = True
    session.flush()
    audit.record(session, user, "user.deleted", object_type="users", object_id=user.id,
                 after={"erased_by": [entry.name for entry in erasers]})


@dataclass(frozen=True)
class OnBehalf:
    """One thing someone else did for the person (代办): who, what, when, and on which object."""

    at: datetime
    actor_name: str
    action: str
    object_type: str
    object_id: int


ON_BEHALF_ACTIONS = {"user.password_reset": _l("由居委会工作人员重置了登录密码"),
                     "wish.posted": _l("代为发布了微心愿"), "wish.confirmed": _l("代为确认了微心愿已完成")}


def on_behalf_records(session: Session, user: User) -> list[OnBehalf]:
    """What staff did on the person's behalf: office password resets and wishes posted or confirmed for them."""
    records = [OnBehalf(entry.created_at, entry.actor.display_name if entry.actor else "", entry.action,
                        "users", user.id)
               for entry in session.scalars(select(AuditEntry).where(
                   AuditEntry.action == "user.password_reset", AuditEntry.object_type == "users",
                   AuditEntry.object_id == user.id, AuditEntry.actor_id != user.id))]
    for wish in session.scalars(select(Wish).where(Wish.resident_id == user.id)):
        if wish.posted_by_id != user.id:
            records.append(OnBehalf(wish.created_at, wish.posted_by.display_name, "wish.posted", "wishes", wish.id))
        if wish.resident_confirmed_by_id not in (None, user.id):
            records.append(OnBehalf(wish.resident_confirmed_at, session.get(User, wish.resident_confirmed_by_id).display_name,
                                    "wish.confirmed", "wishes", wish.id))
    return sorted(records, key=lambda record: record.at, reverse=True)
