"""HTML pages of bookings: the booking widget and page, the taken-slot alternatives, series, my bookings,
the provider's inbox, booking detail and decisions, the listing calendar, and the iCalendar feeds.

Every handler parses, calls the booking services, commits once and renders. Units of work that
write bookings start with ``begin_writing`` (see ``bookings.locking``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.bookings import feeds, ical, services
from marketplace.bookings import series as series_services
from marketplace.bookings.actions import available_actions
from marketplace.bookings.availability import SlotTaken, availability
from marketplace.bookings.forms import (MAX_DURATION_CHOICES, SCOPE_LABELS, ActionForm, ApproveForm, BookingForm,
                                        ReasonForm, RejectForm, SeriesCancelForm, SeriesForm)
from marketplace.bookings.inbox import is_provider, request_inbox
from marketplace.bookings.locking import begin_writing
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.bookings.permissions import can_provide
from marketplace.bookings.states import ACTION_LABELS
from marketplace.core import clock
from marketplace.core.errors import DomainError, Forbidden, NotAuthenticated, NotFound, ValidationFailed
from marketplace.core.forms import show_domain_error
from marketplace.core.i18n import _l
from marketplace.core.pagination import Page, clamp_page
from marketplace.core.zones import NonexistentLocalTime, day_bounds, local_date, to_local, to_utc
from marketplace.extensions import db
from marketplace.groups.services import list_my_groups
from marketplace.listings.models import WEEKDAY_LABELS
from marketplace.listings.services import get_listing

bp = Blueprint("bookings", __name__)

DAYS_PER_WEEK = 7
NOTICES = {"booked", "requested", "cancelled", "approved", "rejected", "checked_in", "no_show", "series_booked",
           "feed_reset"}
WHEN_TABS = ("upcoming", "past")


def deployment_zone() -> str:
    return current_app.config["TIMEZONE"]


def _local_today() -> date:
    return local_date(clock.now(), deployment_zone())


def _notice() -> str | None:
    """The "done" message after a redirect, from a fixed set so nothing user-typed is echoed."""
    notice = request.args.get("notice")
    return notice if notice in NOTICES else None


def _parse_day(raw: str | None, field: str = "week") -> date | None:
    """A YYYY-MM-DD query value; None when absent, ValidationFailed (422) when malformed."""
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(field, _l("日期格式应为 YYYY-MM-DD，例如 2026-06-01")) from None


def _parse_minutes(raw: str | None) -> int | None:
    """A ``?duration=`` value in minutes; None when absent, ValidationFailed (422) when not a whole number."""
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise ValidationFailed("duration", _l("时长应为整数分钟"))
    return int(raw)


def duration_label(minutes: int) -> str:
    if minutes % 1440 == 0:
        return _("%(n)s天", n=minutes // 1440)
    if minutes % 60 == 0:
        return _("%(n)s小时", n=minutes // 60)
    if minutes > 60:
        return _("%(h)s小时%(m)s分钟", h=minutes // 60, m=minutes % 60)
    return _("%(n)s分钟", n=minutes)


def duration_choices(listing) -> list[tuple[int, str]]:
    """The durations a booker may pick, from the minimum to the maximum in slot steps (coarser when very many)."""
    step = listing.slot_minutes
    count = (listing.max_duration_minutes - listing.min_duration_minutes) // step + 1
    step *= -(-count // MAX_DURATION_CHOICES)
    return [(minutes, duration_label(minutes))
            for minutes in range(listing.min_duration_minutes, listing.max_duration_minutes + 1, step)]


def _group_choices() -> list[tuple[str, str]]:
    return [("", _("不以团队名义（我自己）"))] + [(str(group.id), group.name)
                                                for group in list_my_groups(db.session, current_user)]


@dataclass
class Day:
    day: date
    label: str
    items: list


@dataclass
class Week:
    """Seven local days from ``first``, each with its items (free slots or bookings), and where to page."""

    first: date
    days: list[Day]
    previous: date | None
    next: date | None

    @property
    def last(self) -> date:
        return self.first + timedelta(days=DAYS_PER_WEEK - 1)


def _week_bounds(first: date) -> tuple[datetime, datetime]:
    zone = deployment_zone()
    return day_bounds(first, zone)[0], day_bounds(first + timedelta(days=DAYS_PER_WEEK - 1), zone)[1]


def _group_by_day(first: date, items, start_of) -> list[Day]:
    zone = deployment_zone()
    days = [Day(first + timedelta(days=n), str(WEEKDAY_LABELS[(first + timedelta(days=n)).weekday()]), [])
            for n in range(DAYS_PER_WEEK)]
    for item in items:
        offset = (local_date(start_of(item), zone) - first).days
        if 0 <= offset < DAYS_PER_WEEK:
            days[offset].items.append(item)
    return days


@dataclass
class Widget:
    """Everything the booking widget shows: the week of free slots and the form to book one."""

    listing: object
    week: Week
    form: BookingForm
    durations: list[tuple[int, str]]
    duration: int
    bookable: bool
    is_provider: bool

    @property
    def duration_text(self) -> str:
        return dict(self.durations).get(self.duration) or duration_label(self.duration)


def build_widget(listing, form: BookingForm | None = None) -> Widget:
    """The week of free slots from ``?week=`` (default today) for ``?duration=`` (default the listing's minimum),
    and a booking form; a re-shown ``form`` keeps the duration it was sent with."""
    today = _local_today()
    first = max(_parse_day(request.args.get("week")) or today, today)
    durations = duration_choices(listing)
    duration = _parse_minutes(request.args.get("duration")) or listing.min_duration_minutes
    if form is not None and form.duration.data in dict(durations):
        duration = form.duration.data
    start, end = _week_bounds(first)
    slots = availability(db.session, listing, start, end, deployment_zone(), duration_minutes=duration) \
        if listing.is_published else []
    following = first + timedelta(days=DAYS_PER_WEEK)
    week = Week(first, _group_by_day(first, slots, lambda slot: slot.start),
                previous=max(first - timedelta(days=DAYS_PER_WEEK), today) if first > today else None,
                next=following if following <= today + timedelta(days=listing.max_advance_days) else None)
    if form is None:
        form = BookingForm(formdata=None, data={"duration": duration, "seats": 1})
    if current_user.is_authenticated:
        form.group_id.choices = _group_choices()
    return Widget(listing, week, form, durations, duration, bookable=listing.is_published,
                  is_provider=can_provide(current_user, listing))


@bp.app_context_processor
def booking_helpers():
    def shows_booking_inbox() -> bool:
        if not current_user.is_authenticated:
            return False
        if "shows_booking_inbox" not in g:
            g.shows_booking_inbox = is_provider(db.session, current_user)
        return g.shows_booking_inbox

    return {"booking_widget": build_widget, "shows_booking_inbox": shows_booking_inbox,
            "booking_weekdays": WEEKDAY_LABELS}


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


def _refuse_on_form(form, error: DomainError) -> int:
    """Roll back, put a rule's refusal on the form and return the status to answer with; 403/401 stay errors."""
    db.session.rollback()
    if isinstance(error, (Forbidden, NotAuthenticated)):
        raise error
    show_domain_error(form, error)
    return error.status_code


def _booking_request(listing, form: BookingForm) -> services.BookingRequest:
    start = form.start.data
    try:
        end = start + timedelta(minutes=form.duration.data)
    except OverflowError:
        raise ValidationFailed("duration", _l("时长超出范围")) from None
    return services.BookingRequest(
        listing_id=listing.id, start=start, end=end, seats=1 if form.seats.data is None else form.seats.data,
        group_id=form.chosen_group_id(), purpose=form.purpose.data or "")


def _render_taken(listing, form: BookingForm, taken: SlotTaken):
    alternatives = taken.details.get("alternatives") or {"same_day": [], "other_days": [], "similar_listings": []}
    for kind in ("same_day", "other_days", "similar_listings"):
        for alternative in alternatives.get(kind, []):
            alternative["start_at"] = datetime.fromisoformat(alternative["start"])
            alternative["end_at"] = datetime.fromisoformat(alternative["end"])
    return render_template("bookings/taken.html", listing=listing, form=form, message=str(taken.message),
                           alternatives=alternatives), 409


@bp.route("/listings/<int:listing_id>/book", methods=["GET", "POST"])
@login_required
def book(listing_id: int):
    listing = get_listing(db.session, listing_id, viewer=current_user)
    if request.method == "GET":
        return render_template("bookings/book.html", listing=listing, widget=build_widget(listing),
                               chosen=request.args.get("start"))
    form = BookingForm()
    form.group_id.choices = _group_choices()
    status = 422
    if form.validate_on_submit():
        try:
            booking_request = _booking_request(listing, form)
            begin_writing(db.session)
            booking = services.create_booking(db.session, current_user, booking_request, zone=deployment_zone())
            db.session.commit()
        except SlotTaken as taken:
            db.session.rollback()
            return _render_taken(listing, form, taken)
        except DomainError as error:
            status = _refuse_on_form(form, error)
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
        seats=1 if form.seats.data is None else form.seats.data, group_id=form.chosen_group_id(),
        purpose=form.purpose.data or "")


@bp.route("/listings/<int:listing_id>/series", methods=["GET", "POST"])
@login_required
def series_new(listing_id: int):
    """Step 1: describe the series; step 2 (``action=preview``): every date free or why not; step 3 (``book``)."""
    listing = get_listing(db.session, listing_id, viewer=current_user)
    if request.method == "GET":
        first_opening = min((hours.opens for hours in listing.opening_hours), default=time(9))
        form = SeriesForm(formdata=None, data={"duration": listing.min_duration_minutes, "count": 4, "seats": 1,
                                               "first_day": _local_today() + timedelta(days=1),
                                               "start_time": first_opening})
        form.group_id.choices = _group_choices()
        return render_template("bookings/series_new.html", listing=listing, form=form,
                               durations=duration_choices(listing), preview=None)
    form = SeriesForm()
    form.group_id.choices = _group_choices()
    preview, status = None, 422
    if form.validate_on_submit():
        try:
            series_request = _series_request(listing, form)
            if request.form.get("action") == "book":
                begin_writing(db.session)
                series, _preview = series_services.create_series(db.session, current_user, series_request,
                                                                 mode="all_free", zone=deployment_zone())
                db.session.commit()
                return redirect(url_for("bookings.series_detail", series_id=series.id, notice="series_booked"))
            preview = series_services.preview_series(db.session, current_user, series_request,
                                                     zone=deployment_zone())
            status = 200
        except DomainError as error:
            status = _refuse_on_form(form, error)
    return render_template("bookings/series_new.html", listing=listing, form=form, durations=duration_choices(listing),
                           preview=preview), status


def _series_page(series, *, result=None, form=None, status=200):
    now = clock.now()
    actions = {booking.id: available_actions(current_user, booking, now) for booking in series.bookings}
    return render_template("bookings/series.html", series=series, actions=actions, result=result,
                           form=form, notice=_notice(), now=now), status


@bp.route("/series/<int:series_id>")
@login_required
def series_detail(series_id: int):
    return _series_page(series_services.get_series(db.session, series_id, viewer=current_user))


@bp.route("/series/<int:series_id>/cancel", methods=["GET", "POST"])
@login_required
def series_cancel(series_id: int):
    """Confirm, then cancel one occurrence, this and the later ones, or the whole rest of the series."""
    series = series_services.get_series(db.session, series_id, viewer=current_user)
    if request.method == "GET":
        scope = request.args.get("scope", "occurrence")
        form = SeriesCancelForm(formdata=None, data={"scope": scope if scope in SCOPE_LABELS else "occurrence",
                                                     "booking_id": request.args.get("booking_id", type=int)})
        return render_template("bookings/series_cancel.html", series=series, form=form)
    form = SeriesCancelForm()
    status = 422
    if form.validate_on_submit():
        try:
            begin_writing(db.session)
            series = series_services.get_series(db.session, series_id, viewer=current_user)
            result = series_services.cancel_series(db.session, current_user, series, scope=form.scope.data,
                                                   booking_id=form.booking_id.data, reason=form.reason.data or "")
            db.session.commit()
        except DomainError as error:
            status = _refuse_on_form(form, error)
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
    return render_template("bookings/mine.html", page=Page(items, total, page, per_page), when=when,
                           actions=actions, notice=_notice())


def _render_detail(booking, *, reject_form=None, approve_form=None, status=200):
    return render_template(
        "bookings/detail.html", booking=booking, actions=available_actions(current_user, booking, clock.now()),
        is_provider=can_provide(current_user, booking.listing), notice=_notice(),
        reject_form=reject_form or RejectForm(formdata=None, prefix="reject"),
        approve_form=approve_form or ApproveForm(formdata=None, prefix="approve"), action_form=ActionForm(),
    ), status


@bp.route("/bookings/<int:booking_id>")
@login_required
def detail(booking_id: int):
    return _render_detail(services.get_booking(db.session, booking_id, viewer=current_user))


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


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
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
            begin_writing(db.session)
            booking = _booking_for_action(booking_id)
            services.cancel_booking(db.session, current_user, booking, form.reason.data or "")
            db.session.commit()
        except DomainError as error:
            status = _refuse_on_form(form, error)
        else:
            return redirect(url_for("bookings.detail", booking_id=booking.id, notice="cancelled"))
    booking = services.get_booking(db.session, booking_id, viewer=current_user)
    return render_template("bookings/cancel.html", booking=booking, form=form,
                           is_provider=can_provide(current_user, booking.listing)), status


def _decide_with_reason(booking_id: int, form_class, prefix: str, decide, notice: str):
    form = form_class(prefix=prefix)
    if form.validate_on_submit():
        try:
            begin_writing(db.session)
            booking = _booking_for_action(booking_id)
            decide(booking, form.reason.data or "")
            db.session.commit()
        except DomainError as error:
            status = _refuse_on_form(form, error)
        else:
            return _after_decision(booking, notice)
    else:
        status = 422
    booking = _booking_for_action(booking_id)
    if not can_provide(current_user, booking.listing):
        raise Forbidden(_l("只有资源的提供方可以处理这个预约"))
    return _render_detail(booking, status=status, **{f"{prefix}_form": form})


@bp.route("/bookings/<int:booking_id>/approve", methods=["POST"])
@login_required
def approve(booking_id: int):
    return _decide_with_reason(booking_id, ApproveForm, "approve", lambda booking, reason: services.approve_booking(
        db.session, current_user, booking, zone=deployment_zone(), reason=reason), "approved")


@bp.route("/bookings/<int:booking_id>/reject", methods=["POST"])
@login_required
def reject(booking_id: int):
    return _decide_with_reason(booking_id, RejectForm, "reject", lambda booking, reason: services.reject_booking(
        db.session, current_user, booking, reason), "rejected")


def _mark(booking_id: int, mark, notice: str):
    form = ActionForm()
    if not form.validate_on_submit():
        raise ValidationFailed(None, _l("页面已过期，请刷新后重试"))
    begin_writing(db.session)
    booking = _booking_for_action(booking_id)
    mark(db.session, current_user, booking)
    db.session.commit()
    return redirect(url_for("bookings.detail", booking_id=booking.id, notice=notice))


@bp.route("/bookings/<int:booking_id>/check-in", methods=["POST"])
@login_required
def check_in(booking_id: int):
    return _mark(booking_id, services.check_in, "checked_in")


@bp.route("/bookings/<int:booking_id>/no-show", methods=["POST"])
@login_required
def no_show(booking_id: int):
    return _mark(booking_id, services.mark_no_show, "no_show")


@bp.route("/bookings/requests")
@login_required
def requests():
    sections = request_inbox(db.session, current_user, zone=deployment_zone(),
                             organisation_id=request.args.get("organisation", type=int))
    return render_template("bookings/requests.html", sections=sections, notice=_notice(),
                           reject_form=RejectForm(formdata=None, prefix="reject"),
                           approve_form=ApproveForm(formdata=None, prefix="approve"))


@bp.route("/listings/<int:listing_id>/bookings")
@login_required
def calendar(listing_id: int):
    """The provider's week of the listing's bookings, with links to the previous and next week."""
    listing = get_listing(db.session, listing_id, viewer=current_user)
    first = _parse_day(request.args.get("week")) or _local_today()
    include_inactive = request.args.get("all") == "1"
    start, end = _week_bounds(first)
    bookings = services.listing_calendar(db.session, current_user, listing, start, end,
                                         include_inactive=include_inactive)
    week = Week(first, _group_by_day(first, bookings, lambda booking: booking.start_at),
                previous=first - timedelta(days=DAYS_PER_WEEK), next=first + timedelta(days=DAYS_PER_WEEK))
    return render_template("bookings/calendar.html", listing=listing, week=week, include_inactive=include_inactive)


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/listings/<int:listing_id>/calendar.ics")
def listing_feed(listing_id: int):
    """Public busy times of a listing: no names, phones or purposes."""
    listing = get_listing(db.session, listing_id, viewer=None)
    now = clock.now()
    body = ical.listing_calendar(listing, feeds.listing_feed_bookings(db.session, listing, now=now), now=now)
    return _ics(body, f"listing-{listing.id}.ics")


@bp.route("/calendar/<token>.ics")
def user_feed(token: str):
    """A person's own bookings, for phone calendar apps; the secret token is the only credential."""
    user = feeds.user_for_feed_token(db.session, token)
    now = clock.now()
    body = ical.personal_calendar(
        user, feeds.personal_feed_bookings(db.session, user, now=now), now=now,
        booking_url=lambda booking: url_for("bookings.detail", booking_id=booking.id, _external=True))
    return _ics(body, "my-bookings.ics")


def feed_urls(token: str) -> dict:
    """The feed's https address and the webcal:// one that phone calendars subscribe to in one tap."""
    url = url_for("bookings.user_feed", token=token, _external=True)
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


@bp.route("/bookings/calendar-feed")
@login_required
def feed():
    token = feeds.feed_token(db.session, current_user, secret=current_app.config["SECRET_KEY"])
    db.session.commit()
    return render_template("bookings/feed.html", form=ActionForm(), notice=_notice(),
                           **feed_urls(token))


@bp.route("/bookings/calendar-feed/reset", methods=["POST"])
@login_required
def reset_feed():
    form = ActionForm()
    if not form.validate_on_submit():
        raise ValidationFailed(None, _l("页面已过期，请刷新后重试"))
    feeds.reset_feed_token(db.session, current_user, secret=current_app.config["SECRET_KEY"])
    db.session.commit()
    return redirect(url_for("bookings.feed", notice="feed_reset"))


@bp.app_template_filter("slot_value")
def local_slot_value(instant: datetime) -> str:
    """The value a slot button posts: the local wall-clock start with its offset."""
    return to_local(instant, deployment_zone()).isoformat()
