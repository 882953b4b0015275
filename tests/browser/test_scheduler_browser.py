"""On a phone, a booking the scheduler runs: the scheduler's sweep reminds the resident a day ahead, they see the
unread count, open the reminder onto their booking, and at the door check in by opening the QR code's link;
a platform admin sees the scheduler's health page. Time is the controllable clock; the sweep is the scheduler's
own (``Runner.sweep``), run from the test."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from marketplace.bookings.doorcode import todays_door_token
from marketplace.bookings.models import Booking
from marketplace.core import clock, transactions
from marketplace.scheduler.runner import Runner
from tests.bookings.conftest import NOW, SHANGHAI, local

pytestmark = pytest.mark.browser


def test_a_reminded_resident_opens_the_reminder_and_checks_in_at_the_door(page, app, live_db, live_factory,
                                                                            browser_login, screenshot):
    clock.travel_to(NOW)
    listing = live_factory.listing(title="共享自习室", requires_check_in=True, check_in_opens_minutes=15,
                                   release_after_minutes=15)
    resident = live_factory.user(name="王秀英")
    start = local(1, 10)
    booking_id = live_factory.booking(listing=listing, booker=resident, start=start).id
    clock.travel_to(start - timedelta(hours=23, minutes=50))
    scheduler = Runner(app)
    with transactions.read_only(False):
        scheduler.sweep()  # the reminder is recorded
        scheduler.sweep()  # and the outbox turns it into the resident's notification

    browser_login(page, resident)
    page.goto("/")
    expect(page.get_by_test_id("unread-count")).to_have_text("2")  # the confirmation and the reminder
    page.get_by_test_id("nav-notifications").click()
    reminder = page.get_by_test_id("notification").filter(has_text="提醒")
    expect(reminder).to_have_count(1)
    screenshot(page, "scheduler-reminder-inbox")
    reminder.get_by_role("button").click()
    expect(page).to_have_url(re.compile(rf"/bookings/{booking_id}$"))

    clock.travel_to(start - timedelta(minutes=5))
    token = todays_door_token(app.config["SECRET_KEY"], listing.id, now=clock.now(), zone=SHANGHAI)
    page.goto(f"/listings/{listing.id}/check-in/{token}")  # what the phone's camera opens from the QR code
    screenshot(page, "scheduler-door-check-in")
    page.get_by_test_id("door-check-in-button").click()
    expect(page).to_have_url(re.compile(rf"/bookings/{booking_id}\?notice=checked_in$"))
    live_db.rollback()  # end the test's read snapshot, to see what the server committed
    assert live_db.get(Booking, booking_id).checked_in_at == start - timedelta(minutes=5)


def test_a_platform_admin_sees_the_scheduler_health_page(page, app, live_db, live_factory, browser_login):
    clock.travel_to(NOW)
    with transactions.read_only(False):
        Runner(app, holder="scheduler-on-this-machine").heartbeat()
    admin = live_factory.user(platform_admin=True)

    browser_login(page, admin)
    page.goto("/admin/scheduler")

    expect(page.get_by_test_id("scheduler-health-ok")).to_be_visible()
    expect(page.get_by_test_id("scheduler-holder")).to_have_text("scheduler-on-this-machine")
    expect(page.get_by_test_id("scheduler-jobs")).to_contain_text("预约开始前提醒预约人")
