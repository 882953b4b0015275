"""The platform admin API: the audit log and accounts, for platform admins only."""
from __future__ import annotations

import pytest

from marketplace.accounts.models import User

AUDIT = "/api/v1/admin/audit-log"
USERS = "/api/v1/admin/users"


@pytest.fixture
def platform_admin(factory):
    return factory.user(name="街道管理员", platform_admin=True)


@pytest.mark.parametrize("path", [AUDIT, USERS])
def test_admin_collections_are_refused_to_anonymous_callers_and_residents(client, factory, api_token, path):
    assert client.get(path).status_code == 401
    response = client.get(path, headers=api_token(factory.user()))
    assert response.status_code == 403
    assert response.json["message"] == "只有平台管理员可以进行这个操作"


def test_the_audit_log_shows_who_did_what_with_before_and_after(client, factory, platform_admin, api_token):
    organisation = factory.organisation(verified=False)
    client.post(f"/api/v1/organisations/{organisation.id}/verify", headers=api_token(platform_admin))

    body = client.get(AUDIT, query_string={"object_type": "organisations", "actor_id": platform_admin.id},
                      headers=api_token(platform_admin)).json

    assert body["total"] == 1
    [entry] = body["items"]
    assert entry["action"] == "organisation.verify" and entry["object_id"] == organisation.id
    assert entry["actor"] == {"id": platform_admin.id, "display_name": "街道管理员"}
    assert (entry["before"]["status"], entry["after"]["status"]) == ("pending", "verified")


def test_the_audit_log_is_paged(client, factory, platform_admin, api_token):
    for _ in range(3):
        factory.organisation(verified=False)

    body = client.get(AUDIT, query_string={"object_type": "organisations", "per_page": 2},
                      headers=api_token(platform_admin)).json

    assert body["total"] >= 3 and len(body["items"]) == 2
    assert body["items"][0]["id"] > body["items"][1]["id"]


def test_platform_admins_see_full_phone_numbers(client, factory, platform_admin, api_token):
    resident = factory.user(name="李阿姨", phone="13812341234")

    body = client.get(USERS, query_string={"q": "李阿姨"}, headers=api_token(platform_admin)).json

    assert [(u["id"], u["phone"], u["is_disabled"]) for u in body["items"]] == [(resident.id, "13812341234", False)]


@pytest.mark.parametrize("wildcard", ["%", "_", "李_"])
def test_searching_accounts_takes_sql_wildcards_literally(client, factory, platform_admin, api_token, wildcard):
    factory.user(name="李阿姨")
    factory.user(name="100%志愿者")

    body = client.get(USERS, query_string={"q": wildcard}, headers=api_token(platform_admin)).json

    assert [u["display_name"] for u in body["items"]] == (["100%志愿者"] if wildcard == "%" else [])


def test_a_disabled_account_loses_its_tokens_for_good_and_gets_new_ones_once_enabled(client, factory, platform_admin,
                                                                                     api_token):
    resident = factory.user()
    resident_headers = api_token(resident)
    admin_headers = api_token(platform_admin)

    disabled = client.post(f"{USERS}/{resident.id}/disable", headers=admin_headers)
    assert disabled.status_code == 200 and disabled.json["is_disabled"] is True
    assert client.get("/api/v1/me", headers=resident_headers).status_code == 401
    assert client.post(f"{USERS}/{resident.id}/disable", headers=admin_headers).status_code == 409

    enabled = client.post(f"{USERS}/{resident.id}/enable", headers=admin_headers)
    assert enabled.status_code == 200 and enabled.json["is_disabled"] is False
    assert client.get("/api/v1/me", headers=resident_headers).status_code == 401
    assert client.get("/api/v1/me", headers=api_token(resident)).status_code == 200


def test_residents_cannot_disable_accounts(client, session, factory, api_token):
    resident, victim = factory.user(), factory.user()

    response = client.post(f"{USERS}/{victim.id}/disable", headers=api_token(resident))

    assert response.status_code == 403
    session.expire_all()
    assert session.get(User, victim.id).is_disabled is False


def test_an_admin_cannot_disable_their_own_account(client, session, platform_admin, api_token):
    response = client.post(f"{USERS}/{platform_admin.id}/disable", headers=api_token(platform_admin))

    assert response.status_code == 422
    assert response.json["message"] == "不能停用自己的账号"
    session.expire_all()
    assert platform_admin.is_disabled is False


@pytest.mark.parametrize("path", [f"{USERS}/987654/disable", f"{USERS}/99999999999999999999/enable"])
def test_unknown_accounts_are_404(client, platform_admin, api_token, path):
    assert client.post(path, headers=api_token(platform_admin)).status_code == 404


@pytest.mark.parametrize("query, field, message", [
    ({"actor_id": "me"}, "actor_id", "应为整数"),
    ({"object_type": "x" * 10_000}, "object_type", "不能超过40个字"),
    ({"since": "yesterday"}, "since", "不认识的字段"),
])
def test_bad_audit_filters_are_refused_in_chinese(client, platform_admin, api_token, query, field, message):
    response = client.get(AUDIT, query_string=query, headers=api_token(platform_admin))
    assert response.status_code == 422
    assert response.json["errors"]["query"] == {field: [message]}
