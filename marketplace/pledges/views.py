"""HTML pages of co-building pledges: the street's table of the year, signing a pledge, changing one, and the
section on the unit's own page. Every handler parses, calls a service, commits once, renders."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.core import clock
from marketplace.core.errors import DomainError, Forbidden
from marketplace.core.forms import done_notice, refuse_on_form
from marketplace.core.i18n import _l
from marketplace.core.urls import ID
from marketplace.core.zones import MAX_YEAR, MIN_YEAR, local_date
from marketplace.extensions import db
from marketplace.pledges import services
from marketplace.pledges.forms import PledgeEditForm, PledgeForm, whole_number

bp = Blueprint("pledges", __name__, url_prefix="/pledges")

NOTICES = {"signed", "saved"}


def _zone() -> str:
    return current_app.config["TIMEZONE"]


def _this_year() -> int:
    return local_date(clock.now(), _zone()).year


@bp.app_context_processor
def pledge_helpers():
    def unit_pledges(organisation) -> list:
        return services.pledges_of(db.session, organisation.id, zone=_zone())

    def may_edit_pledge(pledge) -> bool:
        return services.may_edit(db.session, current_user, pledge)

    return {"unit_pledges": unit_pledges, "may_edit_pledge": may_edit_pledge}


@bp.route("")
def table():
    """The year's pledges of every unit beside what each delivered."""
    year = request.args.get("year", type=int)
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        year = _this_year()
    reports = services.pledge_reports(db.session, year=year, zone=_zone())
    return render_template("pledges/table.html", reports=reports, year=year,
                           may_sign=services.may_sign_some(db.session, current_user),
                           notice=done_notice(NOTICES))


def _unit_choices() -> list:
    units = services.signable_units(db.session, current_user)
    if not units:
        raise Forbidden(_l("只有街道可以登记共驻共建承诺"))
    return [("", _l("请选择"))] + [(org.id, org.name) for org in units]


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = PledgeForm() if request.method == "POST" else PledgeForm(formdata=None, year=str(_this_year()))
    form.organisation_id.choices = _unit_choices()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                pledge = services.sign_pledge(db.session, current_user, services.PledgeInput(
                    organisation_id=form.organisation_id.data, year=whole_number(form.year.data),
                    room_hours=whole_number(form.room_hours.data),
                    volunteer_hours=whole_number(form.volunteer_hours.data)))
                db.session.commit()
            except DomainError as error:
                status = refuse_on_form(form, error)
            else:
                return redirect(url_for("pledges.table", year=pledge.year, notice="signed"))
    return render_template("pledges/new.html", form=form), status


@bp.route(f"/<{ID}:pledge_id>/edit", methods=["GET", "POST"])
@login_required
def edit(pledge_id: int):
    pledge = services.get_pledge(db.session, pledge_id)
    if not services.may_edit(db.session, current_user, pledge):
        raise Forbidden(_l("只有本单位工作人员和街道可以修改承诺"))
    form = PledgeEditForm() if request.method == "POST" else PledgeEditForm(
        formdata=None, room_hours=str(pledge.room_hours), volunteer_hours=str(pledge.volunteer_hours))
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                services.update_pledge(db.session, current_user, pledge, room_hours=whole_number(form.room_hours.data),
                                       volunteer_hours=whole_number(form.volunteer_hours.data))
                db.session.commit()
            except DomainError as error:
                status = refuse_on_form(form, error)
                pledge = services.get_pledge(db.session, pledge_id)
            else:
                return redirect(url_for("pledges.table", year=pledge.year, notice="saved"))
    return render_template("pledges/edit.html", form=form, pledge=pledge), status
