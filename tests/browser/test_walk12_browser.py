"""What a walk through issue 12's pages on a phone found: each test here is one thing a resident ran into."""
import re
from datetime import time

import pytest
from playwright.sync_api import expect

from marketplace.core import clock, transactions
from marketplace.feedback import services as feedback
from marketplace.listings.services import HoursInterval
from marketplace.points import services as points
from tests.bookings.conftest import NOW, local
from tests.feedback.conftest import build_street
from tests.lotteries.test_lotteries import applicants, open_lottery, run_draw
from tests.pledges.test_pledges import sign
from tests.points.conftest import POLICY

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
MORNINGS = [HoursInterval(weekday=d, opens=time(9), closes=time(12)) for d in range(7)]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_the_draw_check_page_fits_a_phone_with_its_code_sample(page, live_server):
    page.goto("/lotteries/verify")
    assert page.locator("pre").count() == 1
    assert fits_the_phone(page)


def test_the_footer_links_are_big_enough_to_tap(page, live_server):
    page.goto("/wishes")
    links = page.locator("footer a")
    assert links.count() >= 4
    for index in range(links.count()):
        assert links.nth(index).bounding_box()["height"] >= 44, links.nth(index).inner_text()


def test_a_statement_line_keeps_its_booking_link_beside_its_label_on_a_phone(page, live_factory, live_db,
                                                                             browser_login):
    clock.travel_to(NOW)
    listing = live_factory.listing(title="幸福里书画室", fee_type="points", fee_amount="5", slot_minutes=60,
                                   min_duration_minutes=60, max_duration_minutes=60, hours=MORNINGS)
    resident = live_factory.user(name="王阿姨")
    admin = live_factory.user(platform_admin=True)
    with transactions.read_only(False):
        points.grant(live_db, admin, None, points.GrantRequest(amount="20", memo="启动积分", user_id=resident.id),
                     POLICY)
        live_db.commit()
    live_factory.booking(listing=listing, booker=resident, start=local(2, 10), minutes=60)

    browser_login(page, resident)
    page.goto("/points/")
    reason = page.get_by_test_id("points-entry").first.locator("td").nth(2)
    link = reason.get_by_role("link")
    expect(link).to_have_text("幸福里书画室")
    label_column = page.evaluate("el => parseFloat(getComputedStyle(el).gridTemplateColumns)", reason.element_handle())
    assert link.bounding_box()["x"] > reason.bounding_box()["x"] + label_column, "the link fell under the label"


def test_a_drawn_lottery_with_its_published_seed_fits_a_phone(page, live_server, live_db, live_factory):
    clock.travel_to(NOW)
    hall = live_factory.listing(title="社区礼堂")
    with transactions.read_only(False):
        lottery = open_lottery(live_db, hall)
        applicants(live_factory, live_db, lottery, 3)
        run_draw(live_db)
    live_db.refresh(lottery)
    page.goto(f"/listings/{lottery.listing_id}/lotteries/{lottery.id}")
    expect(page.get_by_test_id("seed")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    assert fits_the_phone(page)


def test_the_pledges_table_keeps_a_units_name_on_one_line_on_a_phone(page, live_server, live_db, live_factory):
    clock.travel_to(NOW)
    with transactions.read_only(False):
        street = build_street(live_factory, live_db)
        sign(live_db, street.street_staff, street.unit)
    page.goto("/pledges?year=2026")
    name = page.get_by_test_id("pledge-row").get_by_role("link", name=street.unit.name)
    line = page.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)", name.element_handle())
    assert name.bounding_box()["height"] < 2 * line, "the unit's name is squeezed to a character per line"
    expect(page.get_by_test_id("room-hours")).to_contain_text("0.0 / 7")
    assert fits_the_phone(page)


def test_the_response_table_keeps_an_organisations_name_on_one_line_on_a_phone(page, live_server, live_db,
                                                                               live_factory):
    clock.travel_to(NOW)
    with transactions.read_only(False):
        street = build_street(live_factory, live_db)
        feedback.send_feedback(live_db, street.resident, feedback.FeedbackInput(
            kind="complaint", text="操场周六上午不开门", subject="organisation", subject_id=street.unit.id))
        live_db.commit()
    page.goto("/feedback")
    name = page.get_by_test_id("response-row").get_by_role("link", name=street.unit.name)
    line = page.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)", name.element_handle())
    assert name.bounding_box()["height"] < 2 * line, "the organisation's name is squeezed to a character per line"
    assert fits_the_phone(page)


def test_a_checkbox_beside_a_long_label_keeps_its_size_on_a_phone(page, live_server, live_factory, browser_login):
    resident = live_factory.user()
    browser_login(page, resident)
    page.goto("/feedback/new")
    box = page.get_by_label("对公众匿名（平台管理员仍能看到是谁）").bounding_box()
    assert box["width"] >= 19 and box["height"] >= 19
