"""The listing pages: browsing, the detail page and the provider's editing pages, through real HTML forms."""
from __future__ import annotations

import io
import os
from datetime import date, datetime, time, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from marketplace.core.audit import AuditEntry
from marketplace.core import clock
from marketplace.listings import services as listings
from marketplace.listings.models import Listing, ListingStatus, Photo
from marketplace.organisations import services as organisations

SCRIPT = "<script>alert(1)</script>"


def listing_form(place, **overrides):
    """What a provider types into the listing form."""
    values = {
        "kind": "space", "title": "幸福里多功能厅", "description": "可容纳50人\n配有投影和音响",
        "tags": "会议, 培训", "facilities": ["projector", "wheelchair"], "place_id": str(place),
        "address": "幸福路8号2楼", "capacity": "50", "slot_minutes": "30", "min_duration_minutes": "60",
        "max_duration_minutes": "240", "buffer_minutes": "15", "min_notice_minutes": "120",
        "max_advance_days": "14", "cancel_cutoff_minutes": "240", "booking_mode": "approval",
        "fee_type": "points", "fee_amount": "5", "rules": "请保持整洁",
    }
    values.update(overrides)
    return values


def hours_form(*rows):
    """rows: (weekday, slot, "09:00", "12:00")."""
    data = {}
    for weekday, slot, opens, closes in rows:
        data[f"d{weekday}_{slot}_opens"] = opens
        data[f"d{weekday}_{slot}_closes"] = closes
    return data


def png_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 16, 46)).save(buffer, "PNG")
    return buffer.getvalue()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def org_with_admin(factory):
    admin = factory.user(name="王主任")
    tree = factory.place_tree()
    return factory.organisation(admin=admin, place=tree["c1"]), admin, tree


# --- creating and editing --------------------------------------------------------------------------------------

def test_staff_create_a_draft_listing_through_the_form(client, login, session, org_with_admin):
    org, admin, tree = org_with_admin
    login(admin)
    assert "新增资源" in client.get("/manage/listings/new").data.decode()
    response = client.post("/manage/listings/new", data={"provider": f"org-{org.id}",
                                                         **listing_form(tree["c1_grid"].id)})
    assert response.status_code == 302
    listing = session.scalars(select(Listing).where(Listing.organisation_id == org.id)).one()
    assert response.headers["Location"].endswith(f"/manage/listings/{listing.id}/hours?notice=created")
    assert listing.status is ListingStatus.draft
    assert (listing.title, listing.capacity, listing.buffer_minutes, listing.instant_booking) == (
        "幸福里多功能厅", 50, 15, False)
    assert listing.tags == ["会议", "培训"] and listing.facilities == ["projector", "wheelchair"]
    assert listing.fee_type.value == "points" and listing.fee_amount == 5
    assert listing.place_id == tree["c1_grid"].id


def test_a_volunteer_offers_a_skill_as_an_individual(client, login, session, factory):
    volunteer = factory.user(name="李律师", volunteer=True, party_member=True)
    tree = factory.place_tree()
    login(volunteer)
    assert "个人志愿者" in client.get("/manage/listings/new").data.decode()
    response = client.post("/manage/listings/new", data={"provider": "self", **listing_form(
        tree["c2"].id, kind="skill", title="法律咨询", facilities=[])})
    assert response.status_code == 302
    listing = session.scalars(select(Listing).where(Listing.provider_user_id == volunteer.id)).one()
    listings.set_opening_hours(session, volunteer, listing, [listings.HoursInterval(0, time(19), time(21))])
    listings.publish_listing(session, volunteer, listing)
    session.commit()
    page = client.get(f"/listings/{listing.id}").data.decode()
    assert "李律师" in page and "志愿者" in page and "党员" in page


def test_a_volunteer_cannot_list_a_space_as_an_individual(client, login, session, factory):
    volunteer = factory.user(volunteer=True)
    tree = factory.place_tree()
    login(volunteer)
    response = client.post("/manage/listings/new", data={"provider": "self", **listing_form(tree["c1"].id)})
    assert response.status_code == 422
    assert "个人志愿者只能发布技能或服务" in response.data.decode()
    assert count(session, Listing) == 0


@pytest.mark.parametrize("overrides, message", [
    ({"title": ""}, "请填写标题"),
    ({"title": "长" * 10_000}, "标题不能超过100个字"),
    ({"capacity": "很多"}, "座位数必须是整数"),
    ({"capacity": "0"}, "座位数应在1到10000之间"),
    ({"min_duration_minutes": "300", "max_duration_minutes": "60"}, "最长时长不能小于最短时长"),
    ({"fee_type": "money", "fee_amount": "abc"}, "费用必须是数字"),
    ({"place_id": "999999"}, "找不到这个地点"),
    ({"place_id": "not-a-number"}, "请选择所在位置"),
    ({"facilities": ["jacuzzi"]}, "不认识的设施"),
    ({"kind": "castle"}, "不是有效的选择"),
])
def test_bad_listing_input_is_refused_in_chinese_and_nothing_is_written(client, login, session, org_with_admin,
                                                                        overrides, message):
    org, admin, tree = org_with_admin
    login(admin)
    response = client.post("/manage/listings/new", data={"provider": f"org-{org.id}",
                                                         **listing_form(tree["c1"].id, **overrides)})
    assert response.status_code == 422
    assert message in response.data.decode()
    assert count(session, Listing) == 0


def test_staff_cannot_create_a_listing_for_another_organisation(client, login, session, factory, org_with_admin):
    other_org = factory.organisation()
    org, admin, tree = org_with_admin
    login(admin)
    response = client.post("/manage/listings/new", data={"provider": f"org-{other_org.id}",
                                                         **listing_form(tree["c1"].id)})
    assert response.status_code == 403
    assert count(session, Listing) == 0


def test_someone_without_an_organisation_or_volunteering_is_told_how_to_start(client, login, factory):
    login(factory.user())
    page = client.get("/manage/listings").data.decode()
    assert "登记为志愿者" in page and "/manage/listings/new" not in page


def test_editing_changes_every_field_and_is_audited(client, login, session, factory, org_with_admin):
    org, admin, tree = org_with_admin
    listing = factory.listing(organisation=org, publish=False)
    login(admin)
    form_page = client.get(f"/manage/listings/{listing.id}/edit").data.decode()
    assert f'value="{listing.title}"' in form_page
    response = client.post(f"/manage/listings/{listing.id}/edit", data=listing_form(
        tree["c1_building"].id, title="改名后的活动室", kind="service", fee_type="money", fee_amount="12.5",
        booking_mode="instant"))
    assert response.status_code == 302
    session.refresh(listing)
    assert (listing.title, listing.kind.value, listing.place_id, listing.instant_booking) == (
        "改名后的活动室", "service", tree["c1_building"].id, True)
    assert str(listing.fee_amount) == "12.50"
    assert listing.facilities == []  # only spaces have facilities
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "listing.update")).one()
    assert audit.before["title"] != audit.after["title"]
    assert "¥12.50" in client.get(f"/listings/{listing.id}").data.decode()


# --- opening hours and exceptions --------------------------------------------------------------------------------

def test_opening_hours_are_saved_and_shown_grouped_by_weekday(client, login, session, factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org, publish=False, hours=[])
    login(admin)
    response = client.post(f"/manage/listings/{listing.id}/hours", data=hours_form(
        (0, 0, "09:00", "12:00"), (0, 1, "14:00", "18:00"), (5, 0, "08:30", "11:30:00")))
    assert response.status_code == 302
    session.refresh(listing)
    assert [(h.weekday, h.opens, h.closes) for h in listing.opening_hours] == [
        (0, time(9), time(12)), (0, time(14), time(18)), (5, time(8, 30), time(11, 30))]
    editor = client.get(f"/manage/listings/{listing.id}/hours").data.decode()
    assert 'value="14:00"' in editor
    page = client.get(f"/listings/{listing.id}").data.decode()
    assert "周一</strong>\n      09:00–12:00, 14:00–18:00" in page
    assert "08:30–11:30" in page


@pytest.mark.parametrize("rows, message", [
    (((0, 0, "09:00", "12:00"), (1, 0, "18:00", "09:00")), "结束时间必须晚于开始时间"),
    (((2, 0, "09:00", ""),), "请同时填写开始和结束时间"),
    (((2, 0, "9点", "10:00"),), "不是有效的时间值"),
    (((3, 0, "09:00", "12:00"), (3, 1, "11:00", "13:00")), "同一天的开放时段不能重叠"),
])
def test_bad_opening_hours_are_refused_and_nothing_is_written(client, login, session, factory, org_with_admin,
                                                             rows, message):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org, publish=False,
                              hours=[listings.HoursInterval(6, time(10), time(11))])
    login(admin)
    response = client.post(f"/manage/listings/{listing.id}/hours", data=hours_form(*rows))
    assert response.status_code == 422
    assert message in response.data.decode()
    session.expire_all()
    assert [(h.weekday, h.opens) for h in session.get(Listing, listing.id).opening_hours] == [(6, time(10))]


def test_exceptions_are_added_shown_to_residents_and_deleted(client, login, session, factory, org_with_admin):
    clock.travel_to(datetime(2026, 5, 1, 2, 0, tzinfo=timezone.utc))
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org)
    login(admin)
    closure = client.post(f"/manage/listings/{listing.id}/exceptions",
                          data={"day": "2026-05-04", "kind": "closed", "note": "劳动节闭馆"})
    assert closure.status_code == 302
    extra = client.post(f"/manage/listings/{listing.id}/exceptions",
                        data={"day": "2026-05-09", "kind": "open", "opens": "19:00", "closes": "21:00"})
    assert extra.status_code == 302
    client.post(f"/manage/listings/{listing.id}/exceptions", data={"day": "2026-04-20", "kind": "closed"})
    client.post("/logout")
    page = client.get(f"/listings/{listing.id}").data.decode()
    assert "2026-05-04 周一" in page and "全天关闭" in page and "劳动节闭馆" in page
    assert "额外开放 19:00–21:00" in page
    assert "2026-04-20" not in page  # past exceptions are not "upcoming"
    login(admin)
    session.expire_all()
    first = session.get(Listing, listing.id).exceptions[0]
    response = client.post(f"/manage/listings/{listing.id}/exceptions/{first.id}/delete")
    assert response.status_code == 302
    session.expire_all()
    assert [e.day for e in session.get(Listing, listing.id).exceptions] == [date(2026, 5, 4), date(2026, 5, 9)]


@pytest.mark.parametrize("data, message", [
    ({"day": "2026-05-09", "kind": "open"}, "额外开放需要填写开始和结束时间"),
    ({"day": "2026-05-09", "kind": "closed", "opens": "14:00", "closes": "10:00"}, "结束时间必须晚于开始时间"),
    ({"day": "", "kind": "closed"}, "请选择日期"),
    ({"day": "2026-02-30", "kind": "closed"}, "不是有效的日期值"),
    ({"day": "2026-05-09", "kind": "closed", "note": "长" * 500}, "说明不能超过200个字"),
])
def test_bad_exceptions_are_refused_and_nothing_is_written(client, login, session, factory, org_with_admin,
                                                          data, message):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org)
    login(admin)
    response = client.post(f"/manage/listings/{listing.id}/exceptions", data=data)
    assert response.status_code == 422
    assert message in response.data.decode()
    session.expire_all()
    assert session.get(Listing, listing.id).exceptions == []


def test_deleting_an_unknown_exception_is_a_404(client, login, factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org)
    login(admin)
    assert client.post(f"/manage/listings/{listing.id}/exceptions/987654/delete").status_code == 404


# --- publishing and suspending ------------------------------------------------------------------------------------

def test_publishing_is_refused_until_opening_hours_exist(client, login, session, factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org, publish=False, hours=[])
    login(admin)
    refused = client.post(f"/manage/listings/{listing.id}/publish")
    assert refused.status_code == 422
    assert "请先设置开放时间再发布" in refused.data.decode()
    assert session.get(Listing, listing.id).status is ListingStatus.draft
    client.post(f"/manage/listings/{listing.id}/hours", data=hours_form((1, 0, "09:00", "17:00")))
    published = client.post(f"/manage/listings/{listing.id}/publish")
    assert published.status_code == 302
    session.expire_all()
    assert session.get(Listing, listing.id).status is ListingStatus.published
    assert "已发布" in client.get(published.headers["Location"]).data.decode()


def test_an_unverified_organisation_cannot_publish(client, login, session, factory):
    admin = factory.user()
    org = factory.organisation(admin=admin, verified=False)
    listing = factory.listing(organisation=org, publish=False)
    login(admin)
    page = client.get("/manage/listings").data.decode()
    assert "等待平台认证" in page
    response = client.post(f"/manage/listings/{listing.id}/publish")
    assert response.status_code == 403
    assert "组织通过认证后才能发布资源" in response.data.decode()
    assert session.get(Listing, listing.id).status is ListingStatus.draft


def test_suspending_with_a_reason_hides_the_listing_from_the_public(client, login, session, factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org)
    login(admin)
    response = client.post(f"/manage/listings/{listing.id}/suspend", data={"reason": "设备维修"})
    assert response.status_code == 302
    session.expire_all()
    suspended = session.get(Listing, listing.id)
    assert suspended.status is ListingStatus.suspended and suspended.suspension_reason == "设备维修"
    assert "设备维修" in client.get(f"/listings/{listing.id}").data.decode()
    client.post("/logout")
    assert client.get(f"/listings/{listing.id}").status_code == 404


def test_after_a_platform_admins_suspension_the_provider_gets_no_publish_button_and_a_403(client, login, session,
                                                                                          factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org)
    login(factory.user(platform_admin=True))
    assert client.post(f"/admin/listings/{listing.id}/suspend", data={"reason": "有居民投诉乱收费"}).status_code == 302
    client.post("/logout")
    login(admin)
    page = client.get(f"/listings/{listing.id}").data.decode()
    assert "有居民投诉乱收费" in page and 'data-testid="publish"' not in page
    assert client.post(f"/manage/listings/{listing.id}/publish").status_code == 403
    session.expire_all()
    assert session.get(Listing, listing.id).status is ListingStatus.suspended


def test_a_too_long_suspension_reason_is_refused(client, login, session, factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org)
    login(admin)
    response = client.post(f"/manage/listings/{listing.id}/suspend", data={"reason": "长" * 501})
    assert response.status_code == 422
    assert "原因不能超过500个字" in response.data.decode()
    assert session.get(Listing, listing.id).status is ListingStatus.published


def test_editors_see_status_and_buttons_that_residents_do_not(client, login, factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org)
    anonymous = client.get(f"/listings/{listing.id}").data.decode()
    assert 'data-testid="editor-actions"' not in anonymous and 'data-testid="listing-status"' not in anonymous
    login(admin)
    editor = client.get(f"/listings/{listing.id}").data.decode()
    assert 'data-testid="editor-actions"' in editor and f"/manage/listings/{listing.id}/edit" in editor
    assert 'data-testid="suspend"' in editor


# --- permissions -------------------------------------------------------------------------------------------------

def test_staff_of_one_organisation_cannot_change_another_organisations_listing(client, login, session, factory):
    org_a = factory.organisation()
    staff_a = org_a.memberships[0].user
    org_b = factory.organisation()
    published = factory.listing(organisation=org_b)
    draft = factory.listing(organisation=org_b, publish=False)
    before = (published.title, published.status, draft.status)
    login(staff_a)
    listing_id = published.id
    assert client.get(f"/manage/listings/{listing_id}/edit").status_code == 403
    assert client.post(f"/manage/listings/{listing_id}/edit",
                       data=listing_form(org_b.place_id, title="被篡改")).status_code == 403
    assert client.post(f"/manage/listings/{listing_id}/hours", data=hours_form((0, 0, "01:00", "02:00"))).status_code == 403
    assert client.post(f"/manage/listings/{listing_id}/exceptions",
                       data={"day": "2026-05-04", "kind": "closed"}).status_code == 403
    assert client.post(f"/manage/listings/{listing_id}/photos",
                       data={"photo": (io.BytesIO(png_bytes()), "a.png")}).status_code == 403
    assert client.post(f"/manage/listings/{listing_id}/suspend", data={"reason": "捣乱"}).status_code == 403
    assert client.post(f"/manage/listings/{draft.id}/publish").status_code == 404
    assert client.get(f"/manage/listings/{draft.id}/edit").status_code == 404
    session.expire_all()
    published, draft = session.get(Listing, published.id), session.get(Listing, draft.id)
    assert (published.title, published.status, draft.status) == before
    assert len(published.opening_hours) == 7 and published.exceptions == [] and published.photos == []


def test_a_draft_is_not_found_for_anonymous_users_and_residents(client, login, factory):
    listing = factory.listing(publish=False)
    assert client.get(f"/listings/{listing.id}").status_code == 404
    login(factory.user())
    response = client.get(f"/listings/{listing.id}")
    assert response.status_code == 404
    assert "找不到这个资源" in response.data.decode()


def test_editing_pages_need_a_login_and_unknown_listings_are_404(client, login, factory):
    assert client.get("/manage/listings/new").status_code == 302
    login(factory.user())
    assert client.get("/manage/listings/987654/edit").status_code == 404
    assert client.get("/manage/listings/987654/photos").status_code == 404


# --- photos ------------------------------------------------------------------------------------------------------

def upload_dir_files(app) -> set[str]:
    folder = app.config["UPLOAD_DIR"]
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def test_a_real_photo_is_stored_shown_served_and_removed(app, client, login, session, factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org)
    login(admin)
    content = png_bytes()
    response = client.post(f"/manage/listings/{listing.id}/photos",
                           data={"photo": (io.BytesIO(content), "活动室.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    photo = session.scalars(select(Photo).where(Photo.listing_id == listing.id)).one()
    path = os.path.join(app.config["UPLOAD_DIR"], photo.filename)
    with open(path, "rb") as stored:
        assert photo.content_type == "image/png" and stored.read() == content
    src = f"/uploads/{photo.filename}"
    assert src in client.get(f"/listings/{listing.id}").data.decode()
    assert src in client.get("/listings").data.decode()
    served = client.get(src)
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == content
    served.close()
    removed = client.post(f"/manage/listings/{listing.id}/photos/{photo.id}/delete")
    assert removed.status_code == 302
    assert not os.path.exists(path)
    assert count(session, Photo) == 0


def test_a_text_file_posing_as_a_photo_is_refused(app, client, login, session, factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org)
    login(admin)
    files_before = upload_dir_files(app)
    response = client.post(f"/manage/listings/{listing.id}/photos",
                           data={"photo": (io.BytesIO(b"just some notes, not an image"), "photo.png")})
    assert response.status_code == 422
    assert "文件不是有效的图片" in response.data.decode()
    assert count(session, Photo) == 0 and upload_dir_files(app) == files_before


def test_an_upload_without_a_file_is_refused(client, login, session, factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org)
    login(admin)
    response = client.post(f"/manage/listings/{listing.id}/photos", data={})
    assert response.status_code == 422
    assert "请选择要上传的图片" in response.data.decode()


def test_a_50_mb_upload_is_refused_with_413_and_nothing_is_written(app, client, login, session, factory,
                                                                    org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org)
    login(admin)
    files_before = upload_dir_files(app)
    # Encoded in memory: the test client would otherwise spool it to a temporary file the app never reads.
    boundary, body = encode_multipart({"photo": FileStorage(io.BytesIO(b"\0" * (50 * 1024 * 1024)), "huge.png")})
    response = client.post(f"/manage/listings/{listing.id}/photos", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "上传的内容太大了" in response.data.decode()
    assert count(session, Photo) == 0 and upload_dir_files(app) == files_before


def test_the_photo_route_refuses_paths_outside_the_upload_folder(client):
    assert client.get("/uploads/..%2Fsecret_key").status_code == 404
    assert client.get("/uploads/.hidden").status_code == 404


# --- browsing ----------------------------------------------------------------------------------------------------

def test_browse_filters_by_kind(client, factory):
    org = factory.organisation()
    factory.listing(organisation=org, title="会议室甲")
    factory.listing(organisation=org, title="理发服务", kind="service")
    spaces = client.get("/listings?kind=space").data.decode()
    assert "会议室甲" in spaces and "理发服务" not in spaces
    services_page = client.get("/listings?kind=service").data.decode()
    assert "理发服务" in services_page and "会议室甲" not in services_page
    everything = client.get("/listings?kind=nonsense").data.decode()
    assert "理发服务" in everything and "会议室甲" in everything


def test_browse_by_community_includes_its_grids_and_buildings(client, factory):
    tree = factory.place_tree()
    org = factory.organisation(place=tree["c1"])
    factory.listing(organisation=org, title="社区会议室", place_id=tree["c1"].id)
    factory.listing(organisation=org, title="网格活动室", place_id=tree["c1_grid"].id)
    factory.listing(organisation=org, title="楼栋议事角", place_id=tree["c1_building"].id)
    factory.listing(organisation=org, title="隔壁社区大厅", place_id=tree["c2"].id)
    community = client.get(f"/listings?community={tree['c1'].id}").data.decode()
    assert all(t in community for t in ("社区会议室", "网格活动室", "楼栋议事角"))
    assert "隔壁社区大厅" not in community
    assert f'<option value="{tree["c1_grid"].id}"' in community  # the community's grids are offered
    grid = client.get(f"/listings?community={tree['c1'].id}&grid={tree['c1_grid'].id}").data.decode()
    assert "网格活动室" in grid and "楼栋议事角" in grid and "社区会议室" not in grid
    stale_grid = client.get(f"/listings?community={tree['c2'].id}&grid={tree['c1_grid'].id}").data.decode()
    assert "隔壁社区大厅" in stale_grid and "网格活动室" not in stale_grid
    tree_link = client.get(f"/listings?place={tree['c1_building'].id}").data.decode()
    assert "楼栋议事角" in tree_link and "网格活动室" not in tree_link


def test_browsing_an_unknown_community_is_a_404(client):
    response = client.get("/listings?community=987654")
    assert response.status_code == 404
    assert "找不到这个地点" in response.data.decode()


def test_browse_cards_show_kind_fee_provider_and_place(client, factory):
    tree = factory.place_tree()
    org = factory.organisation(place=tree["c1"], name="幸福里党群服务中心")
    factory.listing(organisation=org, title="书法课", kind="skill", fee_type="points", fee_amount="3",
                    place_id=tree["c1_grid"].id)
    page = client.get("/listings").data.decode()
    assert "书法课" in page and "技能" in page and "3 志愿积分" in page
    assert "幸福里党群服务中心" in page and tree["c1_grid"].name in page


def test_browse_pages_through_results(client, factory):
    org = factory.organisation()
    for n in range(5):
        factory.listing(organisation=org, title=f"活动室{n}号")
    first = client.get("/listings?per_page=2").data.decode()
    assert first.count('data-testid="listing-card"') == 2
    assert "第 1 / 3 页" in first and "page=2" in first and "per_page=2" in first
    last = client.get("/listings?per_page=2&page=3").data.decode()
    assert last.count('data-testid="listing-card"') == 1 and 'rel="next"' not in last
    assert client.get("/listings?page=abc&per_page=-5").status_code == 200


# --- escaping ----------------------------------------------------------------------------------------------------

def test_a_script_typed_by_a_provider_is_escaped_on_every_page(client, login, session, factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org, title=SCRIPT, description=SCRIPT, tags=["<b>x</b>"],
                              address=SCRIPT, rules=SCRIPT)
    listings.add_exception(session, admin, listing, listings.ExceptionData(
        day=clock.now().date() + timedelta(days=3), note=SCRIPT))
    session.commit()
    login(admin)
    pages = ["/", "/listings", f"/listings/{listing.id}", "/manage/listings", f"/manage/listings/{listing.id}/edit",
             f"/manage/listings/{listing.id}/hours", f"/manage/listings/{listing.id}/exceptions",
             f"/manage/listings/{listing.id}/photos"]
    for url in pages:
        body = client.get(url).data.decode()
        assert SCRIPT not in body and "<b>x</b>" not in body, url
        assert "&lt;script&gt;" in body, url


def test_the_hours_editor_warns_when_a_day_has_more_intervals_than_it_shows(client, login, factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org, publish=False, hours=[
        listings.HoursInterval(2, time(hour), time(hour, 30)) for hour in (8, 10, 12, 14)])
    login(admin)
    page = client.get(f"/manage/listings/{listing.id}/hours").data.decode()
    assert "周三的开放时段超过三个" in page
    assert 'value="14:00"' not in page and 'value="12:00"' in page


def test_a_failed_upload_after_a_good_one_shows_only_the_failure(client, login, factory, org_with_admin):
    org, admin, _tree = org_with_admin
    listing = factory.listing(organisation=org)
    login(admin)
    good = client.post(f"/manage/listings/{listing.id}/photos",
                       data={"photo": (io.BytesIO(png_bytes()), "活动室.png")}, content_type="multipart/form-data")
    assert "图片已上传" in client.get(good.headers["Location"]).data.decode()
    failed = client.post(good.headers["Location"], data={"photo": (io.BytesIO(b"not an image"), "photo.png")})
    page = failed.data.decode()
    assert failed.status_code == 422 and "文件不是有效的图片" in page and "图片已上传" not in page


def test_an_exclusive_hall_is_saved_and_shown_with_the_people_it_holds(client, login, session, org_with_admin):
    org, admin, tree = org_with_admin
    login(admin)
    response = client.post("/manage/listings/new", data={"provider": f"org-{org.id}", **listing_form(
        tree["c1_grid"].id, description="可容纳120人", people="120", capacity="1")})
    assert response.status_code == 302
    hall = session.scalars(select(Listing).where(Listing.organisation_id == org.id)).one()
    assert (hall.people, hall.capacity) == (120, 1)
    page = client.get(f"/listings/{hall.id}").data.decode()
    assert "120 人" in page and "1 人" not in page and "独占：同一时间只接受一个预约" in page
    assert 'value="120"' in client.get(f"/manage/listings/{hall.id}/edit").data.decode()


def test_a_seat_listing_says_how_many_can_book_at_once_and_people_may_stay_blank(client, login, session,
                                                                                  org_with_admin):
    org, admin, tree = org_with_admin
    login(admin)
    client.post("/manage/listings/new", data={"provider": f"org-{org.id}", **listing_form(
        tree["c1_grid"].id, description="共24个座位", people="", capacity="24")})
    room = session.scalars(select(Listing).where(Listing.organisation_id == org.id)).one()
    assert (room.people, room.capacity) == (None, 24)
    page = client.get(f"/listings/{room.id}").data.decode()
    assert "按座位：同一时段24人可各自预约" in page and 'data-testid="people"' not in page
