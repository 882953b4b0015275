"""HTML pages of webhooks, for organisations' staff and platform admins: the list and a form to register one,
and each endpoint's page with its delivery log, replay, secret rotation, disable/enable and delete."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.core import clock, permissions
from marketplace.core.errors import DomainError
from marketplace.core.forms import done_notice, form_status, refuse_on_form
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.urls import ID
from marketplace.core.i18n import _l
from marketplace.extensions import db
from marketplace.webhooks import services
from marketplace.webhooks.forms import EndpointForm

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

NOTICES = frozenset({"enabled", "disabled", "deleted", "replayed"})
# A page showing a secret is kept by no cache (nor the browser's back button).
NO_STORE = {"Cache-Control": "no-store"}


def _form() -> EndpointForm:
    form = EndpointForm()
    choices = [(str(org.id), org.name) for org in services.manageable_organisations(db.session, current_user)]
    if permissions.is_platform_admin(current_user):
        choices.insert(0, ("", str(_l("全平台（平台管理员）"))))
    form.organisation_id.choices = choices
    return form


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    form = _form()
    status = 200
    if form.validate_on_submit():
        try:
            endpoint = services.register_endpoint(
                db.session, current_user, services.EndpointData(form.url.data, list(form.events.data or []),
                                                                form.organisation_id.data), clock.now(),
                allow_private=current_app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"])
            db.session.commit()
            return _detail_page(endpoint, secret=endpoint.secret), 201, NO_STORE
        except DomainError as error:
            status = refuse_on_form(form, error)
    else:
        status = form_status(form) if request.method == "POST" else 200
    return render_template("webhooks/index.html", form=form, endpoints=services.list_endpoints(db.session, current_user),
                           events=services.PUBLIC_EVENTS, notice=done_notice(NOTICES)), status


@bp.route(f"/<{ID}:endpoint_id>")
@login_required
def detail(endpoint_id: int):
    return _detail_page(services.get_endpoint(db.session, current_user, endpoint_id))


def _detail_page(endpoint, *, secret: str | None = None, notice: str | None = None) -> str:
    """The endpoint's page. A new secret is shown only in the response of the POST that made it: never stored
    for a later request, so it rides in no cookie (Flask's session cookie is signed, not encrypted)."""
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"))
    deliveries, total = services.list_deliveries(db.session, current_user, endpoint.id, page=page, per_page=per_page)
    return render_template("webhooks/detail.html", endpoint=endpoint, page=Page(deliveries, total, page, per_page),
                           secret=secret, events=services.PUBLIC_EVENTS, notice=notice or done_notice(NOTICES))


def _done(endpoint_id: int, notice: str):
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint_id, notice=notice))


@bp.route(f"/<{ID}:endpoint_id>/secret", methods=["POST"])
@login_required
def rotate(endpoint_id: int):
    overlap = timedelta(hours=current_app.config["WEBHOOK_SECRET_OVERLAP_HOURS"])
    secret = services.rotate_secret(db.session, current_user, endpoint_id, clock.now(), overlap=overlap)
    db.session.commit()
    return _detail_page(services.get_endpoint(db.session, current_user, endpoint_id), secret=secret,
                        notice="rotated"), 200, NO_STORE


@bp.route(f"/<{ID}:endpoint_id>/enabled", methods=["POST"])
@login_required
def toggle(endpoint_id: int):
    enabled = request.form.get("enabled") == "1"
    services.set_enabled(db.session, current_user, endpoint_id, enabled)
    db.session.commit()
    return _done(endpoint_id, "enabled" if enabled else "disabled")


@bp.route(f"/<{ID}:endpoint_id>/delete", methods=["POST"])
@login_required
def delete(endpoint_id: int):
    services.delete_endpoint(db.session, current_user, endpoint_id)
    db.session.commit()
    return redirect(url_for("webhooks.index", notice="deleted"))


@bp.route(f"/<{ID}:endpoint_id>/deliveries/<{ID}:delivery_id>/replay", methods=["POST"])
@login_required
def replay(endpoint_id: int, delivery_id: int):
    services.replay_delivery(db.session, current_user, endpoint_id, delivery_id, clock.now())
    db.session.commit()
    return _done(endpoint_id, "replayed")
