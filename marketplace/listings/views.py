"""HTML pages of listings: home, browse, detail, and the provider's editing pages."""
from flask import Blueprint, abort, current_app, render_template, request, send_from_directory
from flask_login import current_user, login_required

from marketplace.core.errors import DomainError
from marketplace.core.pagination import Page, clamp_page
from marketplace.extensions import db
from marketplace.listings import services
from marketplace.listings.models import ListingKind
from marketplace.places.services import list_places
from marketplace.places.models import PlaceKind

bp = Blueprint("listings", __name__)


@bp.route("/")
def home():
    listings, total = services.browse_listings(db.session, per_page=12)
    return render_template("listings/home.html", listings=listings, total=total)


@bp.route("/listings")
def browse():
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"))
    kind = request.args.get("kind") or None
    if kind not in (None, *[k.value for k in ListingKind]):
        kind = None
    place_id = request.args.get("place", type=int)
    try:
        items, total = services.browse_listings(db.session, kind=kind, place_id=place_id, page=page, per_page=per_page)
    except DomainError:
        items, total, place_id = [], 0, None
    communities = list_places(db.session, kind=PlaceKind.community)
    return render_template("listings/browse.html", page=Page(items, total, page, per_page), kind=kind,
                           place_id=place_id, communities=communities)


@bp.route("/listings/<int:listing_id>")
def detail(listing_id: int):
    listing = services.get_listing(db.session, listing_id, viewer=current_user)
    return render_template("listings/detail.html", listing=listing)


@bp.route("/manage/listings")
@login_required
def manage():
    return render_template("listings/manage.html", listings=services.listings_managed_by(db.session, current_user))


@bp.route("/uploads/<path:filename>")
def photo(filename: str):
    if "/" in filename or filename.startswith("."):
        abort(404)
    return send_from_directory(current_app.config["UPLOAD_DIR"], filename, max_age=86400)
