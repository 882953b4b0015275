"""Feedback and complaints: sending one, answering it in public, the response-time figures, and escalation.

Whoever is responsible is settled when an item is sent (see ``models.Feedback``). The first answer sets
``first_answered_at`` and ``response_seconds`` by a conditional update, so two staff answering at once both
publish their answers and the time to first answer is the earlier one's. An item nobody answered within the
deployment's days escalates to the street's staff once: the conditional update of ``escalate_if_due``
re-checks it is still unanswered and unescalated, so a second sweeper (or an answer just committed) moves
nothing. Each change records a ``feedback.*`` event naming the user ids to tell.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.core import clock, events
from marketplace.core.db import get_by_id, is_id
from marketplace.core.errors import Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.permissions import is_platform_admin
from marketplace.core.validation import clean_text
from marketplace.feedback.models import Feedback, FeedbackAnswer, FeedbackKind, FeedbackSubject
from marketplace.listings.services import get_listing
from marketplace.organisations import offices
from marketplace.organisations.models import Membership, Organisation
from marketplace.places.models import Place, PlaceKind

MAX_TEXT_LENGTH = 1000
MAX_ANSWER_LENGTH = 1000


@dataclass
class FeedbackInput:
    """What a resident sends; the form and the API fill it from their input."""

    kind: str
    subject: str
    subject_id: int
    text: str
    anonymous: bool = False


@dataclass(frozen=True)
class ResponseFigures:
    """An organisation's record of answering: answered and waiting items, the median time to first answer."""

    answered: int
    waiting: int
    median_seconds: int | None


@dataclass(frozen=True)
class _Target:
    organisation_id: int | None
    responder_user_id: int | None
    place: Place
    about: str
    listing_id: int | None = None


def _target(session: Session, author: User, subject: FeedbackSubject, subject_id) -> _Target:
    if subject is FeedbackSubject.listing:
        listing = get_listing(session, subject_id, viewer=author)
        return _Target(listing.organisation_id, None if listing.organisation_id else listing.provider_user_id,
                       listing.place, listing.title, listing.id)
    if subject is FeedbackSubject.organisation:
        org = get_by_id(session, Organisation, subject_id)
        if org is None or not org.is_verified:
            raise NotFound(_l("找不到这个组织"))
        return _Target(org.id, None, org.place, org.name)
    place = get_by_id(session, Place, subject_id)
    if place is None or place.kind is not PlaceKind.community:
        raise NotFound(_l("找不到这个社区"))
    office = offices.community_office(session, place.id)
    return _Target(office.id if office else None, None, place, place.name)


def subject_name(session: Session, viewer, subject: FeedbackSubject, subject_id) -> str:
    """The name of what feedback would be about; NotFound as ``send_feedback``."""
    return _target(session, viewer, subject, subject_id).about


def communities(session: Session) -> list[Place]:
    """Every community, by name (what a resident may send feedback about without a listing or organisation)."""
    return list(session.scalars(select(Place).where(Place.kind == PlaceKind.community).order_by(Place.name, Place.id)))


def _choice(enum_type, value, field: str, message):
    try:
        return enum_type(value)
    except ValueError:
        raise ValidationFailed(field, message) from None


def responsible_people(session: Session, item: Feedback) -> list[User]:
    """Who must answer: the organisation's staff, or the volunteer whose listing it is about."""
    if item.organisation_id is not None:
        return list(session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                    .where(Membership.organisation_id == item.organisation_id).order_by(User.id)))
    responder = session.get(User, item.responder_user_id) if item.responder_user_id else None
    return [responder] if responder is not None else []


def _ids(users, *, skip: int | None = None) -> list[int]:
    return [user.id for user in users if user.id != skip]


def send_feedback(session: Session, author: User, data: FeedbackInput, *, now: datetime | None = None) -> Feedback:
    """Send feedback or a complaint about a listing, an organisation or a community, and tell who must answer.

    Raises ValidationFailed (kind, subject, text, anonymous) and NotFound (no such listing, verified
    organisation or community).
    """
    now = now or clock.now()
    kind = _choice(FeedbackKind, data.kind, "kind", _l("请选择意见建议或投诉"))
    subject = _choice(FeedbackSubject, data.subject, "subject", _l("请选择反馈的对象：资源、组织或社区"))
    if not isinstance(data.anonymous, bool):
        raise ValidationFailed("anonymous", _l("请选择是否匿名"))
    text = clean_text(data.text, "text", MAX_TEXT_LENGTH, required=_l("请填写反馈内容"),
                      too_long=_l("反馈内容最多%(n)s个字", n=MAX_TEXT_LENGTH))
    if not is_id(data.subject_id):
        raise ValidationFailed("subject_id", _l("请选择反馈的对象"))
    target = _target(session, author, subject, data.subject_id)
    path = target.place.ancestor_ids
    street_id, community_id = path[0], (path[1] if len(path) > 1 else None)
    item = Feedback(kind=kind, subject=subject, listing_id=target.listing_id, organisation_id=target.organisation_id,
                    responder_user_id=target.responder_user_id, community_id=community_id, street_id=street_id,
                    about=target.about[:200], author_id=author.id, anonymous=data.anonymous, text=text,
                    created_at=now)
    session.add(item)
    session.flush()
    events.record(session, "feedback.posted", subject=("feedback", item.id), actor_id=author.id, payload={
        "recipient_ids": _ids(responsible_people(session, item), skip=author.id), "kind": kind.value,
        "about": item.about, "organisation_id": item.organisation_id})
    return item


def get_feedback(session: Session, feedback_id) -> Feedback:
    """An item with its answers (all feedback is public); NotFound otherwise."""
    item = session.get(Feedback, feedback_id, options=[selectinload(Feedback.answers).selectinload(
        FeedbackAnswer.author), selectinload(Feedback.author)]) if is_id(feedback_id) else None
    if item is None:
        raise NotFound(_l("找不到这条反馈"))
    return item


def is_responsible(session: Session, user, item: Feedback) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if item.organisation_id is not None:
        return session.scalar(select(Membership.id).where(Membership.organisation_id == item.organisation_id,
                                                          Membership.user_id == user.id)) is not None
    return item.responder_user_id == user.id


def may_answer(session: Session, user, item: Feedback) -> bool:
    """The responsible side; the street's staff and platform admins (the street answers what escalated)."""
    return (is_responsible(session, user, item) or is_platform_admin(user)
            or offices.is_office_staff(session, user, [item.street_id]))


def may_see_author(viewer, item: Feedback) -> bool:
    """Anonymous items hide their author from everyone but the author and platform admins."""
    if not item.anonymous:
        return True
    return viewer is not None and getattr(viewer, "is_authenticated", False) and (
        viewer.id == item.author_id or is_platform_admin(viewer))


def shown_author(viewer, item: Feedback) -> User | None:
    return item.author if may_see_author(viewer, item) else None


def answer_feedback(session: Session, actor: User, item: Feedback, text: str, *,
                    now: datetime | None = None) -> FeedbackAnswer:
    """Publish an answer; the first one sets the time to first answer. Forbidden for anyone who may not answer,
    ValidationFailed for a blank or too long text."""
    now = now or clock.now()
    responsible = is_responsible(session, actor, item)
    if not responsible and not may_answer(session, actor, item):
        raise Forbidden(_l("只有负责的组织和街道工作人员可以答复"))
    text = clean_text(text, "text", MAX_ANSWER_LENGTH, required=_l("请填写答复内容"),
                      too_long=_l("答复最多%(n)s个字", n=MAX_ANSWER_LENGTH))
    answer = FeedbackAnswer(feedback_id=item.id, author_id=actor.id, by_street=not responsible, text=text,
                            created_at=now)
    session.add(answer)
    session.flush()
    seconds = max(0, int((now - item.created_at).total_seconds()))
    first = session.execute(update(Feedback).where(Feedback.id == item.id, Feedback.first_answered_at.is_(None))
                            .values(first_answered_at=now, response_seconds=seconds)
                            .execution_options(synchronize_session=False)).rowcount == 1
    session.refresh(item)
    events.record(session, "feedback.answered", subject=("feedback", item.id), actor_id=actor.id, payload={
        "recipient_ids": _ids([item.author], skip=actor.id), "answer_id": answer.id, "first": first,
        "by_street": answer.by_street, "about": item.about})
    return answer


def list_feedback(session: Session, *, organisation_id: int | None = None, listing_id: int | None = None,
                  community_id: int | None = None, kind: str | None = None, answered: bool | None = None,
                  page: int = 1, per_page: int = 20) -> tuple[list[Feedback], int]:
    """A page of feedback, newest first, with answers and authors loaded, and the total."""
    stmt = select(Feedback)
    if organisation_id is not None:
        stmt = stmt.where(Feedback.organisation_id == organisation_id)
    if listing_id is not None:
        stmt = stmt.where(Feedback.listing_id == listing_id)
    if community_id is not None:
        stmt = stmt.where(Feedback.community_id == community_id)
    if kind is not None:
        stmt = stmt.where(Feedback.kind == _choice(FeedbackKind, kind, "kind", _l("请选择意见建议或投诉")))
    if answered is True:
        stmt = stmt.where(Feedback.first_answered_at.is_not(None))
    elif answered is False:
        stmt = stmt.where(Feedback.first_answered_at.is_(None))
    stmt = stmt.options(selectinload(Feedback.answers).selectinload(FeedbackAnswer.author),
                        selectinload(Feedback.author)).order_by(Feedback.created_at.desc(), Feedback.id.desc())
    return fetch_page(session, stmt, page=page, per_page=per_page)


def _about(organisation_id: int | None, community_id: int | None):
    """Items of one organisation, of one community, or (neither named) of the whole street."""
    if organisation_id is not None:
        return Feedback.organisation_id == organisation_id
    if community_id is not None:
        return Feedback.community_id == community_id
    return Feedback.id.is_not(None)


def median_response_seconds(session: Session, organisation_id: int | None = None, *,
                            community_id: int | None = None) -> int | None:
    """The median time to first answer of the organisation's (or the community's, or the street's) answered
    items, read from the middle of the (organisation, response_seconds) index: a count and at most two rows."""
    answered = _about(organisation_id, community_id) & Feedback.response_seconds.is_not(None)
    n = session.scalar(select(func.count()).select_from(Feedback).where(answered))
    if not n:
        return None
    low, high = (n - 1) // 2, n // 2
    middle = list(session.scalars(select(Feedback.response_seconds).where(answered)
                                  .order_by(Feedback.response_seconds).offset(low).limit(high - low + 1)))
    return round(sum(middle) / len(middle))


def response_figures(session: Session, organisation_id: int | None = None, *,
                     community_id: int | None = None) -> ResponseFigures:
    """Answered and waiting items and the median time to first answer, of an organisation, a community or the street."""
    counts = dict(session.execute(
        select(Feedback.response_seconds.is_(None), func.count())
        .where(_about(organisation_id, community_id))
        .group_by(Feedback.response_seconds.is_(None))).all())
    answered = counts.get(False, 0)
    median = median_response_seconds(session, organisation_id, community_id=community_id) if answered else None
    return ResponseFigures(answered=answered, waiting=counts.get(True, 0), median_seconds=median)


def response_table(session: Session, organisation_ids) -> list[tuple[Organisation, ResponseFigures]]:
    """Each named organisation (those on one page of feedback) by name, with its figures: two small queries each."""
    ids = set(organisation_ids) - {None}
    if not ids:
        return []
    orgs = session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name))
    return [(org, response_figures(session, org.id)) for org in orgs]


def oldest_escalation_due(session: Session, now: datetime, *, after: timedelta) -> datetime | None:
    """When the longest-waiting item ``due_for_escalation`` would find fell due, or None (one index seek)."""
    sent = session.scalar(select(Feedback.created_at).where(
        Feedback.first_answered_at.is_(None), Feedback.escalated_at.is_(None), Feedback.created_at <= now - after)
        .order_by(Feedback.created_at).limit(1))
    return sent + after if sent is not None else None


def due_for_escalation(session: Session, now: datetime, *, after: timedelta, limit: int) -> list[int]:
    """Ids of items unanswered and not escalated ``after`` their sending, oldest first (the partial index)."""
    return list(session.scalars(select(Feedback.id).where(
        Feedback.first_answered_at.is_(None), Feedback.escalated_at.is_(None), Feedback.created_at <= now - after)
        .order_by(Feedback.created_at, Feedback.id).limit(limit)))


def escalate_if_due(session: Session, feedback_id: int, now: datetime, *, after: timedelta) -> bool:
    """Escalate one item to the street, once; False when it was answered or escalated meanwhile."""
    moved = session.execute(update(Feedback).where(
        Feedback.id == feedback_id, Feedback.first_answered_at.is_(None), Feedback.escalated_at.is_(None),
        Feedback.created_at <= now - after).values(escalated_at=now).execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        return False
    item = session.get(Feedback, feedback_id, populate_existing=True)
    events.record(session, "feedback.escalated", subject=("feedback", item.id), payload={
        "recipient_ids": offices.office_staff_ids(session, [item.street_id]), "kind": item.kind.value,
        "about": item.about, "days": after.days})
    return True
