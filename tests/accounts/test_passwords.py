"""Forgotten passwords: a code mailed through a real SMTP server (aiosmtpd, in-process), and the temporary
password a community office issues at its desk, audited."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.core.audit import AuditEntry
from marketplace.core import clock
from tests.conftest import PASSWORD
from tests.mail import free_port, smtp_inbox

RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
NEW_PASSWORD = "a-new-secret-7"


@pytest.fixture
def inbox(app):
    with smtp_inbox(app) as handler:
        yield handler


def request_code(client, inbox, address) -> str:
    response = client.post(RESET, json={"email": address})
    assert response.status_code == 202
    return inbox.codes_for(address)[-1]


def can_sign_in(client, user, password) -> bool:
    return client.post("/api/v1/auth/tokens", json={"login": user.login_name, "password": password}).status_code == 201


def test_a_mailed_code_sets_a_new_password_once_and_ends_every_session(client, factory, inbox, api_token):
    user = factory.user(email="li@example.org")
    headers = api_token(user)
    code = request_code(client, inbox, "li@example.org")
    assert inbox.messages[-1]["From"] == "noreply@example.org"

    confirmed = client.post(CONFIRM, json={"email": "li@example.org", "code": code, "new_password": NEW_PASSWORD})

    assert confirmed.status_code == 204
    assert can_sign_in(client, user, NEW_PASSWORD) and not can_sign_in(client, user, PASSWORD)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    again = client.post(CONFIRM, json={"email": "li@example.org", "code": code, "new_password": "third-secret-9"})
    assert again.status_code == 422
    assert can_sign_in(client, user, NEW_PASSWORD)


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, factory, inbox):
    factory.user(email="li@example.org")
    known = client.post(RESET, json={"email": "li@example.org"})
    unknown = client.post(RESET, json={"email": "nobody@example.org"})
    assert (known.status_code, known.json) == (unknown.status_code, unknown.json)
    assert [m["To"] for m in inbox.messages] == ["li@example.org"]


def test_a_code_expires_after_fifteen_minutes(client, factory, inbox):
    user = factory.user(email="li@example.org")
    code = request_code(client, inbox, "li@example.org")
    clock.advance(timedelta(minutes=15, seconds=1))
    response = client.post(CONFIRM, json={"email": "li@example.org", "code": code, "new_password": NEW_PASSWORD})
    assert response.status_code == 422 and response.json["field"] == "code"
    assert can_sign_in(client, user, PASSWORD)


def test_five_wrong_codes_kill_the_code(client, factory, inbox):
    user = factory.user(email="li@example.org")
    code = request_code(client, inbox, "li@example.org")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = client.post(CONFIRM, json={"email": "li@example.org", "code": wrong, "new_password": NEW_PASSWORD})
        assert response.status_code == 422
    response = client.post(CONFIRM, json={"email": "li@example.org", "code": code, "new_password": NEW_PASSWORD})
    assert response.status_code == 422
    assert can_sign_in(client, user, PASSWORD)


def test_four_wrong_codes_still_leave_the_right_one_working(client, factory, inbox):
    user = factory.user(email="li@example.org")
    code = request_code(client, inbox, "li@example.org")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        client.post(CONFIRM, json={"email": "li@example.org", "code": wrong, "new_password": NEW_PASSWORD})
    response = client.post(CONFIRM, json={"email": "li@example.org", "code": code, "new_password": NEW_PASSWORD})
    assert response.status_code == 204
    assert can_sign_in(client, user, NEW_PASSWORD)


def test_a_new_code_replaces_the_earlier_one(client, factory, inbox):
    factory.user(email="li@example.org")
    first = request_code(client, inbox, "li@example.org")
    clock.advance(timedelta(minutes=1, seconds=1))
    second = request_code(client, inbox, "li@example.org")
    if first != second:
        response = client.post(CONFIRM, json={"email": "li@example.org", "code": first, "new_password": NEW_PASSWORD})
        assert response.status_code == 422
    response = client.post(CONFIRM, json={"email": "li@example.org", "code": second, "new_password": NEW_PASSWORD})
    assert response.status_code == 204


def test_asking_again_within_a_minute_sends_no_second_mail_and_keeps_the_first_code(client, factory, inbox):
    user = factory.user(email="li@example.org")
    code = request_code(client, inbox, "li@example.org")
    clock.advance(timedelta(seconds=59))
    assert client.post(RESET, json={"email": "li@example.org"}).status_code == 202
    assert len(inbox.messages) == 1
    response = client.post(CONFIRM, json={"email": "li@example.org", "code": code, "new_password": NEW_PASSWORD})
    assert response.status_code == 204
    assert can_sign_in(client, user, NEW_PASSWORD)


def test_a_mail_server_that_refuses_gives_the_same_answer(app, client, factory, inbox):
    factory.user(email="li@example.org")
    app.config["SMTP_PORT"] = free_port()  # nothing listens there
    response = client.post(RESET, json={"email": "li@example.org"})
    assert response.status_code == 202 and inbox.messages == []


def test_the_html_pages_reset_a_password_by_mail(client, factory, inbox):
    user = factory.user(email="li@example.org")
    assert client.post("/password-reset", data={"email": "li@example.org"}).status_code == 302
    code = inbox.codes_for("li@example.org")[-1]
    response = client.post("/password-reset/confirm", data={"email": "li@example.org", "code": code,
                                                            "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert can_sign_in(client, user, NEW_PASSWORD)


def test_without_smtp_the_page_sends_residents_to_the_community_office(client, factory):
    factory.user(email="li@example.org")
    page = client.get("/password-reset").get_data(as_text=True)
    assert "目前无法通过邮件找回密码" in page and "社区居委会" in page and 'name="email"' not in page
    response = client.post(RESET, json={"email": "li@example.org"})
    assert response.status_code == 409 and "社区居委会" in response.json["message"]


@pytest.fixture
def office(factory):
    """A verified community office of 幸福里社区, a resident living there, and one living elsewhere."""
    tree = factory.place_tree()
    organisation = factory.organisation(place=tree["c1"])
    resident = factory.user(name="王大爷")
    resident.home_place_id = tree["c1_building"].id
    elsewhere = factory.user(name="赵阿姨")
    elsewhere.home_place_id = tree["c2_building"].id
    factory.session.commit()
    return {"staff": organisation.memberships[0].user, "resident": resident, "elsewhere": elsewhere}


def test_office_staff_reset_a_residents_password_audited_and_the_resident_must_choose_a_new_one(
        client, session, office, api_token, login):
    staff, resident = office["staff"], office["resident"]
    old_headers = api_token(resident)
    response = client.post("/api/v1/office/password-resets", headers=api_token(staff),
                           json={"login": resident.phone, "identity_checked": True})
    assert response.status_code == 201
    temporary = response.json["temporary_password"]

    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.password_reset")).one()
    assert (entry.actor_id, entry.object_type, entry.object_id) == (staff.id, "users", resident.id)
    assert temporary not in str(entry.after) and "password_hash" not in entry.after
    assert client.get("/api/v1/me", headers=old_headers).status_code == 401

    login(resident, temporary)
    assert client.get("/profile").headers["Location"].endswith("/profile/password")
    token = api_token(resident, temporary)
    assert client.get("/api/v1/me", headers=token).status_code == 403
    changed = client.post("/profile/password", data={"current_password": temporary, "new_password": NEW_PASSWORD})
    assert changed.status_code == 302
    assert client.get("/profile").status_code == 200


def test_office_staff_cannot_reset_residents_of_another_community(client, office, api_token):
    response = client.post("/api/v1/office/password-resets", headers=api_token(office["staff"]),
                           json={"login": office["elsewhere"].phone, "identity_checked": True})
    assert response.status_code == 403
    assert can_sign_in(client, office["elsewhere"], PASSWORD)


def test_the_api_refuses_a_reset_without_the_identity_check(client, office, api_token):
    response = client.post("/api/v1/office/password-resets", headers=api_token(office["staff"]),
                           json={"login": office["resident"].phone, "identity_checked": False})
    assert response.status_code == 422 and "identity_checked" in response.json["errors"]
    assert can_sign_in(client, office["resident"], PASSWORD)


def test_office_staff_cannot_reset_staff_of_an_organisation_even_at_home_in_their_community(
        client, session, office, api_token, factory):
    colleague = office["resident"]
    factory.organisation(admin=colleague)  # a social organisation elsewhere; they stay at home in the community
    response = client.post("/api/v1/office/password-resets", headers=api_token(office["staff"]),
                           json={"login": colleague.phone, "identity_checked": True})
    assert response.status_code == 403
    assert can_sign_in(client, colleague, PASSWORD)


def test_a_platform_admin_cannot_reset_another_platform_admin(client, factory, api_token):
    first, second = factory.user(platform_admin=True), factory.user(platform_admin=True)
    response = client.post("/api/v1/office/password-resets", headers=api_token(first),
                           json={"login": second.phone, "identity_checked": True})
    assert response.status_code == 403
    assert can_sign_in(client, second, PASSWORD)


def test_residents_cannot_reset_each_others_passwords(client, office, api_token):
    response = client.post("/api/v1/office/password-resets", headers=api_token(office["elsewhere"]),
                           json={"login": office["resident"].phone, "identity_checked": True})
    assert response.status_code == 403


def test_the_office_page_shows_the_temporary_password_once_identity_is_checked(client, office, login):
    login(office["staff"])
    unchecked = client.post("/organisations/password-reset", data={"login": office["resident"].phone})
    assert unchecked.status_code == 422
    assert can_sign_in(client, office["resident"], PASSWORD)
    done = client.post("/organisations/password-reset", data={"login": office["resident"].phone,
                                                              "identity_checked": "y"})
    assert done.status_code == 200
    temporary = re.search(r'class="temporary-password"><strong>([^<]+)<', done.get_data(as_text=True)).group(1)
    assert can_sign_in(client, office["resident"], temporary)
