"""Every API operation, fed generated input by schemathesis, answers as its OpenAPI document says.

Each operation is one test per caller (anonymous, or a signed-in user holding a bearer token), run in
process against the test app and its real database, inside the test's rolled-back transaction. The
generation is derandomized and bounded, so the run is the same every time and stays quick.
"""
from __future__ import annotations

import tempfile
from datetime import datetime, time, timedelta

import pytest
import schemathesis
from flask import g, request_started
from hypothesis import HealthCheck, settings

from marketplace import create_app
from marketplace.bookings import series as booking_series
from marketplace.core import clock, zones
from marketplace.groups import services as groups
from marketplace.listings import services as listings
from marketplace.organisations import services as organisations

ZONE = "Asia/Shanghai"
NOW = zones.to_utc(datetime(2026, 6, 1, 8, 0), ZONE)  # a Monday morning
EXAMPLES_PER_OPERATION = 20


def _document_app():
    """An app built only to serve the OpenAPI document at collection time (the document needs no database).

    Every call below names the test app (``app=``) instead, which also serves the checks' follow-up requests.
    """
    return create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "document-only",
                       "SEARCH_INDEX_DIR": tempfile.mkdtemp(prefix="openapi-")})


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _document_app(), config=schemathesis.Config.from_dict({
    # Our bearer token stands for the caller; generated (mostly invalid) Authorization headers would replace it.
    "generation": {"deterministic": True, "database": "none", "with-security-parameters": False},
    "phases": {"stateful": {"enabled": False}},
    # Schema-valid input may still break a business rule that no schema can state, answered 422: an end after
    # the start, a state (check in only near the start; at most 8 photos), who acts (a provider cancels with a
    # reason), an object that must exist (a login to add). Rules of one field are in the document (lengths,
    # ranges, not blank), and negative_data_rejection proves what it refuses is refused.
    "checks": {"positive_data_acceptance": {"enabled": False}},
}))


class World:
    """What generated requests act on, made by the test's factories: a platform admin (the signed-in caller) who
    runs a verified organisation with a published listing, an exception, a group and a booking series, and a
    resident who is staff, group member and booker. Valid path ids are pointed at these objects."""

    def __init__(self, factory, session):
        self.me = factory.user(platform_admin=True)
        self.other = factory.user()
        tree = factory.place_tree()
        self.organisation = factory.organisation(admin=self.me, place=tree["c1"])
        organisations.add_staff(session, self.me, self.organisation, self.other.login_name, "staff")
        self.listing = factory.listing(organisation=self.organisation, actor=self.me)
        exception = listings.add_exception(session, self.me, self.listing, listings.ExceptionData(
            day=clock.now().date() + timedelta(days=20)))
        self.booking = factory.booking(listing=self.listing, booker=self.other)
        group = groups.create_group(session, self.me, "读书会")
        groups.add_member(session, self.me, group, self.other.login_name)
        start = zones.to_utc(datetime.combine(clock.now().date() + timedelta(days=3), time(14)), ZONE)
        series, _preview = booking_series.create_series(session, self.me, booking_series.SeriesRequest(
            listing_id=self.listing.id, start=start, end=start + timedelta(hours=1), frequency="weekly", count=3),
            mode="all_free", zone=ZONE)
        session.commit()
        self.ids = {
            "org_id": self.organisation.id, "organisation_id": self.organisation.id, "listing_id": self.listing.id,
            "exception_id": exception.id, "booking_id": self.booking.id, "group_id": group.id,
            "user_id": self.other.id, "place_id": tree["c1"].id, "series_id": series.id,
        }


@pytest.fixture
def world(factory, session):
    clock.travel_to(NOW)  # the same instants every run, so the same examples meet the same objects
    return World(factory, session)


@pytest.fixture(params=["anonymous", "signed_in"])
def caller(request, world, api_token):
    return {} if request.param == "anonymous" else api_token(world.me)


@pytest.fixture
def fresh_user_per_request(app):
    """The test's app context is reused by every request, the checks' own follow-up requests too, so forget the
    user and locale Flask-Login and Flask-Babel cached in ``g`` at the start of each one (see FreshUserClient)."""

    def forget(_sender, **_extra):
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)

    request_started.connect(forget, app)
    yield
    request_started.disconnect(forget, app)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_operation_answers_as_documented(case, app, world, caller, fresh_user_per_request):
    """No 5xx; every status, content type, header and body as documented; invalid input refused; undocumented
    methods 405 with Allow; operations that need a token refuse a request without one."""
    if case.meta.generation.mode is schemathesis.GenerationMode.POSITIVE:
        # Valid input acts on objects that exist; invalid input keeps its generated (bad) ids.
        case.path_parameters = {name: world.ids.get(name, value) for name, value in case.path_parameters.items()}
    case.call_and_validate(app=app, headers=caller)
