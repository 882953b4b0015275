"""HTML pages of organisations: mine, apply, the public directory and page, edit, staff."""
from dataclasses import replace

from flask import Blueprint, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.masking import visible_phone
from marketplace.core.errors import DomainError, Forbidden
from marketplace.core.forms import form_status, refuse_on_form
from marketplace.core.i18n import _l
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.permissions import can_manage_organisation, role_in
from marketplace.core.urls import ID, id_arg
from marketplace.extensions import db
from marketplace.organisations import resets, services
from marketplace.organisations.forms import OfficeResetForm, OrganisationEditForm, OrganisationForm, StaffForm
from marketplace.organisations.models import ORGANISATION_TYPE_LABELS, OrganisationType
from marketplace.places.models import PlaceKind
from marketplace.places.services import list_places, place_choices, subtree_ids

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def _with_place_choices(form: OrganisationForm) -> OrganisationForm:
    form.place_id.choices = [("", _("请选择"))] + place_choices(db.session)
    return form


def _organisation_data(form: OrganisationForm) -> services.OrganisationData:
    return services.OrganisationData(
        name=form.name.data, type=form.type.data, place_id=form.place_id.data, address=form.address.data,
        contact_phone=form.contact_phone.data, office_hours=form.office_hours.data, description=form.description.data)


def _edited_organisation_data(form: OrganisationEditForm) -> services.OrganisationData:
    return replace(_organisation_data(form),
                   max_active_bookings_per_booker=form.max_active_bookings_per_booker.data or None,
                   max_hours_per_week_per_booker=form.max_hours_per_week_per_booker.data or None)


def _require_manager(org) -> None:
    if not can_manage_organisation(current_user, org):
        raise Forbidden(_l("你没有管理这个组织的权限"))


@bp.route("/")
@login_required
def mine():
    organisations = services.organisations_of(db.session, current_user)
    roles = {org.id: role_in(current_user, org) for org in organisations}
    return render_template("organisations/mine.html", organisations=organisations, roles=roles)


@bp.route("/apply", methods=["GET", "POST"])
@login_required
def apply():
    form = _with_place_choices(OrganisationForm())
    if form.validate_on_submit():
        try:
            services.apply_for_organisation(db.session, current_user, _organisation_data(form))
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            return redirect(url_for("organisations.mine", applied=1))
    return render_template("organisations/apply.html", form=form), form_status(form)


@bp.route("/directory")
def directory():
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"))
    try:
        org_type = OrganisationType(request.args.get("type", ""))
    except ValueError:
        org_type = None
    community_id = request.args.get("community", type=id_arg)
    place_ids = subtree_ids(db.session, community_id) if community_id else None
    items, total = services.list_organisations(
        db.session, type=org_type, place_ids=place_ids, page=page, per_page=per_page)
    return render_template(
        "organisations/directory.html", page=Page(items, total, page, per_page), org_type=org_type,
        community_id=community_id, communities=list_places(db.session, kind=PlaceKind.community),
        type_labels=ORGANISATION_TYPE_LABELS)


@bp.route(f"/<{ID}:org_id>")
def detail(org_id: int):
    org = services.get_visible_organisation(db.session, org_id, current_user)
    return render_template(
        "organisations/detail.html", organisation=org, listings=services.published_listings_of(db.session, org),
        can_manage=can_manage_organisation(current_user, org), is_member=role_in(current_user, org) is not None)


@bp.route(f"/<{ID}:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit(org_id: int):
    org = services.get_visible_organisation(db.session, org_id, current_user)
    _require_manager(org)
    form = _with_place_choices(OrganisationEditForm(obj=org))
    if request.method == "GET":
        form.type.data = org.type.value
    if form.validate_on_submit():
        try:
            services.update_organisation(db.session, current_user, org, _edited_organisation_data(form))
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            return redirect(url_for("organisations.detail", org_id=org.id, saved=1))
    return render_template("organisations/edit.html", form=form, organisation=org), form_status(form)


def _render_staff(org, form: StaffForm, *, error: str | None = None, status: int = 200):
    members = services.staff_of(db.session, current_user, org)
    phones = {m.user_id: visible_phone(m.user, current_user) for m in members}
    return render_template(
        "organisations/staff.html", organisation=org, members=members, phones=phones, form=form, error=error,
        can_manage=can_manage_organisation(current_user, org)), status


@bp.route(f"/<{ID}:org_id>/staff", methods=["GET", "POST"])
@login_required
def staff(org_id: int):
    org = services.get_visible_organisation(db.session, org_id, current_user)
    form = StaffForm()
    if request.method == "POST":
        _require_manager(org)
        if form.validate_on_submit():
            try:
                services.add_staff(db.session, current_user, org, form.login.data, form.role.data)
                db.session.commit()
            except DomainError as error:
                refuse_on_form(form, error)
            else:
                return redirect(url_for("organisations.staff", org_id=org.id, added=1))
    return _render_staff(org, form, status=form_status(form))


@bp.route(f"/<{ID}:org_id>/staff/<{ID}:user_id>/remove", methods=["POST"])
@login_required
def remove_staff(org_id: int, user_id: int):
    org = services.get_visible_organisation(db.session, org_id, current_user)
    _require_manager(org)
    try:
        services.remove_staff(db.session, current_user, org, user_id)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _render_staff(org, StaffForm(formdata=None), error=str(error.message), status=error.status_code)
    return redirect(url_for("organisations.staff", org_id=org.id, removed=1))


@bp.route("/password-reset", methods=["GET", "POST"])
@login_required
def office_password_reset():
    form = OfficeResetForm()
    if form.validate_on_submit():
        try:
            reset = resets.issue_office_reset(db.session, current_user, form.login.data)
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            page = make_response(render_template("organisations/password_reset_done.html", reset=reset))
            page.headers["Cache-Control"] = "no-store"  # the temporary password must not linger in a cache
            return page
    return render_template("organisations/password_reset.html", form=form), form_status(form)
