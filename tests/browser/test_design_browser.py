"""The design system on a phone (375 px) and a desktop (1280 px): every run saves screenshots of the home,
search, listing, booking and staff inbox pages in test-artifacts/design-*.png, and checks what a resident
sees on them: pictures on every card, readable type, a one-line header, tables that stack on a phone."""
import io
from datetime import time

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from marketplace.core import clock
from marketplace.listings import photos
from marketplace.listings.services import HoursInterval
from tests.bookings.conftest import NOW, local

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE_WIDTH = 375
MORNINGS = [HoursInterval(weekday=d, opens=time(9), closes=time(12)) for d in range(7)]
# (kind, title, tags): what a street's providers really offer, so each card gets its own icon.
OFFERS = [
    ("space", "幸福里多功能活动室", []), ("skill", "律师坐班法律咨询", ["法律"]), ("service", "老年人爱心理发", []),
    ("service", "免费量血压、测血糖", ["健康"]), ("space", "幸福里阅览室", []), ("space", "幸福里棋牌室", []),
    ("skill", "智能手机教学", []), ("space", "3号楼一层共享厨房", []), ("service", "便民缝补服务", []),
    ("space", "幸福里社区健身房", []), ("skill", "儿童钢琴启蒙", []), ("space", "党员活动室", []),
    ("service", "政策咨询与办事代办", []), ("space", "新华社区议事厅", []),
]
EXPECTED_ICONS = {"律师坐班法律咨询": "scale", "老年人爱心理发": "scissors", "免费量血压、测血糖": "stethoscope",
                  "党员活动室": "flag", "政策咨询与办事代办": "hand-helping"}


def photo_bytes() -> bytes:
    image = Image.new("RGB", (640, 360), (214, 232, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 250, 640, 360), fill=(120, 170, 110))
    draw.rectangle((180, 110, 460, 260), fill=(240, 228, 205))
    draw.polygon([(160, 115), (320, 40), (480, 115)], fill=(200, 16, 46))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def street(app, live_factory, live_db):
    """A verified community office with the OFFERS published (the first one with a photo and fixed 30-minute
    bookings) and one pending request in its inbox."""
    clock.travel_to(NOW)
    tree = live_factory.place_tree()
    office = live_factory.organisation(place=tree["c1"], name="幸福里社区居委会")
    staff = office.memberships[0].user
    made = {}
    for kind, title, tags in OFFERS:
        made[title] = live_factory.listing(
            organisation=office, kind=kind, title=title, tags=tags, place_id=tree["c1_building"].id,
            slot_minutes=30, min_duration_minutes=30, max_duration_minutes=30, instant_booking=False,
            hours=MORNINGS)
    hall = made["幸福里多功能活动室"]
    photos.add_photo(live_db, staff, hall, photo_bytes(), upload_dir=app.config["UPLOAD_DIR"], max_bytes=5 << 20)
    live_db.commit()
    live_factory.booking(listing=hall, booker=live_factory.user(name="张大爷"), start=local(2, 9), minutes=30,
                         purpose="老年合唱排练")
    return {"office_id": office.id, "staff": staff, "hall_id": hall.id, "titles": {t: l.id for t, l in made.items()}}


def desktop_page(browser, live_server):
    context = browser.new_context(base_url=live_server.base_url, viewport=DESKTOP, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    return context, context.new_page()


def body_font_px(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")


def assert_header_on_one_line(page):
    """Brand, search and each nav item stay on one line: no item wraps, the nav items share one row."""
    boxes = page.evaluate("""() => {
      const line = el => { const s = getComputedStyle(el); return parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.6; };
      const items = [document.querySelector('header .brand'), document.querySelector('header .site-search button'),
                     ...document.querySelectorAll('header .nav > a, header .nav button')];
      return items.map(el => ({text: el.textContent.trim(), top: el.getBoundingClientRect().top,
                               height: el.getBoundingClientRect().height, line: line(el)}));
    }""")
    for box in boxes:
        assert box["height"] <= box["line"] * 1.6 + 16, f"{box['text']!r} wraps onto several lines"
    nav_tops = {round(box["top"]) for box in boxes[2:]}
    assert len(nav_tops) == 1, f"the navigation takes several rows: {boxes}"
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def assert_controls_use_the_page_font(page):
    fonts = page.evaluate("""() => [...document.querySelectorAll('input, select, button')]
        .filter(el => el.type !== 'hidden').map(el => getComputedStyle(el).fontFamily)""")
    assert fonts and all("Noto Sans CJK SC" in font for font in fonts), fonts


def test_home_search_listing_booking_and_inbox_look_finished_on_a_phone_and_a_desktop(
        page, browser, live_server, street, browser_login, screenshot):
    titles = street["titles"]

    # Home, anonymous, on a phone.
    page.goto("/")
    cards = page.get_by_test_id("listing-card")
    expect(cards.first).to_be_visible()
    newest = page.locator(".section-head ~ .grid [data-testid=listing-card]")
    assert newest.count() == 12
    recommended = {a.get_attribute("href") for a in page.locator("[data-testid=for-you] h3 a").all()}
    newest_links = {a.get_attribute("href") for a in newest.locator("h3 a").all()}
    assert recommended and not recommended & newest_links
    for card in newest.all():
        has_photo = card.locator("img.thumb").count() == 1
        assert has_photo != (card.get_by_test_id("listing-placeholder").locator("svg").count() == 1)
    hall_card = cards.filter(has_text="幸福里多功能活动室").first
    expect(hall_card.locator("img.thumb")).to_be_visible()
    for title, icon in EXPECTED_ICONS.items():
        card = cards.filter(has_text=title).first
        expect(card.locator(f"svg[data-icon='{icon}']")).to_be_visible()
    expect(hall_card.get_by_test_id("card-place")).to_have_text("幸福里社区 · 3号楼")
    expect(page.get_by_test_id("all-listings")).to_have_attribute("href", "/listings")
    expect(page.get_by_test_id("all-listings")).to_contain_text("共 14 项")
    assert body_font_px(page) >= 18
    assert_header_on_one_line(page)
    assert_controls_use_the_page_font(page)
    search_box = page.get_by_role("searchbox", name="搜索")
    expect(search_box).to_have_attribute("type", "search")
    screenshot(page, "design-home-phone")

    # Search: the filter panel takes the phone's full width.
    page.goto("/search?q=活动室")
    expect(page.get_by_test_id("search-hit").first).to_be_visible()
    panel = page.get_by_test_id("search-filters").bounding_box()
    main_width = page.evaluate("(() => { const m = document.querySelector('main'), s = getComputedStyle(m);"
                               " return m.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); })()")
    assert panel["width"] >= main_width - 1 and main_width >= 0.88 * PHONE_WIDTH
    for field in page.get_by_test_id("search-filters").locator(":scope > .field").all():
        assert field.bounding_box()["width"] >= 0.85 * panel["width"]
    assert_controls_use_the_page_font(page)
    screenshot(page, "design-search-phone")

    # A listing: fixed length said as such, the provider links to its page, an icon where there is no photo.
    page.goto(f"/listings/{titles['律师坐班法律咨询']}")
    expect(page.get_by_test_id("booking-length")).to_have_text("固定30分钟")
    expect(page.get_by_test_id("provider-link")).to_have_attribute("href", f"/organisations/{street['office_id']}")
    expect(page.locator(".hero-picture svg[data-icon='scale']")).to_be_visible()
    assert body_font_px(page) >= 18
    screenshot(page, "design-listing-phone")

    # The booking page and the staff inbox, signed in as staff.
    browser_login(page, street["staff"])
    assert_header_on_one_line(page)
    page.goto(f"/listings/{street['hall_id']}/book")
    expect(page.get_by_test_id("book-widget")).to_be_visible()
    assert_controls_use_the_page_font(page)
    screenshot(page, "design-booking-phone")
    page.get_by_test_id("nav-booking-requests").click()
    request = page.get_by_test_id("request")
    expect(request).to_contain_text("老年合唱排练")
    reject = request.get_by_test_id("reject")
    style = reject.evaluate("el => { const s = getComputedStyle(el); return {border: parseFloat(s.borderTopWidth),"
                            " height: el.getBoundingClientRect().height, decoration: s.textDecorationLine}; }")
    assert style["border"] >= 1 and style["height"] >= 44 and style["decoration"] == "none"
    assert_header_on_one_line(page)
    screenshot(page, "design-inbox-phone")

    # Staff list: a stacked card per member, each cell as wide as the card and labelled with its column.
    page.goto(f"/organisations/{street['office_id']}/staff")
    name_cell = page.get_by_test_id("staff-row").first.locator("td").first
    expect(name_cell).to_have_attribute("data-label", "称呼")
    assert name_cell.bounding_box()["width"] >= 250
    assert name_cell.evaluate("el => getComputedStyle(el, '::before').content") == '"称呼"'
    screenshot(page, "design-staff-phone")

    # Logging out says so.
    page.get_by_role("button", name="退出").click()
    expect(page.locator(".alert.success")).to_have_text("你已退出登录。")

    # The same pages on a desktop: cards in a row are the same height.
    context, desk = desktop_page(browser, live_server)
    try:
        desk.goto("/")
        heights = desk.locator(".section-head ~ .grid [data-testid=listing-card]").evaluate_all(
            "cards => cards.slice(0, 3).map(c => c.getBoundingClientRect().height)")
        assert len(set(heights)) == 1, heights
        assert_header_on_one_line(desk)
        screenshot(desk, "design-home-desktop")
        desk.goto("/search?q=活动室")
        screenshot(desk, "design-search-desktop")
        desk.goto(f"/listings/{titles['律师坐班法律咨询']}")
        screenshot(desk, "design-listing-desktop")
        browser_login(desk, street["staff"])
        desk.goto(f"/listings/{street['hall_id']}/book")
        screenshot(desk, "design-booking-desktop")
        desk.goto("/bookings/requests")
        expect(desk.get_by_test_id("request")).to_have_count(1)
        screenshot(desk, "design-inbox-desktop")
    finally:
        context.close()


def test_the_phone_header_stays_on_one_line_in_english(page, live_server, street, browser_login, screenshot):
    browser_login(page, street["staff"])
    page.get_by_test_id("switch-language").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Booking requests")).to_be_visible()
    assert_header_on_one_line(page)
    page.goto("/search?q=活动室")
    assert_header_on_one_line(page)
    screenshot(page, "design-search-phone-en")


def open_more_by_keyboard(page):
    """Focus 更多 / More, open it with Enter and return the open list (it must not be clipped by the strip)."""
    summary = page.get_by_test_id("nav-more").locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    menu = page.locator(".more-menu")
    expect(menu).to_be_visible()
    box, width = menu.bounding_box(), page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert summary.bounding_box()["height"] >= 44
    for link in menu.get_by_role("link").all():
        link_box = link.bounding_box()
        assert link_box["height"] >= 44 and link_box["width"] >= 150
        middle = [link_box["x"] + link_box["width"] / 2, link_box["y"] + link_box["height"] / 2]
        on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.closest('a')?.textContent", middle)
        assert on_top == link.text_content(), f"{link.text_content()!r} is covered or clipped"
    return menu


def test_more_in_the_header_opens_by_keyboard_and_leads_to_the_streets_pages(page, browser, live_server, street,
                                                                             browser_login, screenshot):
    page.goto("/")
    assert_header_on_one_line(page)
    expect(page.locator(".more-menu")).to_be_hidden()
    menu = open_more_by_keyboard(page)
    expect(menu.get_by_role("link")).to_have_text(["组织", "群众发声", "共驻共建", "需求清单", "公开数据"])
    screenshot(page, "design-more-phone")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(menu.get_by_role("link", name="群众发声")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.base_url}/feedback")

    context, desk = desktop_page(browser, live_server)
    try:
        browser_login(desk, street["staff"])
        desk.get_by_test_id("switch-language").click()
        expect(desk.locator("html")).to_have_attribute("lang", "en")
        assert_header_on_one_line(desk)
        summary = desk.get_by_test_id("nav-more").locator("summary")
        nav = desk.locator("header .nav > a").first.bounding_box()
        middle = summary.bounding_box()["y"] + summary.bounding_box()["height"] / 2
        assert nav["y"] <= middle <= nav["y"] + nav["height"], "More sits on the navigation's row"
        expect(summary).to_have_text("More")
        hidden = desk.evaluate("(() => { const n = document.querySelector('header .nav'); return n.scrollWidth - n.clientWidth; })()")
        assert hidden <= 0, f"a staff member's English strip hides {hidden}px behind More on a desktop"
        menu = open_more_by_keyboard(desk)
        screenshot(desk, "design-more-desktop-en")
        menu.get_by_role("link", name="Open data").click()
        expect(desk).to_have_url(f"{live_server.base_url}/transparency")
        expect(desk.locator("html")).to_have_attribute("lang", "en")
    finally:
        context.close()


def test_an_unknown_page_has_a_human_heading_and_ways_back(page, screenshot):
    response = page.goto("/listings/999999")

    assert response.status == 404
    expect(page.get_by_test_id("error-heading")).to_have_text("没有找到这个页面")
    expect(page.get_by_role("link", name="回到首页")).to_have_attribute("href", "/")
    expect(page.get_by_test_id("error-back")).to_be_visible()
    expect(page.locator("main").get_by_role("searchbox")).to_be_visible()
    screenshot(page, "design-error-phone")

