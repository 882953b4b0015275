"""HTML pages of organisations."""
from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


@bp.route("/")
@login_required
def mine():
    return render_template("organisations/mine.html")
