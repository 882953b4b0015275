"""HTML pages of bookings: the booking page, the taken-slot alternatives, series, my bookings, the provider's
inbox, booking detail and decisions, the listing calendar, and the iCalendar feeds.

Every handler parses, calls the booking services, commits once and renders.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from marketplace.bookings import checkin, conversation, feeds, ical, services
from marketplace.bookings import series as series_services
from marketplace.bookings.actions import available_actions
from marketplace.bookings.availability import SlotTaken
from marketplace.bookings.doorcode import todays_door_token
from marketplace.bookings.forms import (SCOPE_LABELS, ApproveForm, BookingForm, MessageForm, ReasonForm, RejectForm,
                                        SeriesCancelForm, SeriesForm)
from marketplace.bookings.inbox import is_provider, request_inbox
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.bookings.permissions import can_provide, can_read_conversation, takes_part_in_conversation
from marketplace.bookings.states import ACTION_LABELS
from marketplace.bookings.widget import (DAYS_PER_WEEK, Week, build_widget, duration_choices, group_by_day,
                                         group_choices, parse_day, week_bounds)
from marketplace.core import clock
from marketplace.core.errors import DomainError, Forbidden, NotFound, TooManyAttempts, ValidationFailed
from marketplace.core.forms import ButtonForm, done_notice, refuse_on_form
from marketplace.core.http import deployment_zone, local_today
from marketplace.core.i18n import _l
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.urls import ID, id_arg
from marketplace.core.zones import NonexistentLocalTime, to_local, to_utc
from marketplace.extensions import db
from marketplace.listings.models import WEEKDAY_LABELS
from marketplace.listings.present import duration_label
from marketplace.listings.services import get_listing

bp = Blueprint("bookings", __name__)

NOTICES = {"booked", "requested", "cancelled", "approved", "rejected", "checked_in", "no_show", "series_booked",
           "feed_reset", "feed_on", "message_sent", "served_by"}
WHEN_TABS = ("upcoming", "past", "served")


@bp.app_context_processor
def booking_helpers():
    def shows_booking_inbox() -> bool:
        if not current_user.is_authenticated:
            return False
        if "shows_booking_inbox" not in g:
            g.shows_booking_inbox = is_provider(db.session, current_user)
        return g.shows_booking_inbox

    return {"booking_widget": build_widget, "shows_booking_inbox": shows_booking_inbox,
            "booking_weekdays": WEEKDAY_LABELS, "approval_note": services.approval_note}


@bp.app_template_filter("booking_duration")
def booking_duration(minutes: int) -> str:
    return duration_label(minutes)


@bp.app_template_filter("in_deployment_zone")
def in_deployment_zone(instant: datetime) -> datetime:
    """An aware UTC instant as wall-clock time in the deployment's zone, for display."""
    return to_local(instant, deployment_zone())


@bp.context_processor
def booking_vocabulary():
    return {"scope_labels": SCOPE_LABELS, "event_labels": ACTION_LABELS}


def _booking_request(listing, form: BookingForm) -> services.BookingRequest:
    start = form.start.data
    try:
        end = start + timedelta(minutes=form.duration.data)
    except OverflowError:
        raise ValidationFailed("duration", _l("时长超出范围")) from None
    return services.BookingRequest(
        listing_id=listing.id, start=start, end=end, seats=1 if form.seats.data is None else form.seats.data,
        group_id=form.group_id.data, purpose=form.purpose.data or "")


def _render_taken(listing, form: BookingForm, taken: SlotTaken):
    alternatives = taken.details.get("alternatives") or {"same_day": [], "other_days": [], "similar_listings": []}
    for kind in ("same_day", "other_days", "similar_listings"):
        for alternative in alternatives.get(kind, []):
            alternative["start_at"] = datetime.fromisoformat(alternative["start"])
            alternative["end_at"] = datetime.fromisoformat(alternative["end"])
    return render_template("bookings/taken.html", listing=listing, form=form, message=str(taken.message),
                           alternatives=alternatives), 409


@bp.route(f"/listings/<{ID}:listing_id>/book", methods=["GET", "POST"])
@login_required
def book(listing_id: int):
    listing = get_listing(db.session, listing_id, viewer=current_user)
    if request.method == "GET":
        return render_template("bookings/book.html", listing=listing, widget=build_widget(listing),
                               chosen=request.args.get("start"))
    form = BookingForm()
    form.group_id.choices = group_choices()
    status = 422
    if form.validate_on_submit():
        try:
            booking_request = _booking_request(listing, form)
            booking = services.create_booking(db.session, current_user, booking_request, zone=deployment_zone())
            db.session.commit()
        except SlotTaken as taken:
            db.session.rollback()
            return _render_taken(listing, form, taken)
        except DomainError as error:
            status = refuse_on_form(form, error)
        else:
            notice = "booked" if booking.status is BookingStatus.confirmed else "requested"
            return redirect(url_for("bookings.detail", booking_id=booking.id, notice=notice))
    return render_template("bookings/book.html", listing=listing, widget=build_widget(listing, form),
                           chosen=request.form.get("start")), status


def _series_request(listing, form: SeriesForm) -> series_services.SeriesRequest:
    zone = deployment_zone()
    try:
        start = to_utc(datetime.combine(form.first_day.data, form.start_time.data), zone)
    except NonexistentLocalTime:
        raise ValidationFailed("start_time", _l("这一天的这个时间因夏令时调整并不存在，请换一个时间")) from None
    try:
        end = start + timedelta(minutes=form.duration.data)
    except OverflowError:
        raise ValidationFailed("duration", _l("时长超出范围")) from None
    until, count = form.bounds()
    return series_services.SeriesRequest(
        listing_id=listing.id, start=start, end=end, frequency=form.frequency.data, until=until, count=count,
        seats=1 if form.seats.data is None else form.seats.data, group_id=form.group_id.data,
        purpose=form.purpose.data or "")


@bp.route(f"/listings/<{ID}:listing_id>/series", methods=["GET", "POST"])
@login_required
def series_new(listing_id: int):
    """Step 1: describe the series; step 2 (``action=preview``): every date free or why not; step 3 (``book``)."""
    listing = get_listing(db.session, listing_id, viewer=current_user)
    if request.method == "GET":
        first_opening = min((hours.opens for hours in listing.opening_hours), default=time(9))
        form = SeriesForm(formdata=None, data={"duration": listing.min_duration_minutes, "count": 4, "seats": 1,
                                               "first_day": local_today() + timedelta(days=1),
                                               "start_time": first_opening})
        form.group_id.choices = group_choices()
        return render_template("bookings/series_new.html", listing=listing, form=form,
                               durations=duration_choices(listing), preview=None)
    form = SeriesForm()
    form.group_id.choices = group_choices()
    preview, status = None, 422
    if form.validate_on_submit():
        try:
            series_request = _series_request(listing, form)
            if request.form.get("action") == "book":
                series, _preview = series_services.create_series(db.session, current_user, series_request,
                                                                 mode="all_free", zone=deployment_zone())
                db.session.commit()
                return redirect(url_for("bookings.series_detail", series_id=series.id, notice="series_booked"))
            preview = series_services.preview_series(db.session, current_user, series_request,
                                                     zone=deployment_zone())
            status = 200
        except DomainError as error:
            status = refuse_on_form(form, error)
    return render_template("bookings/series_new.html", listing=listing, form=form, durations=duration_choices(listing),
                           preview=preview), status


def _series_page(series, *, result=None, form=None, status=200):
    now = clock.now()
    actions = {booking.id: available_actions(current_user, booking, now) for booking in series.bookings}
    return render_template("bookings/series.html", series=series, actions=actions, result=result,
                           form=form, notice=done_notice(NOTICES), now=now), status


@bp.route(f"/series/<{ID}:series_id>")
@login_required
def series_detail(series_id: int):
    return _series_page(series_services.get_series(db.session, series_id, viewer=current_user))


@bp.route(f"/series/<{ID}:series_id>/cancel", methods=["GET", "POST"])
@login_required
def series_cancel(series_id: int):
    """Confirm, then cancel one occurrence, this and the later ones, or the whole rest of the series."""
    series = series_services.get_series(db.session, series_id, viewer=current_user)
    if request.method == "GET":
        scope = request.args.get("scope", "occurrence")
        form = SeriesCancelForm(formdata=None, data={"scope": scope if scope in SCOPE_LABELS else "occurrence",
                                                     "booking_id": request.args.get("booking_id", type=id_arg)})
        return render_template("bookings/series_cancel.html", series=series, form=form)
    form = SeriesCancelForm()
    status = 422
    if form.validate_on_submit():
        try:
            series = series_services.get_series(db.session, series_id, viewer=current_user)
            result = series_services.cancel_series(db.session, current_user, series, scope=form.scope.data,
                                                   booking_id=form.booking_id.data, reason=form.reason.data or "")
            db.session.commit()
        except DomainError as error:
            status = refuse_on_form(form, error)
            series = series_services.get_series(db.session, series_id, viewer=current_user)
        else:
            return _series_page(series, result=result)
    return render_template("bookings/series_cancel.html", series=series, form=form), status


@bp.route("/bookings")
@login_required
def mine():
    when = request.args.get("when") if request.args.get("when") in WHEN_TABS else "upcoming"
    page, per_page = clamp_page(request.args.get("page"), request.args.get("per_page"),
                                current_app.config["PAGE_SIZE"])
    items, total = services.list_my_bookings(db.session, current_user, when=when, page=page, per_page=per_page)
    now = clock.now()
    actions = {booking.id: available_actions(current_user, booking, now) for booking in items}
    # ``tab``, not ``when``: the template imports a ``when`` macro, which would hide a variable of that name.
    return render_template("bookings/mine.html", page=Page(items, total, page, per_page), tab=when,
                           actions=actions, notice=done_notice(NOTICES))


def conversation_rules() -> conversation.ConversationRules:
    return conversation.ConversationRules.from_config(current_app.config)


def _conversation_of(booking, message_form=None) -> dict | None:
    """What the booking page shows of its conversation: a page of messages (the latest unless ``?page=`` says
    otherwise) and, for those who take part while it is open, the form; None for those who may not read it."""
    if not can_read_conversation(current_user, booking):
        return None
    per_page = current_app.config["PAGE_SIZE"]
    if request.args.get("page") is None:
        page = max(1, -(-conversation.count_messages(db.session, booking) // per_page))
    else:
        page, per_page = clamp_page(request.args.get("page"), per_page, per_page)
    messages, total = conversation.list_messages(db.session, current_user, booking, page=page, per_page=per_page)
    rules = conversation_rules()
    return {"page": Page(messages, total, page, per_page),
            "takes_part": takes_part_in_conversation(current_user, booking),
            "open": conversation.is_open(booking, rules), "open_days": rules.open_after.days,
            "form": message_form or MessageForm(formdata=None, prefix="message")}


def _render_detail(booking, *, reject_form=None, approve_form=None, message_form=None, status=200):
    return render_template(
        "bookings/detail.html", booking=booking, actions=available_actions(current_user, booking, clock.now()),
        is_provider=can_provide(current_user, booking.listing), notice=done_notice(NOTICES),
        reject_form=reject_form or RejectForm(formdata=None, prefix="reject"),
        approve_form=approve_form or ApproveForm(formdata=None, prefix="approve"), action_form=ButtonForm(),
        conversation=_conversation_of(booking, message_form),
    ), status


@bp.route(f"/bookings/<{ID}:booking_id>")
@login_required
def detail(booking_id: int):
    return _render_detail(services.get_booking(db.session, booking_id, viewer=current_user))


@bp.route(f"/bookings/<{ID}:booking_id>/messages", methods=["POST"])
@login_required
def post_message(booking_id: int):
    """Write in the booking's conversation, then back to it (a refusal shows the page with the text kept)."""
    booking = services.get_booking(db.session, booking_id, viewer=current_user)
    form = MessageForm(prefix="message")
    if not form.validate_on_submit():
        raise ValidationFailed(None, _l("页面已过期，请刷新后重试"))
    headers = {}
    try:
        conversation.post_message(db.session, current_user, booking, form.text.data, rules=conversation_rules())
        db.session.commit()
    except DomainError as error:
        status = refuse_on_form(form, error)
        if isinstance(error, TooManyAttempts):
            headers["Retry-After"] = str(error.retry_after)
    else:
        return redirect(url_for("bookings.detail", booking_id=booking.id, notice="message_sent",
                                _anchor="conversation"))
    booking = services.get_booking(db.session, booking_id, viewer=current_user)
    page, status = _render_detail(booking, message_form=form, status=status)
    return page, status, headers


def _booking_for_action(booking_id: int) -> Booking:
    """The booking an action names; NotFound only when there is none, so that the service's permission check
    answers an outsider with 403."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound(_l("找不到这个预约"))
    return booking


def _after_decision(booking: Booking, notice: str):
    if request.form.get("back") == "inbox":
        return redirect(url_for("bookings.requests", notice=notice))
    return redirect(url_for("bookings.detail", booking_id=booking.id, notice=notice))


@bp.route(f"/bookings/<{ID}:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(booking_id: int):
    """A confirmation page, then the cancellation (the booker before the cutoff; the provider with a reason)."""
    if request.method == "GET":
        booking = services.get_booking(db.session, booking_id, viewer=current_user)
        return render_template("bookings/cancel.html", booking=booking, form=ReasonForm(formdata=None),
                               is_provider=can_provide(current_user, booking.listing))
    form = ReasonForm()
    status = 422
    if form.validate_on_submit():
        try:
            booking = _booking_for_action(booking_id)
            services.cancel_booking(db.session, current_user, booking, form.reason.data or "")
            db.session.commit()
        except DomainError as error:
            status = refuse_on_form(form, error)
        else:
            return redirect(url_for("bookings.detail", booking_id=booking.id, notice="cancelled"))
    booking = services.get_booking(db.session, booking_id, viewer=current_user)
    return render_template("bookings/cancel.html", booking=booking, form=form,
                           is_provider=can_provide(current_user, booking.listing)), status


def _decide_with_reason(booking_id: int, form_class, prefix: str, decide, notice: str):
    form = form_class(prefix=prefix)
    if form.validate_on_submit():
        try:
            booking = _booking_for_action(booking_id)
            decide(booking, form.reason.data or "")
            db.session.commit()
        except DomainError as error:
            status = refuse_on_form(form, error)
        else:
            return _after_decision(booking, notice)
    else:
        status = 422
    booking = _booking_for_action(booking_id)
    if not can_provide(current_user, booking.listing):
        raise Forbidden(_l("只有资源的提供方可以处理这个预约"))
    return _render_detail(booking, status=status, **{f"{prefix}_form": form})


@bp.route(f"/bookings/<{ID}:booking_id>/approve", methods=["POST"])
@login_required
def approve(booking_id: int):
    return _decide_with_reason(booking_id, ApproveForm, "approve", lambda booking, reason: services.approve_booking(
        db.session, current_user, booking, zone=deployment_zone(), reason=reason), "approved")


@bp.route(f"/bookings/<{ID}:booking_id>/reject", methods=["POST"])
@login_required
def reject(booking_id: int):
    return _decide_with_reason(booking_id, RejectForm, "reject", lambda booking, reason: services.reject_booking(
        db.session, current_user, booking, reason), "rejected")


def _mark(booking_id: int, mark, notice: str):
    form = ButtonForm()
    if not form.validate_on_submit():
        raise ValidationFailed(None, _l("页面已过期，请刷新后重试"))
    booking = _booking_for_action(booking_id)
    mark(db.session, current_user, booking)
    db.session.commit()
    return redirect(url_for("bookings.detail", booking_id=booking.id, notice=notice))


@bp.route(f"/bookings/<{ID}:booking_id>/check-in", methods=["POST"])
@login_required
def check_in(booking_id: int):
    return _mark(booking_id, services.check_in, "checked_in")


def door_qr_svg(listing, *, scale: int) -> Markup:
    """Today's QR code of the listing's door (the check-in link with today's token), as inline SVG."""
    token = todays_door_token(current_app.config["SECRET_KEY"], listing.id, now=clock.now(), zone=deployment_zone())
    link = url_for("bookings.door", listing_id=listing.id, token=token, _external=True)
    import segno  # on the pages that show a check-in code, not with every worker (about 1 MB)

    return Markup(segno.make(link, error="m").svg_inline(scale=scale, title=str(_l("扫码签到"))))


def _door_listing(listing_id: int):
    listing = get_listing(db.session, listing_id, viewer=current_user)
    if not can_provide(current_user, listing):
        raise Forbidden(_l("只有资源的提供方可以查看签到二维码"))
    if not listing.requires_check_in:
        raise NotFound(_l("这个资源不需要扫码签到：可在资源设置中打开“需要到场签到”"))
    return listing


@bp.route(f"/listings/<{ID}:listing_id>/check-in-code")
@login_required
def door_code(listing_id: int):
    """The printable page of today's door code (it changes every day: print it each morning or show it on a screen)."""
    listing = _door_listing(listing_id)
    return render_template("bookings/door_code.html", listing=listing, qr=door_qr_svg(listing, scale=10),
                           today=local_today())


@bp.route(f"/listings/<{ID}:listing_id>/check-in/<token>", methods=["GET", "POST"])
@login_required
def door(listing_id: int, token: str):
    """What the door's QR code opens: the booker's booking here and a button that checks them in (on POST)."""
    listing = get_listing(db.session, listing_id, viewer=current_user)
    options = {"secret": current_app.config["SECRET_KEY"], "zone": deployment_zone()}
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            raise ValidationFailed(None, _l("页面已过期，请刷新后重试"))
        booking = checkin.check_in_at_the_door(db.session, current_user, listing, token, **options)
        db.session.commit()
        return redirect(url_for("bookings.detail", booking_id=booking.id, notice="checked_in"))
    booking = checkin.booking_to_check_in(db.session, current_user, listing, token, **options)
    return render_template("bookings/door.html", listing=listing, booking=booking, token=token, form=form)


@bp.route(f"/bookings/<{ID}:booking_id>/no-show", methods=["POST"])
@login_required
def no_show(booking_id: int):
    return _mark(booking_id, services.mark_no_show, "no_show")


@bp.route("/bookings/requests")
@login_required
def requests():
    sections = request_inbox(db.session, current_user, zone=deployment_zone(),
                             organisation_id=request.args.get("organisation", type=id_arg))
    return render_template("bookings/requests.html", sections=sections, notice=done_notice(NOTICES),
                           reject_form=RejectForm(formdata=None, prefix="reject"),
                           approve_form=ApproveForm(formdata=None, prefix="approve"))


@bp.route(f"/listings/<{ID}:listing_id>/bookings")
@login_required
def calendar(listing_id: int):
    """The provider's week of the listing's bookings, with links to the previous and next week."""
    listing = get_listing(db.session, listing_id, viewer=current_user)
    first = parse_day(request.args.get("week")) or local_today()
    include_inactive = request.args.get("all") == "1"
    start, end = week_bounds(first)
    bookings = services.listing_calendar(db.session, current_user, listing, start, end,
                                         include_inactive=include_inactive)
    week = Week(first, group_by_day(first, bookings, lambda booking: booking.start_at),
                previous=first - timedelta(days=DAYS_PER_WEEK), next=first + timedelta(days=DAYS_PER_WEEK))
    return render_template("bookings/calendar.html", listing=listing, week=week, include_inactive=include_inactive,
                           door_qr=door_qr_svg(listing, scale=4) if listing.requires_check_in else None)


def ics_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route(f"/listings/<{ID}:listing_id>/calendar.ics")
def listing_feed(listing_id: int):
    """Public busy times of a listing: no names, phones or purposes."""
    listing = get_listing(db.session, listing_id, viewer=None)
    now = clock.now()
    body = ical.listing_calendar(listing, feeds.listing_feed_bookings(db.session, listing, now=now), now=now)
    return ics_response(body, f"listing-{listing.id}.ics")


@bp.route("/calendar/<token>.ics")
def user_feed(token: str):
    """A person's own bookings, for phone calendar apps; the secret token is the only credential."""
    user = feeds.user_for_feed_token(db.session, token)
    now = clock.now()
    body = ical.personal_calendar(
        user, feeds.personal_feed_bookings(db.session, user, now=now), now=now,
        booking_url=lambda booking: url_for("bookings.detail", booking_id=booking.id, _external=True))
    return ics_response(body, "my-bookings.ics")


@bp.route(f"/bookings/<{ID}:booking_id>/calendar.ics")
@login_required
def booking_ics(booking_id: int):
    """One booking as a calendar file, for those who may see the booking (404 for anyone else)."""
    booking = services.get_booking(db.session, booking_id, viewer=current_user)
    return ics_response(single_booking_ics(booking), f"booking-{booking.id}.ics")


def single_booking_ics(booking: Booking) -> bytes:
    """The calendar file of one booking, linking back to its page; shared by the page and the API."""
    return ical.booking_calendar(
        booking, now=clock.now(),
        booking_url=lambda b: url_for("bookings.detail", booking_id=b.id, _external=True))


def feed_urls(token: str) -> dict:
    """The feed's https address and the webcal:// one that phone calendars subscribe to in one tap."""
    url = url_for("bookings.user_feed", token=token, _external=True)
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


@bp.route("/bookings/calendar-feed")
@login_required
def feed():
    token = feeds.current_feed_token(db.session, current_user, secret=current_app.config["SECRET_KEY"])
    return render_template("bookings/feed.html", form=ButtonForm(), notice=done_notice(NOTICES),
                           **(feed_urls(token) if token else {}))


@bp.route("/bookings/calendar-feed/reset", methods=["POST"])
@login_required
def reset_feed():
    form = ButtonForm()
    if not form.validate_on_submit():
        raise ValidationFailed(None, _l("页面已过期，请刷新后重试"))
    secret = current_app.config["SECRET_KEY"]
    had_feed = feeds.current_feed_token(db.session, current_user, secret=secret) is not None
    feeds.reset_feed_token(db.session, current_user, secret=secret)
    db.session.commit()
    return redirect(url_for("bookings.feed", notice="feed_reset" if had_feed else "feed_on"))


@bp.app_template_filter("slot_value")
def local_slot_value(instant: datetime) -> str:
    """The value a slot button posts: the local wall-clock start with its offset."""
    return to_local(instant, deployment_zone()).isoformat()
