"""HTML pages of micro-wishes: the wall, posting, one wish with what the viewer may do to it, my wishes and the
staff's review queue. Every handler parses, calls a service, commits once, renders."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, current_app, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user, login_required

from marketplace.core.errors import DomainError
from marketplace.core.forms import ButtonForm, done_notice, refuse_on_form
from marketplace.core.http import deployment_zone
from marketplace.core.i18n import _l
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.urls import ID, id_arg
from marketplace.extensions import db
from marketplace.places.models import PlaceKind
from marketplace.places.services import list_places, place_choices
from marketplace.search.sync import search_index
from marketplace.wishes import photos, services, suggestions
from marketplace.wishes.forms import ClaimForm, ConfirmForm, FulfilForm, SendBackForm, WishForm
from marketplace.wishes.models import Wish

bp = Blueprint("wishes", __name__)

NOTICES = frozenset({"posted", "edited", "confirm-posting", "approve", "send-back", "claim", "join", "release",
                     "fulfil", "confirm"})


def _rules() -> services.Rules:
    return services.Rules.from_config(current_app.config)


def _store() -> photos.PhotoStore:
    return photos.PhotoStore.from_config(current_app.config)


def _uploads(*fields) -> list[bytes]:
    """The files chosen in the form's file fields (a browser sends an empty part for a field left blank); each
    read one byte past the limit, so the check sees it is too big without reading all of it."""
    limit = _store().max_bytes + 1
    chosen = [upload for data in fields for upload in (data if isinstance(data, list) else [data])]
    return [upload.read(limit) for upload in chosen if upload and upload.filename]


@bp.route("/wishes")
def wall():
    """The public wall: no names, phones or buildings; the grid and what is needed."""
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"))
    place_id = request.args.get("place_id", type=id_arg)
    items, total = services.public_wall(db.session, place_id=place_id, page=page, per_page=per_page)
    walls = [place for place in list_places(db.session) if place.kind is not PlaceKind.building]
    return render_template("wishes/wall.html", page=Page(items, total, page, per_page), walls=walls,
                           place_id=place_id)


def _wish_form(form: WishForm) -> WishForm:
    # A wish lives in a grid or a building: the street and communities stay visible for orientation but cannot
    # be picked, rather than being refused after the resident has filled in the whole form.
    kinds = {place.id: place.kind for place in list_places(db.session)}
    form.place_id.choices = [(0, _l("请选择"), {"disabled": True})] + [
        (place_id, name, {} if kinds[place_id] in services.WISH_PLACE_KINDS else {"disabled": True})
        for place_id, name in place_choices(db.session)]
    return form


@bp.route("/wishes/new", methods=["GET", "POST"])
@login_required
def new():
    """Post a wish (GET: the form); community staff may post for a resident."""
    form = _wish_form(WishForm() if request.method == "POST" else WishForm(formdata=None))
    home = current_user.home_place
    if request.method == "GET" and home is not None and home.kind in services.WISH_PLACE_KINDS:
        form.place_id.data = home.id
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                wish = services.post_wish(db.session, current_user, services.WishInput(
                    title=form.title.data, need=form.need.data, needed_by=form.needed_by.data,
                    place_id=form.place_id.data, resident_login=(form.resident_login.data or "").strip() or None,
                    confirmed_in_person=form.confirmed_in_person.data), rules=_rules())
                if uploads := _uploads(form.photo.data):
                    photos.add_photos(db.session, current_user, wish, uploads, store=_store())
                db.session.commit()
            except DomainError as error:
                status = refuse_on_form(form, error)
            else:
                return redirect(url_for("wishes.detail", wish_id=wish.id, notice="posted"))
    return render_template("wishes/form.html", form=form, max_photo_mb=_store().max_bytes // (1024 * 1024),
                           for_residents=services.is_office_staff(db.session, current_user)), status


@bp.route(f"/wishes/<{ID}:wish_id>/edit", methods=["GET", "POST"])
@login_required
def edit(wish_id: int):
    """Change a wish not yet on the wall (its poster); a sent-back one goes back for review."""
    wish = services.get_wish(db.session, wish_id, viewer=current_user)
    form = _wish_form(WishForm() if request.method == "POST" else WishForm(formdata=None, obj=wish))
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                services.edit_wish(db.session, current_user, wish, services.WishChanges(
                    title=form.title.data, need=form.need.data, needed_by=form.needed_by.data,
                    place_id=form.place_id.data), rules=_rules())
                db.session.commit()
            except DomainError as error:
                status = refuse_on_form(form, error)
                wish = services.get_wish(db.session, wish_id, viewer=current_user)
            else:
                return redirect(url_for("wishes.detail", wish_id=wish.id, notice="edited"))
    return render_template("wishes/form.html", form=form, wish=wish, for_residents=False), status


def _claim_form(form: ClaimForm) -> ClaimForm:
    form.group_id.choices = [(0, _l("我自己"))] + [
        (group.id, _l("小组：%(name)s", name=group.name)) for group in services.groups_led_by(db.session, current_user)]
    return form


def _forms(**refused) -> dict:
    forms = {"send_back_form": SendBackForm(formdata=None), "fulfil_form": FulfilForm(formdata=None),
             "confirm_form": ConfirmForm(formdata=None), "claim_form": ClaimForm(formdata=None)}
    forms.update(refused)
    _claim_form(forms["claim_form"])
    return forms


def _render_detail(wish: Wish, status: int = 200, **refused):
    forms = _forms(**refused)
    may_join = services.may_claim(current_user)
    suggested = (suggestions.suggestions_for(db.session, search_index(), current_user, wish, zone=deployment_zone())
                 if suggestions.may_see_suggestions(db.session, current_user, wish) else None)
    return render_template("wishes/detail.html", wish=wish, notice=done_notice(NOTICES), suggested=suggested,
                           details=services.may_see_details(db.session, current_user, wish),
                           reviewer=services.can_review(db.session, current_user, wish),
                           may_claim=may_join or len(forms["claim_form"].group_id.choices) > 1, may_join=may_join,
                           co_claimer_ids=services.co_claimer_ids(wish), **forms), status


@bp.route(f"/wishes/<{ID}:wish_id>")
def detail(wish_id: int):
    return _render_detail(services.get_wish(db.session, wish_id, viewer=current_user))


@bp.route(f"/wishes/<{ID}:wish_id>/photos/<{ID}:photo_id>")
def photo(wish_id: int, photo_id: int):
    """A wish's photo, for those who may see its details only; never cached by shared caches."""
    shown = photos.photo_file(db.session, current_user, wish_id, photo_id)
    response = send_from_directory(_store().folder, shown.filename, mimetype=shown.content_type)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _fulfil(wish: Wish, form: FulfilForm) -> None:
    """Done first, then the photo: a refused note or hours leaves no photo stored for nothing."""
    services.fulfil_wish(db.session, current_user, wish, form.note.data, _hours(form.hours.data))
    if uploads := _uploads(form.photo.data):
        photos.add_photos(db.session, current_user, wish, uploads, store=_store())


def _hours(text):
    try:
        return Decimal(text.strip())
    except (AttributeError, InvalidOperation):
        return None


# Each action: (form class or None for a bare button, the form's name on the page, the service call).
ACTIONS = {
    "confirm-posting": (None, None, lambda wish, form: services.confirm_posting(db.session, current_user, wish)),
    "approve": (None, None, lambda wish, form: services.approve_wish(db.session, current_user, wish,
                                                                     rules=_rules())),
    "send-back": (SendBackForm, "send_back_form",
                  lambda wish, form: services.send_back_wish(db.session, current_user, wish, form.reason.data)),
    "claim": (ClaimForm, "claim_form", lambda wish, form: services.claim_wish(
        db.session, current_user, wish, rules=_rules(), group_id=form.group_id.data)),
    "join": (None, None, lambda wish, form: services.join_wish(db.session, current_user, wish)),
    "release": (None, None, lambda wish, form: services.release_wish(db.session, current_user, wish,
                                                                     rules=_rules())),
    "fulfil": (FulfilForm, "fulfil_form", _fulfil),
    "confirm": (ConfirmForm, "confirm_form", lambda wish, form: services.confirm_wish(
        db.session, current_user, wish, thanks=form.thanks.data or "", rating=form.rating.data)),
}


def _act(wish_id: int, action: str):
    """Do the action from the wish's page: done → back to the page with its notice; refused → the page again with
    the refusal on the form sent (or at the top for a bare button)."""
    form_class, form_name, act = ACTIONS[action]
    form = (form_class or ButtonForm)()
    wish = services.get_wish(db.session, wish_id, viewer=current_user)
    status = 422
    if form.validate_on_submit():
        try:
            act(wish, form)
            db.session.commit()
        except DomainError as error:
            status = refuse_on_form(form, error)
            wish = services.get_wish(db.session, wish_id, viewer=current_user)
        else:
            return redirect(url_for("wishes.detail", wish_id=wish.id, notice=action))
    refused = {form_name: form} if form_name else {"action_errors": form.form_errors or
                                                   [error for errors in form.errors.values() for error in errors]}
    return _render_detail(wish, status, **refused)


def _register(action: str) -> None:
    view = login_required(lambda wish_id: _act(wish_id, action))
    bp.add_url_rule(f"/wishes/<{ID}:wish_id>/{action}", endpoint=action.replace("-", "_"), view_func=view,
                    methods=["POST"])


for _action in ACTIONS:
    _register(_action)


@bp.route("/wishes/mine")
@login_required
def mine():
    """My wishes, those staff posted for me that wait for my word, and (community staff) the wishes to review."""
    staff = services.is_office_staff(db.session, current_user)
    return render_template("wishes/mine.html", wishes=services.wishes_of(db.session, current_user),
                           to_confirm=services.awaiting_my_confirmation(db.session, current_user),
                           queue=services.review_queue(db.session, current_user) if staff else None)
