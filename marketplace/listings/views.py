"""HTML pages of listings: home, browse, detail, and the provider's editing pages."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.bookings.widget import build_widget
from marketplace.core.errors import DomainError, NotFound
from marketplace.core.forms import done_notice, form_status, refuse_on_form
from marketplace.core.http import local_today
from marketplace.core.images import discard_stored_image
from marketplace.core.pagecache import anonymous_page
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.permissions import can_edit_listing, can_moderate_listing, can_publish_listing
from marketplace.core.urls import ID, id_arg
from marketplace.extensions import db
from marketplace.listings import photos as listing_photos
from marketplace.listings import present
from marketplace.listings import services
from marketplace.listings.contact import provider_contact
from marketplace.listings.forms import (SELF_PROVIDER, ExceptionForm, HoursForm, ListingForm, NewListingForm, PhotoForm,
                                        SuspendForm, listing_form_defaults, provider_value)
from marketplace.listings.models import FACILITIES, WEEKDAY_LABELS, ListingKind
from marketplace.organisations.services import organisations_of
from marketplace.places.models import PlaceKind
from marketplace.places.services import list_places, place_choices
from marketplace.search.views import for_you_listings

bp = Blueprint("listings", __name__)
bp.add_app_template_global(provider_contact, "provider_contact")

HOME_NOTICES = {"logged_out"}
NOTICES = {"created", "saved", "published", "suspended", "hours", "exception_added", "exception_removed",
           "photo_added", "photo_removed"}


@bp.context_processor
def listing_vocabulary():
    return {"weekday_labels": WEEKDAY_LABELS, "facility_labels": FACILITIES}


# Globals rather than a context processor, so that imported macros (which get no context) can use them.
bp.add_app_template_global(present.listing_icon, "listing_icon")
bp.add_app_template_global(present.icon, "icon")
bp.add_app_template_global(present.place_label, "place_label")
bp.add_app_template_filter(present.duration_label, "duration_label")


@bp.app_template_filter("duration_range")
def duration_range(listing) -> str:
    return present.duration_range_label(listing.min_duration_minutes, listing.max_duration_minutes)


@bp.route("/")
@anonymous_page
def home():
    listings, total = services.browse_listings(db.session, per_page=12)
    return render_template("listings/home.html", listings=listings, total=total,
                           recommendations=for_you_listings(shown={listing.id for listing in listings}),
                           notice=done_notice(HOME_NOTICES))


@bp.route("/listings")
@anonymous_page
def browse():
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"),
                                current_app.config["PAGE_SIZE"])
    kind = request.args.get("kind") or None
    if kind not in {k.value for k in ListingKind}:
        kind = None
    community_id = request.args.get("community", type=id_arg)
    grid_id = request.args.get("grid", type=id_arg)
    place_id = request.args.get("place", type=id_arg)
    grids = list_places(db.session, kind=PlaceKind.grid, parent_id=community_id) if community_id else []
    if community_id and grid_id not in {grid.id for grid in grids}:
        grid_id = None  # a grid left selected from another community after the community changed
    items, total = services.browse_listings(db.session, kind=kind, place_id=grid_id or community_id or place_id,
                                            page=page, per_page=per_page)
    communities = list_places(db.session, kind=PlaceKind.community)
    filters = {"kind": kind, "community": community_id, "grid": grid_id, "place": place_id,
               "per_page": per_page if per_page != current_app.config["PAGE_SIZE"] else None}
    return render_template("listings/browse.html", page=Page(items, total, page, per_page), kind=kind,
                           communities=communities, grids=grids, community_id=community_id, grid_id=grid_id,
                           filters=filters)


def _render_detail(listing, *, action_error: str | None = None, suspend_form=None, status: int = 200):
    return render_template(
        "listings/detail.html", listing=listing, today=local_today(), widget=build_widget(listing),
        can_edit=can_edit_listing(current_user, listing), can_moderate=can_moderate_listing(current_user, listing),
        can_publish=can_publish_listing(current_user, listing),
        suspend_form=suspend_form or SuspendForm(formdata=None), notice=done_notice(NOTICES),
        action_error=action_error,
    ), status


@bp.route(f"/listings/<{ID}:listing_id>")
@anonymous_page
def detail(listing_id: int):
    return _render_detail(services.get_listing_for_page(db.session, listing_id, viewer=current_user,
                                                        exceptions_from=local_today()))


@bp.route("/manage/listings")
@login_required
def manage():
    return render_template("listings/manage.html", listings=services.listings_managed_by(db.session, current_user),
                           organisations=organisations_of(db.session, current_user))


def _provider_choices() -> list[tuple[str, str]]:
    choices = []
    for organisation in organisations_of(db.session, current_user):
        label = organisation.name if organisation.is_verified else _("%(name)s（待认证，可先保存草稿）",
                                                                     name=organisation.name)
        choices.append((provider_value(organisation.id), label))
    if current_user.is_volunteer:
        choices.append((SELF_PROVIDER, _("我自己（个人志愿者，仅技能或服务）")))
    return choices


def _place_choices():
    return [("", _("请选择"))] + place_choices(db.session)


@bp.route("/manage/listings/new", methods=["GET", "POST"])
@login_required
def create():
    form = NewListingForm(data=None if request.method == "POST" else listing_form_defaults(None))
    form.provider.choices = _provider_choices()
    form.place_id.choices = _place_choices()
    if form.validate_on_submit():
        try:
            listing = services.create_listing(db.session, current_user, form.to_data(),
                                              organisation_id=form.organisation_id())
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            return redirect(url_for("listings.hours", listing_id=listing.id, notice="created"))
    return render_template("listings/edit.html", form=form, listing=None), form_status(form)


@bp.route(f"/manage/listings/<{ID}:listing_id>/edit", methods=["GET", "POST"])
@login_required
def edit(listing_id: int):
    listing = services.get_listing_for_edit(db.session, listing_id, current_user)
    form = ListingForm(data=None if request.method == "POST" else listing_form_defaults(listing))
    form.place_id.choices = _place_choices()
    if form.validate_on_submit():
        try:
            services.update_listing(db.session, current_user, listing, form.to_data())
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            return redirect(url_for("listings.detail", listing_id=listing.id, notice="saved"))
    return render_template("listings/edit.html", form=form, listing=listing), form_status(form)


@bp.route(f"/manage/listings/<{ID}:listing_id>/hours", methods=["GET", "POST"])
@login_required
def hours(listing_id: int):
    listing = services.get_listing_for_edit(db.session, listing_id, current_user)
    form = HoursForm(data=None if request.method == "POST" else HoursForm.defaults(listing))
    if form.validate_on_submit():
        try:
            services.set_opening_hours(db.session, current_user, listing, form.intervals())
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            return redirect(url_for("listings.hours", listing_id=listing.id, notice="hours"))
    return render_template("listings/hours.html", form=form, listing=listing, notice=done_notice(NOTICES),
                           crowded_days=HoursForm.crowded_days(listing)), form_status(form)


@bp.route(f"/manage/listings/<{ID}:listing_id>/exceptions", methods=["GET", "POST"])
@login_required
def exceptions(listing_id: int):
    listing = services.get_listing_for_edit(db.session, listing_id, current_user)
    form = ExceptionForm()
    if form.validate_on_submit():
        try:
            services.add_exception(db.session, current_user, listing, form.to_data())
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            return redirect(url_for("listings.exceptions", listing_id=listing.id, notice="exception_added"))
    return render_template("listings/exceptions.html", form=form, listing=listing,
                           notice=done_notice(NOTICES)), form_status(form)


@bp.route(f"/manage/listings/<{ID}:listing_id>/exceptions/<{ID}:exception_id>/delete", methods=["POST"])
@login_required
def delete_exception(listing_id: int, exception_id: int):
    listing = services.get_listing_for_edit(db.session, listing_id, current_user)
    services.remove_exception(db.session, current_user, listing, exception_id)
    db.session.commit()
    return redirect(url_for("listings.exceptions", listing_id=listing.id, notice="exception_removed"))


@bp.route(f"/manage/listings/<{ID}:listing_id>/photos", methods=["GET", "POST"])
@login_required
def photos(listing_id: int):
    listing = services.get_listing_for_edit(db.session, listing_id, current_user)
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            listing_photos.add_photo(db.session, current_user, listing, form.photo.data.read(),
                                     upload_dir=current_app.config["UPLOAD_DIR"],
                                     max_bytes=current_app.config["MAX_PHOTO_BYTES"])
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            return redirect(url_for("listings.photos", listing_id=listing.id, notice="photo_added"))
    return render_template("listings/photos.html", form=form, listing=listing,
                           max_photo_mb=current_app.config["MAX_PHOTO_BYTES"] // (1024 * 1024),
                           max_photos=listing_photos.MAX_PHOTOS_PER_LISTING,
                           notice=done_notice(NOTICES)), form_status(form)


@bp.route(f"/manage/listings/<{ID}:listing_id>/photos/<{ID}:photo_id>/delete", methods=["POST"])
@login_required
def delete_photo(listing_id: int, photo_id: int):
    listing = services.get_listing_for_edit(db.session, listing_id, current_user)
    filename = listing_photos.remove_photo(db.session, current_user, listing, photo_id)
    db.session.commit()
    discard_stored_image(current_app.config["UPLOAD_DIR"], filename)
    return redirect(url_for("listings.photos", listing_id=listing.id, notice="photo_removed"))


@bp.route(f"/manage/listings/<{ID}:listing_id>/publish", methods=["POST"])
@login_required
def publish(listing_id: int):
    listing = services.get_listing(db.session, listing_id, viewer=current_user)
    try:
        services.publish_listing(db.session, current_user, listing)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return _render_detail(listing, action_error=str(error.message), status=error.status_code)
    return redirect(url_for("listings.detail", listing_id=listing.id, notice="published"))


@bp.route(f"/manage/listings/<{ID}:listing_id>/suspend", methods=["POST"])
@login_required
def suspend(listing_id: int):
    listing = services.get_listing(db.session, listing_id, viewer=current_user)
    form = SuspendForm()
    if form.validate_on_submit():
        try:
            services.suspend_listing(db.session, current_user, listing, form.reason.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            return _render_detail(listing, action_error=str(error.message), suspend_form=form,
                                  status=error.status_code)
        return redirect(url_for("listings.detail", listing_id=listing.id, notice="suspended"))
    return _render_detail(listing, suspend_form=form, status=422)


@bp.route("/uploads/<path:filename>")
def photo(filename: str):
    if "/" in filename or filename.startswith("."):
        raise NotFound(_("找不到这张图片"))
    return send_from_directory(current_app.config["UPLOAD_DIR"], filename, max_age=86400)
