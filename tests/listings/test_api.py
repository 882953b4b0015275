"""The listings API: browsing, the provider's operations, object-level permissions and bad input."""
from __future__ import annotations

import io
import os
from datetime import time

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from marketplace.listings import services as listings
from marketplace.listings.models import Listing, ListingException, ListingStatus, OpeningHours, Photo

API = "/api/v1/listings"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 16, 46)).save(buffer, "PNG")
    return buffer.getvalue()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def new_listing_body(place_id, **overrides) -> dict:
    body = {"kind": "space", "title": "幸福里多功能厅", "place_id": place_id, "capacity": 30,
            "description": "可容纳30人，配有投影仪。", "tags": ["会议", "培训"], "facilities": ["projector"],
            "fee_type": "points", "fee_amount": "5", "instant_booking": False}
    body.update(overrides)
    return body


@pytest.fixture
def provider(factory):
    """A verified organisation in 幸福里社区, its admin with a bearer token, and the place tree."""
    admin = factory.user(name="王主任")
    tree = factory.place_tree()
    organisation = factory.organisation(admin=admin, place=tree["c1"])
    return organisation, admin, tree


@pytest.fixture
def rival(factory):
    """The admin of another verified organisation, who must never touch the first one's listings."""
    admin = factory.user(name="别家主任")
    factory.organisation(admin=admin)
    return admin


# --- browsing -----------------------------------------------------------------------------------------------


def test_browsing_lists_published_listings_with_every_documented_field(client, factory, provider):
    organisation, admin, tree = provider
    published = factory.listing(organisation=organisation, tags=["亲子"], facilities=["projector"], capacity=30)
    factory.listing(organisation=organisation, publish=False, title="还没发布的草稿")

    body = client.get(API, query_string={"community": tree["c1"].id}).json

    assert body["total"] == 1
    [item] = body["items"]
    assert item["id"] == published.id
    assert item["kind"] == "space" and item["capacity"] == 30 and item["status"] == "published"
    assert item["tags"] == ["亲子"] and item["facilities"] == ["projector"]
    assert item["provider"] == {"type": "organisation", "id": organisation.id, "name": organisation.name,
                                "contact": {"phone": "", "address": "", "hours": "", "note": ""}}
    assert item["place"] == {"id": tree["c1"].id, "name": "幸福里社区", "full_name": tree["c1"].full_name}
    assert item["opening_hours"][0] == {"weekday": 0, "opens": "09:00", "closes": "21:00"}
    assert item["fee_type"] == "free" and item["fee_amount"] == "0.00"
    for key in ("title", "description", "address", "slot_minutes", "min_duration_minutes", "max_duration_minutes",
                "buffer_minutes", "min_notice_minutes", "max_advance_days", "cancel_cutoff_minutes",
                "instant_booking", "exceptions", "photos", "created_at", "updated_at", "published_at"):
        assert key in item


def test_a_community_includes_its_grids_and_buildings_and_kind_filters(client, factory, provider):
    organisation, _admin, tree = provider
    in_building = factory.listing(organisation=organisation, place_id=tree["c1_building"].id)
    skill = factory.listing(organisation=organisation, kind="skill", title="法律咨询")
    elsewhere = factory.listing(organisation=organisation, place_id=tree["c2"].id)

    in_c1 = client.get(API, query_string={"community": tree["c1"].id}).json
    skills = client.get(API, query_string={"community": tree["street"].id, "kind": "skill"}).json

    assert {item["id"] for item in in_c1["items"]} == {in_building.id, skill.id}
    assert elsewhere.id not in {item["id"] for item in in_c1["items"]}
    assert [item["id"] for item in skills["items"]] == [skill.id]


def test_collections_are_paged(client, factory, provider):
    organisation, _admin, tree = provider
    for _ in range(3):
        factory.listing(organisation=organisation)

    body = client.get(API, query_string={"community": tree["c1"].id, "page": 2, "per_page": 2}).json

    assert body["total"] == 3 and len(body["items"]) == 1
    assert (body["page"], body["per_page"]) == (2, 2)


@pytest.mark.parametrize("query, field, message", [
    ({"per_page": 101}, "per_page", "应在1到100之间"),
    ({"page": 0}, "page", "应在1到100000之间"),
    ({"page": "abc"}, "page", "应为整数"),
    ({"kind": "castle"}, "kind", "只能是以下之一：space, skill, service"),
    ({"community": "99999999999999999999"}, "community", "应在1到2147483647之间"),
    ({"colour": "red"}, "colour", "不认识的字段"),
])
def test_bad_query_arguments_get_a_chinese_422(client, query, field, message):
    response = client.get(API, query_string=query)
    assert response.status_code == 422
    assert response.json["message"] == "提交的数据不正确，请检查后重试"
    assert response.json["errors"]["query"][field] == [message]


def test_an_unknown_community_is_404(client):
    response = client.get(API, query_string={"community": 987654})
    assert response.status_code == 404
    assert response.json["message"] == "找不到这个地点"


# --- reading one listing ------------------------------------------------------------------------------------


def test_drafts_are_404_to_everyone_but_their_editors(client, factory, provider, rival, api_token):
    organisation, admin, _tree = provider
    draft = factory.listing(organisation=organisation, publish=False)

    assert client.get(f"{API}/{draft.id}").status_code == 404
    assert client.get(f"{API}/{draft.id}", headers=api_token(rival)).status_code == 404
    assert client.patch(f"{API}/{draft.id}", json={"title": "偷改"}, headers=api_token(rival)).status_code == 404
    own = client.get(f"{API}/{draft.id}", headers=api_token(admin))
    assert own.status_code == 200 and own.json["status"] == "draft" and own.json["title"] == draft.title != "偷改"


@pytest.mark.parametrize("path", [f"{API}/987654", f"{API}/99999999999999999999", f"{API}/0"])
def test_unknown_listing_ids_are_404_not_500(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json["message"]


# --- the provider's operations ------------------------------------------------------------------------------


def test_staff_create_set_hours_and_publish_a_listing(client, session, provider, api_token):
    _organisation, admin, tree = provider
    organisation = provider[0]
    headers = api_token(admin)

    created = client.post(API, json=new_listing_body(tree["c1_grid"].id, organisation_id=organisation.id),
                          headers=headers)
    assert created.status_code == 201, created.json
    listing_id = created.json["id"]
    assert created.json["status"] == "draft"
    assert created.json["fee_amount"] == "5.00" and created.json["instant_booking"] is False
    assert created.json["provider"]["type"] == "organisation"

    hours = client.put(f"{API}/{listing_id}/opening-hours", headers=headers, json=[
        {"weekday": 5, "opens": "14:00", "closes": "18:00"}, {"weekday": 5, "opens": "09:00", "closes": "12:00"}])
    assert hours.status_code == 200
    assert hours.json == [{"weekday": 5, "opens": "09:00", "closes": "12:00"},
                          {"weekday": 5, "opens": "14:00", "closes": "18:00"}]

    published = client.post(f"{API}/{listing_id}/publish", headers=headers)
    assert published.status_code == 200 and published.json["status"] == "published"
    assert listing_id in [item["id"] for item in client.get(API).json["items"]]


def test_publishing_without_opening_hours_is_refused(client, factory, provider, api_token):
    organisation, admin, _tree = provider
    draft = factory.listing(organisation=organisation, publish=False, hours=[])

    response = client.post(f"{API}/{draft.id}/publish", headers=api_token(admin))

    assert response.status_code == 422
    assert response.json == {"message": "请先设置开放时间再发布", "field": "opening_hours"}


def test_a_volunteer_lists_a_skill_as_an_individual(client, factory, api_token):
    volunteer = factory.user(name="退休律师老张", volunteer=True)
    place = factory.place_tree()["c1_building"]

    response = client.post(API, json={"kind": "skill", "title": "法律咨询", "place_id": place.id},
                           headers=api_token(volunteer))

    assert response.status_code == 201
    assert response.json["provider"] == {"type": "volunteer", "id": volunteer.id, "name": "退休律师老张",
                                         "contact": {"phone": "", "address": "", "hours": "", "note": ""}}


def test_a_resident_who_is_not_a_volunteer_cannot_list_without_an_organisation(client, session, factory, api_token):
    resident = factory.user()
    place = factory.place_tree()["c1"]
    before = count(session, Listing)

    response = client.post(API, json={"kind": "skill", "title": "修电器", "place_id": place.id},
                           headers=api_token(resident))

    assert response.status_code == 403
    assert response.json["message"] == "请先在个人资料中登记为志愿者"
    assert count(session, Listing) == before


def test_patch_changes_only_the_fields_sent(client, session, factory, provider, api_token):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation, capacity=12, tags=["读书"])

    response = client.patch(f"{API}/{listing.id}", json={"title": "新的标题", "capacity": 40},
                            headers=api_token(admin))

    assert response.status_code == 200, response.json
    session.expire_all()
    assert (listing.title, listing.capacity, listing.tags) == ("新的标题", 40, ["读书"])
    assert listing.status is ListingStatus.published


def test_suspended_listings_leave_public_view(client, session, factory, provider, api_token):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation)

    response = client.post(f"{API}/{listing.id}/suspend", json={"reason": "设备维修"}, headers=api_token(admin))

    assert response.status_code == 200
    assert response.json["status"] == "suspended" and response.json["suspension_reason"] == "设备维修"
    assert client.get(f"{API}/{listing.id}").status_code == 404


def test_a_platform_admins_suspension_is_lifted_only_by_a_platform_admin(client, session, factory, provider,
                                                                          api_token):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation)
    moderator = api_token(factory.user(platform_admin=True))
    staff = api_token(admin)

    suspended = client.post(f"{API}/{listing.id}/suspend", json={"reason": "有居民投诉乱收费"}, headers=moderator)
    assert suspended.status_code == 200 and suspended.json["suspended_by_platform"] is True

    republished = client.post(f"{API}/{listing.id}/publish", headers=staff)
    resuspended = client.post(f"{API}/{listing.id}/suspend", json={"reason": "我们自己暂停"}, headers=staff)
    assert (republished.status_code, resuspended.status_code) == (403, 403)
    assert republished.json["message"] == "这个资源已被暂停"
    session.expire_all()
    assert (listing.status, listing.suspension_reason) == (ListingStatus.suspended, "有居民投诉乱收费")


def test_providers_lift_their_own_suspension(client, session, factory, provider, api_token):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation)
    staff = api_token(admin)

    assert client.post(f"{API}/{listing.id}/suspend", json={"reason": "设备维修"}, headers=staff).status_code == 200
    republished = client.post(f"{API}/{listing.id}/publish", headers=staff)

    assert republished.status_code == 200
    assert republished.json["status"] == "published" and republished.json["suspended_by_platform"] is False


def test_exceptions_are_added_and_removed(client, session, factory, provider, api_token):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation)
    headers = api_token(admin)

    added = client.post(f"{API}/{listing.id}/exceptions", headers=headers,
                        json={"day": "2026-10-01", "note": "国庆节闭馆"})
    assert added.status_code == 201
    assert added.json["is_closed"] is True and added.json["opens"] is None and added.json["note"] == "国庆节闭馆"
    assert client.get(f"{API}/{listing.id}").json["exceptions"][0]["day"] == "2026-10-01"

    removed = client.delete(f"{API}/{listing.id}/exceptions/{added.json['id']}", headers=headers)
    assert removed.status_code == 204
    assert count(session, ListingException) == 0
    again = client.delete(f"{API}/{listing.id}/exceptions/{added.json['id']}", headers=headers)
    assert again.status_code == 404 and again.json["message"] == "找不到这条例外安排"


def test_photos_are_uploaded_served_and_removed(app, client, session, factory, provider, api_token):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation)
    headers = api_token(admin)

    uploaded = client.post(f"{API}/{listing.id}/photos", headers=headers,
                           data={"photo": (io.BytesIO(png_bytes()), "hall.png")}, content_type="multipart/form-data")

    assert uploaded.status_code == 201, uploaded.json
    assert uploaded.json["content_type"] == "image/png"
    with client.get(uploaded.json["url"]) as served:
        assert served.status_code == 200 and served.data == png_bytes()
    assert client.get(f"{API}/{listing.id}").json["photos"][0]["url"] == uploaded.json["url"]
    stored = os.path.join(app.config["UPLOAD_DIR"], session.get(Photo, uploaded.json["id"]).filename)

    removed = client.delete(f"{API}/{listing.id}/photos/{uploaded.json['id']}", headers=headers)
    assert removed.status_code == 204
    assert not os.path.exists(stored)


# --- object-level permissions ---------------------------------------------------------------------------------


OPERATIONS_ON_ANOTHERS_LISTING = [
    ("patch", "", {"json": {"title": "被别人改了"}}),
    ("post", "/publish", {}),
    ("post", "/suspend", {"json": {"reason": "恶意暂停"}}),
    ("put", "/opening-hours", {"json": [{"weekday": 0, "opens": "01:00", "closes": "02:00"}]}),
    ("post", "/exceptions", {"json": {"day": "2026-10-01"}}),
    ("post", "/photos", {"content_type": "multipart/form-data"}),
]


@pytest.mark.parametrize("method, suffix, kwargs", OPERATIONS_ON_ANOTHERS_LISTING,
                         ids=[f"{m} {s or '/'}" for m, s, _ in OPERATIONS_ON_ANOTHERS_LISTING])
def test_staff_of_another_organisation_can_never_change_a_listing(client, session, factory, provider, rival,
                                                                    api_token, method, suffix, kwargs):
    organisation, _admin, _tree = provider
    listing = factory.listing(organisation=organisation, title="幸福里活动室")
    if suffix == "/photos":
        kwargs = {**kwargs, "data": {"photo": (io.BytesIO(png_bytes()), "x.png")}}

    response = getattr(client, method)(f"{API}/{listing.id}{suffix}", headers=api_token(rival), **kwargs)

    assert response.status_code == 403
    assert "权限" in response.json["message"]
    session.expire_all()
    assert (listing.title, listing.status) == ("幸福里活动室", ListingStatus.published)
    assert [(h.opens, h.closes) for h in listing.opening_hours][0] == (time(9), time(21))
    assert listing.exceptions == [] and listing.photos == []


def test_creating_a_listing_for_another_organisation_is_forbidden(client, session, provider, rival, api_token):
    organisation, _admin, tree = provider
    before = count(session, Listing)

    response = client.post(API, json=new_listing_body(tree["c1"].id, organisation_id=organisation.id),
                           headers=api_token(rival))

    assert response.status_code == 403
    assert count(session, Listing) == before


def test_anonymous_callers_get_401_before_their_input_is_read(client, session, factory, provider):
    listing = factory.listing(organisation=provider[0])

    assert client.post(API, json={}).status_code == 401
    response = client.patch(f"{API}/{listing.id}", json={"capacity": "abc"})
    assert response.status_code == 401
    assert response.json["message"] == "请先登录"


# --- bad input ---------------------------------------------------------------------------------------------------


BAD_NEW_LISTINGS = [
    ("missing title", {"title": None}, 422, "title", "必须填写"),
    ("null title", {"title": "__null__"}, 422, "title", "不能为空"),
    ("capacity not a number", {"capacity": "abc"}, 422, "capacity", "应为整数"),
    ("capacity a fraction", {"capacity": 1.5}, 422, "capacity", "应为整数"),
    ("title of 10,000 characters", {"title": "长" * 10_000}, 422, "title", "不能超过100个字"),
    ("description of 10,000 characters", {"description": "长" * 10_000}, 422, "description", "不能超过5000个字"),
    ("unknown kind", {"kind": "castle"}, 422, "kind", "只能是以下之一：space, skill, service"),
    ("unknown facility", {"facilities": ["jacuzzi"]}, 422, "facilities", "只能是以下之一："),
    ("tags not a list", {"tags": "读书"}, 422, "tags", "应为列表"),
    ("fee not a number", {"fee_amount": "free"}, 422, "fee_amount", "应为数字"),
    ("unknown field", {"capcity": 3}, 422, "capcity", "不认识的字段"),
    ("place id too large", {"place_id": 10**30}, 422, "place_id", "应在1到2147483647之间"),
    ("unknown place", {"place_id": 987654}, 404, None, "找不到这个地点"),
    ("unknown organisation", {"organisation_id": 987654}, 404, None, "找不到这个组织"),
    ("capacity out of range", {"capacity": 0}, 422, None, "座位数应在1到10000之间"),
]


@pytest.mark.parametrize("overrides, status, field, message",
                         [case[1:] for case in BAD_NEW_LISTINGS], ids=[case[0] for case in BAD_NEW_LISTINGS])
def test_bad_new_listings_are_refused_in_chinese_and_nothing_is_written(client, session, provider, api_token,
                                                                         overrides, status, field, message):
    organisation, admin, tree = provider
    body = new_listing_body(tree["c1"].id, organisation_id=organisation.id)
    for key, value in overrides.items():
        if value is None:
            body.pop(key, None)
            continue
        body[key] = None if value == "__null__" else value
    before = count(session, Listing)

    response = client.post(API, json=body, headers=api_token(admin))

    assert response.status_code == status, response.json
    if field is not None:
        assert message in str(response.json["errors"][field])
    else:
        assert response.json["message"] == message
    assert count(session, Listing) == before


@pytest.mark.parametrize("data, content_type, status, message", [
    ("title=会议室", "application/x-www-form-urlencoded", 415, "请以 JSON 格式提交（Content-Type: application/json）"),
    ("这不是JSON", "text/plain", 415, "请以 JSON 格式提交（Content-Type: application/json）"),
    ('{"title": "会议室",', "application/json", 400, "请求内容不是有效的 JSON"),
    ('["会议室"]', "application/json", 422, "数据格式不正确，应为 JSON 对象"),
], ids=["form-encoded", "plain text", "broken JSON", "JSON array"])
def test_bodies_that_are_not_a_json_object_are_refused(client, session, provider, api_token, data, content_type,
                                                       status, message):
    before = count(session, Listing)

    response = client.post(API, data=data.encode(), content_type=content_type, headers=api_token(provider[1]))

    assert response.status_code == status
    assert message in str(response.json["errors"])
    assert count(session, Listing) == before


@pytest.mark.parametrize("hours, message", [
    ([{"weekday": 1, "opens": "18:00", "closes": "09:00"}], "结束时间必须晚于开始时间"),
    ([{"weekday": 1, "opens": "09:00", "closes": "12:00"}, {"weekday": 1, "opens": "11:00", "closes": "13:00"}],
     "同一天的开放时段不能重叠"),
])
def test_opening_hours_that_break_the_rules_are_refused_and_the_old_hours_kept(client, session, factory, provider,
                                                                              api_token, hours, message):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation)

    response = client.put(f"{API}/{listing.id}/opening-hours", json=hours, headers=api_token(admin))

    assert response.status_code == 422
    assert response.json == {"message": message, "field": "opening_hours"}
    assert count(session, OpeningHours) == 7


@pytest.mark.parametrize("interval, field, message", [
    ({"weekday": 7, "opens": "09:00", "closes": "12:00"}, "weekday", "应在0到6之间"),
    ({"weekday": 1, "opens": "25:00", "closes": "23:00"}, "opens", "应为“时:分”格式的时间，例如 09:30"),
    ({"weekday": 1, "opens": "09:00"}, "closes", "必须填写"),
])
def test_malformed_opening_hours_are_refused_field_by_field(client, session, factory, provider, api_token,
                                                            interval, field, message):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation)

    response = client.put(f"{API}/{listing.id}/opening-hours", json=[interval], headers=api_token(admin))

    assert response.status_code == 422
    assert response.json["errors"] == {"0": {field: [message]}}
    assert count(session, OpeningHours) == 7


def test_an_exception_ending_before_it_starts_is_refused(client, session, factory, provider, api_token):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation)

    response = client.post(f"{API}/{listing.id}/exceptions", headers=api_token(admin),
                           json={"day": "2026-10-01", "is_closed": False, "opens": "15:00", "closes": "10:00"})

    assert response.status_code == 422
    assert response.json == {"message": "结束时间必须晚于开始时间", "field": "closes"}
    assert count(session, ListingException) == 0


@pytest.mark.parametrize("files, message", [
    ({"photo": (io.BytesIO(b"%PDF-1.4 not an image"), "menu.png")}, "文件不是有效的图片"),
    ({}, "必须填写"),
], ids=["not an image", "no file"])
def test_bad_photos_are_refused_and_nothing_is_stored(app, client, session, factory, provider, api_token, files,
                                                      message):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation)
    stored_before = set(os.listdir(app.config["UPLOAD_DIR"])) if os.path.isdir(app.config["UPLOAD_DIR"]) else set()

    response = client.post(f"{API}/{listing.id}/photos", headers=api_token(admin), data=files,
                           content_type="multipart/form-data")

    assert response.status_code == 422
    assert message in str(response.json)
    assert count(session, Photo) == 0
    stored_after = set(os.listdir(app.config["UPLOAD_DIR"])) if os.path.isdir(app.config["UPLOAD_DIR"]) else set()
    assert stored_after == stored_before


def test_a_photo_over_the_size_limit_is_refused(app, client, session, factory, provider, api_token):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation)
    oversized = png_bytes() + b"\0" * app.config["MAX_PHOTO_BYTES"]
    # Encoded in memory: the test client would spool a body this large to a temporary file it never closes.
    boundary, body = encode_multipart({"photo": FileStorage(io.BytesIO(oversized), "big.png")})

    response = client.post(f"{API}/{listing.id}/photos", headers=api_token(admin), data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")

    assert response.status_code == 422
    assert response.json["message"] == "图片不能超过5MB"
    assert count(session, Photo) == 0


def test_an_upload_over_the_request_limit_gets_413_in_chinese(app, client, session, factory, provider, api_token):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation)
    boundary, body = encode_multipart({"photo": FileStorage(io.BytesIO(b"\0" * app.config["MAX_CONTENT_LENGTH"]),
                                                            "huge.png")})

    response = client.post(f"{API}/{listing.id}/photos", headers=api_token(admin), data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")

    assert response.status_code == 413
    assert response.json["message"] == "上传的内容太大了"
    assert count(session, Photo) == 0


def test_a_patch_with_a_bad_value_changes_nothing(client, session, factory, provider, api_token):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation, title="原来的标题")

    response = client.patch(f"{API}/{listing.id}", json={"title": "新标题", "min_duration_minutes": 7},
                            headers=api_token(admin))

    assert response.status_code == 422
    assert response.json["field"] == "min_duration_minutes"
    session.expire_all()
    assert listing.title == "原来的标题"


def test_services_agree_with_the_api_on_partial_updates(session, factory, provider):
    organisation, admin, _tree = provider
    listing = factory.listing(organisation=organisation, capacity=8, facilities=["piano"])

    data = listings.listing_data(listing)

    assert (data.capacity, data.facilities, data.kind) == (8, ["piano"], listing.kind)


def test_people_and_seats_are_separate_fields_of_the_api(client, session, provider, api_token):
    organisation, admin, tree = provider
    headers = api_token(admin)
    created = client.post(API, json=new_listing_body(tree["c1_grid"].id, organisation_id=organisation.id,
                                                     people=120, capacity=1), headers=headers)
    assert created.status_code == 201, created.json
    assert (created.json["people"], created.json["capacity"]) == (120, 1)
    changed = client.patch(f"{API}/{created.json['id']}", json={"people": None}, headers=headers)
    assert changed.status_code == 200 and changed.json["people"] is None and changed.json["capacity"] == 1
    refused = client.patch(f"{API}/{created.json['id']}", json={"people": 0}, headers=headers)
    assert refused.status_code == 422 and refused.json["message"] == "容纳人数应在1到10000之间"
