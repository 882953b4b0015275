"""The shared pager: a page past the last one is named plainly, on every list that uses it."""
from marketplace.core.pagination import Page


def test_a_page_past_the_last_is_past_the_end_and_others_are_not():
    assert Page([], 68, 99, 20).past_end
    assert not Page([], 68, 4, 20).past_end
    assert not Page([], 0, 1, 20).past_end


def test_a_browse_page_past_the_end_links_back_to_the_last_page(client, factory):
    factory.listing(title="党员活动室")
    page = client.get("/listings", query_string={"page": 99}).get_data(as_text=True)
    assert "第 99 页没有内容：一共只有 1 页" in page and "第 99 / 1 页" not in page
    assert 'data-testid="pager-past-end"' in page
