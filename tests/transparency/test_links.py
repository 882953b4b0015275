"""The dashboard is reachable from the pages it describes, and its pages link back to them, up to the street and
down to their communities and listings: every link is there, in both languages, and leads to a 200 page."""
from __future__ import annotations

import re
from html import unescape

import pytest


def links(page: str, testid: str) -> list[str]:
    """The href of every <a> marked with this data-testid, in page order."""
    anchors = re.findall(rf'<a\b[^>]*\bdata-testid="{testid}"[^>]*>', page)
    return [unescape(re.search(r'\bhref="([^"]*)"', anchor).group(1)) for anchor in anchors]


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.fixture
def street(factory):
    """One organisation with a published and a draft listing in the first community, and a second community."""
    tree = factory.place_tree()
    org = factory.organisation(place=tree["c1_grid"])
    shown = factory.listing(organisation=org, title="活动室甲")
    draft = factory.listing(organisation=org, title="未发布的活动室", publish=False)
    return tree, org, shown, draft


def test_the_pages_a_dashboard_describes_link_to_their_own_dashboard(client, street):
    tree, org, shown, _draft = street
    expected = {
        f"/listings/{shown.id}": ("listing-transparency", f"/transparency/listings/{shown.id}"),
        f"/organisations/{org.id}": ("organisation-transparency", f"/transparency/organisations/{org.id}"),
        f"/listings?community={tree['c1'].id}": ("community-transparency", f"/transparency/communities/{tree['c1'].id}"),
        "/": ("home-transparency", "/transparency"),
    }
    for url, (testid, dashboard) in expected.items():
        assert links(page_of(client, url), testid) == [dashboard], url
        page_of(client, dashboard)
    tree_links = links(page_of(client, "/places/"), "place-transparency")
    assert {"/transparency", f"/transparency/communities/{tree['c1'].id}",
            f"/transparency/communities/{tree['c2'].id}"} <= set(tree_links)
    assert not any(f"/communities/{tree['c1_grid'].id}" in link for link in tree_links)  # grids have none


def test_a_listing_filter_that_is_no_community_links_to_no_dashboard(client, street):
    tree, _org, _shown, _draft = street
    assert links(page_of(client, f"/listings?community={tree['c1_grid'].id}"), "community-transparency") == []


def test_the_street_dashboard_links_down_to_every_community(client, street):
    tree, _org, _shown, _draft = street
    page = page_of(client, "/transparency")
    below = links(page, "below-community")
    assert {f"/transparency/communities/{tree[key].id}" for key in ("c1", "c2")} <= set(below)
    assert links(page, "described-page") == ["/places/"]
    for url in below:
        page_of(client, url)


def test_a_community_dashboard_links_up_to_the_street_and_down_to_its_published_listings(client, street):
    tree, _org, shown, draft = street
    page = page_of(client, f"/transparency/communities/{tree['c1'].id}")
    assert links(page, "above-street") == ["/transparency"]
    assert links(page, "below-listing") == [f"/transparency/listings/{shown.id}"]
    assert draft.title not in page.split('data-testid="dashboard-below"')[1]
    assert links(page, "described-page") == [f"/listings?community={tree['c1'].id}"]
    for url in links(page, "below-listing") + links(page, "described-page"):
        page_of(client, url)
    assert links(page_of(client, f"/transparency/communities/{tree['c2'].id}"), "below-listing") == []


def test_an_organisation_dashboard_links_back_to_the_organisation_and_down_to_its_listings(client, street):
    _tree, org, shown, _draft = street
    page = page_of(client, f"/transparency/organisations/{org.id}")
    assert links(page, "described-page") == [f"/organisations/{org.id}"]
    assert links(page, "below-listing") == [f"/transparency/listings/{shown.id}"]
    assert links(page, "above-street") == ["/transparency"]
    for url in links(page, "described-page") + links(page, "below-listing"):
        page_of(client, url)


def test_an_unverified_organisations_dashboard_does_not_link_to_its_hidden_page(client, factory):
    org = factory.organisation(verified=False)
    assert client.get(f"/organisations/{org.id}").status_code == 404
    assert links(page_of(client, f"/transparency/organisations/{org.id}"), "described-page") == []


def test_a_listing_dashboard_links_back_to_the_listing_and_up_to_its_community_organisation_and_street(
        client, street):
    tree, org, shown, draft = street
    page = page_of(client, f"/transparency/listings/{shown.id}")
    assert links(page, "described-page") == [f"/listings/{shown.id}"]
    assert links(page, "above-street") == ["/transparency"]
    assert links(page, "above-community") == [f"/transparency/communities/{tree['c1'].id}"]
    assert links(page, "above-organisation") == [f"/transparency/organisations/{org.id}"]
    for url in links(page, "described-page") + links(page, "above-community") + links(page, "above-organisation"):
        page_of(client, url)
    assert links(page_of(client, f"/transparency/listings/{draft.id}"), "described-page") == []


def test_the_links_read_in_english_too(client, street):
    tree, org, shown, _draft = street
    assert client.post("/language/en", data={"next": "/"}).status_code == 302
    assert "Usage in the open" in page_of(client, f"/listings/{shown.id}")
    assert "Usage in the open" in page_of(client, f"/organisations/{org.id}")
    assert "Usage in the open" in page_of(client, "/places/")
    browse = page_of(client, f"/listings?community={tree['c1'].id}")
    assert "This community's usage in the open" in browse
    page = page_of(client, f"/transparency/organisations/{org.id}")
    assert "The organisation's page" in page and "Usage by resource" in page and "The whole street" in page
    assert "Usage by community" in page_of(client, "/transparency")
