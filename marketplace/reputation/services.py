"""Reputation, computed never typed: kept up to date one review or booking at a time, and recomputed in full.

The formula and its defaults, in one place (settings in ``config.DefaultConfig``):

    subjects:     a booker's review counts for the listing, its organisation or volunteer provider, and the
                  member who served the booking (three-way: a volunteer's provider figures hold the booker reviews
                  of bookings they served and the organisation's reviews of them); a provider's review counts for
                  the booker. A volunteer's review of the organisation counts for nobody: the volunteer is one of
                  its members, so it would be the organisation rating itself. Reliability stays the listing's,
                  the organisation's and a volunteer's own listings' (serving is not providing).
    stars:        s_i ∈ 1..5 of each revealed, not hidden review of the subject, written at t_i; besides, each
                  no-show and late cancellation of a booker, and each cancellation of a confirmed booking by a
                  provider, weighs against them as a 1-star review at its time (not in the count or distribution)
    decay:        w_i(T) = 2^(−(T − t_i) / h),  h = REPUTATION_HALF_LIFE_DAYS (180): a review weighs half as much
                  after h days. Stored as Σ 2^((t_i − E)/h)·s_i and Σ 2^((t_i − E)/h) with E = EPOCH, so adding or
                  removing a review is one addition; at T both sums are multiplied by f = 2^(−(T − E)/h).
    score(T)    = (C·m + f·Σ w_i s_i) / (C + f·Σ w_i),  C = REPUTATION_PRIOR_WEIGHT (5 reviews' worth),
                  m = the platform's mean stars of the same kind of review (about providers, or about
                  bookers), 3.0 before there is any: few or old reviews sit near the platform's mean.
    attendance  = kept / (kept + no_shows + late_cancels) of a booker's final bookings: completed is kept, a
                  no-show (marked or released) and a cancellation by the booker less than
                  REPUTATION_LATE_CANCEL_HOURS (24) before the start count against; none until one is final.
    standing    = a booker needs approval even on instant listings while their score (once reviewed) is below
                  REPUTATION_BOOKER_APPROVAL_BELOW (2.5), or while they have REPUTATION_BOOKER_MAX_NO_SHOWS (2) or
                  more no-shows and an attendance under REPUTATION_BOOKER_MIN_ATTENDANCE (0.8).
    reliability = kept / (kept + provider_cancels) of a provider's (listing's, organisation's, volunteer's)
                  confirmed bookings: completed or no-show (the provider was there) is kept; the provider
                  cancelling a confirmed booking counts against.

A subject's stored score is evaluated when its figures change, with the platform mean of that moment; the nightly
full recompute evaluates every score at its own time and mean (stored sums and counts are exact either way).

Every change goes through a row that says what is counted (``Review.counted``, ``ReputationOutcome``), read
under its lock: applying a change twice, or after the full recompute counted it, adds nothing.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import (Float, Integer, bindparam, case, cast, delete, extract, func, insert, literal, select, text,
                        tuple_, type_coerce, update)
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from marketplace.bookings.models import Booking, BookingEvent, BookingStatus
from marketplace.core import events
from marketplace.core.db import dialect_insert
from marketplace.listings.models import Listing
from marketplace.reputation.models import (ABOUT_BOOKERS, ABOUT_PROVIDERS, BOOKER, LAST_RECOMPUTE, LISTING,
                                           ORGANISATION, PLATFORM, PROVIDER, Reputation, ReputationOutcome)
from marketplace.reviews.models import Review, ReviewSide

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
NEUTRAL_STARS = 3.0
KEPT, NO_SHOW, LATE_CANCEL, PROVIDER_CANCEL = "kept", "no_show", "late_cancel", "provider_cancel"
COUNTERS = ("review_count", "stars_1", "stars_2", "stars_3", "stars_4", "stars_5", "star_total", "weighted_stars",
            "weight", "kept", "no_shows", "late_cancels", "provider_cancels")


@dataclass(frozen=True)
class Policy:
    prior_weight: float = 5.0
    half_life_days: float = 180.0
    late_cancel_hours: float = 24.0
    booker_approval_below: float = 2.5
    booker_max_no_shows: int = 2
    booker_min_attendance: float = 0.8

    @classmethod
    def from_config(cls, config) -> Policy:
        return cls(config["REPUTATION_PRIOR_WEIGHT"], config["REPUTATION_HALF_LIFE_DAYS"],
                   config["REPUTATION_LATE_CANCEL_HOURS"], config["REPUTATION_BOOKER_APPROVAL_BELOW"],
                   config["REPUTATION_BOOKER_MAX_NO_SHOWS"], config["REPUTATION_BOOKER_MIN_ATTENDANCE"])

    def growth(self, at: datetime) -> float:
        """2^((at − EPOCH)/h): a review's weight in the stored sums."""
        return 2.0 ** ((at - EPOCH).total_seconds() / 86400 / self.half_life_days)


def _seconds_since_epoch(session: Session, column):
    """SQL for ``(column − EPOCH).total_seconds()``, to the microsecond."""
    if session.connection().dialect.name == "postgresql":
        return cast(extract("epoch", column) - int(EPOCH.timestamp()), Float)
    # SQLite keeps the text 'YYYY-MM-DD HH:MM:SS.ffffff': the whole seconds by strftime, the fraction from the text.
    return type_coerce(cast(func.strftime("%s", column), Integer) - int(EPOCH.timestamp())
                       + cast(func.substr(column, 20), Float), Float)


def _growth_sql(session: Session, column, policy: Policy):
    """SQL for ``policy.growth(column)``, so that the database sums the weights."""
    return func.power(literal(2.0, Float), _seconds_since_epoch(session, column) / 86400 / policy.half_life_days)


def score_at(row, mean: float, policy: Policy, at: datetime) -> float:
    """The Bayesian, time-decayed score of a subject's sums at ``at`` (see the module's formula)."""
    f = 1.0 / policy.growth(at)
    return (policy.prior_weight * mean + f * row.weighted_stars) / (policy.prior_weight + f * row.weight)


def standing(row, score: float, policy: Policy) -> str | None:
    """Why a booker's bookings need approval (see the module's formula), or None."""
    if row.review_count and score < policy.booker_approval_below:
        return "low_score"
    total = row.kept + row.no_shows + row.late_cancels
    if row.no_shows >= policy.booker_max_no_shows and row.kept < policy.booker_min_attendance * total:
        return "no_shows"
    return None


def platform_mean(row: Reputation | None) -> float:
    return row.star_total / row.review_count if row is not None and row.review_count else NEUTRAL_STARS


def review_subjects(review) -> list[tuple[str, int]]:
    """The rows a review counts in (see "subjects" in the formula), and the platform's mean of its kind; from the
    review's own columns (whom it is about), so a row of them reads as well as a Review."""
    if review.side is ReviewSide.booker:
        about = [(ORGANISATION, review.organisation_id)] if review.organisation_id else []
        about += [(PROVIDER, review.reviewee_id)] if review.reviewee_id else []
        return [(LISTING, review.listing_id), *about, (PLATFORM, ABOUT_PROVIDERS)]
    if review.side is ReviewSide.organisation:
        return [(PROVIDER, review.reviewee_id), (PLATFORM, ABOUT_PROVIDERS)]
    if review.side is ReviewSide.volunteer:
        return []
    return [(BOOKER, review.reviewee_id), (PLATFORM, ABOUT_BOOKERS)]


def _provider_subjects(listing_id: int, organisation_id: int | None, provider_user_id: int | None):
    return [(LISTING, listing_id),
            (ORGANISATION, organisation_id) if organisation_id else (PROVIDER, provider_user_id)]


def _outcome_values(outcome: str, count: int, weight: float) -> tuple[dict, dict]:
    """What ``count`` bookings with this outcome add to the booker's figures and to each of the provider's: the
    counter, and for a failure a 1-star weight (``weight``: their ``Policy.growth`` summed) in the score of
    whoever failed. Negative: taken away."""
    penalty = {"weighted_stars": weight, "weight": weight}
    if outcome == KEPT:
        return {"kept": count}, {"kept": count}
    if outcome == NO_SHOW:
        return {"no_shows": count, **penalty}, {"kept": count}
    if outcome == LATE_CANCEL:
        return {"late_cancels": count, **penalty}, {}
    return {}, {"provider_cancels": count, **penalty}


def _outcome_deltas(outcome: str | None, at: datetime | None, booker_id: int, providers, policy: Policy,
                    sign: int = 1):
    """(subject, values) that one booking's outcome adds to the figures (``sign`` −1: takes away)."""
    if outcome is None:
        return []
    booker, provider = _outcome_values(outcome, sign, sign * policy.growth(at))
    return ([((BOOKER, booker_id), booker)] if booker else []) + [(subject, provider) for subject in providers
                                                                 if provider]


def _classified(session: Session, policy: Policy):
    """Bookings with what each counts for (``outcome``; NULL: nothing) and since when (``at``, the move to its
    status), the one rule for the incremental updates and the recompute alike: completed is kept, a no-show is one,
    a cancellation by the booker less than the late-cancel hours before the start is late, one by the provider of
    a confirmed booking is the provider's."""
    cancelled = Booking.status == BookingStatus.cancelled
    late = (_seconds_since_epoch(session, Booking.start_at) - _seconds_since_epoch(session, BookingEvent.at)
            < policy.late_cancel_hours * 3600)
    outcome = case(
        (Booking.status == BookingStatus.completed, KEPT),
        (Booking.status == BookingStatus.no_show, NO_SHOW),
        (cancelled & (BookingEvent.action == "cancel_by_booker") & late, LATE_CANCEL),
        (cancelled & (BookingEvent.action == "cancel_by_provider")
         & (BookingEvent.from_status == BookingStatus.confirmed), PROVIDER_CANCEL))
    return (select(Booking.id, Booking.booker_id, Booking.listing_id, outcome.label("outcome"), BookingEvent.at)
            # A final status is reached once: its event is the booking's last.
            .join(BookingEvent, (BookingEvent.booking_id == Booking.id) & (BookingEvent.to_status == Booking.status)))


def _add(session: Session, deltas) -> dict:
    """Add each (subject, values) to the subject's counters, creating missing rows, in one INSERT … ON CONFLICT
    DO UPDATE: concurrent additions (and creations) of the same row both count. The rows as they are now, by
    subject."""
    merged: dict[tuple[str, int], dict] = {}
    for subject, values in deltas:
        totals = merged.setdefault(subject, {})
        for name, value in values.items():
            totals[name] = totals.get(name, 0) + value
    if not merged:
        return {}
    table = Reputation.__table__
    # The same statement every time (all counters, the untouched ones + 0), so that it compiles once.
    stmt = dialect_insert(session, table)
    stmt = stmt.on_conflict_do_update(index_elements=["subject_type", "subject_id"],
                                      set_={name: table.c[name] + stmt.excluded[name] for name in COUNTERS})
    rows = session.execute(stmt.returning(*table.c), [
        {"subject_type": subject[0], "subject_id": subject[1], **dict.fromkeys(COUNTERS, 0), **values}
        for subject, values in merged.items()])
    return {(row.subject_type, row.subject_id): row for row in rows}


def _review_values(stars: int, count: int, weight: float) -> dict:
    """What ``count`` reviews of ``stars`` add to a subject's figures, ``weight`` their ``Policy.growth`` summed
    (negative: taken away)."""
    return {"review_count": count, f"stars_{stars}": count, "star_total": count * stars,
            "weighted_stars": weight * stars, "weight": weight}


_STORE_SCORE = (update(Reputation.__table__)
                .where(Reputation.__table__.c.subject_type == bindparam("of_type"),
                       Reputation.__table__.c.subject_id == bindparam("of_id"))
                .values(score=bindparam("new_score"), standing=bindparam("new_standing"),
                        scored_at=bindparam("new_scored_at", type_=Reputation.__table__.c.scored_at.type)))


def _rescore(session: Session, rows: dict, policy: Policy, now: datetime) -> list[tuple[str, int]]:
    """Store the scores at ``now`` of the subjects whose counters ``_add`` returned as ``rows`` (the platform's
    means read unless among them); the listings whose score changed."""
    sides = {ABOUT_BOOKERS if subject[0] == BOOKER else ABOUT_PROVIDERS for subject in rows if subject[0] != PLATFORM}
    platform = {subject: row for subject, row in rows.items() if subject[0] == PLATFORM}
    unread = [(PLATFORM, side) for side in sides if (PLATFORM, side) not in platform]
    if unread:
        table = Reputation.__table__
        platform.update({(row.subject_type, row.subject_id): row for row in session.execute(
            select(table).where(tuple_(table.c.subject_type, table.c.subject_id).in_(unread)))})
    means = {side: platform_mean(platform.get((PLATFORM, side))) for side in sides}
    changed, scores = [], []
    for subject, row in rows.items():
        if subject[0] == PLATFORM:
            continue
        score = score_at(row, means[ABOUT_BOOKERS if subject[0] == BOOKER else ABOUT_PROVIDERS], policy, now)
        if row.score != score:
            changed.append(subject)
        scores.append({"of_type": subject[0], "of_id": subject[1], "new_score": score, "new_scored_at": now,
                       "new_standing": standing(row, score, policy) if subject[0] == BOOKER else None})
    if scores:
        session.execute(_STORE_SCORE, scores)
    # Written past the ORM: a copy it holds would be stale.
    for subject in rows:
        if (held := session.identity_map.get(identity_key(Reputation, subject))) is not None:
            session.expire(held)
    return changed


def _announce_listings(session: Session, subjects) -> None:
    # The search index ranks by the listing's score: tell it, as any change of the listing does (many at once
    # in one event, so the index takes them in one write).
    listing_ids = sorted(subject_id for subject_type, subject_id in subjects if subject_type == LISTING)
    if len(listing_ids) == 1:
        events.record(session, "listing.changed", subject=("listing", listing_ids[0]),
                      payload={"action": "reputation"})
    elif listing_ids:
        events.record(session, "listing.changed", subject=("listings", 0),
                      payload={"action": "reputation", "listing_ids": listing_ids})


def count_review(session: Session, review_id: int, policy: Policy, now: datetime) -> bool:
    """Bring the review's part in its subjects' figures in line with it (revealed and not hidden counts);
    whether anything changed."""
    counts = Review.revealed_at.is_not(None) & Review.hidden.is_(False)
    # Flipped where it differs, in one statement that takes the row's lock: a second delivery (or one after the
    # recompute) waits for it, then finds nothing to flip.
    review = session.execute(
        update(Review).where(Review.id == review_id, Review.counted != counts).values(counted=counts)
        .returning(Review.side, Review.listing_id, Review.organisation_id, Review.reviewee_id, Review.stars,
                   Review.created_at, Review.counted)
        .execution_options(synchronize_session="fetch")).first()
    if review is None:
        return False
    sign = 1 if review.counted else -1
    values = _review_values(review.stars, sign, sign * policy.growth(review.created_at))
    rows = _add(session, [(subject, values) for subject in review_subjects(review)])
    _announce_listings(session, _rescore(session, rows, policy, now))
    return True


def count_bookings(session: Session, booking_ids, policy: Policy, now: datetime) -> int:
    """Bring the bookings' part in attendance and reliability in line with their statuses, in a few statements
    whatever their number (the outbox's batch); how many changed."""
    ids = sorted(set(booking_ids))
    if not ids:
        return 0
    bookings = session.execute(_classified(session, policy).add_columns(Listing.organisation_id,
                                                                        Listing.provider_user_id)
                               .join(Listing, Listing.id == Booking.listing_id).where(Booking.id.in_(ids))
                               .order_by(Booking.id).with_for_update(of=Booking)).all()
    # Under their locks: on PostgreSQL this waits for a running recompute, then reads what it counted.
    marks = {row.booking_id: (row.outcome, row.at) for row in session.execute(
        select(ReputationOutcome.booking_id, ReputationOutcome.outcome, ReputationOutcome.at)
        .where(ReputationOutcome.booking_id.in_([booking.id for booking in bookings])).with_for_update())}
    deltas, added, removed, changed = [], [], [], []
    for booking in bookings:
        outcome = booking.outcome
        at = booking.at if outcome is not None else None
        counted = marks.get(booking.id, (None, None))
        if counted == (outcome, at):
            continue
        providers = _provider_subjects(booking.listing_id, booking.organisation_id, booking.provider_user_id)
        deltas += (_outcome_deltas(*counted, booking.booker_id, providers, policy, sign=-1)
                   + _outcome_deltas(outcome, at, booking.booker_id, providers, policy))
        if booking.id not in marks:
            added.append({"booking_id": booking.id, "outcome": outcome, "at": at})
        elif outcome is None:
            removed.append(booking.id)
        else:
            changed.append({"of_booking": booking.id, "new_outcome": outcome, "new_at": at})
    table = ReputationOutcome.__table__
    if added:
        session.execute(insert(table), added)
    if removed:
        session.execute(delete(table).where(table.c.booking_id.in_(removed)))
    if changed:
        session.execute(update(table).where(table.c.booking_id == bindparam("of_booking"))
                        .values(outcome=bindparam("new_outcome"), at=bindparam("new_at", type_=table.c.at.type)),
                        changed)
    if deltas:
        _rescore(session, _add(session, deltas), policy, now)
    return len(added) + len(removed) + len(changed)


def last_nightly_moment(now: datetime, hour_utc: int) -> datetime:
    """The latest ``hour_utc`` o'clock UTC at or before ``now``: when the nightly recompute falls due."""
    moment = now.replace(hour=hour_utc, minute=0, second=0, microsecond=0)
    return moment if moment <= now else moment - timedelta(days=1)


def recompute_due_at(session: Session, now: datetime, *, hour_utc: int) -> datetime | None:
    """When the nightly recompute fell due and has not run (before the first sweep ever: last night), or None."""
    last = session.scalar(select(Reputation.scored_at).where(Reputation.subject_type == PLATFORM,
                                                             Reputation.subject_id == LAST_RECOMPUTE))
    moment = last_nightly_moment(now, hour_utc)
    return moment if last is None or last < moment else None


def recompute_if_due(session: Session, policy: Policy, now: datetime, *, hour_utc: int) -> bool:
    """The nightly recompute, once per night at ``hour_utc`` (the first sweep ever only notes the time); whether
    it ran. Decided under the lock ``recompute_all`` takes, so two sweepers at once recompute once."""
    _lock_figures(session)
    last = session.get(Reputation, (PLATFORM, LAST_RECOMPUTE), populate_existing=True)
    if last is None:
        session.add(Reputation(subject_type=PLATFORM, subject_id=LAST_RECOMPUTE, **dict.fromkeys(COUNTERS, 0),
                               scored_at=now))
        session.flush()
        return False
    if last.scored_at >= last_nightly_moment(now, hour_utc):
        return False
    recompute_all(session, policy, now)
    return True


def _lock_figures(session: Session) -> None:
    # SQLite: the unit of work already holds the write lock (BEGIN IMMEDIATE, see core.transactions).
    if session.connection().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE reputations, reputation_outcomes, reviews IN EXCLUSIVE MODE"))


def recompute_all(session: Session, policy: Policy, now: datetime) -> int:
    """Recompute every subject's figures from the reviews and bookings themselves; how many subjects there are.

    The figures' tables are locked first, so an incremental update waits and then finds its change already
    counted. Listings whose score moved are re-indexed.
    """
    _lock_figures(session)
    before = {(row.subject_type, row.subject_id): row.score for row in session.execute(
        select(Reputation.subject_type, Reputation.subject_id, Reputation.score)
        .where(Reputation.subject_type == LISTING))}
    totals: dict[tuple[str, int], dict] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))

    def count(subjects, values: dict) -> None:
        for subject in subjects:
            for name, value in values.items():
                totals[subject][name] += value

    # The database sums: reviews by whom they are about and their stars, bookings' outcomes by booker and by
    # listing (the listing's provider gets its listings' sums), so that Python sees a row per group, not per row.
    counts = Review.revealed_at.is_not(None) & Review.hidden.is_(False)
    for group in session.execute(
            select(Review.side, Review.listing_id, Review.organisation_id, Review.reviewee_id, Review.stars,
                   func.count().label("n"), func.sum(_growth_sql(session, Review.created_at, policy)).label("weight"))
            .where(counts)
            .group_by(Review.side, Review.listing_id, Review.organisation_id, Review.reviewee_id, Review.stars)):
        count(review_subjects(group), _review_values(group.stars, group.n, group.weight))
    session.execute(update(Review).where(Review.counted != counts).values(counted=counts)
                    .execution_options(synchronize_session=False))
    # What each booking counts for is rewritten where it differs only: most were counted so already (and on
    # PostgreSQL each row written costs its foreign key check).
    classified = _classified(session, policy)
    outcome = classified.selected_columns.outcome
    session.execute(delete(ReputationOutcome).where(~classified.where(
        Booking.id == ReputationOutcome.booking_id, outcome == ReputationOutcome.outcome,
        BookingEvent.at == ReputationOutcome.at).exists()))
    uncounted = classified.with_only_columns(Booking.id, outcome, BookingEvent.at).where(outcome.is_not(None))
    if session.connection().dialect.name == "postgresql":
        # A counted booking is skipped by the primary key, not by an anti-join whose plan follows the statistics
        # (those of a table still empty would scan it once per booking while it fills).
        stmt = dialect_insert(session, ReputationOutcome).on_conflict_do_nothing(index_elements=["booking_id"])
    else:
        # SQLite looks the booking up first and classifies only the bookings not counted yet.
        stmt, uncounted = insert(ReputationOutcome), uncounted.where(~select(ReputationOutcome.booking_id).where(
            ReputationOutcome.booking_id == Booking.id).exists())
    session.execute(stmt.from_select(["booking_id", "outcome", "at"], uncounted))
    failures = func.sum(case((ReputationOutcome.outcome != KEPT, _growth_sql(session, ReputationOutcome.at, policy)),
                             else_=literal(0.0, Float))).label("weight")
    outcomes = select(ReputationOutcome.outcome, func.count().label("n"), failures).join(
        Booking, Booking.id == ReputationOutcome.booking_id)
    for group in session.execute(outcomes.add_columns(Booking.booker_id)
                                 .group_by(Booking.booker_id, ReputationOutcome.outcome)):
        count([(BOOKER, group.booker_id)], _outcome_values(group.outcome, group.n, group.weight)[0])
    for group in session.execute(
            outcomes.add_columns(Listing.id, Listing.organisation_id, Listing.provider_user_id)
            .join(Listing, Listing.id == Booking.listing_id)
            .group_by(Listing.id, Listing.organisation_id, Listing.provider_user_id, ReputationOutcome.outcome)):
        count(_provider_subjects(group.id, group.organisation_id, group.provider_user_id),
              _outcome_values(group.outcome, group.n, group.weight)[1])
    last_run = {"subject_type": PLATFORM, "subject_id": LAST_RECOMPUTE, **dict.fromkeys(COUNTERS, 0),
                "score": None, "standing": None, "scored_at": now}
    means = {side: platform_mean(_Totals(totals.get((PLATFORM, side))))
             for side in (ABOUT_PROVIDERS, ABOUT_BOOKERS)}
    rows = [last_run]
    for subject, values in totals.items():
        score = booker_standing = None
        if subject[0] != PLATFORM:
            mean = means[ABOUT_BOOKERS if subject[0] == BOOKER else ABOUT_PROVIDERS]
            score = score_at(_Totals(values), mean, policy, now)
            if subject[0] == BOOKER:
                booker_standing = standing(_Totals(values), score, policy)
        rows.append({"subject_type": subject[0], "subject_id": subject[1], **values, "score": score,
                     "standing": booker_standing, "scored_at": now})
    session.execute(delete(Reputation))
    for start in range(0, len(rows), 50_000):
        session.execute(insert(Reputation.__table__), rows[start:start + 50_000])
    session.expire_all()
    after = {(r["subject_type"], r["subject_id"]): r["score"] for r in rows if r["subject_type"] == LISTING}
    # The index holds hundredths of a star: only listings whose figure moved that much are re-indexed.
    _announce_listings(session, [subject for subject in before.keys() | after.keys()
                                 if round(before.get(subject) or 0, 2) != round(after.get(subject) or 0, 2)])
    return len(rows) - 1


class _Totals:
    """Counters from a dict, read like a row (the formula's functions take either)."""

    def __init__(self, values: dict | None):
        self.__dict__.update(values or dict.fromkeys(COUNTERS, 0))


def reputation_of(session: Session, subject_type: str, subject_id: int) -> Reputation | None:
    return session.get(Reputation, (subject_type, subject_id))
