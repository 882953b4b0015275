"""A resident saves a listing from its page and finds it in 我的收藏 from the header."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_resident_saves_a_listing_and_sees_it_in_my_favourites(page, live_factory, browser_login):
    listing = live_factory.listing(title="幸福里多功能活动室")
    resident = live_factory.user(name="李阿姨")
    listing_id = listing.id

    browser_login(page, resident)
    page.goto(f"/listings/{listing_id}")
    page.get_by_test_id("save").first.click()
    expect(page.get_by_test_id("unsave").first).to_be_visible()
    page.get_by_test_id("nav-favourites").click()

    expect(page.get_by_test_id("favourites")).to_contain_text("幸福里多功能活动室")
    page.get_by_test_id("favourites").get_by_test_id("unsave").click()
    expect(page.get_by_test_id("no-favourites")).to_be_visible()
