"""What listing pages show: the placeholder icon, how booking lengths read, where a listing is, the home page."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from marketplace.listings.models import ListingKind
from marketplace.listings.present import (ICON_FOLDER, ICON_RULES, KIND_ICONS, duration_range_label, listing_icon,
                                          place_label)


def offer(title, kind="space", tags=()):
    return SimpleNamespace(title=title, kind=ListingKind(kind), tags=list(tags))


@pytest.mark.parametrize("title,kind,tags,icon", [
    ("律师坐班法律咨询", "skill", (), "scale"),
    ("老年人爱心理发", "service", (), "scissors"),
    ("家庭医生签约咨询", "skill", (), "stethoscope"),
    ("党员活动室", "space", (), "flag"),
    ("新华社区议事厅", "space", (), "landmark"),
    ("周末开放", "space", ("乒乓",), "dumbbell"),
    ("共享空间", "space", (), "door-open"),
    ("政策咨询与办事代办", "service", (), "hand-helping"),
    ("手工课", "skill", (), "graduation-cap"),
])
def test_a_listing_icon_comes_from_its_title_and_tags_then_its_kind(title, kind, tags, icon):
    assert listing_icon(offer(title, kind, tags)) == icon


def test_every_icon_the_mapping_can_choose_is_vendored_with_its_licence():
    names = {icon for _, icon in ICON_RULES} | set(KIND_ICONS.values())
    assert {name for name in names if not (ICON_FOLDER / f"{name}.svg").is_file()} == set()
    assert "ISC License" in (ICON_FOLDER / "LICENSE").read_text(encoding="utf-8")


def test_a_booking_length_that_cannot_vary_reads_fixed(app):
    with app.test_request_context():
        assert duration_range_label(30, 30) == "固定30分钟"
        assert duration_range_label(30, 120) == "30分钟 至 2小时"


def test_a_building_is_named_with_its_community(factory):
    tree = factory.place_tree()
    assert place_label(tree["c1_building"]) == "幸福里社区 · 3号楼"
    assert place_label(tree["c1"]) == "幸福里社区"


def test_anonymous_home_page_recommends_none_of_the_newest_and_links_the_total(client, factory):
    org = factory.organisation()
    made = [factory.listing(organisation=org, title=f"活动室{n}") for n in range(14)]
    html = client.get("/").get_data(as_text=True)
    for_you, newest = html.split('data-testid="for-you"', 1)[1].split('data-testid="all-listings"', 1)
    recommended = set(re.findall(r'href="/listings/(\d+)"', for_you))
    assert recommended == {str(made[0].id), str(made[1].id)}  # the two older than the newest twelve
    assert recommended.isdisjoint(re.findall(r'href="/listings/(\d+)"', newest))
    assert 'href="/listings" data-testid="all-listings">共 14 项，查看全部' in html


def test_logging_out_says_so(client, factory, login):
    login(factory.user())
    response = client.post("/logout", follow_redirects=True)
    assert "你已退出登录。" in response.get_data(as_text=True)


def test_an_error_page_has_a_human_heading_and_ways_back(client):
    html = client.get("/listings/999999").get_data(as_text=True)
    assert '<h1 data-testid="error-heading">没有找到这个页面</h1>' in html
    assert 'href="/"' in html and 'data-testid="error-back"' in html and 'type="search" id="error-search-q"' in html
