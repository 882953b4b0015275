"""One realistic concurrent scenario for every state-changing route of both faces (tests/core/test_concurrent_writes.py).

Adding a scenario for a new route takes a few lines::

    @scenario("POST", "accounts_api.PasswordChange")
    def change_password(world: World) -> Plan:
        users = world.users(CLIENTS)
        calls = grid(lambda c, i: Call(world.api(users[c]), "POST", "/api/v1/me/password",
                                       json={...}, tag=(users[c].id, ...)))
        return Plan(calls, check=lambda outcomes: ...)

``world`` builds committed objects through the real services (``world.factory`` is the
``Factory`` of tests/conftest.py) and signs clients in over HTTP: ``world.api(user)`` is a client
with a Bearer token, ``world.html(user)`` one with a logged-in session cookie,
``world.anonymous()`` one with neither; ``world.inbox()`` is a real SMTP server the live app mails
through until the test ends. ``grid`` gives ``calls[client][round]``: each of the
``CLIENTS`` clients sends its ``ROUNDS`` calls one after another, the clients at the same time.
``check`` runs afterwards in the test's session on the outcomes: every acknowledged write (2xx
for the API, a redirect for a form unless ``acked`` says otherwise) must be in the database.
``refused`` names the statuses a realistic race may answer (two people booking one slot: 409).
"""
from __future__ import annotations

import io
import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from PIL import Image
from sqlalchemy import func, select

from marketplace.accounts import services as accounts, sessions, tokens
from marketplace.accounts.models import ApiToken, PasswordResetCode, User, UserSession
from marketplace.core.audit import AuditEntry
from marketplace.bookings import conversation, lifecycle
from marketplace.bookings import series as series_services
from marketplace.bookings.doorcode import todays_door_token
from marketplace.bookings.models import (Booking, BookingEvent, BookingMessage, BookingSeries, BookingStatus,
                                         CalendarFeedToken)
from marketplace.core import clock, transactions, zones
from marketplace.core.events import DomainEvent
from marketplace.favourites import services as favourites
from marketplace.favourites.models import Favourite
from marketplace.feedback import services as feedback
from marketplace.feedback.models import Feedback, FeedbackAnswer
from marketplace.groups import services as groups
from marketplace.groups.models import Group, GroupMember
from marketplace.listings import photos, services as listings
from marketplace.listings.models import ListingException, ListingStatus, OpeningHours, Photo
from marketplace.lotteries import services as lotteries
from marketplace.lotteries.models import Lottery, LotteryApplication
from marketplace.needs import services as needs
from marketplace.needs.models import Need, NeedInvitation, NeedItem
from marketplace.notifications import services as notifications
from marketplace.notifications.models import Kind, Notification, NotificationPreference
from marketplace.organisations import services as organisations
from marketplace.organisations.models import Membership, Organisation, OrganisationStatus, StaffRole
from marketplace.places.models import Place
from marketplace.pledges import services as pledges
from marketplace.pledges.models import Pledge
from marketplace.points import services as points
from marketplace.points.models import PointsAccount, PointsTransfer
from marketplace.points.models import Reason as PointsReason
from marketplace.reviews import services as reviews
from marketplace.reviews.models import Review, ReviewReport
from marketplace.search.models import ListingView
from marketplace.bookings import services as bookings
from marketplace.waitlist import services as waitlist
from marketplace.waitlist.models import EntryStatus, WaitlistEntry
from marketplace.webhooks import services as webhooks
from marketplace.webhooks.models import WebhookDelivery, WebhookEndpoint
from marketplace.wishes import services as wishes
from marketplace.wishes.models import Wish, WishCoClaimer, WishPhoto, WishStatus
from marketplace.wishes.photos import MAX_PHOTOS as MAX_WISH_PHOTOS
from tests.conftest import PASSWORD, Factory, writing_units
from tests.feedback.conftest import Street, build_street
from tests.mail import Inbox, smtp_inbox
from tests.wishes.conftest import Wishes

CLIENTS = 4
ROUNDS = 3
ZONE = "Asia/Shanghai"
TIMEOUT_SECONDS = 60


@dataclass
class Call:
    """One HTTP request a client sends; ``tag`` is what the check needs to know about it."""

    client: requests.Session
    method: str
    path: str
    json: Any = None
    data: dict | None = None
    files: dict | None = None
    tag: Any = None

    @property
    def face(self) -> str:
        return "api" if self.path.startswith("/api/") else "html"

    def send(self, base_url: str) -> requests.Response:
        files = {name: (filename, content) for name, (filename, content) in (self.files or {}).items()} or None
        return self.client.request(self.method, base_url + self.path, json=self.json, data=self.data, files=files,
                                   allow_redirects=False, timeout=TIMEOUT_SECONDS)


@dataclass
class Outcome:
    call: Call
    status: int
    body: str
    location: str = ""
    retry_after: str | None = None
    acked: bool = False

    def created_id(self) -> int:
        """The id of what an acknowledged create made: the JSON ``id`` or the last number of the redirect."""
        if self.call.face == "api":
            return int(self.body_json()["id"])
        return int(self.location.rstrip("/").split("?")[0].rsplit("/", 1)[-1])

    def body_json(self):
        return json.loads(self.body)


def html_acknowledges(outcome: Outcome) -> bool:
    """A form's success is a redirect somewhere other than the login page."""
    return outcome.status in (302, 303) and "/login" not in outcome.location


def default_acked(outcome: Outcome) -> bool:
    if outcome.call.face == "api":
        return 200 <= outcome.status < 300
    return html_acknowledges(outcome)


@dataclass
class Plan:
    calls: list[list[Call]]
    check: Callable[[list[Outcome]], None]
    refused: frozenset[int] = frozenset()
    acked: Callable[[Outcome], bool] = default_acked


def grid(make: Callable[[int, int], Call]) -> list[list[Call]]:
    return [[make(c, i) for i in range(ROUNDS)] for c in range(CLIENTS)]


def acks(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.acked]


def tags(outcomes: list[Outcome]) -> list:
    return [o.call.tag for o in acks(outcomes)]


@writing_units
class World:
    """Committed objects built through the real services, and HTTP clients signed in as their users."""

    def __init__(self, session, base_url: str, app):
        self.session = session
        self.base_url = base_url
        self.app = app
        self.factory = Factory(session)
        self._api: dict[int, requests.Session] = {}
        self._html: dict[int, requests.Session] = {}
        self.clients: list[requests.Session] = []
        self.exits = ExitStack()  # closed when the test ends

    def anonymous(self) -> requests.Session:
        client = requests.Session()
        self.clients.append(client)
        return client

    def api(self, user: User) -> requests.Session:
        """A client with a Bearer token obtained from POST /api/v1/auth/tokens."""
        if user.id not in self._api:
            self._api[user.id] = client = self.anonymous()
            response = self._sign_in(client, "/api/v1/auth/tokens", user, as_json=True)
            assert response.status_code == 201, response.text[:500]
            client.headers["Authorization"] = f"Bearer {response.json()['token']}"
        return self._api[user.id]

    def html(self, user: User) -> requests.Session:
        """A client whose cookie jar holds a session signed in through the login form."""
        if user.id not in self._html:
            self._html[user.id] = client = self.anonymous()
            response = self._sign_in(client, "/login", user, as_json=False)
            assert response.status_code == 302, response.text[:500]
        return self._html[user.id]

    def _sign_in(self, client: requests.Session, path: str, user: User, *, as_json: bool) -> requests.Response:
        credentials = {"login": user.login_name, "password": PASSWORD}
        # The server commits while signing in: on SQLite a read transaction of ours open across that commit
        # could not write afterwards (its snapshot is stale), so none stays open.
        self.session.commit()
        return client.post(self.base_url + path, json=credentials if as_json else None,
                           data=None if as_json else credentials, allow_redirects=False, timeout=TIMEOUT_SECONDS)

    def client(self, face: str, user: User) -> requests.Session:
        return self.api(user) if face == "api" else self.html(user)

    def browser(self, user: User) -> requests.Session:
        """One more browser of ``user`` signed in through the login form (``html`` keeps one per user)."""
        client = self.anonymous()
        response = self._sign_in(client, "/login", user, as_json=False)
        assert response.status_code == 302, response.text[:500]
        return client

    def bearer(self, token: str) -> requests.Session:
        client = self.anonymous()
        client.headers["Authorization"] = f"Bearer {token}"
        return client

    def api_tokens(self, user: User, n: int) -> list[tuple[int, str]]:
        """``n`` tokens of ``user`` (their phone, tablet, …) issued by the service: (row id, value) each."""
        values = [tokens.issue_api_token(self.session, user) for _ in range(n)]
        self.session.commit()
        return [(self.session.scalar(select(ApiToken.id).where(ApiToken.token_hash == tokens.hash_token(value))),
                 value) for value in values]

    def signed_in_elsewhere(self, users: list[User]) -> None:
        """Each user also signed in on another device: one browser session and one API token."""
        for user in users:
            sessions.start_session(self.session, user)
            tokens.issue_api_token(self.session, user)
        self.session.commit()

    def inbox(self) -> Inbox:
        """A real SMTP server the live app mails through until the test ends."""
        return self.exits.enter_context(smtp_inbox(self.app))

    def mail_users(self, n: int) -> list[User]:
        return [self.factory.user(email=f"jumin-{uuid.uuid4().hex[:12]}@example.org") for _ in range(n)]

    def mailed_codes(self, inbox: Inbox, users: list[User]) -> dict[int, str]:
        """Ask for a reset code for each user as they would (the API), and read it from the mail they get."""
        addresses = {user.id: user.email for user in users}
        self.session.commit()  # no transaction of ours open while the server commits
        client = self.anonymous()
        codes = {}
        for user_id, address in addresses.items():
            response = client.post(self.base_url + "/api/v1/auth/password-reset", json={"email": address},
                                   timeout=TIMEOUT_SECONDS)
            assert response.status_code == 202, response.text[:500]
            codes[user_id] = inbox.codes_for(address)[-1]
        return codes

    def community_office(self, n_staff: int, n_residents: int) -> tuple[list[User], list[User]]:
        """Desk staff of a verified community office, and residents living in its community."""
        tree = self.factory.place_tree()
        staff = self.users(n_staff)
        org = self.factory.organisation(admin=staff[0], place=tree["c1"])
        for user in staff[1:]:
            organisations.add_staff(self.session, staff[0], org, user.login_name, StaffRole.staff)
        residents = self.users(n_residents)
        for resident in residents:
            resident.home_place_id = tree["c1_building"].id
        self.session.commit()
        return staff, residents

    def users(self, n: int, **kwargs) -> list[User]:
        return [self.factory.user(**kwargs) for _ in range(n)]

    def admins(self, n: int = CLIENTS) -> list[User]:
        return self.users(n, platform_admin=True)

    def staffed_organisation(self, n: int = CLIENTS) -> tuple[Organisation, list[User]]:
        """A verified organisation with ``n`` admins (its applicant first)."""
        staff = self.users(n)
        org = self.factory.organisation(admin=staff[0])
        for user in staff[1:]:
            organisations.add_staff(self.session, staff[0], org, user.login_name, StaffRole.admin)
        self.session.commit()
        return org, staff

    def bookings(self, listing, n: int, start: datetime, *, minutes: int = 60) -> list[Booking]:
        """``n`` bookings of ``n`` different residents at the same time (a listing with room for them)."""
        return [self.factory.booking(listing=listing, start=start, minutes=minutes) for _ in range(n)]

    def series(self, listing, booker: User, start: datetime, *, count: int = 2) -> BookingSeries:
        made, _preview = series_services.create_series(self.session, booker, series_services.SeriesRequest(
            listing_id=listing.id, start=start, end=start + timedelta(hours=1), frequency="weekly", count=count,
            purpose="合唱团排练"), mode="all_free", zone=ZONE)
        self.session.commit()
        return made

    def messages(self, booking: Booking, author: User, n: int) -> list[BookingMessage]:
        rules = conversation.ConversationRules.from_config(self.app.config)
        made = [conversation.post_message(self.session, author, booking, f"之前的留言{k}", rules=rules)
                for k in range(n)]
        self.session.commit()
        return made

    def exceptions(self, listing, actor: User, n: int) -> list[ListingException]:
        made = [listings.add_exception(self.session, actor, listing, listings.ExceptionData(
            day=local_day(10 + k), note=f"设备检修{k}")) for k in range(n)]
        self.session.commit()
        return made

    def devices(self, user: User, face: str, n: int) -> list[requests.Session]:
        """``n`` devices of ``user`` at once: each with its own API token, or its own signed-in browser."""
        if face == "api":
            return [self.bearer(value) for _token_id, value in self.api_tokens(user, n)]
        return [self.browser(user) for _ in range(n)]

    def saved(self, user: User, listings_saved: list) -> None:
        for listing in listings_saved:
            favourites.save_listing(self.session, user, listing.id)
        self.session.commit()

    def notified(self, user: User, n: int) -> list[int]:
        """``n`` unread notifications for ``user`` (as the subscribers make them); their ids."""
        made = [notifications.notify(self.session, user, notifications.Message(
            Kind.decisions, ("booking", k + 1), f"通知{k}", f"/bookings/{k + 1}"), event_id=None) for k in range(n)]
        self.session.commit()
        return [notification.id for notification in made]

    def waitlisted(self, listing, pairs: list[tuple[User, datetime]], *, offered: bool = False) -> dict:
        """Each (user, start) in line for the hour from ``start``, which someone else booked first; with ``offered``
        the bookings are then cancelled and each slot is held for its first in line. Returns the entry ids by
        (user id, start)."""
        taken = {}
        entries = {}
        for user, start in pairs:
            if start not in taken:
                taken[start] = self.factory.booking(listing=listing, start=start)
            entries[(user.id, start)] = waitlist.join_waitlist(self.session, user, waitlist.WaitRequest(
                listing_id=listing.id, start=start, end=start + timedelta(hours=1)), zone=ZONE).id
        if offered:
            for booking in taken.values():
                bookings.cancel_booking(self.session, booking.booker, booking)
                waitlist.offer_freed(self.session, listing.id, booking.start_at, booking.blocked_until, zone=ZONE)
        self.session.commit()
        return entries

    def completed_bookings(self, listing, bookers: list[User], n: int) -> list[list[Booking]]:
        """``n`` bookings per booker of ``listing`` yesterday-ish, completed, with the clock after them (running)."""
        made = [[self.factory.booking(listing=listing, booker=booker, start=local_start(1, 9 + k * len(bookers) + b))
                 for k in range(n)] for b, booker in enumerate(bookers)]
        clock.travel_to(local_start(2, 9), freeze=False)
        for row in made:
            for booking in row:
                lifecycle.complete_booking(self.session, booking)
        self.session.commit()
        return made

    def revealed_reviews(self, n: int) -> tuple[list[Review], list[User]]:
        """``n`` reviews by bookers of one organisation's listing, revealed (its staff reviewed them back)."""
        org, staff = self.staffed_organisation()
        listing = self.factory.listing(organisation=org, actor=staff[0], capacity=20)
        bookers = self.users(n)
        made = []
        for [booking], booker in zip(self.completed_bookings(listing, bookers, 1), bookers):
            made.append(reviews.write_review(self.session, booker, booking, reviews.ReviewInput(stars=2, text="一般"),
                                             window_days=14))
            reviews.write_review(self.session, staff[0], booking, reviews.ReviewInput(stars=5), window_days=14)
        self.session.commit()
        return made, staff

    def street(self, n_unit_staff: int = 1) -> Street:
        """A street with its office, a community office, and a resident unit with a listing and ``n_unit_staff``
        staff (its admin first) (tests/feedback)."""
        street = build_street(self.factory, self.session)
        for user in self.users(n_unit_staff - 1):
            organisations.add_staff(self.session, street.unit_staff, street.unit, user.login_name, StaffRole.staff)
        self.session.commit()
        return street

    def feedback_items(self, street: Street, n: int) -> list[Feedback]:
        made = [feedback.send_feedback(self.session, street.resident, feedback.FeedbackInput(
            kind="complaint", subject="listing", subject_id=street.listing.id, text=f"第{k}条：空调不制冷"))
            for k in range(n)]
        self.session.commit()
        return made

    def units(self, street: Street, n: int) -> list[Organisation]:
        """``n`` more verified units in the street's first community."""
        return [self.factory.organisation(place=street.tree["c1_grid"], name=f"驻区单位{uuid.uuid4().hex[:8]}")
                for _ in range(n)]

    def signed_pledges(self, admin: User, units: list[Organisation]) -> list[Pledge]:
        made = [pledges.sign_pledge(self.session, admin, pledges.PledgeInput(
            organisation_id=unit.id, year=2026, room_hours=10, volunteer_hours=10)) for unit in units]
        self.session.commit()
        return made

    def photos(self, listing, actor: User, n: int) -> list[Photo]:
        made = [photos.add_photo(self.session, actor, listing, png(k), upload_dir=self.app.config["UPLOAD_DIR"],
                                 max_bytes=self.app.config["MAX_PHOTO_BYTES"]) for k in range(n)]
        self.session.commit()
        return made


def local_day(days_ahead: int) -> date:
    return zones.local_date(clock.now(), ZONE) + timedelta(days=days_ahead)


def local_start(days_ahead: int, hour: int) -> datetime:
    """An aware UTC instant: ``hour`` o'clock in the deployment's zone, ``days_ahead`` days from today."""
    return zones.to_utc(datetime.combine(local_day(days_ahead), time(hour)), ZONE)


def iso_local(instant: datetime) -> str:
    return zones.to_local(instant, ZONE).isoformat()


def png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 16 + seed % 200, 46)).save(buffer, "PNG")
    return buffer.getvalue()


def unique_phone(prefix: str, c: int, i: int) -> str:
    return f"{prefix}{os.getpid() % 10000:04d}{c}{i:03d}"


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def final_value_is_acked(outcomes: list[Outcome], current: Callable[[Any], Any]) -> None:
    """For updates of one row per key: the value in the database is one that a client was told was saved."""
    acked_by_key: dict[Any, list] = {}
    for key, value in tags(outcomes):
        acked_by_key.setdefault(key, []).append(value)
    for key, values in acked_by_key.items():
        now = current(key)
        expect(now in values, f"{key}: the database holds {now!r}, none of the acknowledged {values!r}")


def created_count_matches(outcomes: list[Outcome], count: Callable[[], int]) -> None:
    expect(count() == len(acks(outcomes)), f"{count()} rows for {len(acks(outcomes))} acknowledged creations")


def each_acked(outcomes: list[Outcome], holds: Callable[[Any], bool], what: str) -> None:
    wrong = [o.call.tag for o in acks(outcomes) if not holds(o.call.tag)]
    expect(not wrong, f"acknowledged but not {what}: {wrong}")


def nothing_to_check(_outcomes: list[Outcome]) -> None:
    """The route writes no row (a login or logout lives in the session cookie; a preview writes nothing)."""


SCENARIOS: dict[tuple[str, str], Callable[[World], Plan]] = {}


def scenario(method: str, endpoint: str):
    def register(build: Callable[[World], Plan]):
        SCENARIOS[(method, endpoint)] = build
        return build
    return register


def _get(session, model, ident):
    return session.get(model, ident, populate_existing=True)


# Accounts -------------------------------------------------------------------------------------------------------------

@scenario("POST", "accounts_api.Users")
def api_register(world: World) -> Plan:
    clients = [world.anonymous() for _ in range(CLIENTS)]
    calls = grid(lambda c, i: Call(clients[c], "POST", "/api/v1/users", json={
        "phone": unique_phone("136", c, i), "password": PASSWORD, "display_name": f"新居民{c}{i}"},
        tag=unique_phone("136", c, i)))
    return Plan(calls, lambda outcomes: (
        created_count_matches(outcomes, lambda: world.session.scalar(
            select(func.count()).select_from(User).where(User.phone.in_([c.tag for row in calls for c in row]))))))


@scenario("POST", "accounts.register")
def html_register(world: World) -> Plan:
    clients = [world.anonymous() for _ in range(CLIENTS)]
    calls = grid(lambda c, i: Call(clients[c], "POST", "/register", data={
        "phone": unique_phone("135", c, i), "password": PASSWORD, "display_name": f"新居民{c}{i}"},
        tag=unique_phone("135", c, i)))
    return Plan(calls, lambda outcomes: (
        created_count_matches(outcomes, lambda: world.session.scalar(
            select(func.count()).select_from(User).where(User.phone.in_([c.tag for row in calls for c in row]))))))


@scenario("POST", "accounts_api.Tokens")
def issue_tokens(world: World) -> Plan:
    users = world.users(CLIENTS)
    clients = [world.anonymous() for _ in range(CLIENTS)]
    calls = grid(lambda c, i: Call(clients[c], "POST", "/api/v1/auth/tokens",
                                   json={"login": users[c].login_name, "password": PASSWORD}))
    return Plan(calls, lambda outcomes: created_count_matches(outcomes, lambda: world.session.scalar(
        select(func.count()).select_from(ApiToken).where(ApiToken.user_id.in_([u.id for u in users])))))


@scenario("POST", "accounts.login")
def html_login(world: World) -> Plan:
    users = world.users(CLIENTS)
    calls = grid(lambda c, i: Call(world.anonymous(), "POST", "/login",
                                   data={"login": users[c].login_name, "password": PASSWORD}))
    return Plan(calls, nothing_to_check)


@scenario("POST", "accounts.logout")
def html_logout(world: World) -> Plan:
    clients = [world.html(user) for user in world.users(CLIENTS)]
    return Plan(grid(lambda c, i: Call(clients[c], "POST", "/logout")), nothing_to_check)


def _profile_check(world: World):
    return lambda outcomes: final_value_is_acked(
        outcomes, lambda user_id: _get(world.session, User, user_id).display_name)


@scenario("PATCH", "accounts_api.Me")
def api_profile(world: World) -> Plan:
    """A volunteer edits their profile from two devices at once: the name and the volunteer flag stored are
    one device's whole change, never one device's name beside the other's flag."""
    users = world.users(CLIENTS // 2)
    devices = [device for user in users for device in world.devices(user, "api", 2)]
    user_ids = [user.id for user in users]

    def call(c, i):
        change = {"display_name": f"王阿姨{c}-{i}", "is_volunteer": (c + i) % 2 == 0}
        return Call(devices[c], "PATCH", "/api/v1/me", json=change,
                    tag=(user_ids[c // 2], (change["display_name"], change["is_volunteer"])))

    def stored(user_id):
        user = _get(world.session, User, user_id)
        return user.display_name, user.is_volunteer

    return Plan(grid(call), lambda outcomes: final_value_is_acked(outcomes, stored))


@scenario("POST", "accounts.profile")
def html_profile(world: World) -> Plan:
    users = world.users(CLIENTS)
    calls = grid(lambda c, i: Call(world.html(users[c]), "POST", "/profile", data={
        "display_name": f"李大爷{c}-{i}", "home_place_id": "0", "locale": "zh_CN", "is_volunteer": "y"},
        tag=(users[c].id, f"李大爷{c}-{i}")))
    return Plan(calls, _profile_check(world))


@scenario("POST", "accounts.set_language")
def html_language(world: World) -> Plan:
    users = world.users(CLIENTS)
    codes = ("en", "zh_CN")
    calls = grid(lambda c, i: Call(world.html(users[c]), "POST", f"/language/{codes[(c + i) % 2]}",
                                   data={"next": "/"}, tag=(users[c].id, codes[(c + i) % 2])))
    return Plan(calls, lambda outcomes: final_value_is_acked(
        outcomes, lambda user_id: _get(world.session, User, user_id).locale))


def _public_contact(world: World, face: str) -> Plan:
    """Volunteers choose what their listings show from their phone and their computer at once (the phone number,
    a note, both or neither): the choice stored is one a device was told was saved."""
    volunteers = world.users(CLIENTS // 2, volunteer=True)
    devices = [device for volunteer in volunteers for device in world.devices(volunteer, face, 2)]
    volunteer_ids = [volunteer.id for volunteer in volunteers]

    def call(c, i):
        shows_phone, note = (c + i) % 2 == 0, f"工作日晚上7点后方便联系（{c}-{i}）"
        tag = (volunteer_ids[c // 2], (shows_phone, note))
        if face == "api":
            return Call(devices[c], "PUT", "/api/v1/me/public-contact",
                        json={"shows_phone_publicly": shows_phone, "public_contact_note": note}, tag=tag)
        form = {"contact-public_contact_note": note} | ({"contact-shows_phone_publicly": "y"} if shows_phone else {})
        return Call(devices[c], "POST", "/profile/public-contact", data=form, tag=tag)

    def chosen(user_id):
        volunteer = _get(world.session, User, user_id)
        return volunteer.shows_phone_publicly, volunteer.public_contact_note

    return Plan(grid(call), lambda outcomes: final_value_is_acked(outcomes, chosen))


scenario("PUT", "accounts_api.MyPublicContact")(lambda world: _public_contact(world, "api"))
scenario("POST", "accounts.public_contact")(lambda world: _public_contact(world, "html"))


# Sessions, API tokens and passwords -----------------------------------------------------------------------------------

def _live_tokens(world: World, user_id: int) -> int:
    return world.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)))


def _live_sessions(world: World, user_id: int) -> int:
    return world.session.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)))


def _password_is(world: World, user_id: int, password: str) -> bool:
    return accounts.password_matches(_get(world.session, User, user_id), password)


def _token_revoked(world: World, token_id: int) -> bool:
    return _get(world.session, ApiToken, token_id).revoked_at is not None


def _new_password(c: int, i: int) -> str:
    return f"换个新密码-{c}-{i}-{uuid.uuid4().hex[:6]}"


@scenario("DELETE", "accounts_api.CurrentToken")
def api_sign_out(world: World) -> Plan:
    """Each resident signs out of the API on three devices in turn, beside the other residents."""
    users = world.users(CLIENTS)
    issued = [world.api_tokens(user, ROUNDS) for user in users]
    user_ids = [user.id for user in users]
    calls = grid(lambda c, i: Call(world.bearer(issued[c][i][1]), "DELETE", "/api/v1/auth/tokens/current",
                                   tag=issued[c][i][0]))

    def check(outcomes):
        each_acked(outcomes, lambda token_id: _token_revoked(world, token_id), "revoked")
        revoked = world.session.scalar(select(func.count()).select_from(ApiToken).where(
            ApiToken.user_id.in_(user_ids), ApiToken.revoked_at.is_not(None)))
        expect(revoked == len(acks(outcomes)), f"{revoked} tokens revoked for {len(acks(outcomes))} sign-outs")
    return Plan(calls, check)


def _revoke_tokens(world: World, face: str) -> Plan:
    """Two devices of each resident revoke the resident's old tokens at once, from the list of tokens: one
    revocation of a token wins, the other finds it already ended (404)."""
    owners = world.users(CLIENTS // 2)
    owner_ids = [owner.id for owner in owners]
    old = [[token_id for token_id, _value in world.api_tokens(owner, ROUNDS)] for owner in owners]
    devices = [world.bearer(world.api_tokens(owners[c // 2], 1)[0][1]) if face == "api"
               else world.browser(owners[c // 2]) for c in range(CLIENTS)]

    def call(c, i):
        token_id = old[c // 2][i]
        if face == "api":
            return Call(devices[c], "DELETE", f"/api/v1/auth/tokens/{token_id}", tag=(owner_ids[c // 2], token_id))
        return Call(devices[c], "POST", f"/profile/tokens/{token_id}/revoke", tag=(owner_ids[c // 2], token_id))

    def check(outcomes):
        each_acked(outcomes, lambda tag: _token_revoked(world, tag[1]), "revoked")
        expect({tag[1] for tag in tags(outcomes)} == {token_id for row in old for token_id in row},
               "both devices were refused revoking a token in force")
        for owner_id in owner_ids:
            acked = {tag[1] for tag in tags(outcomes) if tag[0] == owner_id}
            revoked = world.session.scalar(select(func.count()).select_from(ApiToken).where(
                ApiToken.user_id == owner_id, ApiToken.revoked_at.is_not(None)))
            expect(revoked == len(acked), f"user {owner_id}: {revoked} tokens revoked, {len(acked)} acknowledged")
    return Plan(grid(call), check, refused=frozenset({404}))


scenario("DELETE", "accounts_api.Token")(lambda world: _revoke_tokens(world, "api"))
scenario("POST", "accounts.revoke_api_token")(lambda world: _revoke_tokens(world, "html"))


@scenario("POST", "accounts.logout_everywhere")
def html_logout_everywhere(world: World) -> Plan:
    """A resident who lost a phone presses "sign out everywhere" on four browsers at once: every session of theirs
    ends, whichever browser won; the losers are sent to sign in. A bystander stays signed in."""
    users = world.users(ROUNDS)
    user_ids = [user.id for user in users]
    browsers = [[world.browser(user) for _ in range(CLIENTS)] for user in users]
    bystander = world.users(1)[0]
    world.signed_in_elsewhere([bystander])
    bystander_id = bystander.id
    calls = grid(lambda c, i: Call(browsers[i][c], "POST", "/logout/everywhere", tag=user_ids[i]))

    def acked(outcome):
        where = urlsplit(outcome.location)
        return outcome.status in (302, 303) and where.path == "/login" and not where.query

    def check(outcomes):
        each_acked(outcomes, lambda user_id: _live_sessions(world, user_id) == 0, "signed out everywhere")
        expect(set(tags(outcomes)) == set(user_ids), "a resident's browsers were all refused")
        expect(_live_sessions(world, bystander_id) == 1, "the bystander's session ended too")
    # A browser whose session another one ended meanwhile is redirected to sign in (login?next=…).
    return Plan(calls, check, refused=frozenset({302}), acked=acked)


@scenario("POST", "accounts.change_password")
def html_change_password(world: World) -> Plan:
    """Residents change their password three times in a row from their browser, each time with the one before; the
    browser stays signed in, their other devices are signed out."""
    users = world.users(CLIENTS)
    world.signed_in_elsewhere(users)
    user_ids = [user.id for user in users]
    new = [[_new_password(c, i) for i in range(ROUNDS)] for c in range(CLIENTS)]
    calls = grid(lambda c, i: Call(world.html(users[c]), "POST", "/profile/password", data={
        "current_password": new[c][i - 1] if i else PASSWORD, "new_password": new[c][i]},
        tag=(user_ids[c], new[c][i])))

    def check(outcomes):
        for user_id in user_ids:
            changed = [password for who, password in tags(outcomes) if who == user_id]
            if not changed:
                continue
            expect(_password_is(world, user_id, changed[-1]), f"user {user_id}: not the last acknowledged password")
            expect(_live_tokens(world, user_id) == 0, f"user {user_id}: an API token survived the change")
            expect(_live_sessions(world, user_id) == 1, f"user {user_id}: not exactly the asking browser signed in")
    return Plan(calls, check)


@scenario("POST", "accounts_api.MyPassword")
def api_change_password(world: World) -> Plan:
    """Residents change their password from the app; every token (the app's own too) and session of theirs ends."""
    users = world.users(CLIENTS * ROUNDS)
    world.signed_in_elsewhere(users)
    user_ids = [user.id for user in users]
    new = [[_new_password(c, i) for i in range(ROUNDS)] for c in range(CLIENTS)]
    calls = grid(lambda c, i: Call(world.api(users[c * ROUNDS + i]), "POST", "/api/v1/me/password", json={
        "current_password": PASSWORD, "new_password": new[c][i]}, tag=(user_ids[c * ROUNDS + i], new[c][i])))
    return Plan(calls, lambda outcomes: each_acked(outcomes, lambda tag: (
        _password_is(world, *tag) and _live_tokens(world, tag[0]) == 0 and _live_sessions(world, tag[0]) == 0),
        "given the new password with every token and session ended"))


def _request_resets(world: World, face: str) -> Plan:
    """Residents who forgot their password ask for a code by mail; each gets one mail whose code is the one live."""
    inbox = world.inbox()
    users = world.mail_users(CLIENTS * ROUNDS)
    people = [(user.id, user.email) for user in users]
    clients = [world.anonymous() for _ in range(CLIENTS)]

    def call(c, i):
        person = people[c * ROUNDS + i]
        if face == "api":
            return Call(clients[c], "POST", "/api/v1/auth/password-reset", json={"email": person[1]}, tag=person)
        return Call(clients[c], "POST", "/password-reset", data={"email": person[1]}, tag=person)

    def mailed_code_is_the_live_one(tag) -> bool:
        user_id, address = tag
        live = world.session.scalars(select(PasswordResetCode.code_hash).where(
            PasswordResetCode.user_id == user_id, PasswordResetCode.used_at.is_(None),
            PasswordResetCode.expires_at > clock.now())).all()
        mailed = inbox.codes_for(address)
        return len(mailed) == 1 and live == [tokens.hash_token(mailed[0])]

    return Plan(grid(call), lambda outcomes: each_acked(outcomes, mailed_code_is_the_live_one,
                                                        "mailed exactly one code, the one in force"))


scenario("POST", "accounts_api.PasswordReset")(lambda world: _request_resets(world, "api"))
scenario("POST", "accounts.password_reset")(lambda world: _request_resets(world, "html"))


def _confirm_resets(world: World, face: str) -> Plan:
    """Residents open the mailed code on two devices and send it from both at once, each with its own new password:
    the code works once (the other device is told it has expired, 422), and that one new password holds."""
    inbox = world.inbox()
    users = world.mail_users(CLIENTS // 2 * ROUNDS)
    codes = world.mailed_codes(inbox, users)
    world.signed_in_elsewhere(users)
    people = [(user.id, user.email) for user in users]
    clients = [world.anonymous() for _ in range(CLIENTS)]
    new = [[_new_password(c, i) for i in range(ROUNDS)] for c in range(CLIENTS)]

    def call(c, i):
        user_id, address = people[i * (CLIENTS // 2) + c // 2]
        form = {"email": address, "code": codes[user_id], "new_password": new[c][i]}
        if face == "api":
            return Call(clients[c], "POST", "/api/v1/auth/password-reset/confirm", json=form,
                        tag=(user_id, new[c][i]))
        return Call(clients[c], "POST", "/password-reset/confirm", data=form, tag=(user_id, new[c][i]))

    def acked(outcome):
        if outcome.call.face == "api":
            return outcome.status == 204
        return outcome.status in (302, 303) and urlsplit(outcome.location).path == "/login" and \
            "reset=1" in outcome.location

    def check(outcomes):
        for user_id, _address in people:
            used = [password for who, password in tags(outcomes) if who == user_id]
            expect(len(used) == 1, f"user {user_id}: their code set {len(used)} passwords, not one")
            expect(_password_is(world, user_id, used[0]), f"user {user_id}: not the acknowledged new password")
            expect(world.session.scalar(select(func.count()).select_from(PasswordResetCode).where(
                PasswordResetCode.user_id == user_id, PasswordResetCode.used_at.is_(None))) == 0,
                f"user {user_id}: the code is still unused")
            expect(_live_tokens(world, user_id) == 0 and _live_sessions(world, user_id) == 0,
                   f"user {user_id}: a token or session survived the reset")
    return Plan(grid(call), check, refused=frozenset({422}), acked=acked)


scenario("POST", "accounts_api.PasswordResetConfirm")(lambda world: _confirm_resets(world, "api"))
scenario("POST", "accounts.password_reset_confirm")(lambda world: _confirm_resets(world, "html"))


TEMPORARY_PASSWORD = re.compile(r'class="temporary-password"><strong>([^<]+)<')


def _office_resets(world: World, face: str) -> Plan:
    """Four desks of a community office reset the passwords of residents who came in person, audited; each
    resident's old devices are signed out and only the temporary password they were handed works."""
    staff, residents = world.community_office(CLIENTS, CLIENTS * ROUNDS)
    world.signed_in_elsewhere(residents)
    staff_ids = [user.id for user in staff]
    people = [(resident.id, resident.login_name) for resident in residents]

    def call(c, i):
        resident_id, login = people[c * ROUNDS + i]
        if face == "api":
            return Call(world.api(staff[c]), "POST", "/api/v1/office/password-resets",
                        json={"login": login, "identity_checked": True},
                        tag=(resident_id, staff_ids[c]))
        return Call(world.html(staff[c]), "POST", "/organisations/password-reset",
                    data={"login": login, "identity_checked": "y"}, tag=(resident_id, staff_ids[c]))

    def acked(outcome):
        if outcome.call.face == "api":
            return outcome.status == 201
        return outcome.status == 200 and TEMPORARY_PASSWORD.search(outcome.body) is not None

    def temporary(outcome) -> str:
        if outcome.call.face == "api":
            return outcome.body_json()["temporary_password"]
        return TEMPORARY_PASSWORD.search(outcome.body).group(1)

    def check(outcomes):
        for outcome in acks(outcomes):
            resident_id, staff_id = outcome.call.tag
            resident = _get(world.session, User, resident_id)
            expect(accounts.password_matches(resident, temporary(outcome)) and resident.must_change_password,
                   f"resident {resident_id}: not the temporary password handed over")
            expect(_live_tokens(world, resident_id) == 0 and _live_sessions(world, resident_id) == 0,
                   f"resident {resident_id}: an old token or session survived")
            audited = world.session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "user.password_reset", AuditEntry.object_id == resident_id,
                AuditEntry.actor_id == staff_id))
            expect(audited == 1, f"resident {resident_id}: {audited} audit entries for one reset")
    return Plan(grid(call), check, acked=acked)


scenario("POST", "organisations_api.OfficePasswordResets")(lambda world: _office_resets(world, "api"))
scenario("POST", "organisations.office_password_reset")(lambda world: _office_resets(world, "html"))


# Platform admin: accounts ---------------------------------------------------------------------------------------------

def _account_switch(world: World, face: str, disable: bool) -> Plan:
    admins = world.admins()
    targets = world.users(CLIENTS * ROUNDS)
    if not disable:
        for target in targets:
            accounts.set_account_disabled(world.session, admins[0], target, True)
        world.session.commit()
    verb = "disable" if disable else "enable"
    prefix = "/api/v1/admin" if face == "api" else "/admin"
    calls = grid(lambda c, i: Call(world.client(face, admins[c]), "POST",
                                   f"{prefix}/users/{targets[c * ROUNDS + i].id}/{verb}",
                                   tag=targets[c * ROUNDS + i].id))
    return Plan(calls, lambda outcomes: each_acked(
        outcomes, lambda user_id: _get(world.session, User, user_id).is_disabled is disable, f"{verb}d"))


scenario("POST", "admin_api.AccountDisable")(lambda world: _account_switch(world, "api", True))
scenario("POST", "admin_api.AccountEnable")(lambda world: _account_switch(world, "api", False))
scenario("POST", "admin.disable_user")(lambda world: _account_switch(world, "html", True))
scenario("POST", "admin.enable_user")(lambda world: _account_switch(world, "html", False))


# Organisations --------------------------------------------------------------------------------------------------------

def _decide_organisations(world: World, face: str, verify: bool) -> Plan:
    admins = world.admins()
    pending = [world.factory.organisation(verified=False) for _ in range(CLIENTS * ROUNDS)]
    verb = "verify" if verify else "reject"
    prefix = "/api/v1/organisations" if face == "api" else "/admin/organisations"
    body = None if verify else {"reason": "材料不全，请补充登记证书"}

    def call(c, i):
        org = pending[c * ROUNDS + i]
        return Call(world.client(face, admins[c]), "POST", f"{prefix}/{org.id}/{verb}",
                    json=body if face == "api" else None, data=body if face == "html" else None, tag=org.id)

    status = OrganisationStatus.verified if verify else OrganisationStatus.rejected
    return Plan(grid(call), lambda outcomes: each_acked(
        outcomes, lambda org_id: _get(world.session, Organisation, org_id).status is status, status.value))


scenario("POST", "organisations_api.OrganisationVerify")(lambda world: _decide_organisations(world, "api", True))
scenario("POST", "organisations_api.OrganisationReject")(lambda world: _decide_organisations(world, "api", False))
scenario("POST", "admin.verify_organisation")(lambda world: _decide_organisations(world, "html", True))
scenario("POST", "admin.reject_organisation")(lambda world: _decide_organisations(world, "html", False))


def _apply(world: World, face: str) -> Plan:
    applicants = world.users(CLIENTS)
    place = world.factory.place_tree()["c1"]

    def call(c, i):
        fields = {"name": f"幸福里读书会{c}-{i}", "type": "social_organisation", "place_id": place.id,
                  "description": "每周六上午共读。"}
        if face == "api":
            return Call(world.api(applicants[c]), "POST", "/api/v1/organisations", json=fields, tag=fields["name"])
        return Call(world.html(applicants[c]), "POST", "/organisations/apply", data=fields, tag=fields["name"])

    calls = grid(call)
    names = [call.tag for row in calls for call in row]
    return Plan(calls, lambda outcomes: created_count_matches(outcomes, lambda: world.session.scalar(
        select(func.count()).select_from(Organisation).where(Organisation.name.in_(names)))))


scenario("POST", "organisations_api.Organisations")(lambda world: _apply(world, "api"))
scenario("POST", "organisations.apply")(lambda world: _apply(world, "html"))


def _edit_organisation(world: World, face: str) -> Plan:
    org, staff = world.staffed_organisation()

    def call(c, i):
        description = f"社区服务站，第{c}-{i}版简介"
        if face == "api":
            return Call(world.api(staff[c]), "PATCH", f"/api/v1/organisations/{org.id}",
                        json={"description": description}, tag=(org.id, description))
        return Call(world.html(staff[c]), "POST", f"/organisations/{org.id}/edit", data={
            "name": org.name, "type": org.type.value, "place_id": org.place_id, "address": "东大街12号",
            "contact_phone": "", "description": description}, tag=(org.id, description))

    return Plan(grid(call), lambda outcomes: final_value_is_acked(
        outcomes, lambda org_id: _get(world.session, Organisation, org_id).description))


scenario("PATCH", "organisations_api.OrganisationDetail")(lambda world: _edit_organisation(world, "api"))
scenario("POST", "organisations.edit")(lambda world: _edit_organisation(world, "html"))


def _membership_exists(world: World, org_id: int, user_id: int) -> bool:
    return world.session.scalar(select(func.count()).select_from(Membership).where(
        Membership.organisation_id == org_id, Membership.user_id == user_id)) == 1


def _add_staff(world: World, face: str) -> Plan:
    org, admins = world.staffed_organisation()
    newcomers = world.users(CLIENTS * ROUNDS)

    def call(c, i):
        user = newcomers[c * ROUNDS + i]
        if face == "api":
            return Call(world.api(admins[c]), "POST", f"/api/v1/organisations/{org.id}/staff",
                        json={"login": user.login_name, "role": "staff"}, tag=user.id)
        return Call(world.html(admins[c]), "POST", f"/organisations/{org.id}/staff",
                    data={"login": user.login_name, "role": "staff"}, tag=user.id)

    return Plan(grid(call), lambda outcomes: each_acked(
        outcomes, lambda user_id: _membership_exists(world, org.id, user_id), "on the staff"))


def _remove_staff(world: World, face: str) -> Plan:
    org, admins = world.staffed_organisation()
    leaving = world.users(CLIENTS * ROUNDS)
    for user in leaving:
        organisations.add_staff(world.session, admins[0], org, user.login_name, StaffRole.staff)
    world.session.commit()

    def call(c, i):
        user = leaving[c * ROUNDS + i]
        if face == "api":
            return Call(world.api(admins[c]), "DELETE", f"/api/v1/organisations/{org.id}/staff/{user.id}", tag=user.id)
        return Call(world.html(admins[c]), "POST", f"/organisations/{org.id}/staff/{user.id}/remove", tag=user.id)

    return Plan(grid(call), lambda outcomes: each_acked(
        outcomes, lambda user_id: not _membership_exists(world, org.id, user_id), "removed"))


scenario("POST", "organisations_api.OrganisationStaff")(lambda world: _add_staff(world, "api"))
scenario("POST", "organisations.staff")(lambda world: _add_staff(world, "html"))
scenario("DELETE", "organisations_api.OrganisationStaffMember")(lambda world: _remove_staff(world, "api"))
scenario("POST", "organisations.remove_staff")(lambda world: _remove_staff(world, "html"))


# Places ---------------------------------------------------------------------------------------------------------------

def _add_places(world: World, face: str) -> Plan:
    admins = world.admins()
    street = world.factory.place_tree()["street"]

    def call(c, i):
        name = f"新建社区{c}-{i}"
        if face == "api":
            return Call(world.api(admins[c]), "POST", "/api/v1/places", json={"name": name, "parent_id": street.id},
                        tag=name)
        return Call(world.html(admins[c]), "POST", "/places/", data={"name": name, "parent_id": street.id}, tag=name)

    calls = grid(call)
    names = [call.tag for row in calls for call in row]
    return Plan(calls, lambda outcomes: created_count_matches(outcomes, lambda: world.session.scalar(
        select(func.count()).select_from(Place).where(Place.parent_id == street.id, Place.name.in_(names)))))


scenario("POST", "places_api.Places")(lambda world: _add_places(world, "api"))
scenario("POST", "places.add")(lambda world: _add_places(world, "html"))


# Groups ---------------------------------------------------------------------------------------------------------------

def _create_groups(world: World, face: str) -> Plan:
    leaders = world.users(CLIENTS)

    def call(c, i):
        fields = {"name": f"夕阳红合唱团{c}-{i}", "description": "每周二晚排练"}
        if face == "api":
            return Call(world.api(leaders[c]), "POST", "/api/v1/groups", json=fields)
        return Call(world.html(leaders[c]), "POST", "/groups/", data=fields)

    return Plan(grid(call), lambda outcomes: created_count_matches(outcomes, lambda: world.session.scalar(
        select(func.count()).select_from(Group).where(Group.leader_id.in_([u.id for u in leaders])))))


def _in_group(world: World, group_id: int, user_id: int) -> bool:
    return world.session.scalar(select(func.count()).select_from(GroupMember).where(
        GroupMember.group_id == group_id, GroupMember.user_id == user_id)) == 1


def _group_members(world: World, face: str, add: bool) -> Plan:
    leaders = world.users(CLIENTS)
    teams = [groups.create_group(world.session, leader, f"广场舞队{n}") for n, leader in enumerate(leaders)]
    world.session.commit()
    members = world.users(CLIENTS * ROUNDS)
    if not add:
        for k, member in enumerate(members):
            groups.add_member(world.session, leaders[k // ROUNDS], teams[k // ROUNDS], member.login_name)
        world.session.commit()

    def call(c, i):
        team, member = teams[c], members[c * ROUNDS + i]
        tag = (team.id, member.id)
        if add and face == "api":
            return Call(world.api(leaders[c]), "POST", f"/api/v1/groups/{team.id}/members",
                        json={"login": member.login_name}, tag=tag)
        if add:
            return Call(world.html(leaders[c]), "POST", f"/groups/{team.id}/members",
                        data={"login": member.login_name}, tag=tag)
        if face == "api":
            return Call(world.api(leaders[c]), "DELETE", f"/api/v1/groups/{team.id}/members/{member.id}", tag=tag)
        return Call(world.html(leaders[c]), "POST", f"/groups/{team.id}/members/{member.id}/remove", tag=tag)

    return Plan(grid(call), lambda outcomes: each_acked(
        outcomes, lambda tag: _in_group(world, *tag) is add, "added" if add else "removed"))


scenario("POST", "groups_api.Groups")(lambda world: _create_groups(world, "api"))
scenario("POST", "groups.mine")(lambda world: _create_groups(world, "html"))
scenario("POST", "groups_api.GroupMembers")(lambda world: _group_members(world, "api", True))
scenario("POST", "groups.add_member")(lambda world: _group_members(world, "html", True))
scenario("DELETE", "groups_api.GroupMember")(lambda world: _group_members(world, "api", False))
scenario("POST", "groups.remove_member")(lambda world: _group_members(world, "html", False))


# Listings -------------------------------------------------------------------------------------------------------------

LISTING_FORM = {
    "kind": "space", "description": "宽敞明亮，可容纳30人。", "tags": "活动室, 亲子", "address": "东大街12号",
    "capacity": "1", "slot_minutes": "30", "min_duration_minutes": "30", "max_duration_minutes": "240",
    "buffer_minutes": "0", "min_notice_minutes": "60", "max_advance_days": "30", "cancel_cutoff_minutes": "120",
    "booking_mode": "instant", "fee_type": "free", "fee_amount": "", "rules": "",
}


def _create_listings(world: World, face: str) -> Plan:
    org, staff = world.staffed_organisation()

    def call(c, i):
        title = f"新活动室{c}-{i}"
        if face == "api":
            return Call(world.api(staff[c]), "POST", "/api/v1/listings", json={
                "kind": "space", "title": title, "place_id": org.place_id, "organisation_id": org.id}, tag=title)
        return Call(world.html(staff[c]), "POST", "/manage/listings/new", data={
            **LISTING_FORM, "title": title, "place_id": org.place_id, "provider": f"org-{org.id}"}, tag=title)

    calls = grid(call)
    return Plan(calls, lambda outcomes: created_count_matches(outcomes, lambda: len(
        listings.listings_managed_by(world.session, staff[0]))))


def _edit_listing(world: World, face: str) -> Plan:
    org, staff = world.staffed_organisation()
    listing = world.factory.listing(organisation=org, actor=staff[0])

    def call(c, i):
        title = f"多功能活动室（{c}-{i}次修改）"
        if face == "api":
            return Call(world.api(staff[c]), "PATCH", f"/api/v1/listings/{listing.id}", json={"title": title},
                        tag=(listing.id, title))
        return Call(world.html(staff[c]), "POST", f"/manage/listings/{listing.id}/edit",
                    data={**LISTING_FORM, "title": title, "place_id": listing.place_id}, tag=(listing.id, title))

    return Plan(grid(call), lambda outcomes: final_value_is_acked(
        outcomes, lambda listing_id: listings.get_listing(world.session, listing_id, viewer=staff[0]).title))


def _listing_status(world: World, face: str, action: str) -> Plan:
    org, staff = world.staffed_organisation()
    targets = [world.factory.listing(organisation=org, actor=staff[0], publish=action == "suspend")
               for _ in range(CLIENTS * ROUNDS)]
    prefix = "/api/v1/listings" if face == "api" else "/manage/listings"
    body = {"reason": "场地维修"} if action == "suspend" else None

    def call(c, i):
        listing = targets[c * ROUNDS + i]
        return Call(world.client(face, staff[c]), "POST", f"{prefix}/{listing.id}/{action}",
                    json=body if face == "api" else None, data=body if face == "html" else None, tag=listing.id)

    status = ListingStatus.suspended if action == "suspend" else ListingStatus.published
    return Plan(grid(call), lambda outcomes: each_acked(
        outcomes, lambda listing_id: listings.get_listing(world.session, listing_id, viewer=staff[0]).status is status,
        status.value))


def _admin_listing_status(world: World, action: str) -> Plan:
    admins = world.admins()
    org = world.factory.organisation()
    targets = [world.factory.listing(organisation=org) for _ in range(CLIENTS * ROUNDS)]
    if action == "reinstate":
        for listing in targets:
            listings.suspend_listing(world.session, admins[0], listing, "内容待核实")
        world.session.commit()
    data = {"reason": "内容不实"} if action == "suspend" else None
    calls = grid(lambda c, i: Call(world.html(admins[c]), "POST",
                                   f"/admin/listings/{targets[c * ROUNDS + i].id}/{action}", data=data,
                                   tag=targets[c * ROUNDS + i].id))
    status = ListingStatus.suspended if action == "suspend" else ListingStatus.published
    return Plan(calls, lambda outcomes: each_acked(
        outcomes, lambda listing_id: listings.get_listing(world.session, listing_id, viewer=admins[0]).status
        is status, status.value))


def _opening_hours(world: World, face: str) -> Plan:
    org, staff = world.staffed_organisation()
    listing = world.factory.listing(organisation=org, actor=staff[0])

    def call(c, i):
        opens, closes = time(7 + i), time(17 + c)
        week = frozenset((day, opens, closes) for day in range(7))
        if face == "api":
            return Call(world.api(staff[c]), "PUT", f"/api/v1/listings/{listing.id}/opening-hours", json=[
                {"weekday": day, "opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"} for day in range(7)],
                tag=(listing.id, week))
        form = {}
        for day in range(7):
            form[f"d{day}_0_opens"], form[f"d{day}_0_closes"] = f"{opens:%H:%M}", f"{closes:%H:%M}"
        return Call(world.html(staff[c]), "POST", f"/manage/listings/{listing.id}/hours", data=form,
                    tag=(listing.id, week))

    def current(listing_id):
        return frozenset(tuple(row) for row in world.session.execute(
            select(OpeningHours.weekday, OpeningHours.opens, OpeningHours.closes)
            .where(OpeningHours.listing_id == listing_id)))

    return Plan(grid(call), lambda outcomes: final_value_is_acked(outcomes, current))


def _add_exceptions(world: World, face: str) -> Plan:
    org, staff = world.staffed_organisation()
    listing = world.factory.listing(organisation=org, actor=staff[0])

    def call(c, i):
        day = local_day(3 + c * ROUNDS + i)
        if face == "api":
            return Call(world.api(staff[c]), "POST", f"/api/v1/listings/{listing.id}/exceptions",
                        json={"day": day.isoformat(), "note": "社区活动日闭馆"})
        return Call(world.html(staff[c]), "POST", f"/manage/listings/{listing.id}/exceptions",
                    data={"day": day.isoformat(), "kind": "closed", "note": "社区活动日闭馆"})

    return Plan(grid(call), lambda outcomes: created_count_matches(outcomes, lambda: world.session.scalar(
        select(func.count()).select_from(ListingException).where(ListingException.listing_id == listing.id))))


def _remove_exceptions(world: World, face: str) -> Plan:
    org, staff = world.staffed_organisation()
    listing = world.factory.listing(organisation=org, actor=staff[0])
    made = world.exceptions(listing, staff[0], CLIENTS * ROUNDS)

    def call(c, i):
        exception = made[c * ROUNDS + i]
        if face == "api":
            return Call(world.api(staff[c]), "DELETE", f"/api/v1/listings/{listing.id}/exceptions/{exception.id}",
                        tag=exception.id)
        return Call(world.html(staff[c]), "POST",
                    f"/manage/listings/{listing.id}/exceptions/{exception.id}/delete", tag=exception.id)

    return Plan(grid(call), lambda outcomes: each_acked(
        outcomes, lambda exception_id: _get(world.session, ListingException, exception_id) is None, "deleted"))


def _add_photos(world: World, face: str) -> Plan:
    org, staff = world.staffed_organisation()
    own = [world.factory.listing(organisation=org, actor=staff[0]) for _ in range(CLIENTS)]

    def call(c, i):
        path = f"/api/v1/listings/{own[c].id}/photos" if face == "api" else f"/manage/listings/{own[c].id}/photos"
        return Call(world.client(face, staff[c]), "POST", path, files={"photo": (f"hall{i}.png", png(c * ROUNDS + i))})

    return Plan(grid(call), lambda outcomes: created_count_matches(outcomes, lambda: world.session.scalar(
        select(func.count()).select_from(Photo).where(Photo.listing_id.in_([listing.id for listing in own])))))


def _remove_photos(world: World, face: str) -> Plan:
    org, staff = world.staffed_organisation()
    own = [world.factory.listing(organisation=org, actor=staff[0]) for _ in range(CLIENTS)]
    made = [world.photos(listing, staff[0], ROUNDS) for listing in own]

    def call(c, i):
        photo = made[c][i]
        if face == "api":
            return Call(world.api(staff[c]), "DELETE", f"/api/v1/listings/{own[c].id}/photos/{photo.id}",
                        tag=photo.id)
        return Call(world.html(staff[c]), "POST", f"/manage/listings/{own[c].id}/photos/{photo.id}/delete",
                    tag=photo.id)

    return Plan(grid(call), lambda outcomes: each_acked(
        outcomes, lambda photo_id: _get(world.session, Photo, photo_id) is None, "deleted"))


scenario("POST", "listings_api.Listings")(lambda world: _create_listings(world, "api"))
scenario("POST", "listings.create")(lambda world: _create_listings(world, "html"))
scenario("PATCH", "listings_api.ListingDetail")(lambda world: _edit_listing(world, "api"))
scenario("POST", "listings.edit")(lambda world: _edit_listing(world, "html"))
scenario("POST", "listings_api.ListingPublish")(lambda world: _listing_status(world, "api", "publish"))
scenario("POST", "listings.publish")(lambda world: _listing_status(world, "html", "publish"))
scenario("POST", "listings_api.ListingSuspend")(lambda world: _listing_status(world, "api", "suspend"))
scenario("POST", "listings.suspend")(lambda world: _listing_status(world, "html", "suspend"))
scenario("PUT", "listings_api.ListingOpeningHours")(lambda world: _opening_hours(world, "api"))
scenario("POST", "listings.hours")(lambda world: _opening_hours(world, "html"))
scenario("POST", "listings_api.ListingExceptions")(lambda world: _add_exceptions(world, "api"))
scenario("POST", "listings.exceptions")(lambda world: _add_exceptions(world, "html"))
scenario("DELETE", "listings_api.ListingExceptionDetail")(lambda world: _remove_exceptions(world, "api"))
scenario("POST", "listings.delete_exception")(lambda world: _remove_exceptions(world, "html"))
scenario("POST", "listings_api.ListingPhotos")(lambda world: _add_photos(world, "api"))
scenario("POST", "listings.photos")(lambda world: _add_photos(world, "html"))
scenario("DELETE", "listings_api.ListingPhotoDetail")(lambda world: _remove_photos(world, "api"))
scenario("POST", "listings.delete_photo")(lambda world: _remove_photos(world, "html"))
scenario("POST", "admin.suspend_listing")(lambda world: _admin_listing_status(world, "suspend"))
scenario("POST", "admin.reinstate_listing")(lambda world: _admin_listing_status(world, "reinstate"))


# Bookings -------------------------------------------------------------------------------------------------------------

def _race_for_slots(world: World, face: str) -> Plan:
    """Every client books the same slot each round: exactly one of them gets it, the others a clear 409."""
    listing = world.factory.listing()
    bookers = world.users(CLIENTS)
    starts = [local_start(1, 10 + i) for i in range(ROUNDS)]

    def call(c, i):
        if face == "api":
            return Call(world.api(bookers[c]), "POST", "/api/v1/bookings", json={
                "listing_id": listing.id, "start": iso_local(starts[i]), "end": iso_local(starts[i] + timedelta(hours=1)),
                "purpose": "读书会"}, tag=starts[i])
        return Call(world.html(bookers[c]), "POST", f"/listings/{listing.id}/book",
                    data={"start": iso_local(starts[i]), "duration": "60", "seats": "1", "purpose": "读书会"},
                    tag=starts[i])

    def check(outcomes):
        held = Counter(world.session.scalars(select(Booking.start_at).where(
            Booking.listing_id == listing.id, Booking.status == BookingStatus.confirmed)))
        for start in starts:
            won = sum(1 for o in acks(outcomes) if o.call.tag == start)
            expect(held[start] == 1 and won == 1,
                   f"slot {iso_local(start)}: {held[start]} bookings, {won} acknowledged (exactly one of each expected)")
        for outcome in acks(outcomes):
            booking = _get(world.session, Booking, outcome.created_id())
            expect(booking is not None and booking.start_at == outcome.call.tag, f"acknowledged booking missing: {outcome}")

    return Plan(grid(call), check, refused=frozenset({409}))


def _edit_bookings(world: World) -> Plan:
    listing = world.factory.listing()
    booked = [world.factory.booking(listing=listing, start=local_start(1, 10 + c)) for c in range(CLIENTS)]
    calls = grid(lambda c, i: Call(world.api(booked[c].booker), "PATCH", f"/api/v1/bookings/{booked[c].id}",
                                   json={"purpose": f"合唱排练第{i}次"}, tag=(booked[c].id, f"合唱排练第{i}次")))
    return Plan(calls, lambda outcomes: final_value_is_acked(
        outcomes, lambda booking_id: _get(world.session, Booking, booking_id).purpose))


def _provider_decisions(world: World, face: str, action: str) -> Plan:
    org, staff = world.staffed_organisation()
    listing = world.factory.listing(organisation=org, actor=staff[0], capacity=20,
                                    instant_booking=action not in ("approve", "reject"))
    start = local_start(1, 10)
    booked = world.bookings(listing, CLIENTS * ROUNDS, start)
    if action in ("check-in", "no-show"):
        clock.travel_to(start + timedelta(minutes=10), freeze=False)
    if face == "api":
        body, data = {"reason": "场地临时维修"} if action == "reject" else {}, None
    else:
        body, data = None, {"reject-reason": "场地临时维修"} if action == "reject" else None
    path = "/api/v1/bookings" if face == "api" else "/bookings"
    calls = grid(lambda c, i: Call(world.client(face, staff[c]), "POST",
                                   f"{path}/{booked[c * ROUNDS + i].id}/{action}", json=body, data=data,
                                   tag=booked[c * ROUNDS + i].id))
    holds = {
        "approve": lambda b: b.status is BookingStatus.confirmed,
        "reject": lambda b: b.status is BookingStatus.rejected,
        "check-in": lambda b: b.checked_in_at is not None,
        "no-show": lambda b: b.status is BookingStatus.no_show,
    }[action]
    return Plan(calls, lambda outcomes: each_acked(
        outcomes, lambda booking_id: holds(_get(world.session, Booking, booking_id)), action))


def _check_in_at_the_door(world: World) -> Plan:
    """Each booker opens the door's QR link and taps 签到 again and again: checked in once, the repeats 409."""
    listing = world.factory.listing(capacity=20, requires_check_in=True)
    start = local_start(1, 10)
    booked = world.bookings(listing, CLIENTS, start)
    clock.travel_to(start - timedelta(minutes=5), freeze=False)
    token = todays_door_token(world.app.config["SECRET_KEY"], listing.id, now=clock.now(), zone=ZONE)
    calls = grid(lambda c, i: Call(world.html(booked[c].booker), "POST", f"/listings/{listing.id}/check-in/{token}",
                                   tag=booked[c].id))

    def check(outcomes: list[Outcome]) -> None:
        each_acked(outcomes, lambda booking_id: _get(world.session, Booking, booking_id).checked_in_at is not None,
                   "checked in")
        for booking in booked:
            times = world.session.scalar(select(func.count()).where(BookingEvent.booking_id == booking.id,
                                                                    BookingEvent.action == "check_in"))
            expect(times <= 1, f"booking {booking.id} checked in {times} times")

    return Plan(calls, check, refused=frozenset({409}))


def _cancel_bookings(world: World, face: str) -> Plan:
    listing = world.factory.listing()
    bookers = world.users(CLIENTS)
    booked = [[world.factory.booking(listing=listing, booker=bookers[c], start=local_start(1, 9 + c * ROUNDS + i))
               for i in range(ROUNDS)] for c in range(CLIENTS)]
    path = "/api/v1/bookings" if face == "api" else "/bookings"
    calls = grid(lambda c, i: Call(world.client(face, bookers[c]), "POST", f"{path}/{booked[c][i].id}/cancel",
                                   json={"reason": ""} if face == "api" else None,
                                   data={"reason": "临时有事"} if face == "html" else None, tag=booked[c][i].id))
    return Plan(calls, lambda outcomes: each_acked(
        outcomes, lambda booking_id: _get(world.session, Booking, booking_id).status is BookingStatus.cancelled,
        "cancelled"))


def _create_series(world: World, face: str) -> Plan:
    listing = world.factory.listing()
    bookers = world.users(CLIENTS)

    def call(c, i):
        start = local_start(1, 9 + c * ROUNDS + i)
        if face == "api":
            return Call(world.api(bookers[c]), "POST", "/api/v1/series", json={
                "listing_id": listing.id, "start": iso_local(start), "end": iso_local(start + timedelta(hours=1)),
                "frequency": "weekly", "count": 2, "purpose": "太极拳"})
        local = zones.to_local(start, ZONE)
        return Call(world.html(bookers[c]), "POST", f"/listings/{listing.id}/series", data={
            "action": "book", "first_day": local.date().isoformat(), "start_time": f"{local:%H:%M}",
            "duration": "60", "frequency": "weekly", "end_by": "count", "count": "2", "seats": "1",
            "purpose": "太极拳"})

    return Plan(grid(call), lambda outcomes: created_count_matches(outcomes, lambda: world.session.scalar(
        select(func.count()).select_from(BookingSeries).where(BookingSeries.listing_id == listing.id))))


def _preview_series(world: World) -> Plan:
    listing = world.factory.listing()
    bookers = world.users(CLIENTS)
    start = local_start(1, 10)
    calls = grid(lambda c, i: Call(world.api(bookers[c]), "POST", "/api/v1/series/preview", json={
        "listing_id": listing.id, "start": iso_local(start), "end": iso_local(start + timedelta(hours=1)),
        "frequency": "weekly", "count": 3}))

    def check(_outcomes):
        expect(world.session.scalar(select(func.count()).select_from(BookingSeries)) == 0, "a preview wrote a series")
        expect(world.session.scalar(select(func.count()).select_from(Booking)) == 0, "a preview wrote bookings")

    return Plan(calls, check)


def _own_series(world: World) -> tuple[list[User], list[list[BookingSeries]]]:
    listing = world.factory.listing()
    bookers = world.users(CLIENTS)
    made = [[world.series(listing, bookers[c], local_start(1, 9 + c * ROUNDS + i)) for i in range(ROUNDS)]
            for c in range(CLIENTS)]
    return bookers, made


def _cancel_series(world: World, face: str) -> Plan:
    bookers, made = _own_series(world)

    def call(c, i):
        series = made[c][i]
        if face == "api":
            return Call(world.api(bookers[c]), "POST", f"/api/v1/series/{series.id}/cancel",
                        json={"scope": "all"}, tag=series.id)
        return Call(world.html(bookers[c]), "POST", f"/series/{series.id}/cancel",
                    data={"scope": "all", "reason": "活动取消"}, tag=series.id)

    def all_cancelled(series_id):
        statuses = set(world.session.scalars(select(Booking.status).where(Booking.series_id == series_id)))
        return statuses == {BookingStatus.cancelled}

    # The page answers the cancellation with the series page itself (200), not a redirect.
    acked = default_acked if face == "api" else (lambda outcome: outcome.status == 200)
    return Plan(grid(call), lambda outcomes: each_acked(outcomes, all_cancelled, "cancelled"), acked=acked)


def _edit_series(world: World) -> Plan:
    bookers, made = _own_series(world)
    calls = grid(lambda c, i: Call(world.api(bookers[c]), "PATCH", f"/api/v1/series/{made[c][0].id}",
                                   json={"scope": "all", "purpose": f"太极拳（{i}）"},
                                   tag=(made[c][0].id, f"太极拳（{i}）")))

    def purpose(series_id):
        purposes = set(world.session.scalars(select(Booking.purpose).where(Booking.series_id == series_id)))
        return purposes.pop() if len(purposes) == 1 else purposes

    return Plan(calls, lambda outcomes: final_value_is_acked(outcomes, purpose))


def _reset_feeds(world: World, face: str) -> Plan:
    users = world.users(CLIENTS)
    path = "/api/v1/me/calendar-feed/reset" if face == "api" else "/bookings/calendar-feed/reset"
    calls = grid(lambda c, i: Call(world.client(face, users[c]), "POST", path, tag=users[c].id))

    def check(outcomes):
        for user in users:
            issued = [t.revoked_at for t in world.session.scalars(
                select(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id))]
            acked = sum(1 for tag in tags(outcomes) if tag == user.id)
            expect(len(issued) == acked and issued.count(None) == min(acked, 1),
                   f"user {user.id}: {len(issued)} feed tokens ({issued.count(None)} active) for {acked} resets")

    return Plan(calls, check)


def _message_burst(world: World, face: str) -> Plan:
    """A resident's phone and tablets all send messages on one booking at once, a few places below the hourly
    limit: exactly as many as fit are acknowledged (the rest a clear 429), each stored once with its event."""
    booking = world.factory.booking()
    resident = booking.booker
    limit = conversation.ConversationRules.from_config(world.app.config).limit.count
    free = 5
    world.messages(booking, resident, limit - free)
    devices = world.devices(resident, face, CLIENTS)
    booking_id = booking.id

    def call(c, i):
        text = f"第{c}台设备的第{i}条留言"
        if face == "api":
            return Call(devices[c], "POST", f"/api/v1/bookings/{booking_id}/messages", json={"text": text}, tag=text)
        return Call(devices[c], "POST", f"/bookings/{booking_id}/messages", data={"message-text": text}, tag=text)

    def check(outcomes):
        stored = list(world.session.scalars(select(BookingMessage.text).where(
            BookingMessage.booking_id == booking_id, BookingMessage.author_id == resident.id)))
        sent = Counter(text for text in stored if not text.startswith("之前的留言"))
        expect(sent == Counter(tags(outcomes)), f"stored {dict(sent)}, acknowledged {tags(outcomes)}")
        expect(len(stored) == limit, f"{len(stored)} messages in the hour, the limit is {limit}")
        events = world.session.scalar(select(func.count()).select_from(DomainEvent).where(
            DomainEvent.type == "booking.message", DomainEvent.subject_id == booking_id))
        expect(events == len(stored), f"{events} booking.message events for {len(stored)} messages")

    return Plan(grid(call), check, refused=frozenset({429}))


scenario("POST", "bookings_api.BookingMessages")(lambda world: _message_burst(world, "api"))
scenario("POST", "bookings.post_message")(lambda world: _message_burst(world, "html"))
scenario("POST", "bookings_api.Bookings")(lambda world: _race_for_slots(world, "api"))
scenario("POST", "bookings.book")(lambda world: _race_for_slots(world, "html"))
scenario("PATCH", "bookings_api.BookingDetail")(_edit_bookings)
scenario("POST", "bookings_api.BookingApprove")(lambda world: _provider_decisions(world, "api", "approve"))
scenario("POST", "bookings.approve")(lambda world: _provider_decisions(world, "html", "approve"))
scenario("POST", "bookings_api.BookingReject")(lambda world: _provider_decisions(world, "api", "reject"))
scenario("POST", "bookings.reject")(lambda world: _provider_decisions(world, "html", "reject"))
scenario("POST", "bookings_api.BookingCheckIn")(lambda world: _provider_decisions(world, "api", "check-in"))
scenario("POST", "bookings.check_in")(lambda world: _provider_decisions(world, "html", "check-in"))
scenario("POST", "bookings.door")(_check_in_at_the_door)
scenario("POST", "bookings_api.BookingNoShow")(lambda world: _provider_decisions(world, "api", "no-show"))
scenario("POST", "bookings.no_show")(lambda world: _provider_decisions(world, "html", "no-show"))
scenario("POST", "bookings_api.BookingCancel")(lambda world: _cancel_bookings(world, "api"))
scenario("POST", "bookings.cancel")(lambda world: _cancel_bookings(world, "html"))
scenario("POST", "bookings_api.SeriesCollection")(lambda world: _create_series(world, "api"))
scenario("POST", "bookings.series_new")(lambda world: _create_series(world, "html"))
scenario("POST", "bookings_api.SeriesPreview")(_preview_series)
scenario("PATCH", "bookings_api.SeriesDetail")(_edit_series)
scenario("POST", "bookings_api.SeriesCancel")(lambda world: _cancel_series(world, "api"))
scenario("POST", "bookings.series_cancel")(lambda world: _cancel_series(world, "html"))
scenario("POST", "calendar_feed_api.CalendarFeedReset")(lambda world: _reset_feeds(world, "api"))
scenario("POST", "bookings.reset_feed")(lambda world: _reset_feeds(world, "html"))


# Favourites -----------------------------------------------------------------------------------------------------------

def _favourite_rows(world: World, user_id: int, listing_id: int) -> int:
    return world.session.scalar(select(func.count()).select_from(Favourite).where(
        Favourite.user_id == user_id, Favourite.listing_id == listing_id))


def _save_favourites(world: World, face: str) -> Plan:
    """Residents save the same listings from two devices at the same moment (a double tap, the phone and the
    tablet): every save is acknowledged, and each listing is saved once per resident."""
    residents = world.users(CLIENTS // 2)
    devices = [device for resident in residents for device in world.devices(resident, face, 2)]
    resident_ids = [resident.id for resident in residents]
    listing_ids = [world.factory.listing().id for _ in range(ROUNDS)]

    def call(c, i):
        tag = (resident_ids[c // 2], listing_ids[i])
        if face == "api":
            return Call(devices[c], "PUT", f"/api/v1/me/favourites/{listing_ids[i]}", tag=tag)
        return Call(devices[c], "POST", f"/favourites/{listing_ids[i]}", data={"next": "/favourites/"}, tag=tag)

    def check(outcomes):
        each_acked(outcomes, lambda tag: _favourite_rows(world, *tag) == 1, "saved exactly once")
        expect(len(acks(outcomes)) == CLIENTS * ROUNDS, "a save of a listing one may see was refused")
        if face == "api":
            shown = [(o.call.tag[1], o.body_json()["listing"]["id"]) for o in acks(outcomes)]
            expect(all(asked == answered for asked, answered in shown), f"answered with another listing: {shown}")
    return Plan(grid(call), check)


def _remove_favourites(world: World, face: str) -> Plan:
    """Residents un-save the same listings from two devices at the same moment: both are told it is done, the
    saves are gone, and the listing each resident kept stays saved."""
    residents = world.users(CLIENTS // 2)
    devices = [device for resident in residents for device in world.devices(resident, face, 2)]
    resident_ids = [resident.id for resident in residents]
    listed = [world.factory.listing() for _ in range(ROUNDS + 1)]
    for resident in residents:
        world.saved(resident, listed)
    listing_ids, kept_id = [listing.id for listing in listed[:ROUNDS]], listed[ROUNDS].id

    def call(c, i):
        tag = (resident_ids[c // 2], listing_ids[i])
        if face == "api":
            return Call(devices[c], "DELETE", f"/api/v1/me/favourites/{listing_ids[i]}", tag=tag)
        return Call(devices[c], "POST", f"/favourites/{listing_ids[i]}/remove", data={"next": "/favourites/"},
                    tag=tag)

    def check(outcomes):
        each_acked(outcomes, lambda tag: _favourite_rows(world, *tag) == 0, "un-saved")
        expect(len(acks(outcomes)) == CLIENTS * ROUNDS, "an un-save was refused")
        kept = [resident_id for resident_id in resident_ids if _favourite_rows(world, resident_id, kept_id) != 1]
        expect(not kept, f"residents {kept} lost the listing they kept")
    return Plan(grid(call), check)


scenario("PUT", "favourites_api.MyFavourite")(lambda world: _save_favourites(world, "api"))
scenario("POST", "favourites.save")(lambda world: _save_favourites(world, "html"))
scenario("DELETE", "favourites_api.MyFavourite")(lambda world: _remove_favourites(world, "api"))
scenario("POST", "favourites.remove")(lambda world: _remove_favourites(world, "html"))

# Reviews --------------------------------------------------------------------------------------------------------------

def _write_reviews(world: World, face: str) -> Plan:
    """Bookers review their completed bookings from two devices at the same moment (a double tap): one review
    per booking is written and acknowledged, the other device hears a clear 409."""
    bookers = world.users(CLIENTS // 2)
    devices = [device for booker in bookers for device in world.devices(booker, face, 2)]
    booked = world.completed_bookings(world.factory.listing(capacity=20), bookers, ROUNDS)

    def call(c, i):
        booking = booked[c // 2][i]
        if face == "api":
            return Call(devices[c], "POST", f"/api/v1/bookings/{booking.id}/reviews",
                        json={"stars": 4, "tags": ["punctual"], "text": f"第{c}台设备"}, tag=booking.id)
        return Call(devices[c], "POST", f"/bookings/{booking.id}/review",
                    data={"stars": "4", "tags": "punctual", "text": f"第{c}台设备"}, tag=booking.id)

    def check(outcomes):
        for row in booked:
            for booking in row:
                written = world.session.scalars(select(Review).where(Review.booking_id == booking.id)).all()
                won = [o for o in acks(outcomes) if o.call.tag == booking.id]
                expect(len(written) == 1 and len(won) == 1,
                       f"booking {booking.id}: {len(written)} reviews, {len(won)} acknowledged (one of each expected)")
                expect(written[0].text == won[0].call.json["text"] if face == "api" else True,
                       f"booking {booking.id}: the review kept is not the acknowledged one")
    return Plan(grid(call), check, refused=frozenset({409}))


def _reply_to_reviews(world: World, face: str) -> Plan:
    """Every staff member of the organisation replies to the same reviews at once: one reply each, acknowledged."""
    made, staff = world.revealed_reviews(ROUNDS)

    def call(c, i):
        path = f"/api/v1/reviews/{made[i].id}/reply" if face == "api" else f"/reviews/{made[i].id}/reply"
        text = f"感谢反馈（{c}）"
        return Call(world.client(face, staff[c]), "POST", path, json={"text": text} if face == "api" else None,
                    data={"text": text} if face == "html" else None, tag=(made[i].id, text))

    def check(outcomes):
        for review in made:
            won = [o.call.tag[1] for o in acks(outcomes) if o.call.tag[0] == review.id]
            stored = _get(world.session, Review, review.id).reply
            expect(won == [stored], f"review {review.id}: reply {stored!r}, acknowledged {won}")
    return Plan(grid(call), check, refused=frozenset({409}))


def _report_reviews(world: World, face: str) -> Plan:
    """Neighbours report the same reviews from two devices at once: one report per person and review."""
    made, _staff = world.revealed_reviews(ROUNDS)
    neighbours = world.users(CLIENTS // 2)
    devices = [device for neighbour in neighbours for device in world.devices(neighbour, face, 2)]

    def call(c, i):
        path = f"/api/v1/reviews/{made[i].id}/reports" if face == "api" else f"/reviews/{made[i].id}/report"
        body = {"reason": "言辞不当"}
        return Call(devices[c], "POST", path, json=body if face == "api" else None,
                    data=body if face == "html" else None, tag=(made[i].id, neighbours[c // 2].id))

    def check(outcomes):
        for review in made:
            for neighbour in neighbours:
                rows = world.session.scalar(select(func.count()).select_from(ReviewReport).where(
                    ReviewReport.review_id == review.id, ReviewReport.reporter_id == neighbour.id))
                won = [o for o in acks(outcomes) if o.call.tag == (review.id, neighbour.id)]
                expect(rows == 1 and len(won) == 1, f"review {review.id} by {neighbour.id}: {rows} reports, "
                                                   f"{len(won)} acknowledged (one of each expected)")
    return Plan(grid(call), check, refused=frozenset({409}))


def _moderate_reviews(world: World, face: str) -> Plan:
    """Platform admins hide the same reviews at once: each hidden, and every acknowledged decision audited."""
    made, _staff = world.revealed_reviews(ROUNDS)
    admins = world.admins()

    def call(c, i):
        path = f"/api/v1/admin/reviews/{made[i].id}/moderation" if face == "api" else f"/admin/reviews/{made[i].id}/moderate"
        body = {"decision": "hide", "reason": "经核实不实"}
        form = {f"review-{made[i].id}-{name}": value for name, value in body.items()}
        return Call(world.client(face, admins[c]), "POST", path, json=body if face == "api" else None,
                    data=form if face == "html" else None, tag=made[i].id)

    def check(outcomes):
        each_acked(outcomes, lambda review_id: _get(world.session, Review, review_id).hidden, "hidden")
        audited = world.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "review.hide"))
        expect(audited == len(acks(outcomes)), f"{audited} audit entries for {len(acks(outcomes))} decisions")
    return Plan(grid(call), check)


def _record_served_by(world: World, face: str) -> Plan:
    """Every staff member records someone else as having served the same bookings at once: each booking ends up
    served by one of those a client was told were saved."""
    org, staff = world.staffed_organisation()
    listing = world.factory.listing(organisation=org, actor=staff[0], capacity=20)
    booked = world.bookings(listing, ROUNDS, local_start(1, 10))

    def call(c, i):
        served_by = staff[(c + 1) % CLIENTS].id
        if face == "api":
            return Call(world.api(staff[c]), "PUT", f"/api/v1/bookings/{booked[i].id}/served-by",
                        json={"user_id": served_by}, tag=(booked[i].id, served_by))
        return Call(world.html(staff[c]), "POST", f"/bookings/{booked[i].id}/served-by",
                    data={"user_id": str(served_by)}, tag=(booked[i].id, served_by))

    return Plan(grid(call), lambda outcomes: final_value_is_acked(
        outcomes, lambda booking_id: _get(world.session, Booking, booking_id).served_by_id))


scenario("PUT", "reviews_api.BookingServedBy")(lambda world: _record_served_by(world, "api"))
scenario("POST", "reviews.served_by")(lambda world: _record_served_by(world, "html"))
scenario("POST", "reviews_api.BookingReviews")(lambda world: _write_reviews(world, "api"))
scenario("POST", "reviews.write")(lambda world: _write_reviews(world, "html"))
scenario("POST", "reviews_api.ReviewReply")(lambda world: _reply_to_reviews(world, "api"))
scenario("POST", "reviews.reply")(lambda world: _reply_to_reviews(world, "html"))
scenario("POST", "reviews_api.ReviewReports")(lambda world: _report_reviews(world, "api"))
scenario("POST", "reviews.report")(lambda world: _report_reviews(world, "html"))
scenario("POST", "reviews_api.ReviewModeration")(lambda world: _moderate_reviews(world, "api"))
scenario("POST", "reviews.moderate")(lambda world: _moderate_reviews(world, "html"))

# What made 50–67 % of writes fail on SQLite (issue 7): these at once, beside bookings.
MIXED = [
    ("PATCH", "accounts_api.Me"), ("POST", "groups_api.Groups"), ("POST", "calendar_feed_api.CalendarFeedReset"),
    ("PATCH", "listings_api.ListingDetail"), ("POST", "accounts.profile"), ("POST", "bookings_api.Bookings"),
]


def _record_views(world: World, face: str) -> Plan:
    residents = world.users(CLIENTS)
    seen = [world.factory.listing() for _ in range(ROUNDS)]

    def call(c, i):
        path = f"/api/v1/listings/{seen[i].id}/views" if face == "api" else f"/listings/{seen[i].id}/viewed"
        return Call(world.client(face, residents[c]), "POST", path, tag=(residents[c].id, seen[i].id))

    return Plan(grid(call), lambda outcomes: each_acked(outcomes, lambda tag: world.session.scalar(
        select(func.count()).select_from(ListingView).where(
            ListingView.user_id == tag[0], ListingView.listing_id == tag[1])) == 1, "recorded once"),
        acked=lambda outcome: outcome.status == 204)


@scenario("POST", "search_api.ListingViews")
def record_views_api(world: World) -> Plan:
    return _record_views(world, "api")


@scenario("POST", "search.listing_viewed")
def record_views_html(world: World) -> Plan:
    return _record_views(world, "html")


# Notifications --------------------------------------------------------------------------------------------------------

def _is_read(world: World, notification_id: int) -> bool:
    return _get(world.session, Notification, notification_id).read_at is not None


def _open_notifications(world: World, face: str) -> Plan:
    """Residents mark the same notifications read from two devices at the same moment (the phone and the tablet
    both open the inbox): every mark is acknowledged and the notification is read."""
    residents = world.users(CLIENTS // 2)
    devices = [device for resident in residents for device in world.devices(resident, face, 2)]
    ids = [world.notified(resident, ROUNDS) for resident in residents]

    def call(c, i):
        notification_id = ids[c // 2][i]
        if face == "api":
            return Call(devices[c], "POST", "/api/v1/notifications/read", json={"ids": [notification_id]},
                        tag=notification_id)
        return Call(devices[c], "POST", f"/notifications/{notification_id}/open", tag=notification_id)

    def check(outcomes):
        each_acked(outcomes, lambda notification_id: _is_read(world, notification_id), "read")
        expect(len(acks(outcomes)) == CLIENTS * ROUNDS, "marking one's own notification read was refused")
    return Plan(grid(call), check)


scenario("POST", "notifications_api.MarkRead")(lambda world: _open_notifications(world, "api"))
scenario("POST", "notifications.open_one")(lambda world: _open_notifications(world, "html"))


@scenario("POST", "notifications.read_all")
def read_all_notifications(world: World) -> Plan:
    """Each resident marks all read from two browsers at once while more arrive: what was there when a mark was
    acknowledged is read."""
    residents = world.users(CLIENTS // 2)
    devices = [device for resident in residents for device in world.devices(resident, "html", 2)]
    ids = {resident.id: world.notified(resident, ROUNDS) for resident in residents}
    resident_ids = [resident.id for resident in residents]
    calls = grid(lambda c, i: Call(devices[c], "POST", "/notifications/read-all", tag=resident_ids[c // 2]))

    def check(outcomes):
        each_acked(outcomes, lambda user_id: all(_is_read(world, n) for n in ids[user_id]), "all read")
    return Plan(calls, check)


def _preference_value(world: World, user_id: int) -> bool:
    world.session.expire_all()
    return notifications.preferences_of(world.session, user_id).reminders


def _save_preferences(world: World, face: str) -> Plan:
    """Two devices of each resident save their notification preferences at once, the first save creating the row:
    every save is acknowledged and the stored choice is one that a device was told was saved."""
    residents = world.users(CLIENTS // 2)
    devices = [device for resident in residents for device in world.devices(resident, face, 2)]
    resident_ids = [resident.id for resident in residents]

    def call(c, i):
        wanted = (c + i) % 2 == 0
        tag = (resident_ids[c // 2], wanted)
        if face == "api":
            return Call(devices[c], "PUT", "/api/v1/me/notification-preferences",
                        json={"reminders": {"enabled": wanted}}, tag=tag)
        data = {"reminders_email": "y", "decisions_email": "y", **({"reminders": "y"} if wanted else {})}
        return Call(devices[c], "POST", "/notifications/preferences", data=data, tag=tag)

    def check(outcomes):
        final_value_is_acked(outcomes, lambda user_id: _preference_value(world, user_id))
        expect(len(acks(outcomes)) == CLIENTS * ROUNDS, "a preferences save was refused")
        rows = world.session.scalar(select(func.count()).select_from(NotificationPreference).where(
            NotificationPreference.user_id.in_(resident_ids)))
        expect(rows == len(resident_ids), f"{rows} preference rows for {len(resident_ids)} residents")
    return Plan(grid(call), check)


scenario("PUT", "notifications_api.MyPreferences")(lambda world: _save_preferences(world, "api"))
scenario("POST", "notifications.preferences")(lambda world: _save_preferences(world, "html"))

# Waitlist -------------------------------------------------------------------------------------------------------------

def _entry(world: World, entry_id: int) -> WaitlistEntry | None:
    return _get(world.session, WaitlistEntry, entry_id)


def _join_waitlists(world: World, face: str) -> Plan:
    """Residents join the waitlists of taken slots from two devices at once (a double tap): one entry per resident
    and slot, the second tap a clear 409."""
    residents = world.users(CLIENTS // 2)
    devices = [device for resident in residents for device in world.devices(resident, face, 2)]
    listing = world.factory.listing()
    starts = [local_start(1, 10 + i) for i in range(ROUNDS)]
    for start in starts:
        world.factory.booking(listing=listing, start=start)

    def call(c, i):
        tag = (residents[c // 2].id, starts[i])
        if face == "api":
            return Call(devices[c], "POST", f"/api/v1/listings/{listing.id}/waitlist", json={
                "start": iso_local(starts[i]), "end": iso_local(starts[i] + timedelta(hours=1))}, tag=tag)
        return Call(devices[c], "POST", f"/listings/{listing.id}/waitlist", data={
            "start": iso_local(starts[i]), "duration": "60", "seats": "1"}, tag=tag)

    def check(outcomes):
        for resident in residents:
            for start in starts:
                rows = world.session.scalar(select(func.count()).select_from(WaitlistEntry).where(
                    WaitlistEntry.user_id == resident.id, WaitlistEntry.start_at == start))
                won = sum(1 for tag in tags(outcomes) if tag == (resident.id, start))
                expect(rows == 1 and won == 1, f"{resident.id} at {iso_local(start)}: {rows} entries, {won} acked")
    return Plan(grid(call), check, refused=frozenset({409}))


def _leave_waitlists(world: World, face: str) -> Plan:
    """Residents leave the waitlists from two devices at once: the entries are gone; the second tap is told it
    is done (API) or that there is no such entry any more (page)."""
    residents = world.users(CLIENTS // 2)
    devices = [device for resident in residents for device in world.devices(resident, face, 2)]
    listing = world.factory.listing()
    starts = [local_start(1, 10 + i) for i in range(ROUNDS)]
    entries = world.waitlisted(listing, [(resident, start) for resident in residents for start in starts])

    def call(c, i):
        resident_id = residents[c // 2].id
        entry_id = entries[(resident_id, starts[i])]
        if face == "api":
            return Call(devices[c], "DELETE", f"/api/v1/listings/{listing.id}/waitlist?" + urlencode({
                "start": iso_local(starts[i]), "end": iso_local(starts[i] + timedelta(hours=1))}), tag=entry_id)
        return Call(devices[c], "POST", f"/waitlist/{entry_id}/leave", tag=entry_id)

    def check(outcomes):
        each_acked(outcomes, lambda entry_id: _entry(world, entry_id) is None, "off the waitlist")
        if face == "api":
            expect(len(acks(outcomes)) == CLIENTS * ROUNDS, "leaving was refused")
    return Plan(grid(call), check, refused=frozenset({404}))


def _accept_offers(world: World, face: str) -> Plan:
    """Residents accept the slots held for them from two devices at once: one booking per offer, the second tap
    a clear 409."""
    residents = world.users(CLIENTS // 2)
    devices = [device for resident in residents for device in world.devices(resident, face, 2)]
    listing = world.factory.listing()
    starts = {resident.id: [local_start(1, 9 + k * ROUNDS + i) for i in range(ROUNDS)]
              for k, resident in enumerate(residents)}
    entries = world.waitlisted(listing, [(resident, start) for resident in residents
                                         for start in starts[resident.id]], offered=True)

    def call(c, i):
        resident_id = residents[c // 2].id
        entry_id = entries[(resident_id, starts[resident_id][i])]
        path = f"/api/v1/waitlist-offers/{entry_id}/accept" if face == "api" else f"/waitlist-offers/{entry_id}/accept"
        return Call(devices[c], "POST", path, tag=entry_id)

    def check(outcomes):
        for entry_id in entries.values():
            entry = _entry(world, entry_id)
            booked = world.session.scalar(select(func.count()).select_from(Booking).where(
                Booking.booker_id == entry.user_id, Booking.start_at == entry.start_at,
                Booking.status == BookingStatus.confirmed))
            won = sum(1 for tag in tags(outcomes) if tag == entry_id)
            expect(entry.status is EntryStatus.accepted and booked == 1 and won == 1,
                   f"offer {entry_id}: {entry.status}, {booked} bookings, {won} acknowledged")
    return Plan(grid(call), check, refused=frozenset({409}))


scenario("POST", "waitlist_api.ListingWaitlist")(lambda world: _join_waitlists(world, "api"))
scenario("POST", "waitlist.join")(lambda world: _join_waitlists(world, "html"))
scenario("DELETE", "waitlist_api.ListingWaitlist")(lambda world: _leave_waitlists(world, "api"))
scenario("POST", "waitlist.leave")(lambda world: _leave_waitlists(world, "html"))
scenario("POST", "waitlist_api.WaitlistOfferAccept")(lambda world: _accept_offers(world, "api"))
scenario("POST", "waitlist.accept")(lambda world: _accept_offers(world, "html"))


# Feedback -------------------------------------------------------------------------------------------------------------

def _send_feedback(world: World, face: str) -> Plan:
    """Residents send feedback about one listing at the same moment: every acknowledged item is stored, once."""
    street = world.street()
    residents = world.users(CLIENTS)

    def call(c, i):
        text = f"居民{c}的第{i}条意见"
        if face == "api":
            return Call(world.api(residents[c]), "POST", "/api/v1/feedback", json={
                "kind": "feedback", "subject": "listing", "subject_id": street.listing.id, "text": text,
                "anonymous": i % 2 == 0}, tag=text)
        return Call(world.html(residents[c]), "POST", f"/feedback/new?listing={street.listing.id}",
                    data={"kind": "feedback", "text": text}, tag=text)

    def check(outcomes):
        stored = world.session.scalars(select(Feedback.text).where(Feedback.listing_id == street.listing.id)).all()
        expect(sorted(stored) == sorted(tags(outcomes)), f"stored {len(stored)}, acknowledged {len(acks(outcomes))}")
        expect(len(acks(outcomes)) == CLIENTS * ROUNDS, "sending feedback was refused")
    return Plan(grid(call), check)


def _answer_feedback(world: World, face: str) -> Plan:
    """The unit's staff all answer the same items at once: every answer is public, and each item's time to first
    answer is that of one of its answers."""
    street = world.street(CLIENTS)
    staff = [membership.user for membership in sorted(street.unit.memberships, key=lambda m: m.id)]
    items = world.feedback_items(street, ROUNDS)

    def call(c, i):
        text = f"工作人员{c}：已安排维修"
        path = f"/api/v1/feedback/{items[i].id}/answer" if face == "api" else f"/feedback/{items[i].id}/answer"
        return Call(world.client(face, staff[c]), "POST", path, json={"text": text} if face == "api" else None,
                    data={"text": text} if face == "html" else None, tag=(items[i].id, text))

    def check(outcomes):
        for item in items:
            answers = world.session.scalars(select(FeedbackAnswer).where(FeedbackAnswer.feedback_id == item.id)).all()
            acked = sorted(text for item_id, text in tags(outcomes) if item_id == item.id)
            expect(sorted(answer.text for answer in answers) == acked, f"item {item.id}: answers are not the acked")
            stored = _get(world.session, Feedback, item.id)
            expect(stored.first_answered_at in {answer.created_at for answer in answers},
                   f"item {item.id}: first answered at {stored.first_answered_at}, not one of its answers")
    return Plan(grid(call), check)


scenario("POST", "feedback_api.FeedbackCollection")(lambda world: _send_feedback(world, "api"))
scenario("POST", "feedback.new")(lambda world: _send_feedback(world, "html"))
scenario("POST", "feedback_api.FeedbackAnswer")(lambda world: _answer_feedback(world, "api"))
scenario("POST", "feedback.answer")(lambda world: _answer_feedback(world, "html"))

# Pledges --------------------------------------------------------------------------------------------------------------

def _sign_pledges(world: World, face: str) -> Plan:
    """Platform admins sign the same units' pledges for the year at once: one pledge per unit, acknowledged once,
    the others told it is already signed (409)."""
    street = world.street()
    units = world.units(street, ROUNDS)
    admins = world.admins()

    def call(c, i):
        body = {"organisation_id": units[i].id, "year": 2026, "room_hours": 100 + c, "volunteer_hours": 20}
        if face == "api":
            return Call(world.api(admins[c]), "POST", "/api/v1/pledges", json=body, tag=(units[i].id, 100 + c))
        return Call(world.html(admins[c]), "POST", "/pledges/new",
                    data={name: str(value) for name, value in body.items()}, tag=(units[i].id, 100 + c))

    def check(outcomes):
        for unit in units:
            stored = world.session.scalars(select(Pledge).where(Pledge.organisation_id == unit.id)).all()
            won = [hours for unit_id, hours in tags(outcomes) if unit_id == unit.id]
            expect(len(stored) == 1 and [stored[0].room_hours] == won,
                   f"unit {unit.id}: {len(stored)} pledges, acknowledged {won}")
    return Plan(grid(call), check, refused=frozenset({409}))


def _change_pledges(world: World, face: str) -> Plan:
    """Admins change the same pledges' hours at once: the hours kept are ones a client was told were saved."""
    street = world.street()
    admins = world.admins()
    made = world.signed_pledges(admins[0], world.units(street, ROUNDS))

    def call(c, i):
        hours = 200 + c * 10 + i
        if face == "api":
            return Call(world.api(admins[c]), "PATCH", f"/api/v1/pledges/{made[i].id}", json={"room_hours": hours},
                        tag=(made[i].id, hours))
        return Call(world.html(admins[c]), "POST", f"/pledges/{made[i].id}/edit",
                    data={"room_hours": str(hours), "volunteer_hours": "10"}, tag=(made[i].id, hours))

    def check(outcomes):
        final_value_is_acked(outcomes, lambda pledge_id: _get(world.session, Pledge, pledge_id).room_hours)
        expect(len(acks(outcomes)) == CLIENTS * ROUNDS, "changing a pledge was refused")
    return Plan(grid(call), check)


scenario("POST", "pledges_api.Pledges")(lambda world: _sign_pledges(world, "api"))
scenario("POST", "pledges.new")(lambda world: _sign_pledges(world, "html"))
scenario("PATCH", "pledges_api.PledgeDetail")(lambda world: _change_pledges(world, "api"))
scenario("POST", "pledges.edit")(lambda world: _change_pledges(world, "html"))


# Wishes ---------------------------------------------------------------------------------------------------------------

def _wishes(world: World) -> Wishes:
    """A street with two community offices, a resident and volunteers (tests/wishes/conftest.py)."""
    return Wishes(world.session, world.factory)


def _wish_path(face: str, wish_id: int, action: str) -> str:
    return f"/api/v1/wishes/{wish_id}/{action}" if face == "api" else f"/wishes/{wish_id}/{action}"


def _wish(world: World, wish_id: int) -> Wish:
    return _get(world.session, Wish, wish_id)


def _post_wishes(world: World, face: str) -> Plan:
    """Residents of one building post wishes from their phones at once: every acknowledged one stored once."""
    w = _wishes(world)
    residents = world.users(CLIENTS)
    needed_by = (zones.local_date(clock.now(), ZONE) + timedelta(days=5)).isoformat()
    place_id = w.tree["c1_building"].id

    def call(c, i):
        title = f"心愿{residents[c].id}-{i}"
        body = {"title": title, "need": "需要有人帮忙搬一下旧家具", "needed_by": needed_by, "place_id": place_id}
        if face == "api":
            return Call(world.api(residents[c]), "POST", "/api/v1/wishes", json=body, tag=title)
        return Call(world.html(residents[c]), "POST", "/wishes/new", data={**body, "place_id": str(place_id)},
                    tag=title)

    def check(outcomes):
        stored = Counter(world.session.scalars(select(Wish.title)))
        expect(stored == Counter(tags(outcomes)), f"stored {dict(stored)}, acknowledged {tags(outcomes)}")
    return Plan(grid(call), check)


def _confirm_postings(world: World, face: str) -> Plan:
    """Residents confirm the wishes the office posted for them while its staff record the same in person: each
    confirmed once, by one of those acknowledged."""
    w = _wishes(world)
    residents = world.users(CLIENTS)
    posted = [[w.posted(title=f"代办{r.id}-{i}", by=w.staff, for_resident=r).id for i in range(ROUNDS)]
              for r in residents]

    def call(c, i):
        actor = residents[c] if c % 2 else w.staff
        wish_id = posted[c][i]
        return Call(world.client(face, actor), "POST", _wish_path(face, wish_id, "confirm-posting"),
                    tag=(wish_id, actor.id))

    def check(outcomes):
        for tag in tags(outcomes):
            wish = _wish(world, tag[0])
            expect(wish.resident_confirmed_by_id == tag[1], f"wish {tag[0]} confirmed by "
                                                            f"{wish.resident_confirmed_by_id}, acknowledged {tag[1]}")
    return Plan(grid(call), check, refused=frozenset({409}))


def _review_wishes(world: World, face: str, action: str) -> Plan:
    """The office's staff all approve (or send back) the same wishes at once: one of them does, the others 409."""
    w = _wishes(world)
    staff = [w.staff] + world.users(CLIENTS - 1)
    for user in staff[1:]:
        w.add_staff(user)
    pending = [w.posted(title=f"待审{i}").id for i in range(ROUNDS)]

    def call(c, i):
        body = {"reason": "请写清楚时间"} if action == "send-back" else None
        return Call(world.client(face, staff[c]), "POST", _wish_path(face, pending[i], action),
                    json=body if face == "api" else None, data=body if face == "html" else None,
                    tag=(pending[i], staff[c].id))

    def check(outcomes):
        wanted = WishStatus.open if action == "approve" else WishStatus.sent_back
        for wish_id in pending:
            won = [tag[1] for tag in tags(outcomes) if tag[0] == wish_id]
            wish = _wish(world, wish_id)
            expect(won == [wish.reviewed_by_id] and wish.status is wanted,
                   f"wish {wish_id}: {wish.status}, reviewed by {wish.reviewed_by_id}, acknowledged {won}")
    return Plan(grid(call), check, refused=frozenset({409}))


def _claim_wishes(world: World, face: str) -> Plan:
    """Volunteers claim the same wishes at once: each has exactly one owner, the acknowledged one."""
    w = _wishes(world)
    volunteers = world.users(CLIENTS, volunteer=True)
    open_ = [w.approved(title=f"待认领{i}").id for i in range(ROUNDS)]
    calls = grid(lambda c, i: Call(world.client(face, volunteers[c]), "POST", _wish_path(face, open_[i], "claim"),
                                   tag=(open_[i], volunteers[c].id)))

    def check(outcomes):
        for wish_id in open_:
            won = [tag[1] for tag in tags(outcomes) if tag[0] == wish_id]
            wish = _wish(world, wish_id)
            expect(won == [wish.claimant_id], f"wish {wish_id}: claimant {wish.claimant_id}, acknowledged {won}")
    return Plan(calls, check, refused=frozenset({409}))


def _join_wishes(world: World, face: str) -> Plan:
    """Volunteers join the same claimed wishes at once: each joins each once."""
    w = _wishes(world)
    volunteers = world.users(CLIENTS, volunteer=True)
    claimed = [w.claimed(title=f"已认领{i}").id for i in range(ROUNDS)]
    calls = grid(lambda c, i: Call(world.client(face, volunteers[c]), "POST", _wish_path(face, claimed[i], "join"),
                                   tag=(claimed[i], volunteers[c].id)))

    def check(outcomes):
        rows = Counter(tuple(row) for row in world.session.execute(
            select(WishCoClaimer.wish_id, WishCoClaimer.user_id)))
        expect(rows == Counter(tags(outcomes)), f"co-claimers {dict(rows)}, acknowledged {tags(outcomes)}")
    return Plan(calls, check)


def _claimed_by_each(world: World, w: Wishes, volunteers: list[User], *, fulfilled: bool = False) -> list[list[int]]:
    made = []
    for volunteer in volunteers:
        row = []
        for i in range(ROUNDS):
            wish = w.claimed(by=volunteer, title=f"{volunteer.id}的心愿{i}")
            if fulfilled:
                wishes.fulfil_wish(world.session, volunteer, wish, "做好了", 1)
                world.session.commit()
            row.append(wish.id)
        made.append(row)
    return made


def _release_wishes(world: World, face: str) -> Plan:
    """Each claimant gives up their claims, as the office's staff release the same ones: each released once."""
    w = _wishes(world)
    volunteers = world.users(CLIENTS, volunteer=True)
    claimed = _claimed_by_each(world, w, volunteers)

    def call(c, i):
        actor = volunteers[c] if c % 2 else w.staff
        return Call(world.client(face, actor), "POST", _wish_path(face, claimed[c][i], "release"), tag=claimed[c][i])

    def check(outcomes):
        each_acked(outcomes, lambda wish_id: _wish(world, wish_id).status is WishStatus.open, "back on the wall")
        for wish_id in tags(outcomes):
            released = world.session.scalar(select(func.count()).select_from(DomainEvent).where(
                DomainEvent.type == "wish.released", DomainEvent.subject_id == wish_id))
            expect(released == 1, f"wish {wish_id}: {released} wish.released events")
    return Plan(grid(call), check, refused=frozenset({409}))


def _fulfil_wishes(world: World, face: str) -> Plan:
    """Claimants mark their wishes fulfilled from two devices at once: each fulfilled once, with the hours given."""
    w = _wishes(world)
    volunteers = world.users(CLIENTS // 2, volunteer=True)
    claimed = _claimed_by_each(world, w, volunteers)
    devices = [device for volunteer in volunteers for device in world.devices(volunteer, face, 2)]

    def call(c, i):
        wish_id, hours = claimed[c // 2][i], f"{c + 1}.5"
        if face == "api":
            return Call(devices[c], "POST", _wish_path(face, wish_id, "fulfil"),
                        json={"note": "搬好了", "hours": float(hours)}, tag=(wish_id, Decimal(hours)))
        return Call(devices[c], "POST", _wish_path(face, wish_id, "fulfil"), data={"note": "搬好了", "hours": hours},
                    tag=(wish_id, Decimal(hours)))

    def check(outcomes):
        for wish_id in {tag[0] for tag in tags(outcomes)}:
            won = [tag[1] for tag in tags(outcomes) if tag[0] == wish_id]
            wish = _wish(world, wish_id)
            expect(wish.status is WishStatus.fulfilled and won == [wish.hours],
                   f"wish {wish_id}: {wish.status}, {wish.hours} hours, acknowledged {won}")
    return Plan(grid(call), check, refused=frozenset({409}))


def _confirm_wishes(world: World, face: str) -> Plan:
    """The resident and the office's staff confirm the same fulfilled wishes at once: one wish.confirmed each."""
    w = _wishes(world)
    staff = world.users(CLIENTS - 1)
    for user in staff:
        w.add_staff(user)
    confirmers = [w.resident] + staff
    fulfilled = [wish_id for row in _claimed_by_each(world, w, w.volunteers[:1], fulfilled=True) for wish_id in row]

    def call(c, i):
        body = {"thanks": "谢谢", "rating": 5}
        return Call(world.client(face, confirmers[c]), "POST", _wish_path(face, fulfilled[i], "confirm"),
                    json=body if face == "api" else None,
                    data={"thanks": "谢谢", "rating": "5"} if face == "html" else None,
                    tag=(fulfilled[i], confirmers[c].id))

    def check(outcomes):
        for wish_id in fulfilled:
            won = [tag[1] for tag in tags(outcomes) if tag[0] == wish_id]
            wish = _wish(world, wish_id)
            confirmed = world.session.scalars(select(DomainEvent).where(
                DomainEvent.type == "wish.confirmed", DomainEvent.subject_id == wish_id)).all()
            expect(won == [wish.confirmed_by_id] and len(confirmed) == 1
                   and confirmed[0].payload["on_behalf"] is (wish.confirmed_by_id != w.resident.id),
                   f"wish {wish_id}: confirmed by {wish.confirmed_by_id}, acknowledged {won}, "
                   f"{len(confirmed)} wish.confirmed events")
    return Plan(grid(call), check, refused=frozenset({409}))


def _edit_wishes(world: World, face: str) -> Plan:
    """Posters change their sent-back wishes from two devices at once: the title kept is an acknowledged one, and
    each wish is back for review."""
    w = _wishes(world)
    posters = world.users(CLIENTS // 2)
    posted = []
    for poster in posters:
        row = []
        for i in range(ROUNDS):
            wish = wishes.post_wish(world.session, poster, wishes.WishInput(
                title=f"{poster.id}的心愿{i}", need="需要有人帮忙", needed_by=zones.local_date(clock.now(), ZONE)
                + timedelta(days=5), place_id=w.tree["c1_grid"].id), rules=w.rules)
            wishes.send_back_wish(world.session, w.staff, wish, "请写清楚需要什么")
            row.append(wish.id)
        posted.append(row)
    world.session.commit()
    devices = [device for poster in posters for device in world.devices(poster, face, 2)]
    needed_by = (zones.local_date(clock.now(), ZONE) + timedelta(days=6)).isoformat()

    def call(c, i):
        wish_id, title = posted[c // 2][i], f"第{c}台设备改的心愿{i}"
        body = {"title": title, "need": "需要有人周六上午帮忙", "needed_by": needed_by,
                "place_id": w.tree["c1_building"].id}
        if face == "api":
            return Call(devices[c], "PUT", f"/api/v1/wishes/{wish_id}", json=body, tag=(wish_id, title))
        return Call(devices[c], "POST", f"/wishes/{wish_id}/edit", data={**body, "place_id": str(body["place_id"])},
                    tag=(wish_id, title))

    def check(outcomes):
        final_value_is_acked(outcomes, lambda wish_id: _wish(world, wish_id).title)
        each_acked(outcomes, lambda tag: _wish(world, tag[0]).status is WishStatus.pending, "back for review")
    return Plan(grid(call), check)


def _add_wish_photos(world: World, face: str) -> Plan:
    """A poster uploads photos to each pending wish from four devices at once: the wish keeps no more than its
    limit, and every acknowledged upload is stored (the others are told it is full)."""
    w = _wishes(world)
    poster = world.users(1)[0]
    pending = [w.posted(by=poster, title=f"{poster.id}的心愿{i}").id for i in range(ROUNDS)]
    devices = world.devices(poster, face, CLIENTS)

    def call(c, i):
        return Call(devices[c], "POST", f"/api/v1/wishes/{pending[i]}/photos",
                    files={"photo": (f"kitchen{c}.png", png(c * ROUNDS + i))}, tag=pending[i])

    def check(outcomes):
        for wish_id in pending:
            stored = world.session.scalar(select(func.count()).select_from(WishPhoto)
                                          .where(WishPhoto.wish_id == wish_id))
            acked = sum(1 for o in acks(outcomes) if o.call.tag == wish_id)
            expect(stored == acked <= MAX_WISH_PHOTOS, f"wish {wish_id}: {stored} photos for {acked} acknowledged")
    return Plan(grid(call), check, refused=frozenset({422}))


scenario("POST", "wishes_api.WishPhotos")(lambda world: _add_wish_photos(world, "api"))
scenario("PUT", "wishes_api.WishDetail")(lambda world: _edit_wishes(world, "api"))
scenario("POST", "wishes.edit")(lambda world: _edit_wishes(world, "html"))
scenario("POST", "wishes_api.Wishes")(lambda world: _post_wishes(world, "api"))
scenario("POST", "wishes.new")(lambda world: _post_wishes(world, "html"))
scenario("POST", "wishes_api.ConfirmPosting")(lambda world: _confirm_postings(world, "api"))
scenario("POST", "wishes.confirm_posting")(lambda world: _confirm_postings(world, "html"))
scenario("POST", "wishes_api.Approve")(lambda world: _review_wishes(world, "api", "approve"))
scenario("POST", "wishes.approve")(lambda world: _review_wishes(world, "html", "approve"))
scenario("POST", "wishes_api.SendBack")(lambda world: _review_wishes(world, "api", "send-back"))
scenario("POST", "wishes.send_back")(lambda world: _review_wishes(world, "html", "send-back"))
scenario("POST", "wishes_api.Claim")(lambda world: _claim_wishes(world, "api"))
scenario("POST", "wishes.claim")(lambda world: _claim_wishes(world, "html"))
scenario("POST", "wishes_api.Join")(lambda world: _join_wishes(world, "api"))
scenario("POST", "wishes.join")(lambda world: _join_wishes(world, "html"))
scenario("POST", "wishes_api.Release")(lambda world: _release_wishes(world, "api"))
scenario("POST", "wishes.release")(lambda world: _release_wishes(world, "html"))
scenario("POST", "wishes_api.Fulfil")(lambda world: _fulfil_wishes(world, "api"))
scenario("POST", "wishes.fulfil")(lambda world: _fulfil_wishes(world, "html"))
scenario("POST", "wishes_api.Confirm")(lambda world: _confirm_wishes(world, "api"))
scenario("POST", "wishes.confirm")(lambda world: _confirm_wishes(world, "html"))


# Lotteries ------------------------------------------------------------------------------------------------------------

def _hall_lotteries(world: World, n: int) -> tuple:
    """A hall whose staff opened ``n`` evening slots of day 3 by lottery (applications close day 2 at noon)."""
    org, staff = world.staffed_organisation(2)
    hall = world.factory.listing(organisation=org, actor=staff[0])
    with transactions.read_only(False):
        made = [lotteries.create_lottery(world.session, staff[0], hall.id, lotteries.LotteryRequest(
            start=local_start(3, 9 + 2 * k), end=local_start(3, 10 + 2 * k), applications_close_at=local_start(2, 12),
            draw_at=local_start(2, 13)), zone=ZONE) for k in range(n)]
        world.session.commit()
    return hall, staff, [lottery.id for lottery in made]


def _open_lotteries(world: World, face: str) -> Plan:
    """Two staff members open the same slots by lottery at once: one lottery per slot, the other told it is taken."""
    org, staff = world.staffed_organisation(CLIENTS)
    hall = world.factory.listing(organisation=org, actor=staff[0])
    starts = [local_start(3, 9 + 2 * i) for i in range(ROUNDS)]
    fmt = "%Y-%m-%dT%H:%M"

    def call(c, i):
        client = world.client(face, staff[c])
        if face == "api":
            return Call(client, "POST", f"/api/v1/listings/{hall.id}/lotteries", json={
                "start": iso_local(starts[i]), "end": iso_local(starts[i] + timedelta(hours=1)),
                "applications_close_at": iso_local(local_start(2, 12)), "draw_at": iso_local(local_start(2, 13))},
                tag=starts[i])
        return Call(client, "POST", f"/listings/{hall.id}/lotteries", data={
            "start": zones.to_local(starts[i], ZONE).strftime(fmt), "duration": "60",
            "applications_close_at": zones.to_local(local_start(2, 12), ZONE).strftime(fmt),
            "draw_at": zones.to_local(local_start(2, 13), ZONE).strftime(fmt), "priority": "none"}, tag=starts[i])

    def check(outcomes):
        for start in starts:
            rows = world.session.scalar(select(func.count()).select_from(Lottery).where(
                Lottery.listing_id == hall.id, Lottery.start_at == start))
            won = sum(1 for tag in tags(outcomes) if tag == start)
            expect(rows == 1 and won == 1, f"{iso_local(start)}: {rows} lotteries, {won} acknowledged")
    return Plan(grid(call), check, refused=frozenset({409}))


def _application_rows(world: World, lottery_id: int, user_id: int) -> int:
    return world.session.scalar(select(func.count()).select_from(LotteryApplication).where(
        LotteryApplication.lottery_id == lottery_id, LotteryApplication.user_id == user_id))


def _apply_for_lotteries(world: World, face: str) -> Plan:
    """Residents apply from two devices at once (a double tap): one application each, the second tap a clear 409."""
    residents = world.users(CLIENTS // 2)
    devices = [device for resident in residents for device in world.devices(resident, face, 2)]
    hall, _staff, ids = _hall_lotteries(world, ROUNDS)

    def call(c, i):
        path = f"/listings/{hall.id}/lotteries/{ids[i]}"
        tag = (ids[i], residents[c // 2].id)
        if face == "api":
            return Call(devices[c], "POST", f"/api/v1{path}/application", tag=tag)
        return Call(devices[c], "POST", f"{path}/apply", tag=tag)

    def check(outcomes):
        for lottery_id in ids:
            for resident in residents:
                rows = _application_rows(world, lottery_id, resident.id)
                won = sum(1 for tag in tags(outcomes) if tag == (lottery_id, resident.id))
                expect(rows == 1 and won == 1,
                       f"lottery {lottery_id}, resident {resident.id}: {rows} applications, {won} acknowledged")
    return Plan(grid(call), check, refused=frozenset({409}))


def _withdraw_from_lotteries(world: World, face: str) -> Plan:
    """Residents withdraw from two devices at once: the applications are gone and both taps are told so."""
    residents = world.users(CLIENTS // 2)
    devices = [device for resident in residents for device in world.devices(resident, face, 2)]
    hall, _staff, ids = _hall_lotteries(world, ROUNDS)
    with transactions.read_only(False):
        for lottery_id in ids:
            for resident in residents:
                lotteries.apply(world.session, resident, world.session.get(Lottery, lottery_id))
        world.session.commit()

    def call(c, i):
        path = f"/listings/{hall.id}/lotteries/{ids[i]}"
        tag = (ids[i], residents[c // 2].id)
        if face == "api":
            return Call(devices[c], "DELETE", f"/api/v1{path}/application", tag=tag)
        return Call(devices[c], "POST", f"{path}/withdraw", tag=tag)

    def check(outcomes):
        each_acked(outcomes, lambda tag: _application_rows(world, *tag) == 0, "withdrawn")
        expect(len(acks(outcomes)) == CLIENTS * ROUNDS, "a withdrawal was refused")
    return Plan(grid(call), check)


scenario("POST", "lotteries_api.ListingLotteries")(lambda world: _open_lotteries(world, "api"))
scenario("POST", "lotteries.listing_lotteries")(lambda world: _open_lotteries(world, "html"))
scenario("POST", "lotteries_api.LotteryApplication")(lambda world: _apply_for_lotteries(world, "api"))
scenario("POST", "lotteries.apply")(lambda world: _apply_for_lotteries(world, "html"))
scenario("DELETE", "lotteries_api.LotteryApplication")(lambda world: _withdraw_from_lotteries(world, "api"))
scenario("POST", "lotteries.withdraw")(lambda world: _withdraw_from_lotteries(world, "html"))

# Needs ----------------------------------------------------------------------------------------------------------------

def _publish_needs(world: World, face: str) -> Plan:
    """Staff of one office publish needs from their devices at once: every acknowledged need is there with its item."""
    org, staff = world.staffed_organisation(CLIENTS)
    start = local_start(2, 14)

    def call(c, i):
        title = f"暑期托管{c}-{i}"
        client = world.client(face, staff[c])
        if face == "api":
            return Call(client, "POST", "/api/v1/needs", json={"organisation_id": org.id, "title": title, "items": [
                {"kind": "space", "text": "自习教室", "start": iso_local(start),
                 "end": iso_local(start + timedelta(hours=2))}]}, tag=title)
        return Call(client, "POST", "/needs/new", data={
            "organisation_id": str(org.id), "title": title, "items-0-kind": "space", "items-0-text": "自习教室",
            "items-0-quantity": "1", "items-0-start": zones.to_local(start, ZONE).strftime("%Y-%m-%dT%H:%M"),
            "items-0-hours": "2"}, tag=title)

    def check(outcomes):
        each_acked(outcomes, lambda title: world.session.scalar(select(func.count()).select_from(NeedItem).join(
            Need).where(Need.organisation_id == org.id, Need.title == title)) == 1, "published with its item")
        expect(len(acks(outcomes)) == CLIENTS * ROUNDS, "a need was refused")
    return Plan(grid(call), check)


def _invite_to_needs(world: World, face: str) -> Plan:
    """Two staff members invite the same listings to a need's item at once: one invitation each, the other a 409."""
    org, staff = world.staffed_organisation(CLIENTS)
    rooms = [world.factory.listing(organisation=org, actor=staff[0]) for _ in range(ROUNDS)]
    start = local_start(2, 14)
    with transactions.read_only(False):
        need = needs.create_need(world.session, staff[0], needs.NeedData(organisation_id=org.id, title="暑期托管", items=[
            needs.ItemData(kind="space", text="自习教室", start=start, end=start + timedelta(hours=2))]))
        world.session.commit()
    item_id = need.items[0].id

    def call(c, i):
        client = world.client(face, staff[c])
        if face == "api":
            return Call(client, "POST", f"/api/v1/needs/{need.id}/invitations",
                        json={"item_id": item_id, "listing_id": rooms[i].id}, tag=rooms[i].id)
        return Call(client, "POST", f"/needs/{need.id}/invite", data={"item_id": item_id, "listing_id": rooms[i].id},
                    tag=rooms[i].id)

    def check(outcomes):
        for room in rooms:
            rows = world.session.scalar(select(func.count()).select_from(NeedInvitation).where(
                NeedInvitation.item_id == item_id, NeedInvitation.listing_id == room.id))
            won = sum(1 for tag in tags(outcomes) if tag == room.id)
            expect(rows == 1 and won == 1, f"listing {room.id}: {rows} invitations, {won} acknowledged")
    return Plan(grid(call), check, refused=frozenset({409}))


scenario("POST", "needs_api.Needs")(lambda world: _publish_needs(world, "api"))
scenario("POST", "needs.create")(lambda world: _publish_needs(world, "html"))
scenario("POST", "needs_api.NeedInvitations")(lambda world: _invite_to_needs(world, "api"))
scenario("POST", "needs.invite")(lambda world: _invite_to_needs(world, "html"))


# Points -------------------------------------------------------------------------------------------------------------

POINTS_POLICY = points.Policy(per_hour=Decimal("10"), overdraft=frozenset({points.AccountKind.issuance,
                                                                           points.AccountKind.street}))


def _grants_to(world: World, recipient_ids: list[int]) -> int:
    return world.session.scalar(select(func.count()).select_from(PointsTransfer).join(
        PointsAccount, PointsAccount.id == PointsTransfer.destination_id).where(
        PointsTransfer.reason == PointsReason.grant, PointsAccount.user_id.in_(recipient_ids)))


def _organisation_grants(world: World, face: str) -> Plan:
    """The organisation's admins grant at once from an account that pays for ten of the twelve: never overdrawn."""
    org, admins = world.staffed_organisation()
    street_admin = world.factory.user(platform_admin=True)
    points.grant(world.session, street_admin, None, points.GrantRequest(
        amount="10", memo="启动积分", organisation_id=org.id), POINTS_POLICY)
    world.session.commit()
    recipients = world.users(CLIENTS * ROUNDS)
    recipient_ids = [user.id for user in recipients]

    def call(c, i):
        user = recipients[c * ROUNDS + i]
        if face == "api":
            return Call(world.api(admins[c]), "POST", f"/api/v1/organisations/{org.id}/points/grants",
                        json={"amount": "1", "memo": "志愿服务", "user_id": user.id}, tag=user.id)
        return Call(world.html(admins[c]), "POST", f"/points/organisations/{org.id}",
                    data={"login": user.login_name, "amount": "1", "memo": "志愿服务"}, tag=user.id)

    def check(outcomes):
        granted = _grants_to(world, recipient_ids)
        expect(granted == len(acks(outcomes)) == 10, f"{granted} grants for {len(acks(outcomes))} acknowledged")
        expect(points.verify(world.session, POINTS_POLICY) == [], "the ledger is inconsistent")
    return Plan(grid(call), check, refused=frozenset({409}))


def _street_grants(world: World, face: str) -> Plan:
    admins = world.admins()
    recipients = world.users(CLIENTS * ROUNDS)
    recipient_ids = [user.id for user in recipients]

    def call(c, i):
        user = recipients[c * ROUNDS + i]
        if face == "api":
            return Call(world.api(admins[c]), "POST", "/api/v1/points/grants",
                        json={"amount": "2.5", "memo": "优秀志愿者", "user_id": user.id}, tag=user.id)
        return Call(world.html(admins[c]), "POST", "/points/street",
                    data={"login": user.login_name, "amount": "2.5", "memo": "优秀志愿者"}, tag=user.id)

    def check(outcomes):
        created_count_matches(outcomes, lambda: _grants_to(world, recipient_ids))
        expect(points.verify(world.session, POINTS_POLICY) == [], "the ledger is inconsistent")
    return Plan(grid(call), check)


def _reversals(world: World, face: str) -> Plan:
    """Every platform admin reverses the same grants at once: each is reversed exactly once."""
    admins = world.admins()
    recipient = world.factory.user()
    grants = [points.grant(world.session, admins[0], None, points.GrantRequest(
        amount="3", memo=f"发放{k}", user_id=recipient.id), POINTS_POLICY).id for k in range(ROUNDS)]
    world.session.commit()

    def call(c, i):
        if face == "api":
            return Call(world.api(admins[c]), "POST", f"/api/v1/points/transfers/{grants[i]}/reversal",
                        json={"memo": "发错了"}, tag=grants[i])
        return Call(world.html(admins[c]), "POST", "/points/reversals",
                    data={"transfer_id": str(grants[i]), "memo": "发错了"}, tag=grants[i])

    def check(outcomes):
        reversed_ids = list(world.session.scalars(select(PointsTransfer.reverses_id).where(
            PointsTransfer.reverses_id.in_(grants))))
        expect(sorted(reversed_ids) == sorted(grants) and sorted(tags(outcomes)) == sorted(grants),
               f"reversed {reversed_ids}, acknowledged {tags(outcomes)}")
    return Plan(grid(call), check, refused=frozenset({409}))


scenario("POST", "points_api.OrganisationGrants")(lambda world: _organisation_grants(world, "api"))
scenario("POST", "points.organisation")(lambda world: _organisation_grants(world, "html"))
scenario("POST", "points_api.StreetGrants")(lambda world: _street_grants(world, "api"))
scenario("POST", "points.street")(lambda world: _street_grants(world, "html"))
scenario("POST", "points_api.Reversal")(lambda world: _reversals(world, "api"))
scenario("POST", "points.reverse")(lambda world: _reversals(world, "html"))


# People's own data ----------------------------------------------------------------------------------------------------

def _delete_accounts(world: World, face: str) -> Plan:
    """Residents with a booking tomorrow delete their accounts from two devices at once: each account is
    deleted once (one audit entry), its booking cancelled once; the device that comes second is refused."""
    users = world.users(CLIENTS // 2)
    listing = world.factory.listing(capacity=CLIENTS)
    booked = {user.id: world.factory.booking(listing=listing, booker=user).id for user in users}
    devices = [device for user in users for device in world.devices(user, face, 2)]
    user_ids = [user.id for user in users]

    def call(c, i):
        if face == "api":
            return Call(devices[c], "DELETE", "/api/v1/me", json={"password": PASSWORD}, tag=user_ids[c // 2])
        return Call(devices[c], "POST", "/profile/delete", data={"password": PASSWORD}, tag=user_ids[c // 2])

    def acked(outcome):
        if face == "api":
            return outcome.status == 204
        return outcome.status in (302, 303) and "deleted=1" in (outcome.location or "")

    def check(outcomes):
        each_acked(outcomes, lambda user_id: _get(world.session, User, user_id).phone is None, "deleted")
        for user_id in set(tags(outcomes)):
            deletions = world.session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "user.deleted", AuditEntry.object_id == user_id))
            expect(deletions == 1, f"user {user_id} deleted {deletions} times")
            cancels = world.session.scalar(select(func.count()).select_from(BookingEvent).where(
                BookingEvent.booking_id == booked[user_id], BookingEvent.to_status == BookingStatus.cancelled))
            expect(cancels == 1, f"user {user_id}'s booking cancelled {cancels} times")
    # The second device's session or token ended with the account (401, or the login page for a browser); one
    # that read the account before the first deletion committed finds its password no longer matches (422).
    return Plan(grid(call), check, refused=frozenset({401, 422} if face == "api" else {302, 422}), acked=acked)


scenario("DELETE", "privacy_api.MyAccount")(lambda world: _delete_accounts(world, "api"))
scenario("POST", "privacy.delete_account")(lambda world: _delete_accounts(world, "html"))


# Webhooks -------------------------------------------------------------------------------------------------------------

def _webhook_world(world: World) -> tuple[Organisation, list[User]]:
    """An organisation with CLIENTS admins; its endpoints may point at this machine while the test runs."""
    world.app.config["WEBHOOK_ALLOW_PRIVATE_TARGETS"] = True
    world.exits.callback(world.app.config.__setitem__, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False)
    return world.staffed_organisation()


SECRET_ON_PAGE = re.compile(r"<code>(whsec_[A-Za-z0-9+/=]+)</code>")


def shown_secret(outcome: Outcome) -> str | None:
    """The secret an acknowledged registration or rotation showed: in the JSON, or on the page the form answered
    with (never through a redirect: it would ride in the session cookie)."""
    if outcome.call.face == "api":
        return outcome.body_json()["secret"]
    found = SECRET_ON_PAGE.search(outcome.body)
    return found[1] if found else None


def shows_secret(html_status: int) -> Callable[[Outcome], bool]:
    def acked(outcome: Outcome) -> bool:
        if outcome.call.face == "api":
            return default_acked(outcome)
        return outcome.status == html_status and shown_secret(outcome) is not None
    return acked


def _webhook_endpoints(world: World, org: Organisation, admin: User, n: int) -> list[int]:
    made = [webhooks.register_endpoint(world.session, admin, webhooks.EndpointData(
        f"http://127.0.0.1:9/hook{k}", ["booking.created"], org.id), clock.now(), allow_private=True).id
        for k in range(n)]
    world.session.commit()
    return made


def _register_webhooks(world: World, face: str) -> Plan:
    """An organisation's admins register endpoints at the same moment: each acknowledged one exists once, with
    its own secret."""
    org, staff = _webhook_world(world)

    def call(c, i):
        url = f"http://127.0.0.1:9/c{c}/r{i}"
        if face == "api":
            return Call(world.api(staff[c]), "POST", "/api/v1/webhooks", tag=url,
                        json={"url": url, "events": ["booking.created"], "organisation_id": org.id})
        return Call(world.html(staff[c]), "POST", "/webhooks/", tag=url, data={
            "url": url, "events": ["booking.created", "booking.cancelled"], "organisation_id": str(org.id)})

    def check(outcomes):
        rows = Counter(world.session.scalars(select(WebhookEndpoint.url).where(
            WebhookEndpoint.organisation_id == org.id)))
        each_acked(outcomes, lambda url: rows[url] == 1, "registered once")
        expect(len(acks(outcomes)) == CLIENTS * ROUNDS, "a registration was refused")
        secrets_shown = {shown_secret(o) for o in acks(outcomes)}
        expect(len(secrets_shown) == CLIENTS * ROUNDS, "two endpoints were given one secret")
    return Plan(grid(call), check, acked=shows_secret(201))


def _delete_webhooks(world: World, face: str) -> Plan:
    """Every admin deletes the same endpoints at once: each is gone, the others told it is not there (404)."""
    org, staff = _webhook_world(world)
    ids = _webhook_endpoints(world, org, staff[0], ROUNDS)

    def call(c, i):
        if face == "api":
            return Call(world.api(staff[c]), "DELETE", f"/api/v1/webhooks/{ids[i]}", tag=ids[i])
        return Call(world.html(staff[c]), "POST", f"/webhooks/{ids[i]}/delete", tag=ids[i])

    def check(outcomes):
        left = world.session.scalar(select(func.count()).select_from(WebhookEndpoint).where(
            WebhookEndpoint.id.in_(ids)))
        expect(left == 0, f"{left} endpoints left")
        expect(sorted(Counter(tags(outcomes))) == sorted(ids), f"deletes acknowledged: {tags(outcomes)}")
    return Plan(grid(call), check, refused=frozenset({404}))


def _rotate_webhook_secrets(world: World, face: str) -> Plan:
    """Admins rotate the same endpoints' secrets at once: each ends with a secret some rotation handed out, and an
    old one that still signs."""
    org, staff = _webhook_world(world)
    ids = _webhook_endpoints(world, org, staff[0], ROUNDS)

    def call(c, i):
        if face == "api":
            return Call(world.api(staff[c]), "POST", f"/api/v1/webhooks/{ids[i]}/secret", tag=ids[i])
        return Call(world.html(staff[c]), "POST", f"/webhooks/{ids[i]}/secret", tag=ids[i])

    def check(outcomes):
        endpoints = {e.id: e for e in world.session.scalars(select(WebhookEndpoint).where(
            WebhookEndpoint.id.in_(ids)).execution_options(populate_existing=True))}
        expect(all(e.previous_secret and e.previous_secret != e.secret for e in endpoints.values()),
               "a rotation left no old secret beside the new one")
        handed = {(o.call.tag, shown_secret(o)) for o in acks(outcomes)}
        expect(all((e.id, e.secret) in handed for e in endpoints.values()), "a secret nobody was shown")
        expect(len(acks(outcomes)) == CLIENTS * ROUNDS, "a rotation was refused")
    return Plan(grid(call), check, acked=shows_secret(200))


def _toggle_webhooks(world: World, face: str, enabled: bool) -> Plan:
    """Admins disable (or enable) the same endpoints at once: each ends so, every call acknowledged."""
    org, staff = _webhook_world(world)
    ids = _webhook_endpoints(world, org, staff[0], ROUNDS)
    if enabled:
        for endpoint_id in ids:
            webhooks.set_enabled(world.session, staff[0], endpoint_id, False)
        world.session.commit()

    def call(c, i):
        if face == "api":
            return Call(world.api(staff[c]), "POST",
                        f"/api/v1/webhooks/{ids[i]}/{'enable' if enabled else 'disable'}", tag=ids[i])
        return Call(world.html(staff[c]), "POST", f"/webhooks/{ids[i]}/enabled",
                    data={"enabled": "1" if enabled else "0"}, tag=ids[i])

    def check(outcomes):
        states = set(world.session.scalars(select(WebhookEndpoint.enabled).where(WebhookEndpoint.id.in_(ids))
                                           .execution_options(populate_existing=True)))
        expect(states == {enabled}, f"endpoints left enabled={states}")
        expect(len(acks(outcomes)) == CLIENTS * ROUNDS, "a toggle was refused")
    return Plan(grid(call), check)


def _replay_webhooks(world: World, face: str) -> Plan:
    """Admins replay the same finished deliveries at once: each is queued once (one 202), the rest told it is
    already queued (409)."""
    org, staff = _webhook_world(world)
    endpoint_id = _webhook_endpoints(world, org, staff[0], 1)[0]
    now = clock.now()
    deliveries = [WebhookDelivery(endpoint_id=endpoint_id, event_type="booking.created",
                                  message_id=f"msg_{uuid.uuid4().hex}", body="{}", status="succeeded", attempts=1,
                                  schedule_offset=0, created_at=now, finished_at=now) for _ in range(ROUNDS)]
    world.session.add_all(deliveries)
    world.session.commit()
    ids = [delivery.id for delivery in deliveries]

    def call(c, i):
        path = f"/webhooks/{endpoint_id}/deliveries/{ids[i]}/replay"
        if face == "api":
            return Call(world.api(staff[c]), "POST", "/api/v1" + path, tag=ids[i])
        return Call(world.html(staff[c]), "POST", path, tag=ids[i])

    def check(outcomes):
        expect(sorted(tags(outcomes)) == sorted(ids), f"replays acknowledged: {tags(outcomes)}")
        pending = world.session.scalar(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.id.in_(ids), WebhookDelivery.status == "pending"))
        expect(pending == ROUNDS, f"{pending} of {ROUNDS} replayed deliveries queued")
    return Plan(grid(call), check, refused=frozenset({409}))


scenario("POST", "webhooks_api.Webhooks")(lambda world: _register_webhooks(world, "api"))
scenario("POST", "webhooks.index")(lambda world: _register_webhooks(world, "html"))
scenario("DELETE", "webhooks_api.Webhook")(lambda world: _delete_webhooks(world, "api"))
scenario("POST", "webhooks.delete")(lambda world: _delete_webhooks(world, "html"))
scenario("POST", "webhooks_api.WebhookSecret")(lambda world: _rotate_webhook_secrets(world, "api"))
scenario("POST", "webhooks.rotate")(lambda world: _rotate_webhook_secrets(world, "html"))
scenario("POST", "webhooks_api.WebhookDisable")(lambda world: _toggle_webhooks(world, "api", False))
scenario("POST", "webhooks_api.WebhookEnable")(lambda world: _toggle_webhooks(world, "api", True))
scenario("POST", "webhooks.toggle")(lambda world: _toggle_webhooks(world, "html", False))
scenario("POST", "webhooks_api.DeliveryReplay")(lambda world: _replay_webhooks(world, "api"))
scenario("POST", "webhooks.replay")(lambda world: _replay_webhooks(world, "html"))
