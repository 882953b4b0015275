"""Past bookings of the demo street, reviewed: mostly good, a few critical ones with the provider's reply, and
one reported and hidden by the platform admin, so stars, counts and distributions show everywhere. Where an
organisation has a second member, that member served some of its bookings (three-way: the organisation and the
volunteer review each other too, and the booker's review counts for the volunteer).

Built through the real services, with the clock travelling back to each booking and returning afterwards.
"""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.bookings import lifecycle
from marketplace.bookings import services as bookings
from marketplace.bookings.models import BookingStatus
from marketplace.core import clock
from marketplace.core.errors import DomainError
from marketplace.listings.models import Listing, ListingStatus
from marketplace.reputation import services as reputation
from marketplace.reviews import services as reviews
from marketplace.reviews.models import BOOKER_TAGS, ORGANISATION_TAGS, PROVIDER_TAGS, VOLUNTEER_TAGS, ReviewSide

# Every fourth published listing (by id) has past bookings: spread over the street's kinds and communities.
REVIEWED_EVERY = 4
BOOKINGS_PER_LISTING = 3
SERVED_PER_LISTING = 2  # of an organisation's listing's past bookings, served by a second member of it
GOOD_WORDS = ("环境很好，工作人员热情，下次还来。", "准时开门，设施齐全，很满意。", "老师讲得很细心，受益匪浅。",
              "预约方便，场地干净整洁。", "服务周到，孩子们都很喜欢。", "")
CRITICAL_WORDS = ("到了之后等了二十分钟才开门。", "空调坏了，夏天有点热。", "投影仪接口不匹配，耽误了开场。")
REPLIES = ("非常抱歉，我们已调整值班安排，确保按时开门。", "感谢反馈，空调已报修并修好了。",
           "抱歉给您添麻烦了，已配好转接头放在讲台抽屉里。")
REPORTED_WORDS = "工作人员态度恶劣，全是骗子！！！"
WINDOW_DAYS = 14


def _provider(listing: Listing) -> User:
    if listing.organisation is not None:
        return next(m.user for m in listing.organisation.memberships)
    return listing.provider_user


def _server(listing: Listing, provider: User, booker: User) -> User | None:
    """A member of the listing's organisation other than the one who answers for it, to have served the booking."""
    if listing.organisation is None:
        return None
    return next((m.user for m in listing.organisation.memberships if m.user_id not in (provider.id, booker.id)), None)


def _past_start(listing: Listing, days_ago: int, zone: str, today) -> datetime | None:
    """10:00 (or the listing's first opening) ``days_ago`` days before today, when it is open then."""
    day = today - timedelta(days=days_ago)
    opening = sorted(h.opens for h in listing.opening_hours if h.weekday == day.weekday())
    if not opening:
        return None
    return datetime.combine(day, max(opening[0], time(10)), tzinfo=ZoneInfo(zone))


def review_past_bookings(session: Session, residents: list[User], admin: User, rng: random.Random, *,
                         zone: str) -> None:
    """Book, complete and review past slots of published listings (see the module's docstring)."""
    saved = clock.state()
    started = clock.now()
    today = started.astimezone(ZoneInfo(zone)).date()
    published = session.scalars(select(Listing).where(Listing.status == ListingStatus.published).order_by(Listing.id))
    listings = [listing for n, listing in enumerate(published) if n % REVIEWED_EVERY == REVIEWED_EVERY - 1]
    critical = reported = 0
    try:
        for k, listing in enumerate(listings):
            provider = _provider(listing)
            for j in range(BOOKINGS_PER_LISTING):
                start = _past_start(listing, 5 + 3 * j + k % 3, zone, today)
                if start is None:
                    continue
                booker = residents[(k * BOOKINGS_PER_LISTING + j) % len(residents)]
                clock.travel_to(start - timedelta(days=2))
                try:
                    booking = bookings.create_booking(session, booker, bookings.BookingRequest(
                        listing_id=listing.id, start=start, end=start + timedelta(minutes=listing.min_duration_minutes),
                        purpose="社区活动"), zone=zone)
                except DomainError:
                    continue
                if booking.status is BookingStatus.pending:
                    bookings.approve_booking(session, provider, booking, zone=zone)
                server = _server(listing, provider, booker) if j < SERVED_PER_LISTING else None
                if server is not None:
                    reviews.record_served_by(session, provider, booking, server.id)
                clock.travel_to(booking.end_at + timedelta(hours=2))
                lifecycle.complete_booking(session, booking)
                is_reported = not reported and k == 1 and j == 0
                is_critical = not is_reported and (k + j) % 6 == 5 and critical < len(CRITICAL_WORDS)
                if is_reported:
                    stars, text = 1, REPORTED_WORDS
                elif is_critical:
                    stars, text = 2, CRITICAL_WORDS[critical]
                else:
                    stars, text = rng.choice((5, 5, 5, 4, 4)), rng.choice(GOOD_WORDS)
                tags = rng.sample(sorted(PROVIDER_TAGS), 2) if stars >= 4 else []
                about_provider = reviews.write_review(session, booker, booking, reviews.ReviewInput(
                    stars=stars, tags=tags, text=text), window_days=WINDOW_DAYS)
                clock.advance(timedelta(hours=5))
                reviews.write_review(session, provider, booking, reviews.ReviewInput(
                    stars=5, tags=rng.sample(sorted(BOOKER_TAGS), 1)), window_days=WINDOW_DAYS, side=ReviewSide.provider)
                clock.advance(timedelta(hours=3))
                if server is not None:
                    reviews.write_review(session, provider, booking, reviews.ReviewInput(
                        stars=5, tags=rng.sample(sorted(VOLUNTEER_TAGS), 2), text="服务认真，居民反映很好。"),
                        window_days=WINDOW_DAYS, side=ReviewSide.organisation)
                    reviews.write_review(session, server, booking, reviews.ReviewInput(
                        stars=rng.choice((5, 4)), tags=rng.sample(sorted(ORGANISATION_TAGS), 1)),
                        window_days=WINDOW_DAYS, side=ReviewSide.volunteer)
                if is_critical:
                    reviews.reply_to_review(session, provider, about_provider, REPLIES[critical])
                    critical += 1
                elif is_reported:
                    reviews.report_review(session, residents[-1], about_provider, "人身攻击，与事实不符")
                    reviews.moderate_review(session, admin, about_provider, "hide", "核实后认定为人身攻击，予以隐藏")
                    reported += 1
                session.flush()
    finally:
        clock.restore(saved)
    # The outbox's reputation deliveries will find all of this already counted.
    reputation.recompute_all(session, reputation.Policy(), clock.now())
