"""Pages for people's own data: download, delete my account, 代办记录, and the privacy notice."""
import json

from flask import Blueprint, Response, redirect, render_template, url_for
from flask_login import current_user, login_required

from marketplace.accounts.signin import sign_out
from marketplace.bookings.views import ics_response
from marketplace.core import clock
from marketplace.core.errors import DomainError
from marketplace.core.forms import form_status, refuse_on_form
from marketplace.extensions import db
from marketplace.privacy import services
from marketplace.privacy.api import erasure_now, personal_data
from marketplace.privacy.forms import DeleteAccountForm

bp = Blueprint("privacy", __name__)


@bp.route("/privacy")
def notice():
    return render_template("privacy/notice.html")


def _page(form: DeleteAccountForm):
    return render_template("privacy/my_data.html", form=form, actions=services.ON_BEHALF_ACTIONS,
                           on_behalf=services.on_behalf_records(db.session, current_user)), form_status(form)


@bp.route("/profile/data")
@login_required
def my_data():
    return _page(DeleteAccountForm(formdata=None))


@bp.route("/profile/data/export.json")
@login_required
def export_json():
    body = json.dumps(personal_data(current_user._get_current_object()), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{current_user.id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/profile/data/calendar.ics")
@login_required
def export_calendar():
    body = services.calendar_of(db.session, current_user, now=clock.now(), booking_url=lambda booking: url_for(
        "bookings.detail", booking_id=booking.id, _external=True))
    return ics_response(body, "my-bookings.ics")


@bp.route("/profile/delete", methods=["POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(db.session, current_user._get_current_object(), form.password.data, erasure_now())
            db.session.commit()
        except DomainError as error:
            refuse_on_form(form, error)
        else:
            sign_out()
            return redirect(url_for("privacy.notice", deleted=1))
    return _page(form)
