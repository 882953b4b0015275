"""Volunteer service records, after 志愿服务记录与证明出具办法: basic information, services given, evaluations,
and certificates of service hours, each issued by whoever recorded the hours (谁记录谁证明).

Who recorded what:
- a booking an organisation's member served (``bookings.served_by``) was recorded by that organisation;
- a completed booking of a volunteer's own skill listing, and a wish they fulfilled that the resident (or the
  community on their behalf) confirmed, were recorded by the platform itself.
Training and honours are not modelled on this platform; the record says so rather than leave them out silently.

The volunteer number is derived from the account (``ZY`` + eight digits + a check digit), never from an ID card,
so it needs no column and never changes. A certificate's number is derived from its issuer, the volunteer and
the hours it attests, so the same record always gives the same number and a changed one a new number.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from marketplace.accounts.models import User
from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core.errors import Forbidden, NotFound
from marketplace.core.i18n import _l
from marketplace.core.permissions import can_manage_listings_of
from marketplace.listings.models import Listing
from marketplace.organisations.models import Organisation
from marketplace.reviews.models import Review
from marketplace.wishes.models import Wish, WishStatus

PLATFORM = "platform"


def volunteer_number(user_id: int) -> str:
    """``ZY`` + the account id in eight digits + a Luhn check digit: stable, and a typo in it is caught."""
    digits = f"{user_id:08d}"
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return f"ZY{digits}{(10 - total % 10) % 10}"


@dataclass(frozen=True)
class ServiceEntry:
    kind: str  # "served" (for an organisation), "skill" (own listing), "wish"
    at: datetime
    title: str
    hours: Decimal
    issuer: str  # "org-<id>" or PLATFORM
    issuer_name: str


@dataclass(frozen=True)
class Evaluation:
    at: datetime
    stars: int
    text: str


@dataclass
class Certificate:
    number: str
    issuer: str
    issuer_name: str
    volunteer_number: str
    volunteer_name: str
    hours: Decimal
    entries: list[ServiceEntry]
    first_at: datetime
    last_at: datetime


@dataclass
class VolunteerRecord:
    user: User
    number: str
    entries: list[ServiceEntry] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    training_modelled: bool = False
    honours_modelled: bool = False

    @property
    def hours(self) -> Decimal:
        return sum((entry.hours for entry in self.entries), Decimal("0"))

    @property
    def certificates(self) -> list[Certificate]:
        """One certificate per issuer, for the hours that issuer recorded."""
        by_issuer: dict[str, list[ServiceEntry]] = {}
        for entry in self.entries:
            by_issuer.setdefault(entry.issuer, []).append(entry)
        certificates = []
        for issuer, entries in by_issuer.items():
            hours = sum((entry.hours for entry in entries), Decimal("0"))
            digest = hashlib.sha256("|".join([issuer, self.number, str(hours)] + [
                f"{e.kind}:{e.at.isoformat()}:{e.hours}" for e in entries]).encode()).hexdigest()[:8].upper()
            code = issuer.replace("org-", "O") if issuer != PLATFORM else "P"
            certificates.append(Certificate(
                number=f"{self.number}-{code}-{digest}", issuer=issuer, issuer_name=entries[0].issuer_name,
                volunteer_number=self.number, volunteer_name=self.user.display_name, hours=hours, entries=entries,
                first_at=min(e.at for e in entries), last_at=max(e.at for e in entries)))
        return sorted(certificates, key=lambda c: c.issuer)

    def certificate(self, issuer: str) -> Certificate:
        """The certificate ``issuer`` gives for this record; NotFound when it recorded no hours of theirs."""
        for certificate in self.certificates:
            if certificate.issuer == issuer:
                return certificate
        raise NotFound(_l("这个组织没有记录过你的志愿服务"))


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


def volunteer_record(session: Session, user: User, *, platform_name) -> VolunteerRecord:
    """Everything the platform recorded of ``user``'s volunteering: services, evaluations; no ID numbers."""
    record = VolunteerRecord(user=user, number=volunteer_number(user.id))
    served = session.scalars(
        select(Booking).join(Listing, Booking.listing_id == Listing.id)
        .where(Booking.status == BookingStatus.completed,
               or_(Booking.served_by_id == user.id,
                   and_(Listing.provider_user_id == user.id, Booking.served_by_id.is_(None))))
        .options(joinedload(Booking.listing).joinedload(Listing.organisation)).order_by(Booking.start_at, Booking.id))
    for booking in served:
        listing = booking.listing
        if booking.served_by_id == user.id and listing.organisation is not None:
            record.entries.append(ServiceEntry("served", booking.start_at, listing.title,
                                               _hours(booking.duration_minutes), f"org-{listing.organisation.id}",
                                               listing.organisation.name))
        else:
            record.entries.append(ServiceEntry("skill", booking.start_at, listing.title,
                                               _hours(booking.duration_minutes), PLATFORM, str(platform_name)))
    wishes = session.scalars(select(Wish).where(Wish.claimant_id == user.id, Wish.status == WishStatus.confirmed)
                             .order_by(Wish.confirmed_at, Wish.id))
    for wish in wishes:
        record.entries.append(ServiceEntry("wish", wish.confirmed_at, wish.title, wish.hours or Decimal("0"),
                                           PLATFORM, str(platform_name)))
    record.entries.sort(key=lambda e: (e.at, e.kind, e.title))
    reviews = session.scalars(select(Review).where(Review.reviewee_id == user.id, Review.revealed_at.is_not(None),
                                                   Review.hidden.is_(False)).order_by(Review.revealed_at))
    # Who wrote an evaluation stays out: the record is the volunteer's, the words are the reviewer's to sign.
    record.evaluations = [Evaluation(review.revealed_at, review.stars, review.text) for review in reviews]
    return record


@dataclass(frozen=True)
class VolunteerRow:
    number: str
    name: str
    services: int
    hours: Decimal
    first_at: datetime
    last_at: datetime


def organisation_volunteers(session: Session, actor, organisation: Organisation) -> list[VolunteerRow]:
    """The volunteers whose service ``organisation`` recorded (bookings of its listings they served), with their
    hours; Forbidden unless the actor is its staff or a platform admin."""
    if not (can_manage_listings_of(actor, organisation) or getattr(actor, "is_platform_admin", False)):
        raise Forbidden(_l("你不是这个组织的工作人员"))
    rows = session.execute(
        select(Booking, User).join(Listing, Booking.listing_id == Listing.id).join(User, Booking.served_by_id == User.id)
        .where(Listing.organisation_id == organisation.id, Booking.status == BookingStatus.completed)
        .order_by(User.id, Booking.start_at)).all()
    grouped: dict[int, tuple[User, list[Booking]]] = {}
    for booking, user in rows:
        grouped.setdefault(user.id, (user, []))[1].append(booking)
    return [VolunteerRow(volunteer_number(user.id), user.display_name, len(bookings),
                         sum((_hours(b.duration_minutes) for b in bookings), Decimal("0")),
                         bookings[0].start_at, bookings[-1].start_at) for user, bookings in grouped.values()]
