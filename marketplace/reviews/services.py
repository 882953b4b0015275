"""Reviews: writing one after a booking, double-blind reveal, the reviewed side's reply, reports and moderation.

Each side of a completed booking reviews the other once, inside the window (``window_days`` after the booking
completed). A no-show is the booker's failure to come: the provider may review the booker, the booker writes
nothing. A review stays visible to its author alone until the other side has written too (both are revealed in
that transaction) or its window closes (``reveal_if_due``, the scheduler's sweep); once written it is never
edited. Revealing, hiding and decisions record ``review.*`` events naming who is to be told.

Three-way: when staff record which member of the organisation served a booking (``record_served_by``), the
organisation (any other of its staff) and that volunteer review each other too, a pair revealed like the first
one, and the booker's review is about the volunteer as well. Who served may change until a review of the booking
is revealed or that pair has written (afterwards the reviews would name someone their authors did not mean).
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
from marketplace.organisations.models import Membership
from marketplace.reviews.models import COUNTERPART, TAGS_ABOUT, ReportDecision, Review, ReviewReport, ReviewSide

MAX_TEXT_LENGTH = 500
MAX_REASON_LENGTH = 500
MAX_TAGS = 5
REVIEWABLE = (BookingStatus.completed, BookingStatus.no_show)
SERVABLE = (BookingStatus.confirmed, BookingStatus.completed)
THREE_WAY = (ReviewSide.organisation, ReviewSide.volunteer)


@dataclass
class ReviewInput:
    """What a reviewer gives; the API and the form fill it from their input."""

    stars: int
    tags: list[str] = field(default_factory=list)
    text: str = ""


def sides_of(user, booking: Booking) -> list[ReviewSide]:
    """The sides of the booking the user reviews from: its booker; or its provider, and on a served booking the
    organisation (staff other than the volunteer) or the volunteer who served (a member, so a provider too)."""
    if is_booker(user, booking):
        return [ReviewSide.booker]
    sides = [ReviewSide.provider] if can_provide(user, booking.listing) else []
    if booking.served_by_id is not None:
        if getattr(user, "id", None) == booking.served_by_id:
            sides.append(ReviewSide.volunteer)
        elif sides:
            sides.append(ReviewSide.organisation)
    return sides


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
    """A completed booking is reviewed by every side; a no-show only by the provider (nothing was delivered)."""
    return booking.status is BookingStatus.completed or (
        booking.status is BookingStatus.no_show and side is ReviewSide.provider)


def _choose_side(session: Session, booking: Booking, sides: list[ReviewSide], side) -> ReviewSide:
    """The side asked for (one of the writer's), or the writer's only side, or the only one they have not yet
    written; ValidationFailed when two are open and none was named."""
    if side is not None:
        try:
            side = ReviewSide(side)
        except ValueError:
            raise ValidationFailed("side", _l("评价的一方只能是 booker、provider、organisation 或 volunteer")) from None
        if side not in sides:
            raise Forbidden(_l("你不能以这一方的身份评价这个预约"))
        return side
    if len(sides) == 1:
        return sides[0]
    written = set(session.scalars(select(Review.side).where(Review.booking_id == booking.id)))
    still_open = [side for side in sides if side not in written and may_write(booking, side)]
    if len(still_open) > 1:
        raise ValidationFailed("side", _l("你在这个预约里可以从两方评价，请选择以哪一方评价"))
    return (still_open or sides)[0]  # none open: the checks under the lock say why


def _about(booking: Booking, side: ReviewSide) -> tuple[int | None, int | None]:
    """(organisation_id, reviewee_id) of whom a review from ``side`` is about."""
    listing = booking.listing
    if side is ReviewSide.booker:
        return listing.organisation_id, booking.served_by_id if listing.organisation_id else listing.provider_user_id
    if side is ReviewSide.provider:
        return None, booking.booker_id
    if side is ReviewSide.organisation:
        return None, booking.served_by_id
    return listing.organisation_id, None


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
                 side: ReviewSide | str | None = None, now: datetime | None = None) -> Review:
    """The author's review from ``side`` (None: inferred, see ``_choose_side``) of its counterpart; reveals both
    when the counterpart has written.

    Raises Forbidden (not a participant, or not of that side), Conflict (not reviewable in its status, or this
    side already reviewed it, also when two submissions race), ValidationFailed (side, stars, tags, text, the
    window closed).
    """
    now = now or clock.now()
    sides = sides_of(author, booking)
    if not sides:
        raise Forbidden(_l("只有参与这个预约的人可以评价"))
    side = _choose_side(session, booking, sides, side)
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
    if side not in sides_of(author, booking):  # who served changed before the lock
        raise Conflict(_l("服务者刚刚被更改，请刷新后重试"))
    organisation_id, reviewee_id = _about(booking, side)
    review = Review(booking_id=booking.id, side=side, author_id=author.id, listing_id=booking.listing_id,
                    organisation_id=organisation_id, reviewee_id=reviewee_id, stars=stars, tags=tags, text=text,
                    created_at=now, window_closes_at=closes, hidden=False, counted=False)
    try:
        with session.begin_nested():  # the unique constraint's refusal undoes only this insert
            session.add(review)
            session.flush()
    except IntegrityError:
        raise Conflict(_l("你已经评价过这个预约了")) from None
    other = reviews.get(COUNTERPART[side])
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


def oldest_reveal_due(session: Session, now: datetime) -> datetime | None:
    """When the earliest window ``due_for_reveal`` would find closed, or None (one index seek)."""
    return session.scalar(select(Review.window_closes_at).where(
        Review.revealed_at.is_(None), Review.window_closes_at <= now).order_by(Review.window_closes_at).limit(1))


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
    """The booking's reviews the viewer may see (their own at once, the other sides' once revealed)."""
    reviews = session.scalars(select(Review).where(Review.booking_id == booking.id).order_by(Review.id))
    provides = bool(sides_of(viewer, booking))
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
    provider (of their listings, or serving an organisation's bookings) to anyone; as a booker as
    ``may_see_booker_figures`` says."""
    about_provider = Review.side.in_((ReviewSide.booker, ReviewSide.organisation)) & (Review.reviewee_id == user_id)
    about_booker = (Review.side == ReviewSide.provider) & (Review.reviewee_id == user_id)
    sees_booker = may_see_booker_figures(session, viewer, user_id)
    stmt = (select(Review).where(or_(about_provider, about_booker) if sees_booker else about_provider,
                                 Review.revealed_at.is_not(None), Review.hidden.is_(False))
            .options(selectinload(Review.author)).order_by(Review.revealed_at.desc(), Review.id.desc()))
    return fetch_page(session, stmt, page=page, per_page=per_page)


def may_reply(user, review: Review) -> bool:
    """The person reviewed: the booker or volunteer; for a booker's review the listing's provider or the volunteer
    who served; for a volunteer's, the organisation's (other) staff."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if review.side in (ReviewSide.provider, ReviewSide.organisation):
        return user.id == review.reviewee_id
    if review.side is ReviewSide.volunteer:
        return user.id != review.author_id and can_provide(user, review.booking.listing)
    return user.id == review.reviewee_id or can_provide(user, review.booking.listing)


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


def servers_of(session: Session, booking: Booking) -> list[User]:
    """Who may be recorded as serving the booking: the members of its listing's organisation but the booker."""
    if booking.listing.organisation_id is None:
        return []
    return list(session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                .where(Membership.organisation_id == booking.listing.organisation_id,
                                       User.id != booking.booker_id).order_by(User.display_name, User.id)))


def record_served_by(session: Session, actor: User, booking: Booking, user_id: int | None) -> Booking:
    """Record which member of the organisation served the booking (None: nobody recorded); audited, and a
    ``booking.served_by`` event. Setting what is already recorded changes nothing.

    Raises Forbidden (not the organisation's staff), Conflict (a volunteer's own listing, a booking neither
    confirmed nor completed, a review of it already revealed or the organisation and volunteer already
    reviewing), ValidationFailed (not a member of the organisation, or the booker).
    """
    listing = booking.listing
    if listing.organisation_id is None:
        raise Conflict(_l("只有组织的预约可以记录服务者"))
    if not can_provide(actor, listing):
        raise Forbidden(_l("只有组织的工作人员可以记录服务者"))
    if user_id is not None:
        if user_id == booking.booker_id:
            raise ValidationFailed("user_id", _l("预约人不能是这个预约的服务者"))
        if session.scalar(select(Membership.id).where(Membership.organisation_id == listing.organisation_id,
                                                      Membership.user_id == user_id)) is None:
            raise ValidationFailed("user_id", _l("服务者须是本组织的成员（工作人员或管理员）"))
    lock_booking(session, booking)
    if booking.status not in SERVABLE:
        raise Conflict(_l("只能为已确认或已完成的预约记录服务者，这个预约当前是“%(status)s”",
                          status=booking.status.label), field="status")
    if booking.served_by_id == user_id:
        return booking
    # Locked, so that the scheduler cannot reveal one of them between this check and the change.
    written = list(session.scalars(select(Review).where(Review.booking_id == booking.id).with_for_update()
                                   .execution_options(populate_existing=True)))
    if any(review.revealed_at is not None or review.side in THREE_WAY for review in written):
        raise Conflict(_l("这个预约的评价已经公开，或组织与服务者已开始互评，不能再更改服务者"))
    before = booking.served_by_id
    booking.served_by_id = user_id
    for review in written:
        if review.side is ReviewSide.booker:
            review.reviewee_id = user_id
    session.flush()
    audit.record(session, actor, "booking.served_by", booking, before={"served_by_id": before},
                 after={"served_by_id": user_id})
    events.record(session, "booking.served_by", subject=("booking", booking.id),
                  payload={"listing_id": listing.id, "booker_id": booking.booker_id,
                           "organisation_id": listing.organisation_id, "served_by_id": user_id,
                           "previous_served_by_id": before}, actor_id=actor.id)
    return booking
