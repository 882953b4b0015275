import pytest
from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.masking import mask_phone
from marketplace.accounts.models import User
from marketplace.core.errors import ValidationFailed
from marketplace.organisations import services as organisations


def test_registering_by_phone_through_the_api_creates_a_user(client, session):
    response = client.post("/api/v1/users", json={"phone": "138 0000 1234", "password": "secret-123",
                                                  "display_name": "李阿姨"})
    assert response.status_code == 201
    assert session.get(User, response.json["id"]).phone == "13800001234"


def test_duplicate_phone_is_refused_with_a_chinese_message(client, factory):
    factory.user(phone="13800002222")
    response = client.post("/api/v1/users", json={"phone": "13800002222", "password": "secret-123",
                                                  "display_name": "王"})
    assert response.status_code == 409
    assert "已经注册" in response.json["message"]


def test_phone_numbers_are_masked_for_everyone_but_the_owner_and_admins(client, factory, api_token, session):
    owner = factory.user(phone="13812341234")
    organisation = factory.organisation()
    colleague = organisation.memberships[0].user
    organisations.add_staff(session, colleague, organisation, owner.phone, "staff")
    session.commit()
    admin = factory.user(platform_admin=True)

    def phone_in_staff_list(viewer):
        members = client.get(f"/api/v1/organisations/{organisation.id}/staff", headers=api_token(viewer)).json
        return next(m["user"]["phone"] for m in members if m["user"]["id"] == owner.id)

    assert mask_phone("13812341234") == "138****1234"
    assert client.get("/api/v1/me", headers=api_token(owner)).json["phone"] == "13812341234"
    assert phone_in_staff_list(owner) == "13812341234"
    assert phone_in_staff_list(colleague) == "138****1234"
    assert phone_in_staff_list(admin) == "13812341234"


def test_html_registration_logs_the_resident_in(client, session):
    response = client.post("/register", data={"phone": "13900001111", "display_name": "小周",
                                              "password": "long-enough"})
    assert response.status_code == 302
    assert "个人资料" in client.get("/profile").data.decode()


def test_short_password_is_refused_and_nothing_is_written(client, session):
    response = client.post("/register", data={"phone": "13900001112", "display_name": "小周", "password": "short"})
    assert response.status_code == 422
    assert "密码至少需要8位" in response.data.decode()
    assert session.scalar(select(User).where(User.phone == "13900001112")) is None


def test_failed_logins_are_limited_per_account_with_retry_after(client, factory):
    user = factory.user()
    for _ in range(5):
        assert client.post("/api/v1/auth/tokens", json={"login": user.phone, "password": "wrong-pass"}).status_code == 401
    limited = client.post("/api/v1/auth/tokens", json={"login": user.phone, "password": "wrong-pass"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0


def test_many_successful_logins_from_one_desk_are_allowed(client, factory):
    users = [factory.user() for _ in range(12)]
    for user in users:
        assert client.post("/login", data={"login": user.phone, "password": "correct-horse-9"}).status_code == 302
        client.post("/logout")


def test_a_disabled_account_loses_its_open_session(client, factory, login, session):
    user = factory.user()
    login(user)
    assert client.get("/profile").status_code == 200
    user.is_disabled = True
    session.commit()
    response = client.get("/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_refused_profile_change_leaves_every_field_as_it_was(factory, session):
    user = factory.user(name="小周")
    with pytest.raises(ValidationFailed):
        accounts.update_profile(session, user, accounts.ProfileUpdate(display_name="周老师", is_volunteer=True,
                                                                      locale="fr"))
    assert (user.display_name, user.is_volunteer, user.locale) == ("小周", False, None)


def test_the_language_chosen_is_kept_through_the_service_and_unknown_ones_are_refused(factory, session):
    user = factory.user()
    accounts.set_locale(session, user, "en")
    assert user.locale == "en"
    with pytest.raises(ValidationFailed):
        accounts.set_locale(session, user, "fr")
