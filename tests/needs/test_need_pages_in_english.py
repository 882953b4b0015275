"""A need's items read naturally in English: the kind and the text are joined with the locale's colon."""
from tests.needs.test_needs import now, office, summer_care  # noqa: F401 (fixtures)


def test_a_needs_items_use_an_english_colon_in_english(session, office, client):
    need = summer_care(session, office)
    with client.session_transaction() as browser_session:
        browser_session["locale"] = "en"
    for page in (client.get("/needs").get_data(as_text=True), client.get(f"/needs/{need.id}").get_data(as_text=True)):
        assert "Space: 安静的自习教室" in page and "：" not in page.split("<main", 1)[1].split("</main>", 1)[0]
