"""HTML pages of reviews: writing one (from 我的预约 and the booking page), a listing's reviews, replying,
reporting, and the platform admin's queue of reports. Every handler parses, calls a service, commits once, renders.
"""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.accounts.models import User
from marketplace.bookings import services as bookings
from marketplace.bookings.models import Booking
from marketplace.bookings.permissions import can_provide
from marketplace.core import clock
from marketplace.core.db import get_by_id
from marketplace.core.errors import DomainError, Forbidden, NotFound
from marketplace.core.forms import done_notice, refuse_on_form
from marketplace.core.i18n import _l
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.listings.services import get_listing
from marketplace.reviews import services
from marketplace.reviews.forms import ModerationForm, ReplyForm, ReportForm, ReviewForm, ServedByForm
from marketplace.reviews.models import TAGS_ABOUT, Review, ReviewSide

bp = Blueprint("reviews", __name__)

NOTICES = {"reviewed", "replied", "reported", "moderated"}
LISTING_PAGE_REVIEWS = 5
# Whose review it is, where a booking page shows several sides'.
SIDE_LABELS = {
    ReviewSide.booker: _l("预约人的评价"), ReviewSide.provider: _l("提供方对预约人的评价"),
    ReviewSide.organisation: _l("组织对服务者的评价"), ReviewSide.volunteer: _l("服务者对组织的评价"),
}


def provider_flag_below() -> float:
    return current_app.config["REPUTATION_PROVIDER_FLAG_BELOW"]


@bp.app_context_processor
def review_helpers():
    def booking_review_panel(booking: Booking) -> dict:
        """What the booking page shows of its reviews to the viewer: for each side they review from, that side's
        review or whether (and until when) they may still write it; the other sides' once revealed."""
        sides = services.sides_of(current_user, booking)
        shown = services.booking_reviews(db.session, booking, current_user)
        written = {review.side: review for review in shown if review.side in sides}
        closes = services.window_closes_at(db.session, booking, current_app.config["REVIEW_WINDOW_DAYS"])
        still_open = closes is not None and clock.now() < closes
        entries = [{"side": side, "mine": written.get(side),
                    "may_write": side not in written and still_open and services.may_write(booking, side)}
                   for side in sides]
        return {"sides": entries, "others": [r for r in shown if r.side not in sides], "closes": closes}

    def may_record_served_by(booking: Booking) -> bool:
        return (booking.listing.organisation_id is not None and booking.status in services.SERVABLE
                and can_provide(current_user, booking.listing))

    def latest_reviews(listing) -> list[Review]:
        """A few of the listing's newest revealed reviews; no query when its figures say it has none."""
        if listing.reputation is None or not listing.reputation.review_count:
            return []
        return services.latest_listing_reviews(db.session, listing.id, LISTING_PAGE_REVIEWS)

    return {"booking_review_panel": booking_review_panel, "latest_reviews": latest_reviews,
            "provider_flag_below": provider_flag_below, "may_reply": services.may_reply,
            "may_record_served_by": may_record_served_by, "review_side_labels": SIDE_LABELS}


def _booking_for_review(booking_id: int) -> Booking:
    return bookings.get_booking(db.session, booking_id, viewer=current_user)


def _side_asked(booking: Booking, asked: str | None) -> ReviewSide:
    """The side the form writes from: the one asked for when it is the viewer's, else their first."""
    sides = services.sides_of(current_user, booking) or [ReviewSide.booker]
    return next((side for side in sides if side.value == asked), sides[0])


@bp.route(f"/bookings/<{ID}:booking_id>/review", methods=["GET", "POST"])
@login_required
def write(booking_id: int):
    """The review form of a booking from one of the viewer's sides (``?side=``), and writing it (POST)."""
    booking = _booking_for_review(booking_id)
    form = ReviewForm() if request.method == "POST" else ReviewForm(formdata=None)
    side = _side_asked(booking, form.side.data if request.method == "POST" else request.args.get("side"))
    form.side.data = side.value
    form.tags.choices = list(TAGS_ABOUT[side].items())
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                services.write_review(db.session, current_user, booking, services.ReviewInput(
                    stars=form.stars.data, tags=form.tags.data or [], text=form.text.data or ""),
                    window_days=current_app.config["REVIEW_WINDOW_DAYS"], side=side)
                db.session.commit()
            except DomainError as error:
                status = refuse_on_form(form, error)
                booking = _booking_for_review(booking_id)
            else:
                return redirect(url_for("bookings.detail", booking_id=booking.id, notice="reviewed") + "#reviews")
    return render_template("reviews/write.html", booking=booking, form=form, side=side,
                           side_count=len(services.sides_of(current_user, booking))), status


@bp.route(f"/bookings/<{ID}:booking_id>/served-by", methods=["GET", "POST"])
@login_required
def served_by(booking_id: int):
    """Staff record which of the organisation's members served the booking (GET: the form)."""
    booking = _booking_for_review(booking_id)
    form = ServedByForm() if request.method == "POST" else ServedByForm(formdata=None, user_id=booking.served_by_id)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                services.record_served_by(db.session, current_user, booking, form.user_id.data)
                db.session.commit()
            except DomainError as error:
                status = refuse_on_form(form, error)
                booking = _booking_for_review(booking_id)
            else:
                return redirect(url_for("bookings.detail", booking_id=booking.id, notice="served_by"))
    elif not can_provide(current_user, booking.listing):
        raise Forbidden(_l("只有组织的工作人员可以记录服务者"))
    form.user_id.choices = [("", _l("（未记录）"))] + [
        (user.id, user.display_name) for user in services.servers_of(db.session, booking)]
    return render_template("reviews/served_by.html", booking=booking, form=form), status


def _review_for_action(review_id: int) -> Review:
    return services.get_review(db.session, review_id, viewer=current_user)


@bp.route(f"/reviews/<{ID}:review_id>/reply", methods=["POST"])
@login_required
def reply(review_id: int):
    return _act_on_review(review_id, "reply_form", ReplyForm(), notice="replied",
                          act=lambda review, form: services.reply_to_review(db.session, current_user, review,
                                                                            form.text.data))


@bp.route(f"/reviews/<{ID}:review_id>/report", methods=["POST"])
@login_required
def report(review_id: int):
    return _act_on_review(review_id, "report_form", ReportForm(), notice="reported",
                          act=lambda review, form: services.report_review(db.session, current_user, review,
                                                                          form.reason.data))


def _act_on_review(review_id: int, form_name: str, form, *, notice: str, act):
    """Reply to or report a review from its page: done → back to the page with the notice; refused → the page
    again with the refusal on the sent form (the other form blank)."""
    review = _review_for_action(review_id)
    status = 422
    if form.validate_on_submit():
        try:
            act(review, form)
            db.session.commit()
        except DomainError as error:
            status = refuse_on_form(form, error)
            review = _review_for_action(review_id)
        else:
            return redirect(url_for("reviews.review", review_id=review.id, notice=notice))
    forms = {"reply_form": ReplyForm(formdata=None), "report_form": ReportForm(formdata=None), form_name: form}
    return render_template("reviews/review.html", review=review, **forms), status


@bp.route(f"/reviews/<{ID}:review_id>")
def review(review_id: int):
    """One review with its reply, and the forms to reply (the reviewed side) or report it (signed-in people)."""
    return render_template("reviews/review.html", review=_review_for_action(review_id),
                           reply_form=ReplyForm(formdata=None), report_form=ReportForm(formdata=None),
                           notice=done_notice(NOTICES))


@bp.route(f"/listings/<{ID}:listing_id>/reviews")
def listing_reviews(listing_id: int):
    listing = get_listing(db.session, listing_id, viewer=current_user)
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"))
    items, total = services.listing_reviews(db.session, listing.id, page=page, per_page=per_page)
    return render_template("reviews/listing.html", listing=listing, page=Page(items, total, page, per_page))


@bp.route(f"/users/<{ID}:user_id>/reviews")
def person(user_id: int):
    """A person's figures and the reviews about them: as a volunteer provider (their listings, and the bookings they
    served for an organisation) to anyone; as a booker to those ``may_see_booker_figures`` names."""
    user = get_by_id(db.session, User, user_id)
    if user is None:
        raise NotFound(_l("找不到这个用户"))
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"))
    items, total = services.user_reviews(db.session, user.id, viewer=current_user, page=page, per_page=per_page)
    return render_template("reviews/person.html", person=user, page=Page(items, total, page, per_page),
                           sees_booker=services.may_see_booker_figures(db.session, current_user, user.id))


@bp.route("/admin/review-reports")
@login_required
def moderation():
    """The platform admin's queue of undecided reports, oldest first."""
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"))
    items, total = services.pending_reports(db.session, current_user, page=page, per_page=per_page)
    return render_template("reviews/moderation.html", page=Page(items, total, page, per_page),
                           forms=_moderation_forms(items), notice=done_notice(NOTICES))


def _moderation_form(review_id: int, **kwargs) -> ModerationForm:
    # One form per review on the page: its fields' ids and names carry the review, so one card's radios
    # never drive another's.
    return ModerationForm(prefix=f"review-{review_id}", **kwargs)


def _moderation_forms(reports, refused: tuple[int, ModerationForm] | None = None) -> dict[int, ModerationForm]:
    """A blank form per report's review, but the one just refused (review id, form) as it was sent."""
    forms = {report.review_id: _moderation_form(report.review_id, formdata=None) for report in reports}
    if refused is not None:
        forms[refused[0]] = refused[1]
    return forms


@bp.route(f"/admin/reviews/<{ID}:review_id>/moderate", methods=["POST"])
@login_required
def moderate(review_id: int):
    review = get_by_id(db.session, Review, review_id)
    if review is None:
        raise NotFound(_l("找不到这条评价"))
    form = _moderation_form(review.id)
    status = 422
    if form.validate_on_submit():
        try:
            services.moderate_review(db.session, current_user, review, form.decision.data, form.reason.data)
            db.session.commit()
        except DomainError as error:
            status = refuse_on_form(form, error)
        else:
            return redirect(url_for("reviews.moderation", notice="moderated"))
    items, total = services.pending_reports(db.session, current_user)
    return render_template("reviews/moderation.html", page=Page(items, total, 1, 20),
                           forms=_moderation_forms(items, (review_id, form)),
                           failed_review_id=review_id), status
