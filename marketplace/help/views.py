"""The help page: how to book and cancel, what approval means, and the community offices to call."""
from flask import Blueprint, render_template

from marketplace.core.pagecache import anonymous_page
from marketplace.extensions import db
from marketplace.organisations.services import community_offices

bp = Blueprint("help", __name__)


@bp.route("/help")
@anonymous_page
def page():
    return render_template("help/page.html", offices=community_offices(db.session))
