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

from sqlalchemy import delete, insert, select, text, tuple_, update
from sqlalchemy.orm import Session

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


def _outcome_deltas(outcome: str | None, at: datetime | None, booker_id: int, providers, policy: Policy):
    """(subject, values) that a booking's outcome adds to the figures: its counter, and for a failure a 1-star
    weight in the score of whoever failed."""
    if outcome is None:
        return []
    penalty = {"weighted_stars": policy.growth(at), "weight": policy.growth(at)}
    booker = (BOOKER, booker_id)
    if outcome == KEPT:
        return [(booker, {"kept": 1})] + [(subject, {"kept": 1}) for subject in providers]
    if outcome == NO_SHOW:
        return [(booker, {"no_shows": 1, **penalty})] + [(subject, {"kept": 1}) for subject in providers]
    if outcome == LATE_CANCEL:
        return [(booker, {"late_cancels": 1, **penalty})]
    return [(subject, {"provider_cancels": 1, **penalty}) for subject in providers]


def _negated(values: dict) -> dict:
    return {name: -value for name, value in values.items()}


def classify(status: BookingStatus, start_at: datetime, last: BookingEvent | None, policy: Policy) -> str | None:
    """What a booking in its final status counts for (None: nothing)."""
    if status is BookingStatus.completed:
        return KEPT
    if status is BookingStatus.no_show:
        return NO_SHOW
    if status is BookingStatus.cancelled and last is not None:
        if last.action == "cancel_by_booker" and start_at - last.at < timedelta(hours=policy.late_cancel_hours):
            return LATE_CANCEL
        if last.action == "cancel_by_provider" and last.from_status is BookingStatus.confirmed:
            return PROVIDER_CANCEL
    return None


def _add(session: Session, deltas) -> None:
    """Add each (subject, values) to the subject's counters, creating missing rows, in one INSERT … ON CONFLICT
    DO UPDATE: concurrent additions (and creations) of the same row both count."""
    merged: dict[tuple[str, int], dict] = {}
    for subject, values in deltas:
        totals = merged.setdefault(subject, {})
        for name, value in values.items():
            totals[name] = totals.get(name, 0) + value
    if not merged:
        return
    names = sorted({name for values in merged.values() for name in values})
    stmt = dialect_insert(session, Reputation).values([
        {"subject_type": subject[0], "subject_id": subject[1], **dict.fromkeys(COUNTERS, 0), **values}
        for subject, values in merged.items()])
    columns = Reputation.__table__.c
    session.execute(stmt.on_conflict_do_update(index_elements=["subject_type", "subject_id"],
                                               set_={name: columns[name] + stmt.excluded[name] for name in names}))


def _review_values(review: Review, sign: int, policy: Policy) -> dict:
    growth = policy.growth(review.created_at)
    return {"review_count": sign, f"stars_{review.stars}": sign, "star_total": sign * review.stars,
            "weighted_stars": sign * growth * review.stars, "weight": sign * growth}


def _rescore(session: Session, subjects, policy: Policy, now: datetime) -> list[tuple[str, int]]:
    """Store the touched subjects' scores at ``now``; the listings whose score changed."""
    scored = [subject for subject in subjects if subject[0] != PLATFORM]
    wanted = scored + [(PLATFORM, ABOUT_BOOKERS), (PLATFORM, ABOUT_PROVIDERS)]
    rows = {(row.subject_type, row.subject_id): row for row in session.scalars(
        select(Reputation).where(tuple_(Reputation.subject_type, Reputation.subject_id).in_(wanted))
        .execution_options(populate_existing=True))}
    means = {side: platform_mean(rows.get((PLATFORM, side))) for side in (ABOUT_BOOKERS, ABOUT_PROVIDERS)}
    changed = []
    for subject in scored:
        row = rows.get(subject)
        if row is None:
            continue  # nothing counted about it yet (a booking whose outcome counts for nobody): no score to store
        score = score_at(row, means[ABOUT_BOOKERS if subject[0] == BOOKER else ABOUT_PROVIDERS], policy, now)
        if row.score != score:
            changed.append(subject)
        row.score, row.scored_at = score, now
        if subject[0] == BOOKER:
            row.standing = standing(row, score, policy)
    session.flush()
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
    review = session.get(Review, review_id, with_for_update=True, populate_existing=True)
    if review is None:
        return False
    wanted = review.revealed_at is not None and not review.hidden
    if review.counted == wanted:
        return False
    subjects = review_subjects(review)
    values = _review_values(review, 1 if wanted else -1, policy)
    _add(session, [(subject, values) for subject in subjects])
    review.counted = wanted
    session.flush()
    _announce_listings(session, _rescore(session, subjects, policy, now))
    return True


def count_booking(session: Session, booking_id: int, policy: Policy, now: datetime) -> bool:
    """Bring the booking's part in attendance and reliability in line with its status; whether anything changed."""
    found = session.execute(
        select(Booking, Listing.organisation_id, Listing.provider_user_id)
        .join(Listing, Listing.id == Booking.listing_id).where(Booking.id == booking_id)
        .with_for_update(of=Booking).execution_options(populate_existing=True)).first()
    if found is None:
        return False
    booking, organisation_id, provider_user_id = found
    last = session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id)
                           .order_by(BookingEvent.id.desc()).limit(1)).first()
    outcome = classify(booking.status, booking.start_at, last, policy)
    at = last.at if outcome is not None else None
    mark = session.get(ReputationOutcome, booking.id)
    counted = (mark.outcome, mark.at) if mark is not None else (None, None)
    if counted == (outcome, at):
        return False
    providers = _provider_subjects(booking.listing_id, organisation_id, provider_user_id)
    undone = [] if mark is None else [
        (subject, _negated(values))
        for subject, values in _outcome_deltas(mark.outcome, mark.at, booking.booker_id, providers, policy)]
    _add(session, undone + _outcome_deltas(outcome, at, booking.booker_id, providers, policy))
    if mark is None:
        session.add(ReputationOutcome(booking_id=booking.id, outcome=outcome, at=at))
    elif outcome is None:
        session.delete(mark)
    else:
        mark.outcome, mark.at = outcome, at
    session.flush()
    _rescore(session, [(BOOKER, booking.booker_id), *providers], policy, now)
    return True


def last_nightly_moment(now: datetime, hour_utc: int) -> datetime:
    """The latest ``hour_utc`` o'clock UTC at or before ``now``: when the nightly recompute falls due."""
    moment = now.replace(hour=hour_utc, minute=0, second=0, microsecond=0)
    return moment if moment <= now else moment - timedelta(days=1)


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
    reviews = session.execute(select(Review.id, Review.side, Review.listing_id, Review.organisation_id,
                                     Review.reviewee_id, Review.stars, Review.created_at)
                              .where(Review.revealed_at.is_not(None), Review.hidden.is_(False))
                              .execution_options(yield_per=5000))
    for review in reviews:
        for subject in review_subjects(review):
            values = totals[subject]
            for name, value in _review_values(review, 1, policy).items():
                values[name] += value
    session.execute(update(Review).values(counted=Review.revealed_at.is_not(None) & Review.hidden.is_(False))
                    .execution_options(synchronize_session=False))
    outcomes = []
    for booking in _final_bookings(session):
        outcome = classify(booking.status, booking.start_at, booking, policy)
        if outcome is None:
            continue
        outcomes.append({"booking_id": booking.id, "outcome": outcome, "at": booking.at})
        providers = _provider_subjects(booking.listing_id, booking.organisation_id, booking.provider_user_id)
        for subject, values in _outcome_deltas(outcome, booking.at, booking.booker_id, providers, policy):
            for name, value in values.items():
                totals[subject][name] += value
    # Core inserts (the table, not the ORM's bulk path): a million rows is a plain executemany.
    session.execute(delete(ReputationOutcome))
    for start in range(0, len(outcomes), 50_000):
        session.execute(insert(ReputationOutcome.__table__), outcomes[start:start + 50_000])
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


def _final_bookings(session: Session):
    """Each completed, no-show or cancelled booking with its listing's provider and the move to that status."""
    return session.execute(
        select(Booking.id, Booking.status, Booking.start_at, Booking.booker_id, Booking.listing_id,
               Listing.organisation_id, Listing.provider_user_id, BookingEvent.action, BookingEvent.from_status,
               BookingEvent.at)
        .join(Listing, Listing.id == Booking.listing_id)
        .join(BookingEvent, (BookingEvent.booking_id == Booking.id) & (BookingEvent.to_status == Booking.status))
        .where(Booking.status.in_((BookingStatus.completed, BookingStatus.no_show, BookingStatus.cancelled)))
        .execution_options(yield_per=10_000))


def reputation_of(session: Session, subject_type: str, subject_id: int) -> Reputation | None:
    return session.get(Reputation, (subject_type, subject_id))
