"""HTML pages of the waitlist: joining from a taken slot (the booking widget or the lost-race page), my waitlist,
leaving, and accepting a held slot."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from marketplace.bookings.models import BookingStatus
from marketplace.core.errors import DomainError, ValidationFailed
from marketplace.core.forms import ButtonForm, done_notice
from marketplace.core.http import deployment_zone
from marketplace.core.i18n import _l
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.listings.services import get_listing
from marketplace.waitlist import services
from marketplace.waitlist.forms import JoinForm
from marketplace.waitlist.settings import hold_time

bp = Blueprint("waitlist", __name__)

NOTICES = {"joined", "left"}


@bp.app_context_processor
def waitlist_helpers():
    def my_places_in_line(listing_id: int, window: tuple[datetime, datetime]) -> dict:
        """For the booking widget: the viewer's entries in line for the listing's slots in the window."""
        return services.my_places_in_line(db.session, current_user, listing_id, *window)

    return {"my_places_in_line": my_places_in_line}


def _mine(*, error: str | None = None, status: int = 200):
    return render_template("waitlist/mine.html", entries=services.list_my_entries(db.session, current_user),
                           form=ButtonForm(), notice=done_notice(NOTICES), error=error), status


@bp.route("/waitlist")
@login_required
def mine():
    return _mine()


@bp.route(f"/listings/<{ID}:listing_id>/waitlist", methods=["POST"])
@login_required
def join(listing_id: int):
    listing = get_listing(db.session, listing_id, viewer=current_user)
    form = JoinForm()
    if not form.validate_on_submit():
        message = next((error for errors in form.errors.values() for error in errors), _l("提交的内容需要修改"))
        return _mine(error=str(message), status=422)
    try:
        start = form.start.data
        try:
            end = start + timedelta(minutes=form.duration.data)
        except OverflowError:
            raise ValidationFailed("duration", _l("时长超出范围")) from None
        services.join_waitlist(db.session, current_user, services.WaitRequest(
            listing_id=listing.id, start=start, end=end, seats=1 if form.seats.data is None else form.seats.data),
            zone=deployment_zone())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _mine(error=str(error.message), status=error.status_code)
    return redirect(url_for("waitlist.mine", notice="joined"))


@bp.route(f"/waitlist/<{ID}:entry_id>/leave", methods=["POST"])
@login_required
def leave(entry_id: int):
    form = ButtonForm()
    if not form.validate_on_submit():
        raise ValidationFailed(None, _l("页面已过期，请刷新后重试"))
    entry = services.get_my_entry(db.session, current_user, entry_id)
    services.leave_waitlist(db.session, current_user, entry, zone=deployment_zone(), hold=hold_time())
    db.session.commit()
    return redirect(url_for("waitlist.mine", notice="left"))


@bp.route(f"/waitlist-offers/<{ID}:entry_id>/accept", methods=["POST"])
@login_required
def accept(entry_id: int):
    form = ButtonForm()
    if not form.validate_on_submit():
        raise ValidationFailed(None, _l("页面已过期，请刷新后重试"))
    entry = services.get_my_entry(db.session, current_user, entry_id)
    try:
        booking = services.accept_offer(db.session, current_user, entry, zone=deployment_zone())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _mine(error=str(error.message), status=error.status_code)
    notice = "booked" if booking.status is BookingStatus.confirmed else "requested"
    return redirect(url_for("bookings.detail", booking_id=booking.id, notice=notice))
