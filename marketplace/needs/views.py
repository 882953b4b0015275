"""HTML pages of needs: the three lists of a community (needs, resources, projects), publishing a need, a need
with the listings suggested for each item, and inviting them. Every handler parses, calls a service, commits once.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.core.errors import DomainError, ValidationFailed
from marketplace.core.forms import done_notice, form_status, optional_id, refuse_on_form
from marketplace.core.http import deployment_zone
from marketplace.core.i18n import _l
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.urls import ID
from marketplace.core.zones import to_utc
from marketplace.extensions import db
from marketplace.listings.models import WEEKDAY_LABELS
from marketplace.listings.services import browse_listings
from marketplace.needs import services
from marketplace.needs.forms import InviteForm, NeedForm
from marketplace.organisations.models import Membership, Organisation, OrganisationStatus
from marketplace.search.sync import search_index

bp = Blueprint("needs", __name__)

LISTS = ("needs", "resources", "projects")
STATUS_OF_LIST = {"needs": "open", "projects": "in_progress"}
NOTICES = {"created", "invited"}
PER_PAGE = 20


@bp.context_processor
def weekdays():
    return {"booking_weekdays": WEEKDAY_LABELS}


@bp.route("/needs")
def lists():
    """The needs, resources and projects lists, each filterable by community."""
    shown = request.args.get("list") if request.args.get("list") in LISTS else "needs"
    community_id = optional_id(request.args.get("community_id"))
    page, _per_page = clamp_page(request.args.get("page"), PER_PAGE)
    if shown == "resources":
        rows, total = browse_listings(db.session, place_id=community_id, page=page, per_page=PER_PAGE)
    else:
        rows, total = services.list_needs(db.session, community_id=community_id, status=STATUS_OF_LIST[shown],
                                          page=page, per_page=PER_PAGE)
    return render_template("needs/lists.html", shown=shown, community_id=community_id, rows=rows,
                           page=Page(rows, total, page, PER_PAGE), communities=services.communities(db.session))


def _publishing_organisations():
    return list(db.session.scalars(select(Organisation).join(Membership).where(
        Membership.user_id == current_user.id, Organisation.status == OrganisationStatus.verified)
        .order_by(Organisation.name)))


def _items(form: NeedForm) -> list[services.ItemData]:
    zone = deployment_zone()
    items = []
    for index, row in enumerate(form.items):
        if not (row.text.data or "").strip():
            continue
        if row.start.data is None:
            raise ValidationFailed(f"items.{index}", _l("请填写这一项的开始时间"))
        start = to_utc(row.start.data, zone)
        try:
            end = start + timedelta(hours=row.hours.data or 0)
        except OverflowError:
            raise ValidationFailed(f"items.{index}", _l("时长超出范围")) from None
        items.append(services.ItemData(kind=row.kind.data, text=row.text.data, quantity=row.quantity.data or 1,
                                       start=start, end=end))
    return items


@bp.route("/needs/new", methods=["GET", "POST"])
@login_required
def create():
    form = NeedForm() if request.method == "POST" else NeedForm(formdata=None)
    form.organisation_id.choices = [(org.id, org.name) for org in _publishing_organisations()]
    if request.method == "POST" and form.validate_on_submit():
        try:
            need = services.create_need(db.session, current_user, services.NeedData(
                organisation_id=form.organisation_id.data, title=form.title.data,
                description=form.description.data or "", items=_items(form)))
            db.session.commit()
            return redirect(url_for("needs.detail", need_id=need.id, notice="created"))
        except DomainError as error:
            status = refuse_on_form(form, error)
            return render_template("needs/new.html", form=form), status
    return render_template("needs/new.html", form=form), form_status(form)


def _detail(need_id: int, *, error: str | None = None, status: int = 200):
    need = services.get_need(db.session, need_id)
    return render_template(
        "needs/detail.html", need=need, may_manage=services.may_manage(current_user, need),
        suggested=services.suggestions(db.session, search_index(), need, zone=deployment_zone()),
        invitations=services.invitations_of(db.session, need), form=InviteForm(), notice=done_notice(NOTICES),
        error=error), status


@bp.route(f"/needs/<{ID}:need_id>")
def detail(need_id: int):
    return _detail(need_id)


@bp.route(f"/needs/<{ID}:need_id>/invite", methods=["POST"])
@login_required
def invite(need_id: int):
    form = InviteForm()
    if not form.validate_on_submit():
        raise ValidationFailed(None, _l("页面已过期，请刷新后重试"))
    need = services.get_need(db.session, need_id)
    try:
        services.invite(db.session, current_user, need, optional_id(form.item_id.data),
                        optional_id(form.listing_id.data))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _detail(need_id, error=str(error.message), status=error.status_code)
    return redirect(url_for("needs.detail", need_id=need_id, notice="invited"))
