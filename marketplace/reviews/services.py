"""Reviews: writing one after a booking, double-blind reveal, the reviewed side's reply, reports and moderation.

Each side of a completed booking reviews the other once, inside the window (``window_days`` after the booking
completed). A no-show is the booker's failure to come: the provider may review the booker, the booker writes
nothing. A review stays visible to its author alone until the other side has written too (both are revealed in
that transaction) or its window closes (``reveal_if_due``, the scheduler's sweep); once written it is never
edited. Revealing, hiding and decisions record ``review.*`` events naming who is to be told.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace.accounts.models import User
from marketplace.bookings.inbox import is_provider
from marketplace.bookings.locking import lock_booking
from marketplace.bookings.models import Booking, BookingEvent, BookingStatus
from marketplace.bookings.permissions import can_provide, is_booker
from marketplace.core import audit, clock, events
from marketplace.core.db import get_by_id
from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.permissions import is_platform_admin
from marketplace.core.validation import clean_text
from marketplace.reviews.models import TAGS_ABOUT, ReportDecision, Review, ReviewReport, ReviewSide

MAX_TEXT_LENGTH = 500
MAX_REASON_LENGTH = 500
MAX_TAGS = 5
REVIEWABLE = (BookingStatus.completed, BookingStatus.no_show)


@dataclass
class ReviewInput:
    """What a reviewer gives; the API and the form fill it from their input."""

    stars: int
    tags: list[str] = field(default_factory=list)
    text: str = ""


def side_of(user, booking: Booking) -> ReviewSide | None:
    """Which side of the booking the user reviews from: its booker, its provider, or neither (None)."""
    if is_booker(user, booking):
        return ReviewSide.booker
    if can_provide(user, booking.listing):
        return ReviewSide.provider
    return None


def finished_at(session: Session, booking: Booking) -> datetime | None:
    """When the booking reached its reviewable status (completed or no-show), or None."""
    if booking.status not in REVIEWABLE:
        return None
    return session.scalar(select(BookingEvent.at).where(BookingEvent.booking_id == booking.id,
                                                        BookingEvent.to_status == booking.status)
                          .order_by(BookingEvent.id.desc()).limit(1))


def window_closes_at(session: Session, booking: Booking, window_days: int) -> datetime | None:
    finished = finished_at(session, booking)
    return finished + timedelta(days=window_days) if finished else None


def may_write(booking: Booking, side: ReviewSide) -> bool:
    """A completed booking is reviewed by both sides; a no-show only by the provider."""
    return booking.status is BookingStatus.completed or (
        booking.status is BookingStatus.no_show and side is ReviewSide.provider)


def _clean_input(side: ReviewSide, data: ReviewInput) -> tuple[int, list[str], str]:
    stars = data.stars
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise ValidationFailed("stars", _l("请选择1到5颗星"))
    tags = data.tags or []
    allowed = TAGS_ABOUT[side]
    if not isinstance(tags, list) or any(not isinstance(tag, str) or tag not in allowed for tag in tags):
        raise ValidationFailed("tags", _l("只能选择列出的标签"))
    tags = list(dict.fromkeys(tags))
    if len(tags) > MAX_TAGS:
        raise ValidationFailed("tags", _l("最多选择%(n)s个标签", n=MAX_TAGS))
    text = clean_text(data.text, "text", MAX_TEXT_LENGTH,
                      too_long=_l("评价最多%(n)s个字", n=MAX_TEXT_LENGTH))
    return stars, tags, text


def write_review(session: Session, author: User, booking: Booking, data: ReviewInput, *, window_days: int,
                 now: datetime | None = None) -> Review:
    """The author's review of the other side of the booking; reveals both when the other side has written.

    Raises Forbidden (not a participant), Conflict (not reviewable in its status, or this side already
    reviewed it, also when two submissions race), ValidationFailed (stars, tags, text, the window closed).
    """
    now = now or clock.now()
    side = side_of(author, booking)
    if side is None:
        raise Forbidden(_l("只有参与这个预约的人可以评价"))
    stars, tags, text = _clean_input(side, data)
    lock_booking(session, booking)  # the other side's review is read under it, so both cannot miss each other
    if not may_write(booking, side):
        if booking.status is BookingStatus.no_show:
            raise Conflict(_l("爽约的预约只能由提供方评价"), field="status")
        raise Conflict(_l("只能评价已完成的预约，这个预约当前是“%(status)s”", status=booking.status.label),
                       field="status")
    closes = window_closes_at(session, booking, window_days)
    if now >= closes:
        raise ValidationFailed(None, _l("评价期已结束：预约完成后%(n)s天内可以评价", n=window_days))
    reviews = {review.side: review for review in session.scalars(select(Review).where(Review.booking_id == booking.id))}
    if side in reviews:
        raise Conflict(_l("你已经评价过这个预约了"))
    listing = booking.listing
    if side is ReviewSide.booker:
        organisation_id = listing.organisation_id
        reviewee_id = None if organisation_id else listing.provider_user_id
    else:
        organisation_id, reviewee_id = None, booking.booker_id
    review = Review(booking_id=booking.id, side=side, author_id=author.id, listing_id=listing.id,
                    organisation_id=organisation_id, reviewee_id=reviewee_id, stars=stars, tags=tags, text=text,
                    created_at=now, window_closes_at=closes, hidden=False, counted=False)
    try:
        with session.begin_nested():  # the unique constraint's refusal undoes only this insert
            session.add(review)
            session.flush()
    except IntegrityError:
        raise Conflict(_l("你已经评价过这个预约了")) from None
    other = reviews.get(ReviewSide.provider if side is ReviewSide.booker else ReviewSide.booker)
    if other is not None:
        for written in (other, review):
            reveal(session, written, now)
    return review


def _people(review: Review) -> dict:
    """Who a review concerns: its author and the person reviewed (for an organisation, its staff are told)."""
    return {"booking_id": review.booking_id, "listing_id": review.listing_id, "author_id": review.author_id,
            "reviewee_id": review.reviewee_id, "organisation_id": review.organisation_id}


def reveal(session: Session, review: Review, now: datetime) -> bool:
    """Make the review public, exactly once (a conditional update); whether this call revealed it."""
    moved = session.execute(update(Review).where(Review.id == review.id, Review.revealed_at.is_(None))
                            .values(revealed_at=now).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        return False
    session.refresh(review)
    events.record(session, "review.revealed", subject=("review", review.id),
                  payload={**_people(review), "hidden": review.hidden})
    return True


def due_for_reveal(session: Session, now: datetime, *, limit: int = 500) -> list[Review]:
    """Unrevealed reviews whose window has closed, earliest first (the partial index on window_closes_at)."""
    return list(session.scalars(select(Review).where(Review.revealed_at.is_(None), Review.window_closes_at <= now)
                                .order_by(Review.window_closes_at, Review.id).limit(limit)))


def reveal_if_due(session: Session, review: Review, now: datetime) -> bool:
    """The scheduler's reveal of one review; False when another sweeper (or the other side) revealed it first."""
    return reveal(session, review, now)


def may_see(viewer, review: Review, *, viewer_provides: bool = False) -> bool:
    """Its author and platform admins always; others once it is revealed and not hidden. Reviews about a booker
    are for the booker and for providers (``viewer_provides``) to see, not for everyone."""
    signed_in = viewer is not None and getattr(viewer, "is_authenticated", False)
    if signed_in and (viewer.id == review.author_id or is_platform_admin(viewer)):
        return True
    if review.revealed_at is None or review.hidden:
        return False
    if review.side is ReviewSide.provider:
        return signed_in and (viewer.id == review.reviewee_id or viewer_provides)
    return True


def get_review(session: Session, review_id, *, viewer) -> Review:
    """The review if the viewer may see it; NotFound otherwise."""
    review = get_by_id(session, Review, review_id)
    if review is None or not may_see(viewer, review, viewer_provides=_provides(session, viewer)):
        raise NotFound(_l("找不到这条评价"))
    return review


def _provides(session: Session, viewer) -> bool:
    return viewer is not None and getattr(viewer, "is_authenticated", False) and is_provider(session, viewer)


def booking_reviews(session: Session, booking: Booking, viewer) -> list[Review]:
    """The booking's reviews the viewer may see (their own at once, the other side's once revealed)."""
    reviews = session.scalars(select(Review).where(Review.booking_id == booking.id).order_by(Review.id))
    provides = side_of(viewer, booking) is not None
    return [review for review in reviews if may_see(viewer, review, viewer_provides=provides)]


def _shown_on_listing(listing_id: int):
    return (select(Review).where(Review.listing_id == listing_id, Review.side == ReviewSide.booker,
                                 Review.revealed_at.is_not(None), Review.hidden.is_(False))
            .order_by(Review.revealed_at.desc(), Review.id.desc()))


def listing_reviews(session: Session, listing_id: int, *, page: int = 1, per_page: int = 20) -> tuple[list, int]:
    """A page of the listing's revealed, not hidden reviews by its bookers, newest first, and the total."""
    return fetch_page(session, _shown_on_listing(listing_id).options(selectinload(Review.author)), page=page,
                      per_page=per_page)


def latest_listing_reviews(session: Session, listing_id: int, limit: int) -> list[Review]:
    """The listing's newest shown reviews with their authors, in one statement (for its page)."""
    return list(session.scalars(_shown_on_listing(listing_id).options(joinedload(Review.author)).limit(limit)))


def may_see_booker_figures(session: Session, viewer, user_id: int) -> bool:
    """What others say of someone as a booker is for that person, for providers (who decide on their requests)
    and for platform admins."""
    signed_in = viewer is not None and getattr(viewer, "is_authenticated", False)
    return signed_in and (viewer.id == user_id or is_platform_admin(viewer) or is_provider(session, viewer))


def user_reviews(session: Session, user_id: int, *, viewer, page: int = 1, per_page: int = 20) -> tuple[list, int]:
    """A page of the revealed, not hidden reviews about a person, as the viewer may see them: as a volunteer
    provider to anyone; as a booker as ``may_see_booker_figures`` says."""
    about_provider = (Review.side == ReviewSide.booker) & (Review.reviewee_id == user_id)
    about_booker = (Review.side == ReviewSide.provider) & (Review.reviewee_id == user_id)
    sees_booker = may_see_booker_figures(session, viewer, user_id)
    stmt = (select(Review).where(or_(about_provider, about_booker) if sees_booker else about_provider,
                                 Review.revealed_at.is_not(None), Review.hidden.is_(False))
            .options(selectinload(Review.author)).order_by(Review.revealed_at.desc(), Review.id.desc()))
    return fetch_page(session, stmt, page=page, per_page=per_page)


def may_reply(user, review: Review) -> bool:
    """The person reviewed: the booker, or the provider of the listing reviewed."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if review.side is ReviewSide.provider:
        return user.id == review.reviewee_id
    return can_provide(user, review.booking.listing)


def reply_to_review(session: Session, actor: User, review: Review, text: str, *, now: datetime | None = None) -> Review:
    """The reviewed side's public reply, once, to a revealed review; Forbidden for others, Conflict when
    not yet revealed or already answered, ValidationFailed for blank or too long text."""
    now = now or clock.now()
    if not may_reply(actor, review):
        raise Forbidden(_l("只有被评价的一方可以回复"))
    text = clean_text(text, "text", MAX_TEXT_LENGTH, required=_l("请填写回复内容"),
                      too_long=_l("回复最多%(n)s个字", n=MAX_TEXT_LENGTH))
    if review.revealed_at is None:
        raise Conflict(_l("评价公开后才能回复"))
    answered = session.execute(update(Review).where(Review.id == review.id, Review.reply.is_(None))
                               .values(reply=text, replied_at=now, replied_by_id=actor.id)
                               .execution_options(synchronize_session=False))
    if answered.rowcount != 1:
        raise Conflict(_l("这条评价已经回复过了，每条评价只能回复一次"))
    session.refresh(review)
    events.record(session, "review.replied", subject=("review", review.id),
                  payload={**_people(review), "replier_id": actor.id}, actor_id=actor.id)
    return review


def report_review(session: Session, reporter: User, review: Review, reason: str, *,
                  now: datetime | None = None) -> ReviewReport:
    """Report a review as abusive, with a reason, once per person; Conflict for a second report or one's own
    review, ValidationFailed for a blank or too long reason."""
    now = now or clock.now()
    if reporter.id == review.author_id:
        raise Conflict(_l("不能举报自己写的评价"))
    reason = clean_text(reason, "reason", MAX_REASON_LENGTH, required=_l("请填写举报原因"))
    report = ReviewReport(review_id=review.id, reporter_id=reporter.id, reason=reason, created_at=now)
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        raise Conflict(_l("你已经举报过这条评价，平台正在处理")) from None
    return report


def pending_reports(session: Session, admin: User, *, page: int = 1, per_page: int = 20) -> tuple[list, int]:
    """Undecided reports, oldest first (platform admins only)."""
    if not is_platform_admin(admin):
        raise Forbidden(_l("只有平台管理员可以处理举报"))
    stmt = (select(ReviewReport).where(ReviewReport.decided_at.is_(None))
            .options(selectinload(ReviewReport.review).selectinload(Review.author),
                     selectinload(ReviewReport.reporter))
            .order_by(ReviewReport.created_at, ReviewReport.id))
    return fetch_page(session, stmt, page=page, per_page=per_page)


def moderate_review(session: Session, admin: User, review: Review, decision: str, reason: str, *,
                    now: datetime | None = None) -> Review:
    """A platform admin hides the review or keeps it, with a reason, deciding its open reports; audited.

    A hidden review stops counting (``review.hidden``); reporters and author are told (``review.report_decided``).
    Raises Forbidden for anyone else, ValidationFailed for an unknown decision or a missing reason.
    """
    now = now or clock.now()
    if not is_platform_admin(admin):
        raise Forbidden(_l("只有平台管理员可以处理举报"))
    try:
        decision = ReportDecision(decision)
    except ValueError:
        raise ValidationFailed("decision", _l("只能是 hide（隐藏）或 keep（保留）")) from None
    reason = clean_text(reason, "reason", MAX_REASON_LENGTH, required=_l("请填写处理理由"))
    session.refresh(review, with_for_update=True)
    before = audit.snapshot(review)
    reports = list(session.scalars(select(ReviewReport).where(ReviewReport.review_id == review.id,
                                                              ReviewReport.decided_at.is_(None))))
    for report in reports:
        report.decision, report.decision_reason = decision, reason
        report.decided_at, report.decided_by_id = now, admin.id
    hides = decision is ReportDecision.hide and not review.hidden
    if hides:
        review.hidden = True
    session.flush()
    audit.record(session, admin, f"review.{decision.value}", review, before=before,
                 after={**audit.snapshot(review), "reason": reason})
    reporter_ids = sorted({report.reporter_id for report in reports})
    if hides:
        events.record(session, "review.hidden", subject=("review", review.id),
                      payload={**_people(review), "reporter_ids": reporter_ids, "reason": reason,
                               "revealed": review.revealed_at is not None}, actor_id=admin.id)
    events.record(session, "review.report_decided", subject=("review", review.id),
                  payload={**_people(review), "reporter_ids": reporter_ids, "decision": decision.value,
                           "reason": reason}, actor_id=admin.id)
    return review
