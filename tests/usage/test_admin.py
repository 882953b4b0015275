"""Platform admins read the usage snapshots: the JSON under /api/v1/admin/usage and the admin page."""
from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.core import clock, zones
from marketplace.usage import services as usage
from tests.bookings.conftest import NOW, SHANGHAI, TODAY, local

USAGE = "/api/v1/admin/usage"


@pytest.fixture
def admin(factory):
    clock.travel_to(NOW)
    return factory.user(name="街道管理员", platform_admin=True)


@pytest.fixture
def three_days(factory, session, admin):
    """Two listings with snapshots for their first three local days; the second booked once on day 2."""
    first, second = factory.listing(title="活动室甲"), factory.listing(title="活动室乙")
    factory.booking(listing=second, start=local(2, 10))
    clock.travel_to(zones.day_bounds(TODAY + timedelta(days=2), SHANGHAI)[1] + timedelta(hours=1))
    assert usage.snapshot_due_days(session, clock.now(), SHANGHAI, settle=timedelta(hours=1), limit=100) == 6
    session.commit()
    return first, second


def test_the_api_filters_by_listing_and_days_newest_first(client, admin, api_token, three_days):
    _, second = three_days
    response = client.get(USAGE, query_string={"listing_id": second.id, "from": str(TODAY + timedelta(days=1)),
                                               "to": str(TODAY + timedelta(days=2))}, headers=api_token(admin))
    assert response.status_code == 200
    body = response.json
    assert body["total"] == 2
    assert [(item["day"], item["listing_id"], item["listing_title"], item["bookings"], item["booked_hours"])
            for item in body["items"]] == [(str(TODAY + timedelta(days=2)), second.id, "活动室乙", 1, 1.0),
                                           (str(TODAY + timedelta(days=1)), second.id, "活动室乙", 0, 0.0)]
    assert body["items"][0]["open_hours"] == 12.0


def test_a_range_that_ends_before_it_starts_is_a_clear_422(client, admin, api_token, three_days):
    response = client.get(USAGE, query_string={"from": "2026-06-03", "to": "2026-06-01"}, headers=api_token(admin))
    assert response.status_code == 422
    assert response.json["message"] == "结束日期不能早于开始日期"
    response = client.get(USAGE, query_string={"from": "June"}, headers=api_token(admin))
    assert response.status_code == 422 and response.json["errors"] == {"query": {"from": ["应为日期，例如 2026-05-01"]}}


def test_only_platform_admins_see_usage(client, factory, login, api_token, three_days):
    resident = factory.user()
    assert client.get(USAGE).status_code == 401
    assert client.get(USAGE, headers=api_token(resident)).status_code == 403
    assert login(resident).get("/admin/usage").status_code == 403


def test_the_admin_page_shows_the_last_snapshots_and_the_day_done(login, admin, three_days):
    first, _ = three_days
    page = login(admin).get(f"/admin/usage?listing_id={first.id}").get_data(as_text=True)
    assert page.count('data-testid="usage-row"') == 3
    assert "活动室甲" in page and "活动室乙" not in page
    assert str(TODAY + timedelta(days=2)) in page
