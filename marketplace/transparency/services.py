"""The public dashboard's figures for the street, a community, an organisation or a listing.

Booking figures add up the nightly usage snapshots (one row per listing per local day, read through their
(day, listing_id) and (listing_id, day) indexes) plus the live figures of the days not snapshotted yet (today,
and yesterday until it settles), computed the same way the snapshot job does; never a scan of all bookings.
The snapshot sums of a scope are kept per process (``SettledSums``) until the job finishes another day, so a
request mostly computes today's live figures: a few statements for all the scope's listings together.
Ratings come from one aggregate over revealed reviews (``ix_reviews_listing_revealed``).
Every count that could point at a person goes through ``published`` (``rules``) before it leaves this module;
the wishes, feedback, pledges and points figures come from ``groups``.
"""
from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.core.errors import NotFound
from marketplace.core.i18n import _l
from marketplace.core.zones import day_bounds
from marketplace.listings.models import Listing, ListingStatus
from marketplace.organisations.models import Organisation
from marketplace.places.models import Place, PlaceKind
from marketplace.reviews.models import Review, ReviewSide
from marketplace.transparency import groups
from marketplace.transparency.rules import SUPPRESSED, published
from marketplace.usage import services as usage
from marketplace.usage.models import UsageSnapshot

# Weeks of history the dashboard shows (the monthly series covers the same days).
WEEKS = 26
RANKED = 5
OUTCOMES = ("completed", "confirmed", "pending", "cancelled", "rejected", "expired", "no_show")
SUMMED = ("open_minutes", "booked_minutes", "bookings", *OUTCOMES, "cancelled_by_booker",
          "cancelled_by_provider", "people_served", "released", "cancel_lead_minutes", *usage.HOURS)
SCOPES = ("street", "community", "organisation", "listing")
# What ranks the listings: kept for every listing of the scope, the other figures only for the ranked few.
MINUTES = ("open_minutes", "booked_minutes")
STREET_NAME = _l("全街道")


@dataclass
class Scope:
    kind: str
    id: int | None
    name: object
    where: object = field(repr=False)


@dataclass
class Figures:
    """A cell of the dashboard: sums of snapshot figures over some days, with derived hours and rates."""

    sums: dict[str, int]

    @property
    def hours_open(self) -> float:
        return round(self.sums["open_minutes"] / 60, 1)

    @property
    def hours_booked(self) -> float:
        return round(self.sums["booked_minutes"] / 60, 1)

    @property
    def utilisation(self) -> float | None:
        """Booked share of the open hours, 0..1 (bookings outside opening hours can push it past 1)."""
        if not self.sums["open_minutes"]:
            return None
        return round(self.sums["booked_minutes"] / self.sums["open_minutes"], 3)

    @property
    def idle_rate(self) -> float | None:
        utilisation = self.utilisation
        return None if utilisation is None else round(max(0.0, 1 - utilisation), 3)

    @property
    def no_show_rate(self) -> float | None:
        """No-shows among the bookings that held their time; withheld with the no-show count when it is small."""
        held = self.sums["completed"] + self.sums["no_show"]
        if not held or published(self.sums["no_show"]) == SUPPRESSED:
            return None
        return round(self.sums["no_show"] / held, 3)

    @property
    def auto_release_rate(self) -> float | None:
        """Bookings check-in released (nobody came) among those that held their time; withheld when few."""
        held = self.sums["completed"] + self.sums["no_show"]
        if not held or published(self.sums["released"]) == SUPPRESSED:
            return None
        return round(self.sums["released"] / held, 3)

    @property
    def cancellation_lead_hours(self) -> float | None:
        """How long before the start, on average, bookings were cancelled."""
        if not self.sums["cancelled"]:
            return None
        return round(self.sums["cancel_lead_minutes"] / self.sums["cancelled"] / 60, 1)

    @property
    def cancellation_rate(self) -> float | None:
        if not self.sums["bookings"]:
            return None
        return round(self.sums["cancelled"] / self.sums["bookings"], 3)

    def outcomes(self) -> dict[str, int | str]:
        return {name: published(self.sums[name]) for name in OUTCOMES}

    def public(self) -> dict:
        """The figures as published: hours and rates, every count through ``published``."""
        return {
            "hours_open": self.hours_open, "hours_booked": self.hours_booked, "utilisation": self.utilisation,
            "idle_rate": self.idle_rate, "bookings": published(self.sums["bookings"]), "outcomes": self.outcomes(),
            "people_served": published(self.sums["people_served"]), "no_show_rate": self.no_show_rate,
            "cancellation_rate": self.cancellation_rate, "auto_release_rate": self.auto_release_rate,
            "cancellation_lead_hours": self.cancellation_lead_hours,
            "cancelled_by_booker": published(self.sums["cancelled_by_booker"]),
            "cancelled_by_provider": published(self.sums["cancelled_by_provider"]),
        }


@dataclass
class Period:
    label: str
    first_day: date
    figures: Figures


@dataclass
class Ranked:
    listing_id: int
    title: str
    figures: Figures


@dataclass
class Dashboard:
    scope: Scope
    first_day: date
    last_day: date
    snapshots_until: date | None
    total: Figures
    weeks: list[Period]
    months: list[Period]
    most_used: list[Ranked]
    least_used: list[Ranked]
    ratings: dict
    # Hours booked per local weekday (Monday first) and hour of the day: the busiest-hours heat map.
    busiest_hours: list[list[float]]
    # The other figure groups; None where the scope has no such figures (see ``groups``).
    wishes: dict | None = None
    feedback: dict | None = None
    pledges: list[dict] | None = None
    points: list[dict] | None = None


def get_scope(session: Session, kind: str, scope_id: int | None = None) -> Scope:
    """The street, a community, an organisation or a listing, as a filter on listings; NotFound if none."""
    if kind == "street":
        return Scope("street", None, STREET_NAME, Listing.id.isnot(None))
    if kind == "community":
        place = session.get(Place, scope_id)
        if place is None or place.kind is not PlaceKind.community:
            raise NotFound(_l("没有这个社区"))
        subtree = select(Place.id).where(Place.path.startswith(place.path))
        return Scope("community", place.id, place.name, Listing.place_id.in_(subtree))
    if kind == "organisation":
        org = session.get(Organisation, scope_id)
        if org is None:
            raise NotFound(_l("没有这个组织"))
        return Scope("organisation", org.id, org.name, Listing.organisation_id == org.id)
    listing = session.get(Listing, scope_id)
    if listing is None:
        raise NotFound(_l("没有这个资源"))
    return Scope("listing", listing.id, listing.title, Listing.id == listing.id)


class SettledSums:
    """The snapshot part of dashboards kept in memory (per process), least recently used dropped beyond
    ``entries``. The snapshots of done days are never written again, so an entry stays right as long as its key
    holds: the window's first day, the last done day (the job finishing a day moves it) and the ids of the
    scope's listings (a listing created, or moved to another community or organisation, changes them)."""

    def __init__(self, entries: int):
        self.entries = entries
        self._sums: OrderedDict[tuple, tuple[dict, dict]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[dict, dict] | None:
        with self._lock:
            found = self._sums.get(key)
            if found is not None:
                self._sums.move_to_end(key)
            return found

    def put(self, key: tuple, sums: tuple[dict, dict]) -> None:
        with self._lock:
            self._sums[key] = sums
            while len(self._sums) > self.entries:
                self._sums.popitem(last=False)


def dashboard(session: Session, scope: Scope, *, today: date, zone: str,
              settled: SettledSums | None = None) -> Dashboard:
    """Every figure of the scope over the last WEEKS weeks up to and including the local day ``today``; the sums
    of the snapshotted days from ``settled`` when it has them (and into it when not)."""
    first_day = today - timedelta(weeks=WEEKS) + timedelta(days=1)
    snapshots_until = usage.last_day_done(session)
    listings = session.execute(select(Listing.id, Listing.created_at).where(scope.where).order_by(Listing.id)).all()
    key = (scope.kind, scope.id, first_day, snapshots_until, tuple(listing.id for listing in listings))
    kept = settled.get(key) if settled is not None else None
    if kept is None:
        kept = (_daily_sums(session, scope, first_day, today, snapshots_until),
                _listing_minutes(session, scope, first_day, today, snapshots_until))
        if settled is not None:
            settled.put(key, kept)
    # Copies: today's live figures are added into them below, the kept sums stay those of the snapshots.
    by_day = defaultdict(_blank, {day: dict(sums) for day, sums in kept[0].items()})
    minutes = defaultdict(_no_minutes, {listing_id: dict(sums) for listing_id, sums in kept[1].items()})
    live = _live_sums(session, listings, first_day, today, snapshots_until, zone)
    for day, day_listings in live.items():
        for listing_id, sums in day_listings.items():
            _add(by_day[day], sums)
            for name in MINUTES:
                minutes[listing_id][name] += sums[name]
    total = Figures(_total(by_day.values()))
    most_used, least_used = _ranking(session, minutes, first_day, today, snapshots_until, live)
    return Dashboard(
        scope=scope, first_day=first_day, last_day=today, snapshots_until=snapshots_until, total=total,
        weeks=_periods(by_day, first_day, today, _week_start, lambda d: d.isoformat()),
        months=_periods(by_day, first_day, today, lambda d: d.replace(day=1), lambda d: d.strftime("%Y-%m")),
        most_used=most_used, least_used=least_used,
        ratings=_ratings(session, scope), busiest_hours=_busiest_hours(by_day),
        wishes=groups.wishes(session, scope.kind, scope.id),
        feedback=groups.feedback_figures(session, scope.kind, scope.id),
        pledges=groups.pledge_rows(session, scope.kind, scope.id, year=today.year, zone=zone),
        points=groups.points_rows(session, scope.kind, scope.id),
    )


def _blank() -> dict[str, int]:
    return dict.fromkeys(SUMMED, 0)


def _add(into: dict[str, int], sums: dict[str, int]) -> None:
    for name in SUMMED:
        into[name] += sums[name]


def _total(rows) -> dict[str, int]:
    total = _blank()
    for row in rows:
        _add(total, row)
    return total


def _scope_listing_ids(scope: Scope):
    return select(Listing.id).where(scope.where)


def _snapshot_sums():
    return [func.sum(getattr(UsageSnapshot, name)).label(name) for name in SUMMED]


def _snapshot_days(first_day: date, today: date, snapshots_until: date | None):
    last = min(today, snapshots_until) if snapshots_until else first_day - timedelta(days=1)
    return UsageSnapshot.day >= first_day, UsageSnapshot.day <= last


def _snapshot_window(scope: Scope, first_day: date, today: date, snapshots_until: date | None):
    days = _snapshot_days(first_day, today, snapshots_until)
    # The street is every listing: no filter to join.
    return days if scope.kind == "street" else (UsageSnapshot.listing_id.in_(_scope_listing_ids(scope)), *days)


def _daily_sums(session, scope, first_day, today, snapshots_until) -> dict[date, dict[str, int]]:
    rows = session.execute(select(UsageSnapshot.day, *_snapshot_sums())
                           .where(*_snapshot_window(scope, first_day, today, snapshots_until))
                           .group_by(UsageSnapshot.day))
    by_day: dict[date, dict[str, int]] = defaultdict(_blank)
    for row in rows:
        by_day[row.day] = {name: int(getattr(row, name) or 0) for name in SUMMED}
    return by_day


def _no_minutes() -> dict[str, int]:
    return dict.fromkeys(MINUTES, 0)


def _listing_minutes(session, scope, first_day, today, snapshots_until) -> dict[int, dict[str, int]]:
    """Each listing's open and booked minutes: all the ranking needs of every listing."""
    rows = session.execute(select(UsageSnapshot.listing_id, *(func.sum(getattr(UsageSnapshot, name)).label(name)
                                                              for name in MINUTES))
                           .where(*_snapshot_window(scope, first_day, today, snapshots_until))
                           .group_by(UsageSnapshot.listing_id))
    return {row.listing_id: {name: int(getattr(row, name) or 0) for name in MINUTES} for row in rows}


def _listing_sums(session, listing_ids, first_day, today, snapshots_until) -> dict[int, dict[str, int]]:
    """Every figure of these few listings (the ranked ones), read through ``(listing_id, day)``."""
    rows = session.execute(select(UsageSnapshot.listing_id, *_snapshot_sums()).where(
        UsageSnapshot.listing_id.in_(listing_ids), *_snapshot_days(first_day, today, snapshots_until))
        .group_by(UsageSnapshot.listing_id))
    per_listing: dict[int, dict[str, int]] = defaultdict(_blank)
    for row in rows:
        per_listing[row.listing_id] = {name: int(getattr(row, name) or 0) for name in SUMMED}
    return per_listing


def _live_sums(session, listings, first_day, today, snapshots_until, zone) -> dict[date, dict[int, dict[str, int]]]:
    """The days in the window after the last snapshotted one, computed as the snapshot job would, for these
    (id, created_at) listings."""
    # Before the first snapshot only today is live: older days appear once the job has caught up.
    day = max(first_day, snapshots_until + timedelta(days=1)) if snapshots_until else today
    live = {}
    while day <= today:
        day_end = day_bounds(day, zone)[1]
        live[day] = usage.day_figures(session, [each.id for each in listings if each.created_at < day_end], day, zone)
        day += timedelta(days=1)
    return live


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _periods(by_day, first_day, today, start_of, label) -> list[Period]:
    periods: dict[date, dict[str, int]] = {}
    day = first_day
    while day <= today:
        bucket = periods.setdefault(start_of(day), _blank())
        if day in by_day:
            _add(bucket, by_day[day])
        day += timedelta(days=1)
    return [Period(label(start), start, Figures(sums)) for start, sums in sorted(periods.items())]


def _busiest_hours(by_day) -> list[list[float]]:
    minutes = [[0] * 24 for _ in range(7)]
    for day, sums in by_day.items():
        for hour, name in enumerate(usage.HOURS):
            minutes[day.weekday()][hour] += sums[name]
    return [[round(value / 60, 1) for value in row] for row in minutes]


def _ranking(session, minutes, first_day, today, snapshots_until, live) -> tuple[list[Ranked], list[Ranked]]:
    """The RANKED most used and least used of the listings open in the window and public now (a draft or a
    suspended listing is not named; ties by id, so the order is stable), ranked by their minutes, with every
    figure read for those few only."""
    public = set(session.scalars(select(Listing.id).where(
        Listing.id.in_([listing_id for listing_id, sums in minutes.items() if sums["open_minutes"]]),
        Listing.status == ListingStatus.published)))
    ranked = sorted(public, key=lambda listing_id: (-Figures(minutes[listing_id]).utilisation, listing_id))
    most, least = ranked[:RANKED], list(reversed(ranked[-RANKED:]))
    shown = {*most, *least}
    if not shown:
        return [], []
    per_listing = _listing_sums(session, shown, first_day, today, snapshots_until)
    for day_listings in live.values():
        for listing_id in shown & day_listings.keys():
            _add(per_listing[listing_id], day_listings[listing_id])
    titles = dict(session.execute(select(Listing.id, Listing.title).where(Listing.id.in_(shown))).all())
    return ([Ranked(listing_id, titles[listing_id], Figures(per_listing[listing_id])) for listing_id in most],
            [Ranked(listing_id, titles[listing_id], Figures(per_listing[listing_id])) for listing_id in least])


def _ratings(session, scope: Scope) -> dict:
    """Bookers' revealed, visible reviews of the scope's listings: average stars, count, count per star."""
    rows = session.execute(select(Review.stars, func.count()).where(
        Review.listing_id.in_(_scope_listing_ids(scope)), Review.revealed_at.isnot(None),
        Review.side == ReviewSide.booker, Review.hidden.is_(False)).group_by(Review.stars))
    distribution = dict.fromkeys(range(1, 6), 0)
    for stars, count in rows:
        distribution[stars] = count
    count = sum(distribution.values())
    score = round(sum(stars * n for stars, n in distribution.items()) / count, 2) if count else None
    return {"score": score, "count": count, "distribution": distribution}
