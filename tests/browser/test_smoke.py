"""Smoke tests of the browser set-up: a phone-sized Chromium against the live server."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from marketplace.accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375


def test_resident_registers_on_a_phone_and_lands_on_the_profile_page(page, live_server, live_db, screenshot):
    page.goto("/register")
    page.get_by_label("手机号码", exact=True).fill("13800138000")
    page.get_by_label("称呼", exact=True).fill("李阿姨")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="注册").click()

    expect(page).to_have_url(live_server.url("/profile?welcome=1"))
    expect(page.locator(".alert.success")).to_have_text("注册成功，欢迎你！")
    expect(page.locator("header .me")).to_contain_text("李阿姨")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert live_db.scalar(select(User.display_name).where(User.phone == "13800138000")) == "李阿姨"

    path = screenshot(page, "smoke-profile-after-registration")
    assert path.is_file() and path.stat().st_size > 0


def test_home_page_is_in_chinese_and_fits_a_phone(page, screenshot):
    page.goto("/")

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("main h1")).to_have_text("社区资源超市")
    expect(page.get_by_role("link", name="找资源")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    path = screenshot(page, "smoke-home")
    assert path.is_file() and path.stat().st_size > 0


def test_browser_login_signs_a_user_in_through_the_form(page, live_factory, browser_login, live_server):
    resident = live_factory.user(name="王师傅")

    browser_login(page, resident)

    assert page.url == live_server.url("/")
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_live_server_refuses_a_form_post_without_its_csrf_token(page, live_db):
    response = page.request.post("/register", form={
        "phone": "13900139000", "display_name": "张三", "password": PASSWORD})

    assert response.status == 400
    assert "页面已过期" in response.text()
    assert live_db.scalar(select(func.count()).select_from(User)) == 0
