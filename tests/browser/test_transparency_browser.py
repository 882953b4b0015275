"""On a phone, an anonymous visitor opens the public dashboard from the footer, sees its charts drawn (a
screenshot in test-artifacts) with no script error nor CSP violation, and downloads a table as CSV."""
import csv
import io
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from marketplace.bookings import lifecycle
from marketplace.core import clock, zones
from marketplace.usage import services as usage
from tests.bookings.conftest import NOW, SHANGHAI, TODAY, local

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
GRACE = timedelta(minutes=60)


def test_an_anonymous_visitor_sees_the_charts_and_downloads_a_csv(page, live_factory, live_db, screenshot):
    clock.travel_to(NOW)
    busy = live_factory.listing(title="社区活动室")
    live_factory.listing(title="旧书角")
    for day in range(1, 15):
        live_factory.booking(listing=busy, start=local(day, 9 + day % 8), minutes=120)
    clock.travel_to(zones.day_bounds(TODAY + timedelta(days=14), SHANGHAI)[1] + GRACE)
    lifecycle.complete_due(live_db, clock.now(), limit=100, grace=GRACE)
    usage.snapshot_due_days(live_db, clock.now(), SHANGHAI, settle=GRACE, limit=1000)
    live_db.commit()

    page.goto("/")
    page.get_by_test_id("footer-transparency").click()
    expect(page.get_by_test_id("transparency")).to_contain_text("公开数据")
    expect(page.get_by_test_id("chart-weeks").locator("canvas")).to_be_visible()
    expect(page.get_by_test_id("chart-months").locator("canvas")).to_be_visible()
    expect(page.get_by_test_id("least-used").locator("li").first).to_contain_text("旧书角")
    expect(page.get_by_test_id("heatmap").locator("td.heat-4").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    screenshot(page, "transparency dashboard on a phone")

    with page.expect_download() as download:
        page.get_by_test_id("csv-weeks").click()
    with open(download.value.path(), "rb") as file:
        data = file.read()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["周（起始日）", "开放小时", "预约小时"] and len(rows) - 1 in (26, 27)  # 26 weeks, maybe cut at both ends
