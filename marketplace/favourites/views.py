"""HTML pages of favourites: 我的收藏, and the save / un-save buttons on listing pages and cards (their CSRF
token is checked by CSRFProtect, as for every POST)."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.core.pagination import Page, clamp_page
from marketplace.core.urls import ID, safe_next_url
from marketplace.extensions import db
from marketplace.favourites import services

bp = Blueprint("favourites", __name__, url_prefix="/favourites")


@bp.app_template_global()
def saved_listing_ids() -> frozenset[int] | None:
    """The signed-in user's saved listing ids, read once per request; None for visitors (no button)."""
    if not current_user.is_authenticated:
        return None
    if "saved_listing_ids" not in g:
        g.saved_listing_ids = services.saved_listing_ids(db.session, current_user)
    return g.saved_listing_ids


@bp.route("/")
@login_required
def mine():
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"))
    favourites, total = services.list_favourites(db.session, current_user, page=page, per_page=per_page)
    return render_template("favourites/mine.html", page=Page(favourites, total, page, per_page))


def _back(listing_id: int):
    return redirect(safe_next_url(request.form.get("next")) or url_for("listings.detail", listing_id=listing_id))


@bp.route(f"/<{ID}:listing_id>", methods=["POST"])
@login_required
def save(listing_id: int):
    services.save_listing(db.session, current_user, listing_id)
    db.session.commit()
    return _back(listing_id)


@bp.route(f"/<{ID}:listing_id>/remove", methods=["POST"])
@login_required
def remove(listing_id: int):
    services.remove_listing(db.session, current_user, listing_id)
    db.session.commit()
    return _back(listing_id)
