"""The wish form on the page: a resident picks only a place a wish can live in, starting from their own."""
import re


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
