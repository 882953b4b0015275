"""The results page and GET /api/v1/search: same service, clear answers to bad input, escaped highlights."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import render_template
from flask import session as browser_session
from flask_login import login_user

from marketplace.core import clock, zones
from marketplace.search.models import ListingView
from marketplace.search.services import record_listing_view
from marketplace.search.views import for_you_listings


@pytest.fixture
def listings(factory, index):
    tree = factory.place_tree()
    org = factory.organisation(place=tree["c1"], name="幸福里社区居委会")
    hall = factory.listing(organisation=org, title="党员活动室", description="可容纳30人，配有投影仪。",
                           tags=["党建"], place_id=tree["c1_grid"].id)
    xss = factory.listing(organisation=org, title="<script>alert(1)</script>活动室", description="<b>粗体</b>活动室")
    return tree, hall, xss


def test_api_returns_ranked_items_with_what_the_page_shows(client, listings):
    tree, hall, _ = listings
    response = client.get("/api/v1/search", query_string={"q": "hds"})
    assert response.status_code == 200
    body = response.json
    assert body["total"] == 2 and body["suggestion"] is None
    item = next(i for i in body["items"] if i["id"] == hall.id)
    assert item["kind"] == "space" and item["title"] == "党员活动室"
    assert item["provider"]["name"] == "幸福里社区居委会"
    assert item["community"]["name"] == "幸福里社区"
    assert item["free"] is True and item["reputation"] == {"rating": None, "reviews": 0}
    assert item["next_free_slot"] is not None
    assert '<mark class="hit term0">活动室</mark>' in item["title_html"]


def test_highlights_escape_what_users_typed(client, listings):
    item = next(i for i in client.get("/api/v1/search?q=活动室").json["items"] if "script" in i["title"])
    assert "<script>" not in item["title_html"] and "&lt;script&gt;" in item["title_html"]
    assert "<b>" not in item["snippet_html"]
    page = client.get("/search?q=活动室").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark" in page


@pytest.mark.parametrize("query", ['"活动室', "AND", "OR NOT (", "活动室\x00\x1b[31m", "*?~^:", "活动室" * 30])
def test_odd_queries_get_results_or_a_clear_message(client, listings, query):
    response = client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 200
    page = client.get("/search", query_string={"q": query})
    assert page.status_code == 200


def test_a_huge_query_is_refused_with_a_chinese_message(client, listings):
    response = client.get("/api/v1/search", query_string={"q": "书" * 10_000})
    assert response.status_code == 422
    assert response.json["field"] == "q" and "搜索词太长" in response.json["message"]
    page = client.get("/search", query_string={"q": "书" * 10_000})
    assert page.status_code == 200 and "搜索词太长" in page.get_data(as_text=True)


@pytest.mark.parametrize("params,status", [
    ({"kind": "castle"}, 422), ({"community": "abc"}, 422), ({"community": 999_999}, 404),
    ({"min_rating": 9}, 422), ({"capacity": 0}, 422), ({"facilities": "jacuzzi"}, 422),
    ({"free_at_start": "2030-01-01T10:00:00+08:00"}, 422),
    ({"free_at_start": "2030-01-01T10:00:00+08:00", "free_at_end": "2030-01-01T09:00:00+08:00"}, 422),
    ({"free_at_start": "2030-01-01T10:00:00", "free_at_end": "2030-01-01T11:00:00"}, 422),
    ({"page": 0}, 422), ({"community": 2**63}, 422),
    ({"free_at_start": "0001-01-01T00:00:00+14:00", "free_at_end": "0001-01-01T01:00:00+14:00"}, 422),
    ({"free_at_start": "9999-12-31T22:00:00+00:00", "free_at_end": "9999-12-31T23:00:00+00:00"}, 422),
])
def test_bad_filters_get_a_4xx_with_a_message(client, listings, params, status):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == status, response.json
    assert response.json["message"]


def test_community_filter_through_the_api(client, listings):
    tree, hall, _ = listings
    inside = client.get("/api/v1/search", query_string={"community": tree["c1"].id, "q": "党建"}).json
    outside = client.get("/api/v1/search", query_string={"community": tree["c2"].id, "q": "党建"}).json
    assert [i["id"] for i in inside["items"]] == [hall.id]
    assert outside["total"] == 0
    assert outside["alternatives"][0]["kind"] == "without_filter"


def test_results_page_shows_count_badges_and_did_you_mean(client, listings):
    page = client.get("/search?q=活动室").get_data(as_text=True)
    assert 'data-testid="search-count"' in page and "找到 2 项" in page
    assert "场地" in page and "幸福里社区居委会" in page
    typo = client.get("/search?q=huodonshi").get_data(as_text=True)
    assert 'data-testid="did-you-mean"' in typo and "活动室" in typo


def test_results_page_empty_state_offers_nearby_community(client, listings):
    tree, _, _ = listings
    page = client.get("/search", query_string={"q": "党建", "community": tree["c2"].id}).get_data(as_text=True)
    assert 'data-testid="search-empty"' in page
    assert "去掉“社区”条件" in page


def test_every_page_has_the_search_box(client, listings):
    assert 'action="/search"' in client.get("/").get_data(as_text=True)


def test_for_you_starts_from_what_the_resident_viewed(app, factory, session, listings):
    tree, hall, _ = listings
    org = hall.organisation
    similar = factory.listing(organisation=org, title="党建活动室", tags=["党建"])
    factory.listing(organisation=org, title="儿童钢琴启蒙", kind="skill", description="教识谱。")
    resident = factory.user()
    record_listing_view(session, resident, hall)
    session.commit()
    with app.test_request_context():
        login_user(resident)
        picked = for_you_listings(limit=3)
    assert picked[0].id == similar.id
    assert hall.id not in [listing.id for listing in picked]


def test_a_view_is_recorded_once_per_half_hour(factory, session, listings):
    _, hall, _ = listings
    resident = factory.user()
    record_listing_view(session, resident, hall)
    record_listing_view(session, resident, hall)
    assert session.query(ListingView).filter_by(user_id=resident.id).count() == 1


def test_opening_a_listing_page_writes_nothing_its_beacon_records_the_view(client, login, factory, session, listings):
    _, hall, _ = listings
    resident = factory.user()
    login(resident)
    page = client.get(f"/listings/{hall.id}").get_data(as_text=True)
    assert session.query(ListingView).filter_by(user_id=resident.id).count() == 0
    assert f'data-viewed-url="/listings/{hall.id}/viewed"' in page
    assert client.post(f"/listings/{hall.id}/viewed").status_code == 204
    assert session.query(ListingView).filter_by(user_id=resident.id, listing_id=hall.id).count() == 1


def test_the_api_records_a_view_for_the_token_holder(client, api_token, factory, session, listings):
    _, hall, _ = listings
    resident = factory.user()
    headers = api_token(resident)
    assert client.post(f"/api/v1/listings/{hall.id}/views", headers=headers).status_code == 204
    assert session.query(ListingView).filter_by(user_id=resident.id, listing_id=hall.id).count() == 1
    assert client.post("/api/v1/listings/2147483647/views", headers=headers).status_code == 404


def test_anonymous_visitors_get_popular_listings_near_the_chosen_community(app, factory, session, listings):
    tree, hall, xss = listings
    elsewhere = factory.listing(title="建设路阅览室", place_id=tree["c2"].id)
    for _ in range(3):
        record_listing_view(session, factory.user(), elsewhere)
    record_listing_view(session, factory.user(), hall)
    session.commit()
    with app.test_request_context():
        browser_session["search_community"] = tree["c1"].id
        picked = [listing.id for listing in for_you_listings(limit=2)]
    assert picked == [hall.id, xss.id]


def test_results_page_free_at_window_uses_local_date_and_times(client, factory, listings):
    _, hall, _ = listings
    day = zones.local_date(clock.now(), "Asia/Shanghai") + timedelta(days=2)
    free = client.get("/search", query_string={"q": "党建", "free_date": day.isoformat(), "free_from": "10:00",
                                               "free_to": "11:00"}).get_data(as_text=True)
    closed = client.get("/search", query_string={"q": "党建", "free_date": day.isoformat(), "free_from": "22:00",
                                                 "free_to": "23:00"}).get_data(as_text=True)
    assert "找到 1 项" in free and "党员活动室" in free
    assert 'data-testid="search-empty"' in closed and "去掉“空闲时段”条件" in closed


def test_results_page_explains_a_malformed_window(client, listings):
    page = client.get("/search", query_string={"q": "党建", "free_date": "2030-13-45", "free_from": "10:00",
                                               "free_to": "11:00"}).get_data(as_text=True)
    assert 'data-testid="search-error"' in page and "请选择日期" in page


def test_for_you_fragment_renders_the_recommended_cards(app, listings):
    _, hall, _ = listings
    with app.test_request_context():
        html = render_template("search/_for_you.html", recommendations=[hall])
        empty = render_template("search/_for_you.html", recommendations=[])
    assert 'data-testid="for-you"' in html and "党员活动室" in html and "为你推荐" in html
    assert empty.strip() == ""


def test_opening_a_listing_page_feeds_the_home_pages_for_you(client, factory, login, session, listings):
    tree, hall, _ = listings
    similar = factory.listing(organisation=hall.organisation, title="党建活动室", tags=["党建"])
    resident = factory.user()
    login(resident)
    assert client.get(f"/listings/{hall.id}").status_code == 200
    assert client.post(f"/listings/{hall.id}/viewed").status_code == 204  # what the page's script sends
    assert session.query(ListingView).filter_by(user_id=resident.id, listing_id=hall.id).count() == 1
    home = client.get("/").get_data(as_text=True)
    for_you = home.split('data-testid="for-you"', 1)[1].split("</section>", 1)[0]
    first_card = for_you.split('data-testid="listing-card"')[1]
    assert f"/listings/{similar.id}" in first_card


@pytest.mark.parametrize("params,message", [
    ({"free_date": "0001-01-01", "free_from": "00:00", "free_to": "01:00"}, "时间超出了可预约的范围"),
    ({"free_date": "9999-12-31", "free_from": "22:00", "free_to": "23:00"}, "时间超出了可预约的范围"),
    ({"free_date": "2030-01-01", "free_from": "10:00+05:00", "free_to": "11:00"}, "开始时间格式不正确"),
    ({"free_date": "2030-01-01", "free_from": "10:00", "free_to": "11:00:00.5+08:00"}, "结束时间格式不正确"),
    ({"community": str(2**63)}, "社区编号不正确"),
    ({"community": "-3"}, "社区编号不正确"),
])
def test_results_page_explains_out_of_range_and_offset_values_instead_of_failing(client, listings, params, message):
    response = client.get("/search", query_string={"q": "党建", **params})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="search-error"' in page and message in page


def test_results_page_pages_keep_the_query_and_filters(client, listings):
    first = client.get("/search", query_string={"q": "活动室", "per_page": 1, "free": "1"}).get_data(as_text=True)
    assert "第 1 / 2 页" in first and 'rel="next"' in first and 'rel="prev"' not in first
    next_link = first.split('rel="next"')[0].rsplit('href="', 1)[1]
    assert "page=2" in next_link and "free=1" in next_link and "per_page=1" in next_link
    second = client.get("/search", query_string={"q": "活动室", "per_page": 1, "free": "1", "page": 2})
    assert 'rel="prev"' in second.get_data(as_text=True)


def test_api_items_name_the_community_and_place_of_each_listing(client, listings):
    tree, hall, _ = listings
    item = next(i for i in client.get("/api/v1/search?q=党建").json["items"] if i["id"] == hall.id)
    assert item["community"] == {"id": tree["c1"].id, "name": "幸福里社区", "full_name": tree["c1"].full_name}
    assert item["place"]["id"] == tree["c1_grid"].id and item["place"]["full_name"] == tree["c1_grid"].full_name


def test_a_page_past_the_end_says_so_instead_of_nothing_found(client, listings):
    page = client.get("/search", query_string={"q": "", "page": 99}).get_data(as_text=True)
    assert "第 99 页没有内容：一共只有 1 页" in page
    assert "没有找到符合条件的资源" not in page and "第 99 / 1 页" not in page
    nav = page[page.index('data-testid="pager-past-end"'):]
    assert re.search(r'href="/search\?[^"]*page=1[&"]', nav[:nav.index("</nav>")])


def test_the_api_answers_a_page_past_the_end_with_no_items_and_the_true_total(client, listings):
    body = client.get("/api/v1/search", query_string={"q": "活动室", "page": 99}).json
    assert body["items"] == [] and body["total"] == 2 and body["page"] == 99


def test_both_faces_count_a_half_hour_haircut_free_in_an_hour_window_and_say_the_rule(client, factory, listings):
    factory.listing(kind="service", title="老年人爱心理发", slot_minutes=30, min_duration_minutes=30,
                    max_duration_minutes=30)
    day = zones.local_date(clock.now(), "Asia/Shanghai") + timedelta(days=2)
    page = client.get("/search", query_string={"q": "理发", "free_date": day.isoformat(), "free_from": "09:00",
                                               "free_to": "10:00"}).get_data(as_text=True)
    assert "找到 1 项" in page and 'data-testid="free-at-rule"' in page
    body = client.get("/api/v1/search", query_string={
        "q": "理发", "free_at_start": f"{day.isoformat()}T09:00:00+08:00",
        "free_at_end": f"{day.isoformat()}T10:00:00+08:00"}).json
    assert [item["title"] for item in body["items"]] == ["老年人爱心理发"]
