"""The dashboard's figure groups beyond bookings: wishes, feedback, pledges and points, each read through its
own area's service or one grouped aggregate on indexed columns; every count goes through ``published``.

Wishes and feedback belong to the community they were sent in (the street: all of them); pledges and points
are the street's (every unit's pledge this year, the whole ledger) or one organisation's own."""
from __future__ import annotations

from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from marketplace.feedback import services as feedback
from marketplace.pledges import services as pledges
from marketplace.points import services as points
from marketplace.points.models import AccountKind, Reason
from marketplace.transparency.rules import SUPPRESSED, published
from marketplace.wishes.models import Wish, WishStatus

CLAIMED = (WishStatus.claimed, WishStatus.fulfilled, WishStatus.confirmed)
FULFILLED = (WishStatus.fulfilled, WishStatus.confirmed)
# Points come into people's and organisations' hands by these reasons, and are spent on bookings by ``take``.
EARNED = (Reason.earn_wish, Reason.earn_service, Reason.grant)
SPENT = (Reason.take,)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def wishes(session: Session, kind: str, scope_id: int | None) -> dict | None:
    """Wishes approved onto a wall, claimed and fulfilled, and the median hours from approval to fulfilment."""
    if kind not in ("street", "community"):
        return None
    where = [Wish.community_id == scope_id] if kind == "community" else []
    counts = dict(session.execute(select(Wish.status, func.count()).where(*where).group_by(Wish.status)).all())
    posted = sum(n for status, n in counts.items() if status not in (WishStatus.pending, WishStatus.sent_back))
    fulfilled = sum(counts.get(status, 0) for status in FULFILLED)
    durations = [(done - approved).total_seconds() for approved, done in session.execute(
        select(Wish.approved_at, Wish.fulfilled_at).where(*where, Wish.status.in_(FULFILLED)))]
    return {
        "posted": published(posted), "claimed": published(sum(counts.get(status, 0) for status in CLAIMED)),
        "fulfilled": published(fulfilled),
        # Withheld with a small count: the time of one or two fulfilments could be told apart.
        "median_hours_to_fulfil": _hours(median(durations)) if published(fulfilled) != SUPPRESSED and durations
        else None,
    }


def feedback_figures(session: Session, kind: str, scope_id: int | None) -> dict | None:
    """Feedback received and answered, and the median hours to the first answer."""
    if kind == "listing":
        return None
    figures = feedback.response_figures(
        session, scope_id if kind == "organisation" else None,
        community_id=scope_id if kind == "community" else None)
    return {"received": published(figures.answered + figures.waiting), "answered": published(figures.answered),
            "median_response_hours": _hours(figures.median_seconds)
            if published(figures.answered) != SUPPRESSED else None}


def pledge_rows(session: Session, kind: str, scope_id: int | None, *, year: int, zone: str) -> list[dict] | None:
    """This year's pledges (the street's: every unit's; an organisation's: its own) beside what was delivered."""
    if kind not in ("street", "organisation"):
        return None
    reports = pledges.pledge_reports(session, year=year, zone=zone,
                                     organisation_id=scope_id if kind == "organisation" else None)
    return [{"organisation_id": report.pledge.organisation_id, "organisation": report.pledge.organisation.name,
             "year": report.pledge.year,
             "room_hours_pledged": report.pledge.room_hours, "room_hours_delivered": report.delivered.room_hours,
             "room_share": report.room_share,
             "volunteer_hours_pledged": report.pledge.volunteer_hours,
             "volunteer_hours_delivered": report.delivered.volunteer_hours,
             "volunteer_share": report.volunteer_share} for report in reports]


def points_rows(session: Session, kind: str, scope_id: int | None) -> list[dict] | None:
    """Points moved per reason: the street's whole ledger, or what entered and left one organisation's account."""
    if kind not in ("street", "organisation"):
        return None
    account_id = None
    if kind == "organisation":
        account = points.find_account(session, AccountKind.organisation, organisation_id=scope_id)
        if account is None:
            return []
        account_id = account.id
    moved = points.moved_by_reason(session, account_id)
    rows = []
    for reason in Reason:
        count, total = moved.get(reason, (0, 0))
        shown = published(count)
        rows.append({"reason": reason.value, "label": reason.label,
                     "direction": "earned" if reason in EARNED else "spent" if reason in SPENT else "other",
                     "transfers": shown,
                     # The sum of one or two transfers would tell their amounts: withheld with their count.
                     "points": None if shown == SUPPRESSED else float(total)})
    return rows
