"""A deleted account keeps the fact, not a name: its reviews and conversation messages show 已注销用户 to a
Chinese reader and "Deleted user" to an English one, on the pages and in the API."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from marketplace.accounts.models import User
from marketplace.bookings import conversation
from marketplace.core import transactions
from tests.bookings.test_conversation import RULES
from tests.conftest import PASSWORD
from tests.points.conftest import complete, local
from tests.test_i18n import switch_language

NAMES = {"zh_CN": "已注销用户", "en": "Deleted user"}


@pytest.fixture
def deleted(session, factory, client, api_token, now, deliver):
    """A person who reviewed a listing and wrote in a booking's conversation, then deleted their account; and the
    listing's organisation admin, who reads that conversation."""
    admin = factory.user(name="周主任")
    listing = factory.listing(organisation=factory.organisation(admin=admin))
    person = factory.user(name="李秀英")
    booking = factory.booking(listing=listing, booker=person, start=local(2, 10))
    with transactions.read_only(False):
        conversation.post_message(session, person, booking, "我们大约十五个人", rules=RULES)
        session.commit()
    complete(session, booking)
    # Both sides' reviews reveal both at once; the outbox then counts them into the listing's figures.
    for author, words in ((person, "很好"), (admin, "")):
        assert client.post(f"/api/v1/bookings/{booking.id}/reviews", headers=api_token(author),
                           json={"stars": 5, "tags": [], "text": words}).status_code == 201
    deliver()
    assert client.delete("/api/v1/me", json={"password": PASSWORD}, headers=api_token(person)).status_code == 204
    session.expire_all()
    return person, listing, booking, admin


def test_deletion_stores_the_fact_and_erases_the_name(session, deleted):
    person = deleted[0]
    stored, deleted_at = session.execute(text("SELECT display_name, deleted_at FROM users WHERE id = :id"),
                                         {"id": person.id}).one()
    assert stored == "" and deleted_at is not None
    assert session.get(User, person.id).display_name == "已注销用户"
    # In SQL the name is what is stored: nobody finds the deleted by the words shown for them.
    assert session.scalar(select(User.id).where(User.display_name == "已注销用户")) is None


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_a_deleted_authors_review_shows_the_readers_word_for_them_on_both_faces(client, deleted, locale):
    person, listing, _booking, _admin = deleted
    page = switch_language(client, locale, f"/listings/{listing.id}").get_data(as_text=True)
    other = NAMES["en" if locale == "zh_CN" else "zh_CN"]
    assert "很好" in page and NAMES[locale] in page and other not in page and "李秀英" not in page
    reviews = client.get(f"/api/v1/listings/{listing.id}/reviews").json
    assert [review["author"]["display_name"] for review in reviews["items"]] == [NAMES[locale]]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_a_deleted_bookers_messages_show_the_readers_word_for_them_on_both_faces(client, login, api_token,
                                                                                 deleted, locale):
    _person, _listing, booking, admin = deleted
    login(admin)
    switch_language(client, locale)
    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert NAMES[locale] in page and "李秀英" not in page
    headers = api_token(admin)
    assert client.patch("/api/v1/me", json={"locale": locale}, headers=headers).status_code == 200
    messages = client.get(f"/api/v1/bookings/{booking.id}/messages", headers=headers).json
    assert [message["author"]["display_name"] for message in messages["items"]] == [NAMES[locale]]
