"""A platform admin reviews organisations through the real pages on a phone."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.core.audit import AuditEntry
from marketplace.organisations.models import Organisation, OrganisationStatus

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375


def _fresh(live_db, org_id: int) -> Organisation:
    """Re-read the organisation outside the test session's old snapshot, to see what the server committed."""
    live_db.rollback()
    return live_db.get(Organisation, org_id)


def test_a_platform_admin_verifies_a_pending_organisation(page, live_server, live_db, live_factory, browser_login,
                                                          screenshot):
    org = live_factory.organisation(verified=False, name="滨河社区书画社")
    admin = live_factory.user(name="街道管理员", platform_admin=True)
    browser_login(page, admin)

    page.get_by_role("link", name="平台管理").click()
    expect(page.get_by_test_id("count-pending-organisations")).to_contain_text("1")
    page.get_by_test_id("count-pending-organisations").click()
    row = page.get_by_test_id("review-row").filter(has_text="滨河社区书画社")
    expect(row).to_contain_text("待审核")
    row.get_by_role("link", name="滨河社区书画社").click()

    expect(page.locator("main h1")).to_contain_text("滨河社区书画社")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    page.get_by_test_id("verify-organisation").click()

    expect(page.locator(".alert.success")).to_contain_text("已认证")
    expect(page.get_by_test_id("organisation-status")).to_have_text("已认证")
    screenshot(page, "admin-verified-organisation")
    verified = _fresh(live_db, org.id)
    assert verified.status is OrganisationStatus.verified
    assert live_db.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "organisation.verify")) == admin.id

    page.get_by_role("link", name="操作日志").click()
    entry = page.get_by_test_id("audit-entry").filter(has_text="认证组织")
    expect(entry).to_contain_text("街道管理员")
    expect(entry.get_by_test_id("audit-changes")).to_contain_text("待审核")
    expect(entry.get_by_test_id("audit-changes")).to_contain_text("已认证")


def test_a_rejection_needs_a_reason_and_the_applicant_reads_it(page, live_db, live_factory, browser_login,
                                                               new_phone_page):
    applicant = live_factory.user(name="刘老师")
    org = live_factory.organisation(admin=applicant, verified=False, name="幸福里象棋俱乐部")
    admin = live_factory.user(platform_admin=True)
    browser_login(page, admin)

    page.goto(f"/admin/organisations/{org.id}")
    page.get_by_test_id("reject-organisation").click()
    expect(page.locator(".field.has-error")).to_contain_text("请填写不通过的原因")
    assert _fresh(live_db, org.id).status is OrganisationStatus.pending

    page.get_by_label("不通过的原因").fill("请补充活动场地的照片")
    page.get_by_test_id("reject-organisation").click()
    expect(page.get_by_test_id("organisation-status")).to_have_text("未通过")

    applicant_page = new_phone_page()
    browser_login(applicant_page, applicant)
    applicant_page.goto("/organisations/")
    expect(applicant_page.get_by_test_id("rejection-reason")).to_contain_text("请补充活动场地的照片")
