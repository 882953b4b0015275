"""On a phone, the service points of issue 12 end to end: a volunteer's balance grows when the resident confirms
the wish they fulfilled (the wish's event earns through the outbox), and a resident who books a points-priced
room sees its fee held on 我的积分 until the booking is done."""
from datetime import time

import pytest
from playwright.sync_api import expect

from marketplace.core import clock, events, transactions
from marketplace.listings.services import HoursInterval
from marketplace.points import services as points
from tests.bookings.conftest import NOW
from tests.points.conftest import POLICY
from tests.wishes.conftest import Wishes

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
MORNINGS = [HoursInterval(weekday=d, opens=time(9), closes=time(12)) for d in range(7)]


def run_the_outbox(session) -> None:
    with transactions.read_only(False):
        events.process_outbox(session, clock.now())
        session.commit()


def test_confirming_a_fulfilled_wish_grows_the_volunteers_balance(page, new_phone_page, live_factory, live_db,
                                                                  browser_login, screenshot):
    clock.travel_to(NOW)
    world = Wishes(live_db, live_factory)
    wish = world.approved(title="陪老人去医院复诊")
    volunteer = world.volunteers[0]

    helper = new_phone_page()
    browser_login(helper, volunteer)
    helper.goto("/points/")
    expect(helper.get_by_test_id("points-balance")).to_contain_text("0.00")
    helper.goto(f"/wishes/{wish.id}")
    helper.get_by_test_id("claim-wish").click()
    helper.get_by_label("做了什么").fill("陪同去社区医院复诊并取药")
    helper.get_by_label("服务时长（小时）").fill("2.5")
    helper.get_by_test_id("fulfil-wish").click()
    expect(helper.get_by_test_id("wish-status")).to_have_text("已完成，待确认")

    browser_login(page, world.resident)
    page.goto(f"/wishes/{wish.id}")
    page.get_by_label("★★★★★", exact=True).check()
    page.get_by_test_id("confirm-wish").click()
    expect(page.get_by_test_id("wish-status")).to_have_text("已圆梦")

    live_db.rollback()
    run_the_outbox(live_db)
    helper.goto("/points/")
    expect(helper.get_by_test_id("points-balance")).to_contain_text("25.00")  # 2.5 hours × 10 a hour
    earned = helper.get_by_test_id("points-entry").first
    expect(earned).to_contain_text("+25.00")
    earned.get_by_role("link", name="陪老人去医院复诊").click()
    expect(helper.get_by_test_id("wish-status")).to_have_text("已圆梦")
    assert helper.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(helper, "points-earned-phone")


def test_booking_a_points_priced_room_shows_its_fee_held(page, live_factory, live_db, browser_login, screenshot):
    clock.travel_to(NOW)
    listing = live_factory.listing(title="幸福里书画室", fee_type="points", fee_amount="5", slot_minutes=60,
                                   min_duration_minutes=60, max_duration_minutes=60, hours=MORNINGS)
    resident = live_factory.user(name="王阿姨")
    admin = live_factory.user(platform_admin=True)
    with transactions.read_only(False):
        points.grant(live_db, admin, None, points.GrantRequest(amount="20", memo="启动积分", user_id=resident.id),
                     POLICY)
        live_db.commit()

    browser_login(page, resident)
    page.goto(f"/listings/{listing.id}")
    widget = page.get_by_test_id("book-widget")
    tuesday = widget.get_by_test_id("slot-day").nth(1)
    tuesday.locator("summary").click()
    tuesday.locator("label.slot", has_text="10:00").click()
    widget.get_by_role("button", name="立即预约").click()
    expect(page.get_by_test_id("notice")).to_contain_text("预约成功")

    page.goto("/profile")  # 我的账号 → 我的积分 (the header keeps to one row on a desktop)
    page.get_by_role("link", name="我的积分").click()
    expect(page.get_by_test_id("points-balance")).to_contain_text("15.00")
    expect(page.get_by_test_id("points-held")).to_contain_text("5.00")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(page, "points-held-phone")
