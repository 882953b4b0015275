"""Waitlist entries in the export and on deletion (see core.personal_data)."""
from sqlalchemy import select

from marketplace.core.personal_data import eraser, exporter, rows
from marketplace.waitlist.models import EntryStatus, WaitlistEntry
from marketplace.waitlist.services import leave_waitlist


@exporter("waitlist", ("waitlist_entries", "user_id"))
def export_entries(session, user) -> list[dict]:
    return rows(session, WaitlistEntry, WaitlistEntry.user_id == user.id)


@eraser("waitlist", ("waitlist_entries", "user_id"), order=20)
def leave_waitlists(session, user, erasure) -> None:
    """Through the waitlist service, so a slot held for the person goes to the next in line."""
    for entry in session.scalars(select(WaitlistEntry).where(
            WaitlistEntry.user_id == user.id,
            WaitlistEntry.status.in_([EntryStatus.waiting, EntryStatus.offered])).order_by(WaitlistEntry.id)).all():
        leave_waitlist(session, user, entry, zone=erasure.zone, hold=erasure.hold, now=erasure.now)
