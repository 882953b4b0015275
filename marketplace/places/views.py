"""Browsing the community tree."""
from flask import Blueprint, render_template

from marketplace.extensions import db
from marketplace.places import services
from marketplace.places.models import PlaceKind

bp = Blueprint("places", __name__, url_prefix="/places")


@bp.route("/")
def tree():
    streets = services.list_places(db.session, kind=PlaceKind.street)
    return render_template("places/tree.html", streets=streets)
