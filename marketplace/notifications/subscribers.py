"""Who hears what: domain events become notifications (durable: run once each from the outbox), and each new
notification is emailed from the outbox when its recipient wants email for its kind.

Email goes through the standard library's smtplib and email packages (``core.mail``): well kept, in every
Python, and enough for plain-text messages to one recipient, so no mail dependency is needed.
"""
from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from marketplace.accounts.models import User
from marketplace.bookings.models import Booking
from marketplace.core import clock, events
from marketplace.core.i18n import _l
from marketplace.core.mail import mail_configured, send_email
from marketplace.listings.models import Listing
from marketplace.needs.models import Need
from marketplace.notifications import services, texts
from marketplace.notifications.models import Kind, Notification
from marketplace.notifications.services import Message
from marketplace.reviews.models import Review
from marketplace.wishes.models import Wish


def _zone() -> str:
    return current_app.config["TIMEZONE"]


def _tell(session: Session, users, message: Message, event, *, skip: int | None = None) -> None:
    for user in users:
        if user is not None and user.id != skip:
            services.notify(session, user, message, event_id=event.id)


def _tell_each(wanted: list, users, message: Message, event, *, skip: int | None = None) -> None:
    """Add (recipient, message, event id) to ``wanted`` for each user, as ``_tell`` would notify them."""
    wanted.extend((user, message, event.id) for user in users if user is not None and user.id != skip)


def _booking(session: Session, booking_id: int) -> Booking | None:
    """The booking with its listing and booker, whom every message names: one query, not three."""
    return session.get(Booking, booking_id, options=[joinedload(Booking.listing), joinedload(Booking.booker)])


def _bookings(session: Session, batch) -> dict[int, Booking]:
    """The batch's bookings by id, each with its listing and booker, in one query."""
    ids = {event.subject_id for event in batch}
    return {booking.id: booking for booking in session.scalars(
        select(Booking).where(Booking.id.in_(ids)).options(joinedload(Booking.listing), joinedload(Booking.booker)))}


def _booking_message(kind: Kind, booking_id: int, message) -> Message:
    return Message(kind, ("booking", booking_id), message, services.booking_link(booking_id))


# What the booker is told, by (status, action); None as the action means any.
BOOKER_MESSAGES = {
    ("confirmed", "create"): lambda n: _l("预约成功：「%(title)s」%(start)s，到时见！", **n),
    ("confirmed", "approve"): lambda n: _l("你的预约申请已获批准：「%(title)s」%(start)s。", **n),
    ("pending", None): lambda n: _l("已收到你的预约申请：「%(title)s」%(start)s，请等待审批。", **n),
    ("rejected", None): lambda n: _l("很抱歉，你的预约申请未获批准：「%(title)s」%(start)s。", **n),
    ("cancelled", "cancel_by_provider"): lambda n: _l("很抱歉，提供方取消了你的预约：「%(title)s」%(start)s。", **n),
    ("expired", None): lambda n: _l("你的预约申请没有在期限内得到处理，已自动失效：「%(title)s」%(start)s。", **n),
    ("no_show", "release"): lambda n: _l("你预约的「%(title)s」%(start)s 开始后没有签到，时段已释放，记为一次爽约。", **n),
}
# What the provider's staff are told.
STAFF_MESSAGES = {
    ("pending", None): lambda n: _l("新的预约申请：%(booker)s 申请「%(title)s」%(start)s，请及时审批。", **n),
    ("cancelled", "cancel_by_booker"): lambda n: _l("%(booker)s 取消了预约：「%(title)s」%(start)s。", **n),
    ("expired", None): lambda n: _l("预约申请已过期未处理：%(booker)s 申请的「%(title)s」%(start)s。", **n),
}


# A confirmation ("see you then") or a request to decide is news only until the booking ends: delivered later
# (the scheduler was down, or the move was recorded after the fact) it is not sent. Refusals, cancellations,
# expiry and release are sent however late: they explain what happened.
NEWS_UNTIL_THE_END = frozenset({"confirmed", "pending"})


def _pick(table: dict, status: str, action: str | None):
    return table.get((status, action)) or table.get((status, None))


@events.subscriber("booking.confirmed", "booking.pending", "booking.rejected", "booking.cancelled",
                   "booking.expired", "booking.no_show", batch=True)
def tell_of_booking_status(session: Session, batch) -> None:
    """A booking's move: the booker and, for requests and cancellations by the booker, the provider's staff."""
    told = []
    for event in batch:
        status = event.type.removeprefix("booking.")
        action = event.payload.get("action")
        booker_text, staff_text = _pick(BOOKER_MESSAGES, status, action), _pick(STAFF_MESSAGES, status, action)
        if booker_text is not None or staff_text is not None:
            told.append((event, status, booker_text, staff_text))
    bookings = _bookings(session, [event for event, *_ in told]) if told else {}
    now, zone = clock.now(), _zone()
    told = [(event, status, booker_text, staff_text, bookings[event.subject_id])
            for event, status, booker_text, staff_text in told if event.subject_id in bookings
            and not (status in NEWS_UNTIL_THE_END and bookings[event.subject_id].end_at <= now)]
    to_staff = [booking.listing for _event, _status, _booker, staff_text, booking in told if staff_text is not None]
    staff_by_listing = services.staff_of(session, to_staff) if to_staff else {}
    # Who chose the digest hears of new requests once a day, in it.
    requested = [booking.listing_id for _event, status, _booker, staff_text, booking in told
                 if staff_text is not None and status == "pending"]
    takers = services.digest_takers(session, list({user.id for listing_id in requested
                                                   for user in staff_by_listing[listing_id]}))
    wanted = []
    for event, status, booker_text, staff_text, booking in told:
        names = {"title": booking.listing.title, "start": texts.local_time(booking.start_at, zone),
                 "booker": booking.booker.display_name}
        if booker_text is not None:
            _tell_each(wanted, [booking.booker], _booking_message(
                Kind.decisions, booking.id, texts.with_reason(booker_text(names), event.payload.get("reason"))), event)
        if staff_text is not None:
            staff = [user for user in staff_by_listing[booking.listing_id]
                     if not (status == "pending" and user.id in takers)]
            _tell_each(wanted, staff, _booking_message(Kind.requests, booking.id, staff_text(names)), event,
                       skip=event.actor_id)
    services.notify_all(session, wanted)


@events.subscriber("booking.reminder", batch=True)
def remind_booker(session: Session, batch) -> None:
    """One reminder per booking per offset; none for whoever turned reminders off (``services.notify_all``)."""
    bookings, zone, wanted = _bookings(session, batch), _zone(), []
    for event in batch:
        booking = bookings.get(event.subject_id)
        if booking is None:
            continue
        names = {"title": booking.listing.title, "start": texts.local_time(booking.start_at, zone)}
        if event.payload.get("late"):
            text = _l("提醒：你预约的「%(title)s」将于 %(start)s 开始。", **names)
        else:
            text = _l("提醒：你预约的「%(title)s」将于 %(start)s 开始（还有 %(hours)d 小时）。",
                      hours=int(event.payload.get("hours_before") or 0), **names)
        _tell_each(wanted, [booking.booker], _booking_message(Kind.reminders, booking.id, text), event)
    services.notify_all(session, wanted)


@events.subscriber("booking.deadline_near", batch=True)
def warn_of_deadline(session: Session, batch) -> None:
    bookings, zone, wanted = _bookings(session, batch), _zone(), []
    staff_by_listing = services.staff_of(session, [booking.listing for booking in bookings.values()])
    for event in batch:
        booking = bookings.get(event.subject_id)
        if booking is None:
            continue
        deadline = event.payload.get("deadline") or booking.approval_deadline
        text = _l("预约申请快到期了：%(booker)s 申请的「%(title)s」%(start)s，请在 %(deadline)s 前审批。",
                  booker=booking.booker.display_name, title=booking.listing.title,
                  start=texts.local_time(booking.start_at, zone), deadline=texts.local_time(deadline, zone))
        _tell_each(wanted, staff_by_listing[booking.listing_id], _booking_message(Kind.requests, booking.id, text),
                   event)
    services.notify_all(session, wanted)


@events.subscriber("booking.message")
def tell_of_message(session: Session, event) -> None:
    """The side that did not write it: the booker when staff wrote, the provider's staff when the booker did."""
    booking = _booking(session, event.subject_id)
    author = session.get(User, event.payload.get("author_id") or 0)
    if booking is None or author is None:
        return
    text = _l("%(author)s 在「%(title)s」%(start)s 的预约里给你留言了。", author=author.display_name,
              title=booking.listing.title, start=texts.local_time(booking.start_at, _zone()))
    recipients = services.provider_staff(session, booking.listing) if author.id == booking.booker_id \
        else [booking.booker]
    _tell(session, recipients, _booking_message(Kind.messages, booking.id, text), event, skip=author.id)


def _waitlist_message(session: Session, event, text) -> None:
    user = session.get(User, event.payload.get("user_id") or 0)
    listing = session.get(Listing, event.payload.get("listing_id") or 0)
    if user is None or listing is None:
        return
    zone = _zone()
    message = text(title=listing.title, start=texts.local_time(event.payload["start_at"], zone),
                   hold_until=texts.local_time(event.payload["hold_until"], zone))
    _tell(session, [user], Message(Kind.waitlist, (event.subject_type, event.subject_id), message,
                                   services.waitlist_link(event.subject_id)), event)


@events.subscriber("waitlist.offered")
def offer_from_waitlist(session: Session, event) -> None:
    _waitlist_message(session, event, lambda **n: _l(
        "你候补的「%(title)s」%(start)s 空出来了！为你保留到 %(hold_until)s，请在此之前确认预约。", **n))


@events.subscriber("waitlist.lapsed")
def tell_of_lapsed_hold(session: Session, event) -> None:
    _waitlist_message(session, event, lambda **n: _l(
        "为你保留的「%(title)s」%(start)s 已在 %(hold_until)s 过期，名额已让给下一位。", **n))


def _review_message(review: Review, text) -> Message:
    return Message(Kind.reviews, ("review", review.id), text, services.review_link(review.id))


def _review_of(session: Session, event) -> tuple[Review, Listing] | None:
    review = session.get(Review, event.subject_id)
    return (review, session.get(Listing, review.listing_id)) if review is not None else None


@events.subscriber("review.revealed")
def tell_of_revealed_review(session: Session, event) -> None:
    found = _review_of(session, event)
    if found is None or found[0].hidden:
        return
    review, listing = found
    # Whom it is about: a person, an organisation (its staff), or both (a booker's review of a served booking).
    reviewed = [session.get(User, review.reviewee_id)] if review.reviewee_id else []
    if review.organisation_id or not review.reviewee_id:
        reviewed += [user for user in services.provider_staff(session, listing) if user.id != review.reviewee_id]
    text = _l("你在「%(title)s」的预约收到了一条%(stars)s星评价。", title=listing.title, stars=review.stars)
    _tell(session, reviewed, _review_message(review, text), event, skip=review.author_id)


@events.subscriber("review.replied")
def tell_of_reply(session: Session, event) -> None:
    if (found := _review_of(session, event)) is None:
        return
    review, listing = found
    _tell(session, [review.author], _review_message(review, _l("你对「%(title)s」的评价收到了回复。",
                                                               title=listing.title)), event)


@events.subscriber("review.report_decided")
def tell_of_report_decision(session: Session, event) -> None:
    if (found := _review_of(session, event)) is None:
        return
    review, listing = found
    reason = event.payload.get("reason") or ""
    hidden = event.payload.get("decision") == "hide"
    to_reporters = (_l("你举报的「%(title)s」的一条评价经核实已隐藏，谢谢你的提醒。", title=listing.title) if hidden
                    else _l("你举报的「%(title)s」的一条评价经核实予以保留：%(reason)s", title=listing.title,
                            reason=reason))
    reporters = [session.get(User, user_id) for user_id in event.payload.get("reporter_ids", [])]
    _tell(session, reporters, _review_message(review, to_reporters), event)
    if hidden:
        text = _l("你对「%(title)s」的评价违反社区规范，已被隐藏：%(reason)s", title=listing.title, reason=reason)
        _tell(session, [review.author], _review_message(review, text), event)


def _feedback_message(session: Session, event, text) -> None:
    """Tell the users the ``feedback.*`` event names (its payload's ``recipient_ids``)."""
    recipients = [session.get(User, user_id) for user_id in event.payload.get("recipient_ids", [])]
    message = Message(Kind.feedback, ("feedback", event.subject_id), text, f"/feedback/{event.subject_id}")
    _tell(session, recipients, message, event, skip=event.actor_id)


@events.subscriber("feedback.posted")
def tell_of_feedback(session: Session, event) -> None:
    about = event.payload.get("about", "")
    text = (_l("有居民对「%(about)s」提出了投诉，请及时公开答复。", about=about)
            if event.payload.get("kind") == "complaint"
            else _l("有居民对「%(about)s」提出了意见建议，请及时公开答复。", about=about))
    _feedback_message(session, event, text)


@events.subscriber("feedback.answered")
def tell_of_feedback_answer(session: Session, event) -> None:
    _feedback_message(session, event, _l("你对「%(about)s」的反馈收到了公开答复。", about=event.payload.get("about", "")))


@events.subscriber("feedback.escalated")
def tell_of_escalated_feedback(session: Session, event) -> None:
    _feedback_message(session, event, _l("对「%(about)s」的一条反馈%(days)s天无人答复，已上报街道，请跟进答复。",
                                         about=event.payload.get("about", ""), days=event.payload.get("days", 0)))


# What each wish event tells, and to whom (the ids its payload names: the services decide who is concerned).
WISH_MESSAGES = {
    "wish.posted": ("staff_ids", lambda n: _l("新的微心愿待审核：「%(title)s」（%(grid)s）。", **n)),
    "wish.resubmitted": ("staff_ids", lambda n: _l("退回的心愿「%(title)s」已修改，请再次审核。", **n)),
    "wish.approved": ("notify_ids", lambda n: _l("你的心愿「%(title)s」已通过审核，上了心愿墙。", **n)),
    "wish.sent_back": ("notify_ids", lambda n: _l("你的心愿「%(title)s」被退回修改：%(reason)s", **n)),
    "wish.claimed": ("notify_ids", lambda n: _l("你的心愿「%(title)s」有人认领了。", **n)),
    "wish.released": ("notify_ids", lambda n: _l(
        "心愿「%(title)s」的认领逾期未完成，已自动放弃，心愿回到了心愿墙。", **n) if n["automatic"] else _l(
        "心愿「%(title)s」的认领已放弃，心愿回到了心愿墙。", **n)),
    "wish.fulfilled": ("notify_ids", lambda n: _l("心愿「%(title)s」已完成，请确认。", **n)),
    "wish.escalated": ("staff_ids", lambda n: _l(
        "心愿「%(title)s」（%(grid)s）一直无人认领，已上升到%(wall)s心愿墙。", **n)),
}


@events.subscriber(*WISH_MESSAGES, "wish.confirmed")
def tell_of_wish(session: Session, event) -> None:
    """A wish's move, to the people its event names; a resident also hears of a wish staff posted for them."""
    wish = session.get(Wish, event.subject_id, options=[joinedload(Wish.grid), joinedload(Wish.wall_place)])
    if wish is None:
        return
    payload = event.payload
    names = {"title": wish.title, "grid": wish.grid.name, "wall": wish.wall_place.name,
             "reason": payload.get("reason") or "", "automatic": bool(payload.get("automatic"))}

    def message(text) -> Message:
        return Message(Kind.wishes, ("wish", wish.id), text, services.wish_link(wish.id))

    if event.type == "wish.confirmed":
        helpers = [payload["claimant_id"], *payload.get("co_claimer_ids", [])]
        _tell(session, [session.get(User, user_id) for user_id in helpers],
              message(_l("心愿「%(title)s」的主人确认已实现，谢谢你！", **names)), event)
        return
    key, text = WISH_MESSAGES[event.type]
    _tell(session, [session.get(User, user_id) for user_id in payload.get(key, [])], message(text(names)), event,
          skip=event.actor_id)
    if event.type == "wish.posted" and payload.get("awaiting_resident"):
        _tell(session, [wish.resident], message(_l(
            "社区工作人员为你代办发布了心愿「%(title)s」，请确认后再审核上墙。", **names)), event)


def _lottery_message(session: Session, event, text) -> None:
    user = session.get(User, event.payload.get("user_id") or 0)
    listing = session.get(Listing, event.payload.get("listing_id") or 0)
    if user is None or listing is None:
        return
    message = text({"title": listing.title, "start": texts.local_time(event.payload["start_at"], _zone())})
    _tell(session, [user], Message(Kind.lotteries, ("lottery", event.subject_id), message,
                                   services.lottery_link(listing.id, event.subject_id)), event)


LOTTERY_LOSS_MESSAGES = {
    "waitlisted": lambda n: _l("很遗憾，你在「%(title)s」%(start)s 的抽签未中签。你已按抽签顺序进入候补名单，有人退出时会为你保留。",
                               **n),
    "refused": lambda n: _l("你在「%(title)s」%(start)s 的抽签中签，但不符合这个资源的预约规则（如超出使用上限），名额已顺延。",
                            **n),
    "lost": lambda n: _l("很遗憾，你在「%(title)s」%(start)s 的抽签未中签。", **n),
}


@events.subscriber("lottery.won")
def tell_of_lottery_win(session: Session, event) -> None:
    _lottery_message(session, event, lambda n: _l("恭喜！你在「%(title)s」%(start)s 的抽签中签，预约已为你生成。", **n))


@events.subscriber("lottery.lost")
def tell_of_lottery_loss(session: Session, event) -> None:
    """Whoever was not drawn a seat: put on the waitlist, refused by the booking rules, or just not drawn."""
    why = ("waitlisted" if event.payload.get("waitlist_entry_id") else
           "refused" if event.payload.get("refused") else "lost")
    _lottery_message(session, event, LOTTERY_LOSS_MESSAGES[why])


@events.subscriber("need.invited")
def tell_of_invitation(session: Session, event) -> None:
    """The invited listing's provider: who invites it to which need (their inbox shows it)."""
    listing = session.get(Listing, event.payload.get("listing_id") or 0)
    need = session.get(Need, event.payload.get("need_id") or 0)
    if listing is None or need is None:
        return
    text = _l("%(organisation)s 邀请你的「%(title)s」参与需求「%(need)s」。", organisation=need.organisation.name,
              title=listing.title, need=need.title)
    _tell(session, services.provider_staff(session, listing),
          Message(Kind.invitations, ("need", need.id), text, services.need_link(need.id)), event,
          skip=event.actor_id)


@events.subscriber("webhook.disabled")
def tell_of_disabled_webhook(session: Session, event) -> None:
    """Whoever registered an endpoint that kept failing: it was disabled, and how to turn it back on."""
    owner = session.get(User, event.payload.get("owner_id") or 0)
    text = _l("你登记的 Webhook（编号 %(id)s）连续投递失败，已自动停用。请检查接收地址后在 Webhook 页面重新启用。",
              id=event.subject_id)
    _tell(session, [owner], Message(Kind.webhooks, ("webhook_endpoint", event.subject_id), text,
                                    services.webhook_link(event.subject_id)), event)


def _mail_on() -> bool:
    # Outside an app context the settings are unknown: keep the delivery, which checks them when it runs.
    return not has_app_context() or mail_configured(current_app.config)


@events.subscriber("notification.created", when=_mail_on)
def email_notification(session: Session, event) -> None:
    """Mail a new notification when SMTP is set up and its recipient wants email for its kind, once: the row is
    locked and marked emailed in the outbox's transaction; a refused send raises, so the outbox retries it."""
    config = current_app.config
    if not mail_configured(config):
        return
    notification: Notification | None = services.notification_to_email(session, event.subject_id)
    if notification is None:
        return
    locale = notification.recipient.locale
    send_email(config, notification.recipient.email,
               texts.render_in(locale, texts.email_subject(notification.kind.label)),
               texts.render_in(locale, texts.email_body(notification.text)))
    services.mark_emailed(session, notification, now=clock.now())
