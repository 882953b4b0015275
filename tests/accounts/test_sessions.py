"""Sessions and tokens that end: server-side browser sessions, API token expiry and revocation, and a Bearer
header that authenticates on its own (no cookie fallback, no CSRF bypass)."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from marketplace.core import clock
from tests.conftest import PASSWORD, FreshUserClient

TOKENS = "/api/v1/auth/tokens"


@pytest.fixture
def second_browser(app, session):
    """Another browser: a client of its own, with its own cookies."""
    return lambda: FreshUserClient(app, app.response_class, use_cookies=True)


def sign_in(browser, user, password=PASSWORD):
    response = browser.post("/login", data={"login": user.login_name, "password": password})
    assert response.status_code == 302, response.data.decode()[:300]
    return browser


def copy_cookie(source, target):
    target.set_cookie("session", source.get_cookie("session").value)
    return target


def signed_in(browser) -> bool:
    return browser.get("/profile").status_code == 200


def test_a_session_cookie_copied_before_logout_no_longer_works_after_it(client, factory, second_browser):
    user = factory.user()
    sign_in(client, user)
    thief = copy_cookie(client, second_browser())
    assert signed_in(thief)

    client.post("/logout")

    assert not signed_in(client)
    assert not signed_in(thief)


def test_signing_in_keeps_the_language_chosen_before(client, factory):
    user = factory.user()
    client.post("/language/en")
    sign_in(client, user)
    assert 'lang="en"' in client.get("/profile").get_data(as_text=True)


def test_logging_out_ends_only_that_browsers_session(client, factory, second_browser):
    user = factory.user()
    phone = sign_in(second_browser(), user)
    sign_in(client, user)
    client.post("/logout")
    assert signed_in(phone)


def test_signing_out_everywhere_ends_every_browsers_session_and_api_token(client, factory, second_browser,
                                                                          api_token):
    user = factory.user()
    headers = api_token(user)
    phone = sign_in(second_browser(), user)
    sign_in(client, user)
    assert client.post("/logout/everywhere").status_code == 302
    assert not signed_in(client)
    assert not signed_in(phone)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_changing_the_password_keeps_this_session_and_ends_the_others_and_every_token(client, factory,
                                                                                      second_browser, api_token):
    user = factory.user()
    headers = api_token(user)
    phone = sign_in(second_browser(), user)
    sign_in(client, user)

    response = client.post("/profile/password", data={"current_password": PASSWORD,
                                                      "new_password": "a-new-secret-7"})

    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(phone)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post(TOKENS, json={"login": user.login_name, "password": PASSWORD}).status_code == 401
    assert client.post(TOKENS, json={"login": user.login_name, "password": "a-new-secret-7"}).status_code == 201


def test_a_wrong_current_password_changes_nothing(client, factory, api_token):
    user = factory.user()
    headers = api_token(user)
    response = client.post("/api/v1/me/password", headers=headers,
                           json={"current_password": "not-it-at-all", "new_password": "a-new-secret-7"})
    assert response.status_code == 422 and response.json["field"] == "current_password"
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_changing_the_password_through_the_api_revokes_every_token_and_other_sessions(client, factory, api_token,
                                                                                      second_browser):
    user = factory.user()
    headers, other = api_token(user), api_token(user)
    phone = sign_in(second_browser(), user)
    response = client.post("/api/v1/me/password", headers=headers,
                           json={"current_password": PASSWORD, "new_password": "a-new-secret-7"})
    assert response.status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert not signed_in(phone)


def test_an_admin_disabling_an_account_ends_its_sessions_for_good(client, factory, api_token, second_browser):
    resident = factory.user()
    admin_headers = api_token(factory.user(platform_admin=True))
    phone = sign_in(second_browser(), resident)

    assert client.post(f"/api/v1/admin/users/{resident.id}/disable", headers=admin_headers).status_code == 200
    assert not signed_in(phone)
    assert client.post(f"/api/v1/admin/users/{resident.id}/enable", headers=admin_headers).status_code == 200
    assert not signed_in(phone)
    assert signed_in(sign_in(phone, resident))


def test_a_token_works_until_its_lifetime_ends(client, factory, api_token):
    clock.travel_to(datetime(2026, 6, 1, 8, tzinfo=timezone.utc))
    headers = api_token(factory.user())
    clock.advance(timedelta(days=30) - timedelta(minutes=1))
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(timedelta(minutes=2))
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_the_token_lifetime_is_a_setting(app, client, factory, api_token):
    clock.travel_to(datetime(2026, 6, 1, 8, tzinfo=timezone.utc))
    app.config["API_TOKEN_LIFETIME"] = timedelta(hours=1)
    try:
        headers = api_token(factory.user())
    finally:
        app.config["API_TOKEN_LIFETIME"] = timedelta(days=30)
    listed = client.get(TOKENS, headers=headers).json
    assert listed[0]["expires_at"].startswith("2026-06-01T09:00")
    clock.advance(timedelta(hours=1))
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_deleting_the_current_token_revokes_that_token_only(client, factory, api_token):
    user = factory.user()
    used, kept = api_token(user), api_token(user)
    assert client.delete(f"{TOKENS}/current", headers=used).status_code == 204
    assert client.get("/api/v1/me", headers=used).status_code == 401
    assert client.delete(f"{TOKENS}/current", headers=used).status_code == 401
    assert client.get("/api/v1/me", headers=kept).status_code == 200


def test_one_lists_ones_tokens_and_revokes_them_by_id_but_not_someone_elses(client, factory, api_token, login):
    user, other = factory.user(), factory.user()
    headers, spare = api_token(user), api_token(user)
    others = api_token(other)
    listed = client.get(TOKENS, headers=headers).json
    assert len(listed) == 2 and {"id", "created_at", "expires_at"} <= set(listed[0])
    assert "token" not in listed[0] and "token_hash" not in listed[0]
    other_id = client.get(TOKENS, headers=others).json[0]["id"]
    assert client.delete(f"{TOKENS}/{other_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/me", headers=others).status_code == 200

    login(user)
    page = client.get("/profile/tokens").get_data(as_text=True)
    revoke_paths = re.findall(r'action="(/profile/tokens/\d+/revoke)"', page)
    assert len(revoke_paths) == 2
    for path in revoke_paths:
        assert client.post(path).status_code == 302
    assert client.get("/api/v1/me", headers=spare).status_code == 401
    assert f"/profile/tokens/{other_id}/revoke" not in page


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def page_csrf_token(browser) -> str:
    page = browser.get("/profile").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def sign_in_with_csrf(browser, user):
    page = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = browser.post("/login", data={"login": user.login_name, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return browser


def test_a_cookie_authenticated_api_write_needs_the_csrf_header(client, factory, csrf_on):
    sign_in_with_csrf(client, factory.user())
    refused = client.patch("/api/v1/me", json={"display_name": "张三"})
    assert refused.status_code == 400
    accepted = client.patch("/api/v1/me", json={"display_name": "张三"},
                            headers={"X-CSRFToken": page_csrf_token(client)})
    assert accepted.status_code == 200 and accepted.json["display_name"] == "张三"


def test_a_bad_bearer_token_beside_a_valid_cookie_is_refused_and_skips_no_csrf_check(client, factory, csrf_on):
    user = factory.user()
    sign_in_with_csrf(client, user)
    bad = {"Authorization": "Bearer not-a-token"}
    assert client.get("/api/v1/me", headers=bad).status_code == 401
    response = client.patch("/api/v1/me", json={"display_name": "冒名"}, headers=bad)
    assert response.status_code == 401
    assert client.get("/api/v1/me").json["display_name"] == user.display_name


def test_a_bearer_token_authenticates_its_owner_whatever_cookie_comes_along(client, factory, api_token, login):
    owner, browser_user = factory.user(), factory.user()
    headers = api_token(owner)
    login(browser_user)
    assert client.get("/api/v1/me", headers=headers).json["id"] == owner.id
    assert client.get("/api/v1/me").json["id"] == browser_user.id
