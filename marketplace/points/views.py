"""HTML pages of service points: 我的积分, an organisation's points (its staff; admins grant from it), and the
street's page (platform admins: totals, grants from the street's account, reversals)."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.core.errors import DomainError, Forbidden
from marketplace.core.forms import refuse_on_form
from marketplace.core.i18n import _l
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.permissions import can_manage_organisation, is_platform_admin
from marketplace.core.urls import ID
from marketplace.extensions import db
from marketplace.organisations.services import get_organisation
from marketplace.points import services
from marketplace.points.models import AccountKind
from marketplace.points.forms import GrantForm, ReversalForm
from marketplace.points.services import Policy

bp = Blueprint("points", __name__, url_prefix="/points")


def _view(account) -> dict:
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"))
    view = services.account_view(db.session, account, page=page, per_page=per_page)
    view["page"] = Page(view.pop("entries"), view.pop("total"), page, per_page)
    return view


def _grant_request(form: GrantForm) -> services.GrantRequest:
    return services.GrantRequest(amount=form.amount.data, memo=form.memo.data, login=(form.login.data or "").strip(),
                                 organisation_id=form.organisation_id.data)


def _require_platform_admin() -> None:
    if not is_platform_admin(current_user):
        raise Forbidden(_l("只有平台管理员可以查看积分总览"))


@bp.route("/")
@login_required
def mine():
    account = services.find_account(db.session, AccountKind.user, user_id=current_user.id)
    return render_template("points/mine.html", **_view(account))


@bp.route(f"/organisations/<{ID}:org_id>", methods=["GET", "POST"])
@login_required
def organisation(org_id: int):
    org = get_organisation(db.session, org_id)
    account = services.organisation_account_for(db.session, current_user, org)
    form = GrantForm()
    status = _grant_from(org, form)
    if status is None:
        return redirect(url_for("points.organisation", org_id=org.id, granted=1))
    return render_template("points/organisation.html", organisation=org, form=form,
                           can_grant=can_manage_organisation(current_user, org), **_view(account)), status


@bp.route("/street", methods=["GET", "POST"])
@login_required
def street():
    _require_platform_admin()
    form = GrantForm()
    status = _grant_from(None, form)
    if status is None:
        return redirect(url_for("points.street", granted=1))
    return _render_street(form, ReversalForm(formdata=None), status=status)


def _grant_from(org, form: GrantForm) -> int | None:
    """Grant from the organisation's account (the street's: None) on a POST: None once granted, else the page's
    status (200 on GET, 422 with the form's errors)."""
    if request.method != "POST":
        return 200
    if not form.validate_on_submit():
        return 422
    try:
        services.grant(db.session, current_user, org, _grant_request(form), Policy.from_config(current_app.config))
        db.session.commit()
    except DomainError as error:
        return refuse_on_form(form, error)
    return None


def _render_street(form: GrantForm, reversal: ReversalForm, *, status: int):
    account = services.find_account(db.session, AccountKind.street)
    return render_template("points/street.html", form=form, reversal=reversal,
                           totals=services.totals(db.session, current_user), **_view(account)), status


@bp.route("/reversals", methods=["POST"])
@login_required
def reverse():
    _require_platform_admin()
    reversal = ReversalForm()
    status = 422
    if reversal.validate_on_submit():
        try:
            services.reverse(db.session, current_user, reversal.transfer_id.data, reversal.memo.data,
                             Policy.from_config(current_app.config))
            db.session.commit()
        except DomainError as error:
            status = refuse_on_form(reversal, error)
        else:
            return redirect(url_for("points.street", reversed=1))
    return _render_street(GrantForm(formdata=None), reversal, status=status)
