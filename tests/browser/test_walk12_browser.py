"""What a walk through issue 12's pages on a phone found: each test here is one thing a resident ran into."""
import pytest

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375


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
