"""An organisation admin lists a room through the real pages on a phone, and a resident finds and opens it."""
import io

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from marketplace.listings.models import Listing, ListingStatus
from marketplace.search.models import ListingView

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 16, 46)).save(buffer, "PNG")
    return buffer.getvalue()


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_an_organisation_admin_publishes_a_listing_that_a_resident_opens(
        page, new_phone_page, live_factory, live_db, browser_login, screenshot):
    admin = live_factory.user(name="王主任")
    tree = live_factory.place_tree()
    organisation = live_factory.organisation(admin=admin, place=tree["c1"], name="幸福里社区居委会")
    resident = live_factory.user(name="李阿姨")
    organisation_id, community_id, grid_id = organisation.id, tree["c1"].id, tree["c1_grid"].id

    browser_login(page, admin)
    page.get_by_role("link", name="我提供的").click()
    page.get_by_role("link", name="新增资源").click()
    expect(page.get_by_label("提供方", exact=True)).to_have_value(f"org-{organisation_id}")
    page.get_by_label("场地", exact=True).check()
    page.get_by_label("标题", exact=True).fill("幸福里多功能活动室")
    page.get_by_label("介绍", exact=True).fill("宽敞明亮，可容纳40人，适合合唱排练和讲座。")
    page.get_by_label("投影仪", exact=True).check()
    page.get_by_label("所在位置", exact=True).select_option(str(grid_id))
    page.get_by_label("容纳人数", exact=True).fill("40")
    assert fits_the_phone(page)
    screenshot(page, "listings-new-form")
    page.get_by_role("button", name="保存为草稿", exact=True).click()

    expect(page.locator(".alert.success")).to_contain_text("资源已保存为草稿")
    page.get_by_label("周一 时段1 开始", exact=True).fill("09:00")
    page.get_by_label("周一 时段1 结束", exact=True).fill("12:00")
    page.get_by_label("周一 时段2 开始", exact=True).fill("14:00")
    page.get_by_label("周一 时段2 结束", exact=True).fill("18:00")
    page.get_by_label("周六 时段1 开始", exact=True).fill("08:30")
    page.get_by_label("周六 时段1 结束", exact=True).fill("11:30")
    assert fits_the_phone(page)
    screenshot(page, "listings-hours-editor")
    page.get_by_role("button", name="保存开放时间", exact=True).click()
    expect(page.locator(".alert.success")).to_have_text("开放时间已保存")

    page.get_by_role("link", name="图片", exact=True).click()
    page.get_by_label("上传图片", exact=True).set_input_files(
        {"name": "活动室.png", "mimeType": "image/png", "buffer": png_bytes()})
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator(".alert.success")).to_have_text("图片已上传")
    expect(page.locator("[data-testid=photos] img")).to_have_count(1)

    page.get_by_role("link", name="查看并发布").click()
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.locator(".alert.success")).to_contain_text("已发布")
    expect(page.get_by_test_id("listing-status")).to_have_text("已发布")
    screenshot(page, "listings-admin-published")
    live_db.rollback()  # leave the test session's old snapshot, to see what the server committed
    listing = live_db.scalars(select(Listing).where(Listing.organisation_id == organisation_id)).one()
    assert listing.status is ListingStatus.published and len(listing.photos) == 1

    resident_page = new_phone_page()
    browser_login(resident_page, resident)
    resident_page.get_by_role("link", name="找资源").click()
    resident_page.get_by_label("社区", exact=True).select_option(str(community_id))
    resident_page.get_by_role("button", name="筛选", exact=True).click()
    resident_page.get_by_role("link", name="幸福里多功能活动室").click()
    expect(resident_page.locator("main h1")).to_have_text("幸福里多功能活动室")
    expect(resident_page.get_by_test_id("provider")).to_contain_text("幸福里社区居委会")
    expect(resident_page.get_by_test_id("opening-hours")).to_contain_text("09:00–12:00, 14:00–18:00")
    expect(resident_page.get_by_test_id("opening-hours")).to_contain_text("08:30–11:30")
    photo = resident_page.locator("[data-testid=gallery] img")
    expect(photo).to_have_count(1)
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 64
    expect(resident_page.get_by_test_id("editor-actions")).to_have_count(0)
    assert fits_the_phone(resident_page)
    screenshot(resident_page, "listings-resident-detail")

    # The page's beacon (a POST after load; pages never write on GET) records the view for 为你推荐.
    resident_page.wait_for_load_state("networkidle")
    live_db.rollback()
    assert live_db.scalar(select(func.count(ListingView.id)).where(
        ListingView.user_id == resident.id, ListingView.listing_id == listing.id)) == 1
