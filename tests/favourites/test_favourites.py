"""Favourites (收藏): saving and un-saving listings, per user, idempotent, on the pages and through the API."""
from datetime import timedelta

from sqlalchemy import func, select

from marketplace.core import clock
from marketplace.favourites import services
from marketplace.favourites.models import Favourite
from marketplace.listings import services as listings

API = "/api/v1/me/favourites"


def _count(session, user) -> int:
    return session.scalar(select(func.count()).select_from(Favourite).where(Favourite.user_id == user.id))


def test_saving_from_the_listing_page_shows_it_in_my_favourites_and_unsaving_removes_it(client, factory, login):
    listing = factory.listing(title="幸福里多功能活动室")
    resident = factory.user()
    login(resident)
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert 'data-testid="save"' in page

    response = client.post(f"/favourites/{listing.id}", data={"next": f"/listings/{listing.id}"})

    assert response.status_code == 302 and response.headers["Location"] == f"/listings/{listing.id}"
    assert 'data-testid="unsave"' in client.get(f"/listings/{listing.id}").get_data(as_text=True)
    mine = client.get("/favourites/").get_data(as_text=True)
    assert "幸福里多功能活动室" in mine and 'data-testid="no-favourites"' not in mine

    client.post(f"/favourites/{listing.id}/remove", data={})

    mine = client.get("/favourites/").get_data(as_text=True)
    assert "幸福里多功能活动室" not in mine and 'data-testid="no-favourites"' in mine


def test_the_buttons_need_the_csrf_token(app, client, factory, login, session):
    listing = factory.listing()
    resident = factory.user()
    login(resident)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post(f"/favourites/{listing.id}", data={})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert _count(session, resident) == 0


def test_visitors_see_no_button_and_are_sent_to_log_in(client, factory):
    listing = factory.listing()

    assert 'data-testid="save"' not in client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert client.get("/favourites/").status_code == 302
    assert client.post(f"/favourites/{listing.id}").status_code == 302


def test_favourites_are_per_user(client, factory, api_token, session):
    listing = factory.listing(title="棋牌室")
    mine, theirs = factory.user(), factory.user()
    client.put(f"{API}/{listing.id}", headers=api_token(mine))

    body = client.get(API, headers=api_token(theirs)).json

    assert body == {"items": [], "total": 0, "page": 1, "per_page": 20}
    assert client.delete(f"{API}/{listing.id}", headers=api_token(theirs)).status_code == 204
    assert [f["listing"]["title"] for f in client.get(API, headers=api_token(mine)).json["items"]] == ["棋牌室"]


def test_put_and_delete_are_idempotent(client, factory, api_token, session):
    listing = factory.listing()
    resident = factory.user()
    headers = api_token(resident)

    first = client.put(f"{API}/{listing.id}", headers=headers)
    again = client.put(f"{API}/{listing.id}", headers=headers)

    assert first.status_code == again.status_code == 200
    assert first.json["saved_at"] == again.json["saved_at"] and first.json["listing"]["id"] == listing.id
    assert _count(session, resident) == 1
    assert client.delete(f"{API}/{listing.id}", headers=headers).status_code == 204
    assert client.delete(f"{API}/{listing.id}", headers=headers).status_code == 204
    assert _count(session, resident) == 0


def test_the_list_is_latest_save_first_and_pages(client, factory, api_token):
    clock.travel_to(clock.now())
    older, newer = factory.listing(title="旧的"), factory.listing(title="新的")
    resident = factory.user()
    headers = api_token(resident)
    client.put(f"{API}/{older.id}", headers=headers)
    clock.travel_to(clock.now() + timedelta(minutes=5))
    client.put(f"{API}/{newer.id}", headers=headers)

    body = client.get(API, headers=headers, query_string={"per_page": 1}).json

    assert body["total"] == 2 and [f["listing"]["title"] for f in body["items"]] == ["新的"]
    assert [f["listing"]["title"] for f in client.get(API, headers=headers).json["items"]] == ["新的", "旧的"]


def test_a_draft_cannot_be_saved_and_a_suspended_listing_drops_out_of_the_list(client, factory, api_token, session):
    organisation = factory.organisation()
    staff = organisation.memberships[0].user
    draft = factory.listing(organisation=organisation, publish=False)
    listing = factory.listing(organisation=organisation)
    resident = factory.user()
    headers = api_token(resident)

    assert client.put(f"{API}/{draft.id}", headers=headers).status_code == 404
    assert client.put(f"{API}/999999", headers=headers).status_code == 404
    client.put(f"{API}/{listing.id}", headers=headers)
    listings.suspend_listing(session, staff, listing, "维修")
    session.commit()

    assert client.get(API, headers=headers).json["total"] == 0


def test_the_header_links_to_my_favourites(client, factory, login):
    login(factory.user())

    page = client.get("/").get_data(as_text=True)

    assert 'href="/favourites/" data-testid="nav-favourites"' in page


def test_cards_show_the_button_in_its_state(client, factory, login, session):
    saved, other = factory.listing(title="已收藏的"), factory.listing(title="没收藏的")
    resident = factory.user()
    services.save_listing(session, resident, saved.id)
    session.commit()
    login(resident)

    page = client.get("/listings").get_data(as_text=True)

    assert page.count('data-testid="unsave"') == 1 and page.count('data-testid="save"') >= 1
    assert f'action="/favourites/{saved.id}/remove"' in page and f'action="/favourites/{other.id}"' in page


def test_search_hits_carry_the_button_too(client, factory, login, session):
    saved = factory.listing(title="少儿书法教室")
    resident = factory.user()
    services.save_listing(session, resident, saved.id)
    session.commit()
    login(resident)

    page = client.get("/search", query_string={"q": "书法"}).get_data(as_text=True)

    assert 'data-testid="search-hit"' in page and f'action="/favourites/{saved.id}/remove"' in page


def test_a_save_racing_another_tabs_save_keeps_the_one_row(factory, session, monkeypatch):
    listing = factory.listing()
    resident = factory.user()
    first = services.save_listing(session, resident, listing.id)
    session.commit()
    looked_up = []

    def not_seen_yet(session, user, listing_id):
        # The other tab's row is not visible to the first look-up, as when both check before either commits.
        looked_up.append(listing_id)
        return None if len(looked_up) == 1 else session.get(Favourite, first.id)

    monkeypatch.setattr(services, "_favourite", not_seen_yet)
    again = services.save_listing(session, resident, listing.id)
    session.commit()

    assert again.id == first.id and len(looked_up) == 2
    assert _count(session, resident) == 1
