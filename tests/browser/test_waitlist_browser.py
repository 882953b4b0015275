"""On a phone: a resident finds a taken slot in the listing's week, joins its waitlist and leaves it again."""
from datetime import time

import pytest
from playwright.sync_api import expect

from marketplace.core import clock
from marketplace.listings.services import HoursInterval
from tests.bookings.conftest import NOW, local

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
MORNINGS = [HoursInterval(weekday=d, opens=time(9), closes=time(12)) for d in range(7)]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_resident_joins_the_waitlist_of_a_taken_slot_from_the_week_and_leaves_it(page, live_factory,
                                                                                   browser_login, screenshot):
    clock.travel_to(NOW)  # Monday 1 June 2026, 08:00 in Shanghai
    listing = live_factory.listing(title="幸福里多功能活动室", slot_minutes=60, min_duration_minutes=60,
                                   max_duration_minutes=120, hours=MORNINGS)
    live_factory.booking(listing=listing, start=local(1, 10))
    resident = live_factory.user(name="王大爷")
    listing_id = listing.id

    browser_login(page, resident)
    page.goto(f"/listings/{listing_id}")
    tuesday = page.get_by_test_id("book-widget").get_by_test_id("slot-day").nth(1)
    tuesday.locator("summary").click()
    taken = tuesday.get_by_test_id("taken-slot")
    expect(taken).to_have_count(1)
    expect(taken).to_contain_text("10:00")
    expect(taken).to_contain_text("已约满")
    expect(tuesday.locator("input[value='2026-06-02T10:00:00+08:00']")).to_have_count(0)
    assert fits_the_phone(page)
    screenshot(page, "waitlist-widget-phone")
    taken.get_by_role("button", name="加入候补").click()

    expect(page.get_by_test_id("notice")).to_contain_text("已加入候补")
    expect(page.get_by_test_id("waitlist-entry")).to_have_count(1)
    page.goto(f"/listings/{listing_id}")
    taken = page.get_by_test_id("book-widget").get_by_test_id("slot-day").nth(1).get_by_test_id("taken-slot")
    page.get_by_test_id("book-widget").get_by_test_id("slot-day").nth(1).locator("summary").click()
    expect(taken.get_by_test_id("in-line")).to_have_text("已在候补")
    assert fits_the_phone(page)
    taken.get_by_role("button", name="退出候补").click()

    expect(page.get_by_test_id("notice")).to_contain_text("已退出候补")
    expect(page.get_by_test_id("no-entries")).to_be_visible()
