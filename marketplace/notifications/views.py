"""HTML pages of notifications: the inbox (opening one marks it read), mark all read, the preferences, and the
unread count in the header of every page."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from marketplace.core import clock
from marketplace.core.forms import done_notice
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.urls import ID, safe_next_url
from marketplace.extensions import db
from marketplace.notifications import services
from marketplace.notifications.forms import PreferencesForm
from marketplace.notifications.services import PREFERENCE_FIELDS

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def unread_badge():
    """``unread_notifications()`` for base.html: one COUNT, asked only for signed-in users."""

    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(db.session, current_user.id)

    return {"unread_notifications": unread_notifications}


@bp.route("/")
@login_required
def inbox():
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"))
    items, total = services.list_notifications(db.session, current_user, page=page, per_page=per_page)
    return render_template("notifications/inbox.html", page=Page(items, total, page, per_page))


@bp.route(f"/<{ID}:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int):
    notification = services.open_notification(db.session, current_user, notification_id, now=clock.now())
    link = notification.link
    db.session.commit()
    return redirect(safe_next_url(link) or url_for("notifications.inbox"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    services.mark_read(db.session, current_user, None, now=clock.now())
    db.session.commit()
    return redirect(url_for("notifications.inbox"))


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    form = PreferencesForm(obj=services.preferences_of(db.session, current_user.id))
    if form.validate_on_submit():
        services.update_preferences(db.session, current_user, {name: form[name].data for name in PREFERENCE_FIELDS})
        db.session.commit()
        return redirect(url_for("notifications.preferences", notice="saved"))
    return render_template("notifications/preferences.html", form=form, notice=done_notice({"saved"}))
