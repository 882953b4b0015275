"""On a phone: after a completed booking a resident rates it from 我的预约; the provider sees that review only
after writing theirs."""
import pytest
from playwright.sync_api import expect

from marketplace.bookings import lifecycle
from marketplace.core import clock, transactions
from tests.bookings.conftest import NOW, local

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_resident_rates_from_my_bookings_and_the_provider_sees_it_after_writing_theirs(
        page, new_phone_page, live_factory, live_db, browser_login, screenshot):
    clock.travel_to(NOW)
    listing = live_factory.listing(title="幸福里多功能活动室")
    staff = listing.organisation.memberships[0].user
    resident = live_factory.user(name="李阿姨")
    booking = live_factory.booking(listing=listing, booker=resident, start=local(1, 10))
    clock.travel_to(local(1, 12))
    live_db.commit()
    with transactions.read_only(False):
        lifecycle.complete_booking(live_db, booking)
        live_db.commit()
    booking_id = booking.id

    browser_login(page, resident)
    page.get_by_test_id("nav-my-bookings").click()
    page.get_by_test_id("tab-past").click()
    page.get_by_test_id("my-booking").get_by_test_id("review-link").click()
    page.get_by_test_id("write-review").click()
    form = page.get_by_test_id("review-form")
    form.get_by_label("★★★★", exact=True).check()
    form.get_by_label("守时").check()
    form.get_by_label("评价内容（可选）").fill("场地干净，开门准时")
    assert fits_the_phone(page)
    screenshot(page, "reviews-write-phone")
    page.get_by_test_id("submit-review").click()
    expect(page.get_by_test_id("review-pending")).to_contain_text("公开前只有你能看到")

    provider = new_phone_page()
    browser_login(provider, staff)
    provider.goto(f"/bookings/{booking_id}")
    panel = provider.get_by_test_id("booking-reviews")
    expect(panel).not_to_contain_text("场地干净，开门准时")
    provider.get_by_test_id("write-review").click()
    provider.get_by_test_id("review-form").get_by_label("★★★★★", exact=True).check()
    provider.get_by_test_id("submit-review").click()
    expect(provider.get_by_test_id("booking-reviews")).to_contain_text("场地干净，开门准时")
    assert fits_the_phone(provider)
    screenshot(provider, "reviews-revealed-phone")
