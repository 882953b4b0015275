"""The help page: how to book, cancel and what approval means, with the community offices to call, in both
languages and linked from every page's footer."""
from marketplace.organisations import services as organisations
from tests.test_i18n import switch_language


def _office(factory, session, **contact):
    office = factory.organisation(name="幸福里社区居委会")
    admin = office.memberships[0].user
    organisations.update_organisation(session, admin, office, organisations.OrganisationData(
        name=office.name, type="community_office", place_id=office.place_id, **contact))
    session.commit()
    return office


def test_the_help_page_renders_in_chinese_with_the_community_office_contact(client, factory, session):
    _office(factory, session, contact_phone="010-88886666", address="幸福里12号", office_hours="周一至周五 9:00–17:00")
    factory.organisation(name="未认证的居委会", verified=False)

    response = client.get("/help")

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'lang="zh-CN"' in page
    for words in ("怎样预约", "怎样取消", "审核是什么意思", "找谁帮忙"):
        assert words in page
    assert page.count('data-testid="community-office"') == 1
    assert "幸福里社区居委会" in page and "010-88886666" in page and "周一至周五 9:00–17:00" in page
    assert "未认证的居委会" not in page


def test_the_help_page_renders_in_english(client, factory, session):
    _office(factory, session, contact_phone="010-88886666")

    page = switch_language(client, "en", "/help").get_data(as_text=True)

    assert 'lang="en"' in page
    for words in ("How to book", "How to cancel", "What approval means", "Who to call", "Contact phone"):
        assert words in page
    assert "怎样预约" not in page and "010-88886666" in page


def test_every_page_links_to_help_from_the_footer(client, factory):
    listing = factory.listing()

    for path in ("/", f"/listings/{listing.id}", "/login"):
        assert 'href="/help" data-testid="footer-help"' in client.get(path).get_data(as_text=True), path
