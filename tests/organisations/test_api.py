"""The organisations API: the directory, applications, verification, staff, permissions and bad input."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.core.audit import AuditEntry
from marketplace.organisations.models import Membership, Organisation, OrganisationStatus, StaffRole

API = "/api/v1/organisations"


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def platform_admin(factory):
    return factory.user(name="街道管理员", platform_admin=True)


@pytest.fixture
def tree(factory):
    return factory.place_tree()


def application(place_id, **overrides) -> dict:
    body = {"name": "幸福里读书会", "type": "social_organisation", "place_id": place_id,
            "description": "每周六下午共读。", "address": "幸福路8号", "contact_phone": "010-12345678"}
    body.update(overrides)
    return body


def test_applying_creates_a_pending_organisation_with_the_applicant_as_admin(client, session, factory, tree,
                                                                            api_token):
    applicant = factory.user(name="周老师")

    response = client.post(API, json=application(tree["c1"].id), headers=api_token(applicant))

    assert response.status_code == 201, response.json
    assert response.json["status"] == "pending"
    assert response.json["place"]["id"] == tree["c1"].id
    membership = session.scalar(select(Membership).where(Membership.organisation_id == response.json["id"]))
    assert (membership.user_id, membership.role) == (applicant.id, StaffRole.admin)


def test_the_directory_lists_verified_organisations_filtered_by_type_and_community(client, factory, tree):
    in_grid = factory.organisation(place=tree["c1_grid"], name="幸福里第一网格党支部")
    elsewhere = factory.organisation(place=tree["c2"], name="建设路社区居委会")
    factory.organisation(place=tree["c1"], verified=False, name="还在审核的组织")

    in_c1 = client.get(API, query_string={"community": tree["c1"].id}).json
    offices = client.get(API, query_string={"community": tree["street"].id, "type": "community_office"}).json

    assert [item["id"] for item in in_c1["items"]] == [in_grid.id] and in_c1["total"] == 1
    assert {item["id"] for item in offices["items"]} == {in_grid.id, elsewhere.id}


def test_only_platform_admins_may_list_pending_applications(client, factory, tree, platform_admin, api_token):
    pending = factory.organisation(place=tree["c1"], verified=False)
    resident = factory.user()

    refused = client.get(API, query_string={"status": "pending"}, headers=api_token(resident))
    listed = client.get(API, query_string={"status": "pending", "community": tree["c1"].id},
                        headers=api_token(platform_admin))

    assert refused.status_code == 403
    assert [item["id"] for item in listed.json["items"]] == [pending.id]


def test_pending_organisations_are_404_to_strangers_and_visible_to_their_members(client, factory, tree, api_token):
    applicant = factory.user()
    pending = factory.organisation(admin=applicant, place=tree["c1"], verified=False)

    assert client.get(f"{API}/{pending.id}").status_code == 404
    assert client.get(f"{API}/{pending.id}", headers=api_token(factory.user())).status_code == 404
    assert client.get(f"{API}/{pending.id}", headers=api_token(applicant)).json["status"] == "pending"


def test_a_platform_admin_verifies_an_application_once(client, session, factory, tree, platform_admin, api_token):
    pending = factory.organisation(place=tree["c1"], verified=False)
    headers = api_token(platform_admin)

    verified = client.post(f"{API}/{pending.id}/verify", headers=headers)
    again = client.post(f"{API}/{pending.id}/verify", headers=headers)

    assert verified.status_code == 200 and verified.json["status"] == "verified"
    assert verified.json["verified_at"]
    assert again.status_code == 409 and again.json["message"] == "这个组织已经认证过了"
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.verify",
                                                   AuditEntry.object_id == pending.id)).actor_id == platform_admin.id


def test_an_applicant_cannot_verify_their_own_organisation(client, session, factory, tree, api_token):
    applicant = factory.user()
    pending = factory.organisation(admin=applicant, place=tree["c1"], verified=False)

    response = client.post(f"{API}/{pending.id}/verify", headers=api_token(applicant))

    assert response.status_code == 403
    session.expire_all()
    assert pending.status is OrganisationStatus.pending


def test_rejecting_needs_a_reason_that_the_applicant_then_sees(client, session, factory, tree, platform_admin,
                                                              api_token):
    applicant = factory.user()
    pending = factory.organisation(admin=applicant, place=tree["c1"], verified=False)
    headers = api_token(platform_admin)

    without_reason = client.post(f"{API}/{pending.id}/reject", json={}, headers=headers)
    rejected = client.post(f"{API}/{pending.id}/reject", json={"reason": "请补充营业执照"}, headers=headers)

    assert without_reason.status_code == 422
    assert without_reason.json["errors"] == {"reason": ["必须填写"]}
    assert rejected.status_code == 200
    seen = client.get(f"{API}/{pending.id}", headers=api_token(applicant)).json
    assert (seen["status"], seen["rejection_reason"]) == ("rejected", "请补充营业执照")


def test_an_organisation_admin_patches_only_the_fields_sent(client, session, factory, tree, api_token):
    admin = factory.user()
    organisation = factory.organisation(admin=admin, place=tree["c1"], name="幸福里社区居委会")

    response = client.patch(f"{API}/{organisation.id}", json={"address": "幸福路1号"}, headers=api_token(admin))

    assert response.status_code == 200, response.json
    session.expire_all()
    assert (organisation.name, organisation.address) == ("幸福里社区居委会", "幸福路1号")


def test_the_admin_of_another_organisation_can_never_change_this_one(client, session, factory, tree, api_token):
    organisation = factory.organisation(place=tree["c1"], name="幸福里社区居委会")
    rival = factory.user()
    factory.organisation(admin=rival, place=tree["c2"])
    headers = api_token(rival)
    members_before = count(session, Membership)

    patched = client.patch(f"{API}/{organisation.id}", json={"name": "被人改名"}, headers=headers)
    staffed = client.post(f"{API}/{organisation.id}/staff", json={"login": rival.phone}, headers=headers)
    removed = client.delete(f"{API}/{organisation.id}/staff/{organisation.memberships[0].user_id}", headers=headers)
    listed = client.get(f"{API}/{organisation.id}/staff", headers=headers)

    assert [r.status_code for r in (patched, staffed, removed, listed)] == [403, 403, 403, 403]
    session.expire_all()
    assert organisation.name == "幸福里社区居委会"
    assert count(session, Membership) == members_before


def test_staff_are_added_by_phone_listed_with_masked_phones_and_removed(client, session, factory, tree, api_token):
    admin = factory.user(name="王主任")
    organisation = factory.organisation(admin=admin, place=tree["c1"])
    newcomer = factory.user(name="小李", phone="13812345678")
    headers = api_token(admin)

    added = client.post(f"{API}/{organisation.id}/staff", json={"login": "138 1234 5678"}, headers=headers)
    duplicate = client.post(f"{API}/{organisation.id}/staff", json={"login": newcomer.phone}, headers=headers)
    listed = client.get(f"{API}/{organisation.id}/staff", headers=headers).json
    removed = client.delete(f"{API}/{organisation.id}/staff/{newcomer.id}", headers=headers)

    assert added.status_code == 201
    assert added.json["role"] == "staff" and added.json["user"]["display_name"] == "小李"
    assert duplicate.status_code == 409
    assert [member["user"]["display_name"] for member in listed] == ["王主任", "小李"]
    assert listed[1]["user"]["phone"] == "138****5678"
    assert removed.status_code == 204
    assert [m.user_id for m in organisation.memberships] == [admin.id]


def test_plain_staff_may_see_colleagues_but_not_add_them(client, session, factory, tree, api_token):
    admin = factory.user()
    organisation = factory.organisation(admin=admin, place=tree["c1"])
    colleague = factory.user()
    client.post(f"{API}/{organisation.id}/staff", json={"login": colleague.phone}, headers=api_token(admin))
    headers = api_token(colleague)

    assert client.get(f"{API}/{organisation.id}/staff", headers=headers).status_code == 200
    refused = client.post(f"{API}/{organisation.id}/staff", json={"login": factory.user().phone}, headers=headers)
    assert refused.status_code == 403
    assert len(organisation.memberships) == 2


def test_the_last_admin_cannot_be_removed(client, session, factory, tree, api_token):
    admin = factory.user()
    organisation = factory.organisation(admin=admin, place=tree["c1"])

    response = client.delete(f"{API}/{organisation.id}/staff/{admin.id}", headers=api_token(admin))

    assert response.status_code == 422
    assert response.json["message"] == "组织至少需要保留一位管理员"
    assert len(organisation.memberships) == 1


@pytest.mark.parametrize("body, expected", [
    ({"login": "13900000000"}, {"message": "没有找到这个手机号或邮箱对应的用户，请先让对方注册", "field": "login"}),
    ({}, {"message": "提交的数据不正确，请检查后重试", "errors": {"login": ["必须填写"]}}),
    ({"login": "x" * 10_000}, {"message": "提交的数据不正确，请检查后重试", "errors": {"login": ["不能超过254个字"]}}),
    ({"login": "13900000000", "role": "boss"},
     {"message": "提交的数据不正确，请检查后重试", "errors": {"role": ["只能是以下之一：staff, admin"]}}),
], ids=["unregistered login", "no login", "huge login", "unknown role"])
def test_bad_staff_additions_are_refused(client, session, factory, tree, api_token, body, expected):
    admin = factory.user()
    organisation = factory.organisation(admin=admin, place=tree["c1"])

    response = client.post(f"{API}/{organisation.id}/staff", json=body, headers=api_token(admin))

    assert response.status_code == 422
    assert response.json == expected
    session.expire_all()
    assert len(organisation.memberships) == 1


BAD_APPLICATIONS = [
    ("missing name", {"name": None}, 422, "name", "必须填写"),
    ("name of 10,000 characters", {"name": "名" * 10_000}, 422, "name", "不能超过100个字"),
    ("unknown type", {"type": "club"}, 422, "type", "只能是以下之一：community_office, party_branch, resident_unit, "
                                                    "enterprise, social_organisation"),
    ("place id as text", {"place_id": "幸福里"}, 422, "place_id", "应为整数"),
    ("unknown field", {"verified": True}, 422, "verified", "不认识的字段"),
    ("unknown place", {"place_id": 987654}, 404, None, "找不到这个地点"),
]


@pytest.mark.parametrize("overrides, status, field, message", [case[1:] for case in BAD_APPLICATIONS],
                         ids=[case[0] for case in BAD_APPLICATIONS])
def test_bad_applications_are_refused_in_chinese_and_nothing_is_written(client, session, factory, tree, api_token,
                                                                         overrides, status, field, message):
    body = application(tree["c1"].id)
    for key, value in overrides.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    before = count(session, Organisation)

    response = client.post(API, json=body, headers=api_token(factory.user()))

    assert response.status_code == status
    if field:
        assert response.json["errors"][field] == [message]
    else:
        assert response.json["message"] == message
    assert count(session, Organisation) == before


def test_a_duplicate_name_is_a_conflict(client, session, factory, tree, api_token):
    factory.organisation(place=tree["c1"], name="幸福里读书会")

    response = client.post(API, json=application(tree["c1"].id), headers=api_token(factory.user()))

    assert response.status_code == 409
    assert response.json == {"message": "已经有同名的组织了", "field": "name"}


def test_anonymous_applications_get_401(client, session, tree):
    before = count(session, Organisation)
    response = client.post(API, json=application(tree["c1"].id))
    assert response.status_code == 401
    assert count(session, Organisation) == before
