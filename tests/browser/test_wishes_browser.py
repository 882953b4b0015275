"""On a phone: a resident posts a wish, the community office approves it, a volunteer claims and fulfils it from
the wall, and the resident confirms it with thanks and stars; the wall names nobody on the way."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from marketplace.core import clock
from tests.bookings.conftest import NOW, TODAY
from tests.wishes.conftest import Wishes

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_wish_goes_from_the_residents_phone_to_the_wall_to_a_volunteer_and_back_confirmed(
        page, new_phone_page, live_factory, live_db, browser_login, screenshot):
    clock.travel_to(NOW)
    world = Wishes(live_db, live_factory)
    building_id = world.tree["c1_building"].id

    browser_login(page, world.resident)
    page.get_by_test_id("nav-wishes").click()
    page.get_by_test_id("post-wish").click()
    form = page.get_by_test_id("wish-form")
    form.get_by_label("心愿标题").fill("帮忙修理漏水的水龙头")
    form.get_by_label("需要什么帮助").fill("厨房水龙头一直滴水，自己修不好")
    form.get_by_label("希望在哪天之前实现").fill((TODAY + timedelta(days=5)).isoformat())
    form.get_by_label("所在网格或楼栋（墙上只显示网格）").select_option(str(building_id))
    assert fits_the_phone(page)
    screenshot(page, "wishes-post-phone")
    page.get_by_test_id("submit-wish").click()
    expect(page.get_by_test_id("wish-status")).to_have_text("待审核")

    office = new_phone_page()
    browser_login(office, world.staff)
    office.goto("/wishes/mine")
    office.get_by_test_id("review-queue").get_by_role("link", name="帮忙修理漏水的水龙头").click()
    office.get_by_test_id("approve-wish").click()
    expect(office.get_by_test_id("wish-status")).to_have_text("待认领")

    volunteer = new_phone_page()
    browser_login(volunteer, world.volunteers[0])
    volunteer.get_by_test_id("nav-wishes").click()
    card = volunteer.get_by_test_id("wish-card")
    expect(card).to_contain_text(world.tree["c1_grid"].name)
    expect(card).not_to_contain_text(world.resident.display_name)
    screenshot(volunteer, "wishes-wall-phone")
    card.get_by_role("link", name="帮忙修理漏水的水龙头").click()
    volunteer.get_by_test_id("claim-wish").click()
    expect(volunteer.get_by_test_id("wish-details")).to_contain_text(world.resident.display_name)
    volunteer.get_by_label("做了什么").fill("换了新的水龙头")
    volunteer.get_by_label("服务时长（小时）").fill("1.5")
    volunteer.get_by_test_id("fulfil-wish").click()
    expect(volunteer.get_by_test_id("wish-status")).to_have_text("已完成，待确认")

    page.reload()
    page.get_by_label("★★★★★", exact=True).check()
    page.get_by_label("感谢的话（可选）").fill("谢谢小伙子！")
    assert fits_the_phone(page)
    page.get_by_test_id("confirm-wish").click()
    expect(page.get_by_test_id("wish-status")).to_have_text("已圆梦")
    expect(page.get_by_test_id("wish-details")).to_contain_text("谢谢小伙子！")
    screenshot(page, "wishes-confirmed-phone")
