"""On a phone: a resident sees the unread count in the header, opens the inbox, taps the reminder and lands on the
booking, and the count is gone."""
import re

import pytest
from playwright.sync_api import expect

from marketplace.core import clock, events, transactions
from tests.bookings.conftest import NOW, local

pytestmark = pytest.mark.browser


def test_a_resident_sees_the_badge_and_opens_the_reminder_to_the_booking(page, app, live_db, live_factory,
                                                                         browser_login, screenshot):
    clock.travel_to(NOW)
    listing = live_factory.listing(title="幸福里多功能活动室")
    resident = live_factory.user(name="李阿姨")
    booking = live_factory.booking(listing=listing, booker=resident, start=local(1, 10))
    booking_id = booking.id
    with transactions.read_only(False):
        events.record(live_db, "booking.reminder", subject=("booking", booking_id), payload={
            "listing_id": listing.id, "booker_id": resident.id, "hours_before": 24, "late": False})
        live_db.commit()
        events.process_outbox(live_db, clock.now())
        live_db.commit()

    browser_login(page, resident)
    page.goto("/")
    expect(page.get_by_test_id("unread-count")).to_have_text("2")
    page.get_by_test_id("nav-notifications").click()
    expect(page.get_by_test_id("notification")).to_have_count(2)
    screenshot(page, "notifications-inbox")
    page.get_by_test_id("notification").first.get_by_role("button").click()
    expect(page).to_have_url(re.compile(rf"/bookings/{booking_id}$"))
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.get_by_test_id("nav-notifications").click()
    page.get_by_test_id("read-all").click()
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
