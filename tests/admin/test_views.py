"""Platform admin pages: only platform admins get in, and every action leaves an audit entry."""
import io
import pathlib
import re
from datetime import datetime, time, timezone

import pytest
from flask import current_app
from PIL import Image
from sqlalchemy import func, inspect, select

from marketplace.accounts.models import User
from marketplace.bookings.models import Booking
from marketplace.core.audit import AuditEntry
from marketplace.admin.views import ACTION_LABELS, FIELD_LABELS
from marketplace.core import clock, transactions
from marketplace.listings import photos
from marketplace.listings import services as listing_services
from marketplace.listings.models import Listing, ListingException, ListingStatus, Photo
from marketplace.organisations.models import Membership, Organisation, OrganisationStatus
from marketplace.places.models import Place
from marketplace.pledges.models import Pledge
from marketplace.points import services as points
from marketplace.points.models import PointsTransfer
from marketplace.reviews.models import ReportDecision, Review
from tests.conftest import PASSWORD


def _audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


def _entries(session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def admin(factory):
    return factory.user(name="街道管理员", platform_admin=True)


@pytest.fixture
def pending_org(factory):
    return factory.organisation(verified=False, name="东大街书法协会")


ADMIN_PAGES = ["/admin/", "/admin/organisations", "/admin/organisations/{org}", "/admin/users",
               "/admin/listings", "/admin/listings/{listing}", "/admin/audit"]
ADMIN_ACTIONS = [
    ("/admin/organisations/{org}/verify", {}),
    ("/admin/organisations/{org}/reject", {"reason": "资料不全"}),
    ("/admin/users/{user}/disable", {}),
    ("/admin/users/{user}/enable", {}),
    ("/admin/listings/{listing}/suspend", {"reason": "违规"}),
    ("/admin/listings/{listing}/reinstate", {}),
]


def test_non_admins_get_403_on_every_admin_page_and_action_and_nothing_changes(client, factory, login, session,
                                                                                 pending_org):
    listing = factory.listing()
    resident = factory.user()
    org_admin = next(m.user for m in listing.organisation.memberships)
    ids = {"org": pending_org.id, "listing": listing.id, "user": resident.id}
    audit_before = _audit_count(session)
    for outsider in (resident, org_admin):
        client.post("/logout")
        login(outsider)
        for path in ADMIN_PAGES:
            response = client.get(path.format(**ids))
            assert response.status_code == 403, path
            assert "只有平台管理员" in response.data.decode()
        for path, data in ADMIN_ACTIONS:
            assert client.post(path.format(**ids), data=data).status_code == 403, path
    session.expire_all()
    assert pending_org.status is OrganisationStatus.pending
    assert listing.status is ListingStatus.published
    assert resident.is_disabled is False
    assert _audit_count(session) == audit_before


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_dashboard_counts_pending_organisations_users_and_published_listings(client, factory, login, admin,
                                                                               session, pending_org):
    factory.listing()
    factory.listing(publish=False)
    login(admin)
    page = client.get("/admin/").data.decode()
    users = session.scalar(select(func.count()).select_from(User))
    assert f'data-testid="count-users">\n    <span class="muted">注册用户</span><br><strong class="lead">{users}<' in page
    assert '待审核的组织</span><br><strong class="lead">1<' in page
    assert '已发布的资源</span><br><strong class="lead">1<' in page


def test_the_review_queue_puts_pending_organisations_first(client, factory, login, admin, pending_org):
    factory.organisation(name="一个早已认证的组织")
    login(admin)
    page = client.get("/admin/organisations").data.decode()
    assert page.index("东大街书法协会") < page.index("一个早已认证的组织")
    only_verified = client.get("/admin/organisations?status=verified").data.decode()
    assert "东大街书法协会" not in only_verified and "一个早已认证的组织" in only_verified


def test_verifying_an_organisation_is_audited(client, login, admin, session, pending_org):
    login(admin)
    response = client.post(f"/admin/organisations/{pending_org.id}/verify")
    assert response.status_code == 302
    assert "已认证" in client.get(response.headers["Location"]).data.decode()
    session.refresh(pending_org)
    assert pending_org.status is OrganisationStatus.verified
    [entry] = _entries(session, "organisation.verify")
    assert entry.actor_id == admin.id
    assert (entry.before["status"], entry.after["status"]) == ("pending", "verified")


def test_verifying_twice_is_a_conflict_with_a_message(client, factory, login, admin):
    org = factory.organisation()
    login(admin)
    response = client.post(f"/admin/organisations/{org.id}/verify")
    assert response.status_code == 409
    assert "已经认证过了" in response.data.decode()


@pytest.mark.parametrize(("reason", "message"), [("", "请填写不通过的原因"), ("   ", "请填写不通过的原因"),
                                                 ("长" * 501, "原因不能超过500个字")])
def test_rejecting_needs_a_reason_and_writes_nothing_without_one(client, login, admin, session, pending_org,
                                                                  reason, message):
    login(admin)
    audit_before = _audit_count(session)
    response = client.post(f"/admin/organisations/{pending_org.id}/reject", data={"reason": reason})
    assert response.status_code == 422
    assert message in response.data.decode()
    session.refresh(pending_org)
    assert pending_org.status is OrganisationStatus.pending
    assert _audit_count(session) == audit_before


def test_rejecting_with_a_reason_is_audited(client, login, admin, session, pending_org):
    login(admin)
    assert client.post(f"/admin/organisations/{pending_org.id}/reject",
                       data={"reason": "请补充场地照片"}).status_code == 302
    session.refresh(pending_org)
    assert (pending_org.status, pending_org.rejection_reason) == (OrganisationStatus.rejected, "请补充场地照片")
    [entry] = _entries(session, "organisation.reject")
    assert entry.after["rejection_reason"] == "请补充场地照片"


def test_unknown_ids_get_a_404_with_a_message(client, login, admin):
    login(admin)
    for method, path, message in [("get", "/admin/organisations/999999", "找不到这个组织"),
                                  ("post", "/admin/organisations/999999/verify", "找不到这个组织"),
                                  ("post", "/admin/users/999999/disable", "找不到这个用户"),
                                  ("get", "/admin/listings/999999", "找不到这个资源"),
                                  ("post", "/admin/listings/999999/suspend", "找不到这个资源")]:
        response = getattr(client, method)(path, data={"reason": "x"})
        assert response.status_code == 404, path
        assert message in response.data.decode(), path


def test_the_audit_log_shows_verify_and_reject_with_readable_before_and_after(client, factory, login, admin,
                                                                              pending_org):
    other = factory.organisation(verified=False, name="滨河读书会")
    login(admin)
    client.post(f"/admin/organisations/{pending_org.id}/verify")
    client.post(f"/admin/organisations/{other.id}/reject", data={"reason": "名称与实际不符"})
    page = client.get("/admin/audit?object_type=organisations").data.decode()
    assert "认证组织" in page and "驳回组织申请" in page
    assert "街道管理员" in page
    verify_entry = page[page.index("认证组织"):]
    assert '<td data-label="字段">状态</td><td data-label="之前">待审核</td><td data-label="之后">已认证</td>' in verify_entry
    reject_entry = page[page.index("驳回组织申请"):]
    assert '<td data-label="字段">不通过原因</td>' in reject_entry and "名称与实际不符" in reject_entry


def test_the_audit_log_shows_times_in_the_deployment_zone(client, login, admin, pending_org):
    clock.travel_to(datetime(2026, 5, 1, 8, 30, tzinfo=timezone.utc))
    login(admin)
    client.post(f"/admin/organisations/{pending_org.id}/verify")
    page = client.get("/admin/audit").data.decode()
    assert "2026-05-01 16:30:00 · 街道管理员" in page
    verify_entry = page[page.index("认证组织"):]
    assert ('<td data-label="字段">认证时间</td><td data-label="之前">—</td>'
            '<td data-label="之后">2026-05-01 16:30:00</td>') in verify_entry


def test_recorded_values_are_escaped_in_the_audit_log(client, factory, login, admin):
    factory.organisation(verified=False, name="<img src=x onerror=alert(1)>协会")
    login(admin)
    page = client.get("/admin/audit").data.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;协会" in page
    assert "<img src=x" not in page


def test_the_audit_log_filters_by_object_type_and_pages(client, factory, login, admin, pending_org):
    factory.listing(title="社区大礼堂")
    login(admin)
    listings_only = client.get("/admin/audit?object_type=listings").data.decode()
    assert "创建资源" in listings_only and "申请登记组织" not in listings_only
    first = client.get("/admin/audit?per_page=2").data.decode()
    assert first.count('data-testid="audit-entry"') == 2
    assert 'rel="next"' in first
    assert "第 1 / " in first


def test_the_user_list_searches_and_shows_whole_phone_numbers_to_admins(client, factory, login, admin):
    factory.user(name="李阿姨", phone="13811112222")
    factory.user(name="张师傅", phone="13933334444")
    login(admin)
    page = client.get("/admin/users?q=李阿姨").data.decode()
    assert "李阿姨" in page and "13811112222" in page
    assert "张师傅" not in page
    assert "张师傅" in client.get("/admin/users?q=3333").data.decode()


def test_disabling_an_account_is_audited_and_stops_its_logins(client, factory, login, admin, session):
    resident = factory.user()
    login(admin)
    assert client.post(f"/admin/users/{resident.id}/disable").status_code == 302
    session.refresh(resident)
    assert resident.is_disabled
    [entry] = _entries(session, "user.disable")
    assert (entry.before["is_disabled"], entry.after["is_disabled"], entry.object_id) == (False, True, resident.id)
    assert "password_hash" not in entry.after
    client.post("/logout")
    refused = client.post("/login", data={"login": resident.phone, "password": PASSWORD})
    assert refused.status_code == 422
    assert "这个账号已被停用" in refused.data.decode()

    login(admin)
    assert client.post(f"/admin/users/{resident.id}/enable").status_code == 302
    session.refresh(resident)
    assert not resident.is_disabled
    assert len(_entries(session, "user.enable")) == 1


def test_an_admin_cannot_disable_their_own_account(client, login, admin, session):
    login(admin)
    response = client.post(f"/admin/users/{admin.id}/disable")
    assert response.status_code == 422
    assert "不能停用自己的账号" in response.data.decode()
    session.refresh(admin)
    assert not admin.is_disabled


def test_the_listing_list_shows_every_status_and_filters(client, factory, login, admin):
    factory.listing(title="已发布的会议室")
    factory.listing(title="草稿中的书法课", publish=False)
    login(admin)
    page = client.get("/admin/listings").data.decode()
    assert "已发布的会议室" in page and "草稿中的书法课" in page
    drafts = client.get("/admin/listings?status=draft").data.decode()
    assert "草稿中的书法课" in drafts and "已发布的会议室" not in drafts
    assert "已发布的会议室" in client.get("/admin/listings?q=会议").data.decode()


def test_suspending_a_listing_needs_a_reason(client, factory, login, admin, session):
    listing = factory.listing()
    login(admin)
    audit_before = _audit_count(session)
    response = client.post(f"/admin/listings/{listing.id}/suspend", data={"reason": ""})
    assert response.status_code == 422
    assert "请填写暂停的原因" in response.data.decode()
    session.refresh(listing)
    assert listing.status is ListingStatus.published
    assert _audit_count(session) == audit_before


def test_suspending_and_reinstating_a_listing_are_audited(client, factory, login, admin, session):
    listing = factory.listing()
    login(admin)
    assert client.post(f"/admin/listings/{listing.id}/suspend", data={"reason": "有居民投诉收费"}).status_code == 302
    session.refresh(listing)
    assert (listing.status, listing.suspension_reason) == (ListingStatus.suspended, "有居民投诉收费")
    client.post("/logout")
    assert client.get(f"/listings/{listing.id}").status_code == 404
    login(admin)
    assert client.post(f"/admin/listings/{listing.id}/reinstate").status_code == 302
    session.refresh(listing)
    assert (listing.status, listing.suspension_reason) == (ListingStatus.published, None)
    assert [e.actor_id for e in _entries(session, "listing.suspend")] == [admin.id]
    [reinstated] = _entries(session, "listing.reinstate")
    assert (reinstated.before["status"], reinstated.after["status"]) == ("suspended", "published")


def test_reinstating_a_listing_that_is_not_suspended_is_a_conflict(client, factory, login, admin):
    listing = factory.listing()
    login(admin)
    response = client.post(f"/admin/listings/{listing.id}/reinstate")
    assert response.status_code == 409
    assert "只有已暂停的资源可以恢复" in response.data.decode()


@pytest.mark.parametrize("path", ["/admin/users?q=李%00阿姨", "/admin/listings?q=活动%00室", "/admin/audit?object_type=list%00ings"])
def test_filters_with_a_nul_character_still_filter_instead_of_failing(client, factory, login, admin, path):
    factory.user(name="李阿姨")
    login(admin)
    response = client.get(path)
    assert response.status_code == 200
    assert "\x00" not in response.get_data(as_text=True)


def test_every_audited_action_and_recorded_field_has_a_label():
    source = pathlib.Path(__file__).parents[2] / "marketplace"
    recorded = {action for path in source.rglob("*.py")
                for action in re.findall(r'audit\.record\([^"]*"([a-z]+\.[a-z_]+)"', path.read_text())}
    # The moderation of a review is recorded as review.<its decision>.
    recorded |= {f"review.{decision.value}" for decision in ReportDecision}
    assert {"listing.add_photo", "points.grant"} <= recorded and recorded <= set(ACTION_LABELS)
    for model in (Listing, ListingException, Photo, Organisation, Membership, User, Place, Booking, Review, Pledge,
                  PointsTransfer):
        fields = {attr.columns[0].name for attr in inspect(model).column_attrs} - {"password_hash"}
        assert fields <= set(FIELD_LABELS), model


def test_the_english_audit_log_names_the_action_the_object_and_the_hours(app, client, factory, login, admin, session):
    listing = factory.listing(title="党群服务中心多功能厅")
    actor = listing.organisation.memberships[0].user
    listing_services.set_opening_hours(session, actor, listing, [
        listing_services.HoursInterval(weekday=2, opens=time(18, 30), closes=time(20, 30))])
    image = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 16, 46)).save(image, "PNG")
    photos.add_photo(session, actor, listing, image.getvalue(), upload_dir=app.config["UPLOAD_DIR"],
                     max_bytes=app.config["MAX_PHOTO_BYTES"])
    session.commit()
    login(admin)
    client.post("/language/en", data={"next": "/"})
    page = client.get("/admin/audit?object_type=photos").data.decode()
    assert "Add photo" in page and "listing.add_photo" not in page
    assert 'data-testid="audit-object">党群服务中心多功能厅<' in page
    hours = client.get("/admin/audit?object_type=listings").data.decode()
    assert "Wed 18:30–20:30" in hours and "18:30:00-20:30:00" not in hours and "Listings #" not in hours


def test_the_english_audit_log_names_the_fields_and_reason_of_a_points_grant(client, factory, login, admin, session):
    volunteer = factory.user(volunteer=True)
    with transactions.read_only(False):
        points.grant(session, admin, None, points.GrantRequest(amount="15", memo="重阳节志愿服务", user_id=volunteer.id),
                     points.Policy.from_config(current_app.config))
        session.commit()
    login(admin)
    client.post("/language/en", data={"next": "/"})
    page = client.get("/admin/audit?object_type=points_transfers").data.decode()
    cells = re.findall(r'<td data-label="[^"]*">([^<]*)</td>', page)
    for label in ("From account (ID)", "To account (ID)", "Points", "Reason", "Done by (ID)"):
        assert label in cells, (label, cells)
    assert "Grant" in cells and not {"destination_id", "amount", "reason", "grant"} & set(cells)
