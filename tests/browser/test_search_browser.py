"""A resident types a whole sentence on a phone, sees how it was understood, and removes the time part with one tap."""
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from marketplace.core import clock

pytestmark = pytest.mark.browser

MONDAY_10AM = datetime(2026, 4, 20, 2, tzinfo=timezone.utc)  # Monday 20 April 2026, 10:00 in Shanghai


def test_a_resident_sees_how_a_sentence_was_understood_and_drops_the_time(page, live_factory, screenshot):
    clock.travel_to(MONDAY_10AM)
    tree = live_factory.place_tree()
    organisation = live_factory.organisation(place=tree["c1"], name="幸福里社区居委会")
    live_factory.listing(organisation=organisation, title="幸福里社区会议室", description="可坐12人的小会议室。")

    page.goto("/")
    header = page.get_by_role("banner")
    header.get_by_role("searchbox").fill("这周六下午想找个能开会的地方")
    header.get_by_role("button", name="搜索", exact=True).click()

    understood = page.get_by_test_id("understood")
    expect(understood).to_contain_text("「会议室」")
    expect(understood).to_contain_text("周六 13:00–18:00")
    expect(understood).to_contain_text("为你查找")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "search-understood-sentence")

    page.get_by_test_id("undo-time").click()
    expect(page.get_by_label("搜索词", exact=True)).to_have_value("想找个能开会的地方")
    expect(page.get_by_test_id("understood")).not_to_contain_text("周六")
    expect(page.get_by_test_id("understood")).to_contain_text("「会议室」")
    expect(page.get_by_test_id("search-hit").first).to_contain_text("幸福里社区会议室")
    screenshot(page, "search-understood-without-time")
