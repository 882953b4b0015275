"""Residents' voices and co-building on the demo street: the demo resident's complaint about a school room,
answered by the school within hours; an anonymous complaint about a community nobody has answered yet; and the
school's pledge for this year, half delivered by bookings of its rooms that completed.

Built through the real services, with the clock travelling back and returning afterwards.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.bookings import lifecycle
from marketplace.bookings import services as bookings
from marketplace.bookings.models import BookingStatus
from marketplace.core import clock, events
from marketplace.demo.organisations import SCHOOL, YUEJIN_OFFICE
from marketplace.feedback import services as feedback
from marketplace.listings.models import Listing, ListingKind, ListingStatus
from marketplace.organisations.models import Organisation
from marketplace.pledges import services as pledges

ANSWERED = "周六上午去操场锻炼，门卫说没有收到预约记录，等了半个小时才让进。"
ANSWER = "非常抱歉！门卫交接时漏看了预约名单，已和保卫处约定每天开门前打印当天预约，下次凭手机预约记录即可入校。"
UNANSWERED = "小区3号楼和5号楼之间的路灯坏了快两周，晚上老人出门很不安全。"


def _staff(organisation: Organisation) -> User:
    return next(m.user for m in organisation.memberships)


def _room(session: Session, organisation: Organisation) -> Listing:
    return session.scalars(select(Listing).where(
        Listing.organisation_id == organisation.id, Listing.kind == ListingKind.space,
        Listing.status == ListingStatus.published).order_by(Listing.id)).first()


def _last_opening(listing: Listing, today, zone: str) -> datetime | None:
    """The opening time of the last day before today (within two weeks) the listing was open."""
    for days_ago in range(1, 15):
        day = today - timedelta(days=days_ago)
        opens = sorted(h.opens for h in listing.opening_hours if h.weekday == day.weekday())
        if opens:
            return datetime.combine(day, opens[0], tzinfo=ZoneInfo(zone))
    return None


def raise_voices_and_pledges(session: Session, resident: User, neighbour: User, admin: User,
                             founded: dict[str, Organisation], *, zone: str) -> None:
    saved = clock.state()
    started = clock.now()
    today = started.astimezone(ZoneInfo(zone)).date()
    school = founded[SCHOOL]
    room = _room(session, school)
    try:
        used = _last_opening(room, today, zone)
        if used is not None:
            clock.travel_to(used - timedelta(days=2))
            booking = bookings.create_booking(session, neighbour, bookings.BookingRequest(
                listing_id=room.id, start=used, end=used + timedelta(hours=2), purpose="居民晨练"), zone=zone)
            if booking.status is BookingStatus.pending:
                bookings.approve_booking(session, _staff(school), booking, zone=zone)
            clock.travel_to(booking.end_at + timedelta(hours=2))
            lifecycle.complete_booking(session, booking)
            # That evening's scheduler ran as in the history: attendance, reputation and points count it too.
            while events.process_outbox(session, clock.now(), limit=1000):
                pass
        clock.travel_to(started - timedelta(days=2, hours=5))
        complaint = feedback.send_feedback(session, resident, feedback.FeedbackInput(
            kind="complaint", subject="listing", subject_id=room.id, text=ANSWERED))
        clock.advance(timedelta(hours=4, minutes=20))
        feedback.answer_feedback(session, _staff(school), complaint, ANSWER)
        clock.travel_to(started - timedelta(hours=20))
        feedback.send_feedback(session, neighbour, feedback.FeedbackInput(
            kind="complaint", subject="community", subject_id=founded[YUEJIN_OFFICE].place_id, text=UNANSWERED,
            anonymous=True))
    finally:
        clock.restore(saved)
    year = today.year
    done = pledges.delivered(session, [school.id], year, zone=zone)[school.id]
    # Pledged twice the hours delivered so far (to the hour): half delivered.
    pledges.sign_pledge(session, admin, pledges.PledgeInput(
        organisation_id=school.id, year=year, room_hours=max(2, 2 * round(done.room_hours)),
        volunteer_hours=max(2, 2 * round(done.volunteer_hours))))
    session.flush()
