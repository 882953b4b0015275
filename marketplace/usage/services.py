"""Usage snapshots: a listing's local day in figures, computed once the day has settled, and read by admins.

A day is settled ``settle`` (the completion grace) after its local midnight: by then the scheduler has
expired its undecided requests and completed its bookings, and staff can no longer mark a no-show, so
the statuses counted are final. Each listing's day is computed by reading the bookings that overlap it
through ``ix_bookings_listing_window``, a batch of listings per statement, never a query per booking;
writing is an upsert on (listing_id, day), so computing a day again (a second sweeper, a crash after a
batch) gives the same rows.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from marketplace.bookings import availability
from marketplace.bookings.models import Booking, BookingEvent, BookingStatus
from marketplace.core.errors import ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.zones import day_bounds, in_supported_years, local_date, to_utc
from marketplace.listings.models import Listing, ListingStatus
from marketplace.usage.models import UsageDay, UsageSnapshot

# Bookings that held their time: what "hours booked" adds up (a no-show held it too).
HELD_TIME = (BookingStatus.confirmed, BookingStatus.completed, BookingStatus.no_show)
HOURS = tuple(f"booked_h{hour:02d}" for hour in range(24))
FIGURES = ("open_minutes", "booked_minutes", "bookings", *(status.value for status in BookingStatus),
           "cancelled_by_booker", "cancelled_by_provider", "people_served", "released", "cancel_lead_minutes",
           *HOURS)
MAX_RANGE_DAYS = 366
CANCELLED_BY = {"cancel_by_booker": "cancelled_by_booker", "cancel_by_provider": "cancelled_by_provider"}


def snapshot_listings(session: Session, listings: list[Listing], day: date, zone: str) -> None:
    """Compute and write (replacing any earlier one) the snapshot of each of these listings for the local day."""
    if not listings:
        return
    figures = day_figures(session, [listing.id for listing in listings], day, zone)
    _upsert(session, [{"listing_id": listing_id, "day": day, **counts} for listing_id, counts in figures.items()])


def day_figures(session: Session, listing_ids: list[int], day: date, zone: str) -> dict[int, dict[str, int]]:
    """Each listing's figures (FIGURES) for the local day as it stands now, without writing them: a snapshot
    for a settled day, today's live numbers for one that is not. A few statements for all the listings
    together (their open hours, the bookings overlapping the day, the final moves of those cancelled or not
    attended), whatever their number."""
    start, end = day_bounds(day, zone)
    figures = {listing_id: dict.fromkeys(FIGURES, 0) for listing_id in listing_ids}
    # A draft or suspended listing is open to nobody: its hours are not hours the public could have used.
    published = list(session.scalars(select(Listing.id).where(Listing.id.in_(listing_ids),
                                                              Listing.status == ListingStatus.published)))
    for listing_id, intervals in availability.open_intervals(session, published, day, zone).items():
        figures[listing_id]["open_minutes"] = sum(_minutes_within(opens, closes, start, end)
                                                  for opens, closes in intervals)
    bookings = session.execute(select(
        Booking.id, Booking.listing_id, Booking.booker_id, Booking.start_at, Booking.end_at, Booking.status,
    ).where(
        Booking.listing_id.in_(figures),
        Booking.start_at >= start - availability.LONGEST_BLOCKED_SPAN, Booking.start_at < end,
        Booking.end_at > start,
    )).all()
    starting = [booking for booking in bookings if booking.start_at >= start]
    last_moves = _last_moves(session, [b.id for b in starting
                                       if b.status in (BookingStatus.cancelled, BookingStatus.no_show)])
    hours = _local_hours(day, zone)
    hour_starts = [hour_start for hour_start, _hour_end in hours]
    served: dict[int, set[int]] = defaultdict(set)
    for booking in bookings:
        if booking.status in HELD_TIME:
            counts = figures[booking.listing_id]
            counts["booked_minutes"] += _minutes_within(booking.start_at, booking.end_at, start, end)
            # Only the hours the booking overlaps: from the one it starts in (or the first) to the one it ends in.
            hour = max(0, bisect_right(hour_starts, booking.start_at) - 1)
            while hour < len(hours) and hours[hour][0] < booking.end_at:
                counts[HOURS[hour]] += _minutes_within(booking.start_at, booking.end_at, *hours[hour])
                hour += 1
    for booking in starting:
        counts = figures[booking.listing_id]
        counts["bookings"] += 1
        counts[booking.status.value] += 1
        action, at = last_moves.get(booking.id, (None, None))
        if action in CANCELLED_BY:
            counts[CANCELLED_BY[action]] += 1
        if booking.status is BookingStatus.cancelled and at is not None:
            counts["cancel_lead_minutes"] += max(0, int((booking.start_at - at).total_seconds() // 60))
        if action == "release":
            counts["released"] += 1
        if booking.status is BookingStatus.completed:
            served[booking.listing_id].add(booking.booker_id)
    for listing_id, people in served.items():
        figures[listing_id]["people_served"] = len(people)
    return figures


def snapshot_due_days(session: Session, now: datetime, zone: str, *, settle: timedelta, limit: int) -> int:
    """Snapshot up to ``limit`` listings' settled days that have none yet, oldest day first, then listing by
    listing; a day whose every listing is done is marked done. Returns how many snapshots it wrote.

    After downtime this catches up day by day, a batch at a time (each its caller's unit of work); an
    interrupted day resumes after the last listing written for it.
    """
    written = 0
    while written < limit:
        day = _next_day(session, now, zone, settle)
        if day is None:
            break
        wanted = limit - written
        after = session.scalar(select(func.max(UsageSnapshot.listing_id)).where(UsageSnapshot.day == day)) or 0
        listings = list(session.scalars(select(Listing).where(
            Listing.created_at < day_bounds(day, zone)[1], Listing.id > after).order_by(Listing.id).limit(wanted)))
        snapshot_listings(session, listings, day, zone)
        written += len(listings)
        if len(listings) < wanted:
            _mark_done(session, day, now)
    return written


def list_snapshots(session: Session, *, listing_id: int | None = None, first_day: date | None = None,
                   last_day: date | None = None, page: int = 1, per_page: int = 20) -> tuple[list[UsageSnapshot], int]:
    """A page of snapshots, newest day first; ValidationFailed for a range that ends before it starts or spans
    more than MAX_RANGE_DAYS."""
    for field, value in (("from", first_day), ("to", last_day)):
        if value is not None and not in_supported_years(value):
            raise ValidationFailed(field, _l("日期超出支持的范围"))
    if first_day and last_day:
        if last_day < first_day:
            raise ValidationFailed("to", _l("结束日期不能早于开始日期"))
        if (last_day - first_day).days >= MAX_RANGE_DAYS:
            raise ValidationFailed("to", _l("一次最多查询%(days)s天", days=MAX_RANGE_DAYS))
    stmt = select(UsageSnapshot).options(joinedload(UsageSnapshot.listing))
    if listing_id is not None:
        stmt = stmt.where(UsageSnapshot.listing_id == listing_id)
    if first_day is not None:
        stmt = stmt.where(UsageSnapshot.day >= first_day)
    if last_day is not None:
        stmt = stmt.where(UsageSnapshot.day <= last_day)
    return fetch_page(session, stmt.order_by(UsageSnapshot.day.desc(), UsageSnapshot.listing_id),
                      page=page, per_page=per_page)


def last_day_done(session: Session) -> date | None:
    """The latest local day every listing has its snapshot of, or None before the first."""
    return session.scalar(select(func.max(UsageDay.day)))


def _next_day(session: Session, now: datetime, zone: str, settle: timedelta) -> date | None:
    """The oldest day not done yet if it has settled, else None: one primary-key read when nothing is due."""
    last = last_day_done(session)
    if last is not None:
        day = last + timedelta(days=1)
    else:
        # Ids follow creation, so the first listing is the oldest: the first day anyone could have used.
        first_created = session.scalar(select(Listing.created_at).order_by(Listing.id).limit(1))
        if first_created is None:
            return None
        day = local_date(first_created, zone)
    return day if day_bounds(day, zone)[1] + settle <= now else None


def _mark_done(session: Session, day: date, now: datetime) -> None:
    listings = session.scalar(select(func.count()).select_from(UsageSnapshot).where(UsageSnapshot.day == day))
    # A second sweeper that finished the same day already marked it: nothing to add.
    session.execute(_insert(session, UsageDay).values(day=day, listings=listings, completed_at=now)
                    .on_conflict_do_nothing(index_elements=["day"]))


def _upsert(session: Session, rows: list[dict]) -> None:
    stmt = _insert(session, UsageSnapshot).values(rows)
    session.execute(stmt.on_conflict_do_update(index_elements=["listing_id", "day"],
                                               set_={name: stmt.excluded[name] for name in FIGURES}))


def _insert(session: Session, model):
    return (postgresql.insert if session.connection().dialect.name == "postgresql" else sqlite.insert)(model)


def _last_moves(session: Session, booking_ids: list[int]) -> dict[int, tuple[str, datetime]]:
    """The action and time of the move into each of these bookings' final status (cancelled or no-show):
    who cancelled and how early, or whether check-in released it."""
    if not booking_ids:
        return {}
    moves = session.execute(select(BookingEvent.booking_id, BookingEvent.action, BookingEvent.at).where(
        BookingEvent.booking_id.in_(booking_ids),
        BookingEvent.to_status.in_((BookingStatus.cancelled, BookingStatus.no_show))))
    return {booking_id: (action, at) for booking_id, action, at in moves}


def _local_hours(day: date, zone: str) -> list[tuple[datetime, datetime]]:
    """The UTC bounds of each of the local day's 24 wall-clock hours (on a change day one is empty or long)."""
    marks = [to_utc(datetime.combine(day, time(hour)), zone, nonexistent="shift_forward") for hour in range(24)]
    return list(zip(marks, [*marks[1:], day_bounds(day, zone)[1]]))


def _minutes_within(begin: datetime, finish: datetime, start: datetime, end: datetime) -> int:
    overlap = min(finish, end) - max(begin, start)
    return max(0, int(overlap.total_seconds() // 60))
