"""On a phone: a resident books a free slot and finds it in "我的预约"; staff approve a pending request."""
from datetime import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.bookings.models import Booking, BookingStatus
from marketplace.core import clock
from marketplace.listings.services import HoursInterval
from tests.bookings.conftest import NOW, local

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
MORNINGS = [HoursInterval(weekday=d, opens=time(9), closes=time(12)) for d in range(7)]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_resident_books_a_slot_and_sees_it_in_my_bookings(page, live_factory, live_db, browser_login, screenshot):
    clock.travel_to(NOW)  # Monday 1 June 2026, 08:00 in Shanghai
    listing = live_factory.listing(title="幸福里多功能活动室", slot_minutes=60, min_duration_minutes=60,
                                   max_duration_minutes=120, hours=MORNINGS)
    resident = live_factory.user(name="李阿姨")
    listing_id = listing.id

    browser_login(page, resident)
    page.goto(f"/listings/{listing_id}")
    widget = page.get_by_test_id("book-widget")
    tuesday = widget.get_by_test_id("slot-day").nth(1)
    expect(tuesday).to_contain_text("6月2日 周二")
    tuesday.locator("summary").click()
    tuesday.locator("label.slot", has_text="10:00").click()
    expect(tuesday.locator("input[value='2026-06-02T10:00:00+08:00']")).to_be_checked()
    widget.get_by_label("用途").fill("老年合唱排练")
    assert fits_the_phone(page)
    screenshot(page, "bookings-widget-phone")
    widget.get_by_role("button", name="立即预约").click()

    expect(page.get_by_test_id("notice")).to_contain_text("预约成功")
    expect(page.get_by_test_id("booking-time")).to_have_text("6月2日 周二 10:00–11:00")
    page.get_by_test_id("nav-my-bookings").click()
    row = page.get_by_test_id("my-booking")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("幸福里多功能活动室")
    expect(row).to_contain_text("已确认")
    assert fits_the_phone(page)
    screenshot(page, "bookings-mine-phone")
    live_db.rollback()  # end the test's read transaction so it sees what the server committed
    booking = live_db.scalar(select(Booking))
    assert booking.start_at == local(1, 10) and booking.purpose == "老年合唱排练"


def test_staff_approve_a_pending_request_from_the_inbox(page, live_factory, live_db, browser_login, screenshot):
    clock.travel_to(NOW)
    listing = live_factory.listing(title="党群服务中心大厅", instant_booking=False, slot_minutes=60,
                                   min_duration_minutes=60, hours=MORNINGS)
    staff = listing.organisation.memberships[0].user
    request = live_factory.booking(listing=listing, booker=live_factory.user(name="张大爷"), start=local(2, 9),
                                   purpose="象棋比赛")
    other = live_factory.booking(listing=listing, start=local(3, 9))
    request_id, other_id = request.id, other.id

    browser_login(page, staff)
    page.get_by_test_id("nav-booking-requests").click()
    requests = page.get_by_test_id("request")
    expect(requests).to_have_count(2)
    first = requests.filter(has_text="象棋比赛")
    expect(first).to_contain_text("张大爷")
    expect(first).to_contain_text("批准不会造成冲突")
    assert fits_the_phone(page)
    screenshot(page, "bookings-inbox-phone")
    first.get_by_role("button", name="批准").click()
    expect(page.get_by_test_id("notice")).to_contain_text("已批准")
    expect(page.get_by_test_id("request")).to_have_count(1)

    remaining = page.get_by_test_id("request")
    remaining.get_by_role("button", name="拒绝").click()  # no reason: refused, nothing changes
    expect(page.locator(".error-text")).to_contain_text("请填写拒绝的原因")
    page.get_by_label("拒绝原因").fill("当天大厅检修")
    page.get_by_role("button", name="拒绝").click()
    expect(page.get_by_test_id("notice")).to_contain_text("已拒绝")

    live_db.rollback()
    assert live_db.get(Booking, request_id).status is BookingStatus.confirmed
    assert live_db.get(Booking, other_id).status is BookingStatus.rejected
