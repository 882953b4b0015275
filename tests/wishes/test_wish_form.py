"""The wish form on the page: a resident picks only a place a wish can live in, starting from their own."""
import re

from marketplace.wishes.views import NOTICES


def option(page: str, place_id: int) -> str:
    return re.search(rf'<option[^>]*value="{place_id}"[^>]*>', page).group(0)


def test_only_grids_and_buildings_can_be_picked_and_the_residents_home_comes_first(client, login, session, world):
    world.resident.home_place_id = world.tree["c1_building"].id
    session.commit()
    login(world.resident)
    page = client.get("/wishes/new").get_data(as_text=True)
    assert "disabled" in option(page, world.tree["street"].id)
    assert "disabled" in option(page, world.tree["c1"].id)
    assert "disabled" not in option(page, world.tree["c1_grid"].id)
    home = option(page, world.tree["c1_building"].id)
    assert "selected" in home and "disabled" not in home


def notice_of(page: str) -> str:
    return re.search(r'data-testid="wish-notice">([^<]*)<', page).group(1)


def test_posting_a_wish_says_it_waits_for_review_not_that_it_is_done(client, login, world):
    login(world.resident)
    response = client.post("/wishes/new", data={
        "title": "帮忙贴春联", "need": "手够不着门框", "needed_by": "2026-12-20",
        "place_id": world.tree["c1_building"].id}, follow_redirects=True)
    assert response.status_code == 200
    assert notice_of(response.get_data(as_text=True)) == "心愿已提交，社区工作人员审核后会出现在心愿墙上。"


def test_each_action_on_a_wish_has_its_own_notice(client, login, world):
    wish = world.posted()
    login(world.resident)
    said = {notice_of(client.get(f"/wishes/{wish.id}?notice={action}").get_data(as_text=True)) for action in NOTICES}
    assert len(said) == len(NOTICES) and "" not in said


def test_staff_see_no_approve_button_on_a_wish_posted_for_a_resident_until_the_resident_confirms(
        client, login, session, world):
    wish = world.posted(by=world.staff, for_resident=world.resident)
    login(world.staff)
    page = client.get(f"/wishes/{wish.id}").get_data(as_text=True)
    assert 'data-testid="approve-wish"' not in page and 'data-testid="awaiting-resident"' in page
    assert client.post(f"/wishes/{wish.id}/confirm-posting").status_code == 302
    page = client.get(f"/wishes/{wish.id}").get_data(as_text=True)
    assert 'data-testid="approve-wish"' in page and 'data-testid="awaiting-resident"' not in page
