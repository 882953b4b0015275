"""The staff digest: who chose it hears of new requests once a local day, from 08:00, in one notification listing
the pending ones, instead of one message per request."""
from __future__ import annotations

from datetime import time, timedelta

import pytest

from marketplace.core import clock
from marketplace.listings import services as listings
from marketplace.notifications import services as notifications
from marketplace.notifications.models import Kind
from marketplace.scheduler.jobs import JOBS
from tests.bookings.conftest import local
from tests.mail import smtp_inbox
from tests.notifications.conftest import deliver, inbox_of


def sweep(session, app) -> tuple[int, int]:
    found, sent = JOBS["send_digests"].step(session, clock.now(), app.config["SCHEDULER_BATCH_SIZE"], app.config)
    session.commit()
    return found, sent


@pytest.fixture
def desk(factory, session, now):
    """A listing needing approval; its organisation's only staff member chose the digest."""
    listing = factory.listing(instant_booking=False, title="会议室")
    staff = listing.organisation.memberships[0].user
    notifications.update_preferences(session, staff, {"requests_digest": True})
    session.commit()
    return listing, staff


def test_who_chose_the_digest_gets_no_message_per_request_but_one_digest_listing_them(app, factory, session, desk):
    listing, staff = desk
    clock.travel_to(local(0, 7, 30))
    factory.booking(listing=listing, booker=factory.user(name="王阿姨"), start=local(2, 10))
    factory.booking(listing=listing, booker=factory.user(name="张大爷"), start=local(1, 15))
    deliver(session)
    assert inbox_of(session, staff) == []
    assert sweep(session, app) == (0, 0)  # before 08:00
    clock.travel_to(local(0, 8))
    assert sweep(session, app) == (1, 1)
    [digest] = inbox_of(session, staff)
    assert digest.kind is Kind.requests and digest.link == "/bookings/requests"
    assert digest.text == ("你有 2 个预约申请等待审批：\n「会议室」2026-06-02 15:00，张大爷\n"
                           "「会议室」2026-06-03 10:00，王阿姨")


def test_the_digest_comes_at_most_once_a_local_day(app, factory, session, desk):
    listing, staff = desk
    factory.booking(listing=listing, start=local(3, 10))
    assert sweep(session, app) == (1, 1)
    factory.booking(listing=listing, start=local(3, 14))
    clock.advance(timedelta(hours=15))  # 23:00 the same local day
    assert sweep(session, app) == (0, 0)
    clock.advance(timedelta(hours=9))  # 08:00 the next day, both still pending
    assert sweep(session, app) == (1, 1)
    assert [n.text.splitlines()[0] for n in inbox_of(session, staff)] == [
        "你有 1 个预约申请等待审批：", "你有 2 个预约申请等待审批："]


def test_nobody_gets_a_digest_of_nothing_or_without_choosing_it(app, factory, session, desk):
    listing, staff = desk
    assert sweep(session, app) == (0, 0)  # nothing pending
    other = factory.listing(instant_booking=False)
    factory.booking(listing=other, start=local(2, 10))
    deliver(session)
    assert sweep(session, app) == (0, 0)
    [per_request] = inbox_of(session, other.organisation.memberships[0].user)
    assert per_request.text.startswith("新的预约申请")
    assert inbox_of(session, staff) == []


def test_a_volunteer_who_chose_the_digest_gets_one_for_their_own_listing(app, factory, session, now):
    volunteer = factory.user(volunteer=True)
    listing = listings.create_listing(session, volunteer, listings.ListingData(
        kind="skill", title="教用智能手机", place_id=factory.place_tree()["c1"].id, instant_booking=False),
        organisation_id=None)
    listings.set_opening_hours(session, volunteer, listing,
                               [listings.HoursInterval(weekday=d, opens=time(9), closes=time(17)) for d in range(7)])
    listings.publish_listing(session, volunteer, listing)
    notifications.update_preferences(session, volunteer, {"requests_digest": True})
    session.commit()
    factory.booking(listing=listing, booker=factory.user(name="刘奶奶"), start=local(1, 10))
    deliver(session)
    assert sweep(session, app) == (1, 1)
    assert [n.text for n in inbox_of(session, volunteer)] == [
        "你有 1 个预约申请等待审批：\n「教用智能手机」2026-06-02 10:00，刘奶奶"]


def test_a_digest_is_emailed_to_staff_who_want_email(app, factory, session, desk):
    listing, staff = desk
    staff.email = "desk@example.org"
    session.commit()
    factory.booking(listing=listing, start=local(1, 10))
    with smtp_inbox(app) as inbox:
        deliver(session)
        sweep(session, app)
        deliver(session)
    [mail] = inbox.messages
    assert mail["To"] == "desk@example.org" and mail["Subject"] == "社区资源超市：待审批的申请"
