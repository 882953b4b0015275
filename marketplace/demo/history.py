"""The demo street's last four weeks and the week ahead, played through the real services at the moments
they happened (the clock stopped at each), so that ``make run`` opens on a platform that has been running:
bookings kept, missed and cancelled, requests approved and turned down, and some still waiting.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.bookings import conversation, lifecycle
from marketplace.bookings import services as bookings
from marketplace.bookings.availability import SlotTaken
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.config import DefaultConfig
from marketplace.core import clock, events
from marketplace.core.errors import DomainError
from marketplace.core.zones import UTC
from marketplace.demo.reviews import Reviewers
from marketplace.listings.models import Listing
from marketplace.notifications import services as notifications
from marketplace.notifications.models import Notification
from marketplace.waitlist import services as waitlist

PAST_DAYS = 28
DAYS_AHEAD = 7
ATTEMPTS_PER_DAY = 4
DEMO_RESIDENT_TRIES = 10
PURPOSES = ("楼栋议事会", "广场舞排练", "老年大学书法课", "亲子阅读会", "志愿者例会", "居民生日会",
            "健康讲座", "象棋比赛", "合唱团排练", "党小组学习")
REJECTION_REASONS = ("当天场地已安排社区活动，请改约其他时间", "活动人数超过场地容量，建议预约多功能厅")
PROVIDER_CANCEL_REASONS = ("设备临时检修，非常抱歉，请改约其他时间",)
# What became of a booking whose time has passed, and how often (the rest were kept and completed).
PAST_OUTCOMES = (("no_show", 0.08), ("cancelled_by_booker", 0.1), ("cancelled_by_provider", 0.03))


READ_AFTER = timedelta(days=2)


@dataclass(frozen=True)
class Offer:
    listing: Listing
    provider: User


def play(session: Session, offers: list[Offer], residents: list[User], demo_resident: User, *, today: date,
         zone: str, rng: random.Random, seeding_began: datetime, reviewers: Reviewers) -> list[Booking]:
    """Book, decide and close slots from ``PAST_DAYS`` ago to ``DAYS_AHEAD`` ahead, and review what was closed;
    the bookings made.

    The scheduler's evenings are replayed for what happened before ``seeding_began``: what happens at the
    moment of seeding (the listings' own events, bookings made "now") is left to the real scheduler.
    """
    tz = ZoneInfo(zone)
    now = clock.now()
    history_ends = seeding_began - timedelta(microseconds=1)
    made = []
    for offset in range(-PAST_DAYS, DAYS_AHEAD + 1):
        day = today + timedelta(days=offset)
        for attempt in range(ATTEMPTS_PER_DAY):
            # The demo resident books now and then, so their 我的预约 has a past and a future.
            booker = demo_resident if attempt == 0 and offset % 5 == 0 else rng.choice(residents)
            # The demo resident tries a few places until one has room; the others take their chance once.
            for _try in range(DEMO_RESIDENT_TRIES if booker is demo_resident else 1):
                offer = rng.choice(offers)
                booking = _book(session, offer, booker, day, tz, zone, rng, now)
                if booking is not None:
                    break
            if booking is not None:
                _decide_and_close(session, offer, booking, zone, rng, now)
                reviewers.plan(booking, offer.provider)
                made.append(booking)
        evening = min(datetime.combine(day, time(22), tz), history_ends)
        reviewers.act_until(session, evening)
        _run_the_outbox(session, evening)
    _read_what_people_have_read(session, now)
    return made


def _run_the_outbox(session: Session, moment: datetime) -> None:
    """What the scheduler did that evening: the durable subscribers of the day's events (notifications, the
    waitlist) ran. Events of the listings themselves, recorded at the real moment of seeding, wait for it."""
    with clock.frozen_at(moment):
        while events.process_outbox(session, moment, limit=1000):
            pass


def _read_what_people_have_read(session: Session, now: datetime) -> None:
    """Everyone has read what they were told more than two days ago, an hour after it came."""
    older = session.execute(select(Notification.recipient_id, Notification.id, Notification.created_at).where(
        Notification.read_at.is_(None), Notification.created_at < now - READ_AFTER)).all()
    for recipient_id, notification_id, created_at in older:
        notifications.mark_read(session, session.get(User, recipient_id), [notification_id],
                                now=created_at + timedelta(hours=1))


def wait_and_talk(session: Session, offers: list[Offer], made: list[Booking], residents: list[User],
                  demo_resident: User, *, zone: str, seeding_began: datetime) -> None:
    """A popular room's coming slot has a line (the demo resident in it), and the demo resident asked the
    provider of their next booking a question, which was answered."""
    now = clock.now()
    popularity = Counter(booking.listing_id for booking in made)
    candidates = [booking for booking in made if booking.status is BookingStatus.confirmed
                  and booking.listing.capacity == 1 and booking.booker_id != demo_resident.id
                  and booking.start_at > now + timedelta(minutes=booking.listing.min_notice_minutes, hours=2)]
    if candidates:
        taken = max(candidates, key=lambda booking: (popularity[booking.listing_id], -booking.start_at.timestamp()))
        request = waitlist.WaitRequest(listing_id=taken.listing_id, start=taken.start_at, end=taken.end_at)
        waiting = [demo_resident] + [person for person in residents if person.id != taken.booker_id][:1]
        for place, person in enumerate(waiting, start=1):
            # In line one after the other, between the booking that took the slot and now.
            with clock.frozen_at(taken.created_at + (now - taken.created_at) * place / (len(waiting) + 1)):
                waitlist.join_waitlist(session, person, request, zone=zone)
    theirs = next((booking for booking in sorted(made, key=lambda b: b.start_at)
                   if booking.booker_id == demo_resident.id and booking.is_active and booking.start_at > now
                   and booking.listing.kind.value == "space"), None)
    if theirs is not None:
        rules = conversation.ConversationRules.from_config(DefaultConfig.__dict__)
        provider = next(offer.provider for offer in offers if offer.listing.id == theirs.listing_id)
        with clock.frozen_at(now - timedelta(hours=5)):
            conversation.post_message(session, demo_resident, theirs, "您好，我们大概来15个人，需要自己带椅子吗？",
                                      rules=rules)
        with clock.frozen_at(now - timedelta(hours=4)):
            conversation.post_message(session, provider, theirs, "不用自带，椅子都有。请提前10分钟到服务台领钥匙。",
                                      rules=rules)
    _run_the_outbox(session, seeding_began - timedelta(microseconds=1))


def _book(session: Session, offer: Offer, booker: User, day: date, tz: ZoneInfo, zone: str,
          rng: random.Random, now: datetime) -> Booking | None:
    listing = offer.listing
    spans = [(hours.opens, hours.closes) for hours in listing.opening_hours if hours.weekday == day.weekday()]
    if not spans:
        return None
    opens, closes = rng.choice(spans)
    start = datetime.combine(day, opens, tz)
    last_start = datetime.combine(day, closes, tz) - timedelta(minutes=listing.min_duration_minutes)
    steps = int((last_start - start) / timedelta(minutes=listing.slot_minutes))
    if steps < 0:
        return None
    start = (start + rng.randint(0, steps) * timedelta(minutes=listing.slot_minutes)).astimezone(UTC)
    end = start + timedelta(minutes=listing.min_duration_minutes)
    lead = max(timedelta(minutes=listing.min_notice_minutes) + timedelta(hours=1),
               timedelta(hours=rng.randint(20, 72)))
    booked_at = min(start - lead, now)
    if start - booked_at > timedelta(days=listing.max_advance_days) or end <= booked_at:
        return None
    request = bookings.BookingRequest(listing_id=listing.id, start=start, end=end,
                                      purpose=rng.choice(PURPOSES) if listing.capacity == 1 else "")
    with clock.frozen_at(booked_at):
        try:
            with session.begin_nested():
                return bookings.create_booking(session, booker, request, zone=zone)
        except (SlotTaken, DomainError):
            return None  # taken, or over a fair-use cap: that resident did not get this one


def _decide_and_close(session: Session, offer: Offer, booking: Booking, zone: str, rng: random.Random,
                      now: datetime) -> None:
    provider = offer.provider
    decided_at = min(booking.created_at + timedelta(hours=rng.randint(1, 6)), booking.start_at - timedelta(hours=1))
    if booking.status is BookingStatus.pending:
        if decided_at > now or rng.random() < 0.3 and booking.start_at > now:
            return  # still waiting in the staff inbox
        with clock.frozen_at(decided_at):
            if rng.random() < 0.12:
                bookings.reject_booking(session, provider, booking, rng.choice(REJECTION_REASONS))
                return
            bookings.approve_booking(session, provider, booking, zone=zone)
    outcome = _past_outcome(rng)
    changed_mind_at = decided_at + timedelta(minutes=30)
    if outcome == "cancelled_by_booker" and changed_mind_at < now and bookings.booker_may_cancel(booking,
                                                                                              changed_mind_at):
        with clock.frozen_at(changed_mind_at):
            bookings.cancel_booking(session, booking.booker, booking, "临时有事，改天再约")
    elif outcome == "cancelled_by_provider" and changed_mind_at < min(now, booking.start_at):
        with clock.frozen_at(changed_mind_at):
            bookings.cancel_booking(session, provider, booking, rng.choice(PROVIDER_CANCEL_REASONS))
    elif booking.end_at + timedelta(hours=2) < now:
        if outcome == "no_show":
            with clock.frozen_at(booking.start_at + timedelta(minutes=30)):
                bookings.mark_no_show(session, provider, booking)
        else:
            with clock.frozen_at(booking.end_at + timedelta(hours=1)):
                lifecycle.complete_booking(session, booking)


def _past_outcome(rng: random.Random) -> str:
    roll = rng.random()
    for outcome, share in PAST_OUTCOMES:
        if roll < share:
            return outcome
        roll -= share
    return "kept"
