"""HTML pages of lotteries: a listing's lotteries (and opening one), a lottery with applying, withdrawing and its
published result, and the public page that re-runs any draw. Every handler parses, calls a service, commits once."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.core.errors import DomainError, ValidationFailed
from marketplace.core.forms import ButtonForm, done_notice, form_status, refuse_on_form
from marketplace.core.http import deployment_zone
from marketplace.core.i18n import _l
from marketplace.core.permissions import can_edit_listing
from marketplace.core.urls import ID
from marketplace.core.zones import to_utc
from marketplace.extensions import db
from marketplace.listings.models import WEEKDAY_LABELS
from marketplace.listings.services import get_listing
from marketplace.lotteries import services
from marketplace.lotteries.forms import LotteryForm, VerifyForm, id_list
from marketplace.lotteries.present import lottery_view

bp = Blueprint("lotteries", __name__)

NOTICES = {"created", "applied", "withdrawn"}


@bp.context_processor
def weekdays():
    return {"booking_weekdays": WEEKDAY_LABELS}


def _local(value):
    return None if value is None else to_utc(value, deployment_zone())


@bp.route(f"/listings/<{ID}:listing_id>/lotteries", methods=["GET", "POST"])
def listing_lotteries(listing_id: int):
    """A listing's lotteries; its provider opens one here (POST)."""
    listing = get_listing(db.session, listing_id, viewer=current_user)
    may_create = can_edit_listing(current_user, listing)
    form = LotteryForm() if request.method == "POST" else LotteryForm(formdata=None)
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.path))
        if form.validate_on_submit():
            try:
                start = _local(form.start.data)
                try:
                    end = start + timedelta(minutes=form.duration.data)
                except OverflowError:
                    raise ValidationFailed("duration", _l("时长超出范围")) from None
                lottery = services.create_lottery(db.session, current_user, listing.id, services.LotteryRequest(
                    start=start, end=end, applications_close_at=_local(form.applications_close_at.data),
                    draw_at=_local(form.draw_at.data), priority=form.priority.data), zone=deployment_zone())
                db.session.commit()
                return redirect(url_for("lotteries.detail", listing_id=listing.id, lottery_id=lottery.id,
                                        notice="created"))
            except DomainError as error:
                status = refuse_on_form(form, error)
                return _list_page(listing, form, may_create), status
    return _list_page(listing, form, may_create), form_status(form)


def _list_page(listing, form, may_create):
    lotteries = [lottery_view(db.session, lottery, current_user)
                 for lottery in services.list_lotteries(db.session, listing)]
    return render_template("lotteries/list.html", listing=listing, lotteries=lotteries, form=form,
                           may_create=may_create)


def _detail(listing_id: int, lottery_id: int, *, error: str | None = None, status: int = 200):
    lottery = services.get_lottery(db.session, listing_id, lottery_id)
    view = lottery_view(db.session, lottery, current_user)
    return render_template("lotteries/detail.html", listing=lottery.listing, lottery=view, form=ButtonForm(),
                           notice=done_notice(NOTICES), error=error), status


@bp.route(f"/listings/<{ID}:listing_id>/lotteries/<{ID}:lottery_id>")
def detail(listing_id: int, lottery_id: int):
    return _detail(listing_id, lottery_id)


def _act(listing_id: int, lottery_id: int, action, notice: str):
    if not ButtonForm().validate_on_submit():
        raise ValidationFailed(None, _l("页面已过期，请刷新后重试"))
    lottery = services.get_lottery(db.session, listing_id, lottery_id)
    try:
        action(db.session, current_user, lottery)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _detail(listing_id, lottery_id, error=str(error.message), status=error.status_code)
    return redirect(url_for("lotteries.detail", listing_id=listing_id, lottery_id=lottery_id, notice=notice))


@bp.route(f"/listings/<{ID}:listing_id>/lotteries/<{ID}:lottery_id>/apply", methods=["POST"])
@login_required
def apply(listing_id: int, lottery_id: int):
    return _act(listing_id, lottery_id, services.apply, "applied")


@bp.route(f"/listings/<{ID}:listing_id>/lotteries/<{ID}:lottery_id>/withdraw", methods=["POST"])
@login_required
def withdraw(listing_id: int, lottery_id: int):
    return _act(listing_id, lottery_id, services.withdraw, "withdrawn")


@bp.route("/lotteries/verify")
def verify():
    """Re-run a draw from published data (prefilled from a lottery's page, or typed by anyone)."""
    form = VerifyForm(request.args)
    verification, error = None, None
    if request.args and form.validate():
        try:
            verification = services.verify(form.seed.data.strip(), id_list(form.priority_ids.data),
                                           id_list(form.other_ids.data), form.seats.data,
                                           id_list(form.refused_ids.data))
        except ValueError as bad_ids:
            error = str(bad_ids)
        except ValidationFailed as refusal:
            error = str(refusal.message)
    status = 422 if error or form.errors else 200
    return render_template("lotteries/verify.html", form=form, verification=verification, error=error), status
