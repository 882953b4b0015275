"""The organisation pages: applying, the public face, editing and staff, through the HTML forms."""
import pytest
from sqlalchemy import func, select

from marketplace.core.audit import AuditEntry
from marketplace.organisations.models import Membership, Organisation, OrganisationStatus, StaffRole
from marketplace.organisations import services as organisations
from tests.conftest import PASSWORD


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _application(place, **overrides) -> dict:
    return {"name": "幸福里社区党群服务中心", "type": "community_office", "place_id": str(place.id),
            "address": "幸福里12号", "contact_phone": "010-88886666", "description": "为居民提供活动场地。",
            **overrides}


def _switch_to(client, user):
    client.post("/logout")
    response = client.post("/login", data={"login": user.login_name, "password": PASSWORD})
    assert response.status_code == 302


def test_applying_creates_a_pending_organisation_run_by_the_applicant(client, factory, login, session):
    applicant = factory.user(name="王主任")
    tree = factory.place_tree()
    login(applicant)
    response = client.post("/organisations/apply", data=_application(tree["c1"]))
    assert response.status_code == 302
    org = session.scalar(select(Organisation).where(Organisation.name == "幸福里社区党群服务中心"))
    assert org.status is OrganisationStatus.pending
    assert [(m.user_id, m.role) for m in org.memberships] == [(applicant.id, StaffRole.admin)]
    mine = client.get(response.headers["Location"]).data.decode()
    assert "申请已提交" in mine and "待审核" in mine


def test_apply_then_verify_then_the_applicant_manages_the_organisation(client, factory, login, session):
    applicant = factory.user()
    admin = factory.user(platform_admin=True)
    tree = factory.place_tree()
    login(applicant)
    client.post("/organisations/apply", data=_application(tree["c1"]))
    org = session.scalar(select(Organisation).where(Organisation.name == "幸福里社区党群服务中心"))

    _switch_to(client, admin)
    assert client.post(f"/admin/organisations/{org.id}/verify").status_code == 302

    _switch_to(client, applicant)
    assert "已认证" in client.get("/organisations/").data.decode()
    edited = client.post(f"/organisations/{org.id}/edit", data=_application(tree["c1"], description="新的简介"))
    assert edited.status_code == 302
    helper = factory.user(phone="13712345678")
    added = client.post(f"/organisations/{org.id}/staff", data={"login": "137 1234 5678", "role": "staff"})
    assert added.status_code == 302
    session.refresh(org)
    assert org.description == "新的简介"
    assert any(m.user_id == helper.id and m.role is StaffRole.staff for m in org.memberships)


def test_a_rejected_applicant_sees_the_reason(client, factory, login):
    applicant = factory.user()
    org = factory.organisation(admin=applicant, verified=False)
    admin = factory.user(platform_admin=True)
    login(admin)
    assert client.post(f"/admin/organisations/{org.id}/reject", data={"reason": "营业执照照片不清晰"}).status_code == 302
    _switch_to(client, applicant)
    page = client.get("/organisations/").data.decode()
    assert "未通过" in page and "营业执照照片不清晰" in page


@pytest.mark.parametrize(("overrides", "message"), [
    ({"name": ""}, "请填写组织名称"),
    ({"name": "名" * 10_000}, "组织名称不能超过100个字"),
    ({"type": "spaceship"}, "请选择组织类型"),
    ({"place_id": "999999"}, "找不到这个地点"),
    ({"place_id": "not-a-number"}, "请选择所在社区"),
    ({"description": "长" * 5001}, "简介不能超过5000个字"),
])
def test_bad_applications_are_refused_with_a_message_and_write_nothing(client, factory, login, session,
                                                                        overrides, message):
    tree = factory.place_tree()
    login(factory.user())
    organisations_before, audit_before = _count(session, Organisation), _count(session, AuditEntry)
    response = client.post("/organisations/apply", data=_application(tree["c1"], **overrides))
    assert response.status_code == 422
    assert message in response.data.decode()
    assert _count(session, Organisation) == organisations_before
    assert _count(session, AuditEntry) == audit_before


def test_a_taken_name_is_refused_next_to_the_name_field(client, factory, login, session):
    factory.organisation(name="建设路社区居委会")
    tree = factory.place_tree()
    login(factory.user())
    response = client.post("/organisations/apply", data=_application(tree["c1"], name="建设路社区居委会"))
    assert response.status_code == 422
    assert "已经有同名的组织了" in response.data.decode()


def test_organisation_names_are_escaped_everywhere_they_are_shown(client, factory, login):
    applicant = factory.user()
    org = factory.organisation(admin=applicant, name="<script>alert(1)</script>合唱团")
    login(applicant)
    for url in ("/organisations/", f"/organisations/{org.id}", "/organisations/directory"):
        page = client.get(url).data.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;合唱团" in page, url
        assert "<script>alert(1)</script>" not in page, url


def test_the_public_page_shows_published_listings_but_not_drafts(client, factory):
    org = factory.organisation(name="东大街社区卫生服务站")
    factory.listing(organisation=org, title="免费量血压")
    factory.listing(organisation=org, title="尚未发布的健康讲座", publish=False)
    page = client.get(f"/organisations/{org.id}").data.decode()
    assert "东大街社区卫生服务站" in page and "已认证" in page
    assert "免费量血压" in page
    assert "尚未发布的健康讲座" not in page


def test_a_pending_organisation_is_hidden_from_the_public_but_not_from_its_admin(client, factory, login):
    applicant = factory.user()
    org = factory.organisation(admin=applicant, verified=False)
    response = client.get(f"/organisations/{org.id}")
    assert response.status_code == 404
    assert "找不到这个组织" in response.data.decode()
    login(applicant)
    assert client.get(f"/organisations/{org.id}").status_code == 200


@pytest.mark.parametrize("method, path", [("get", ""), ("get", "/edit"), ("post", "/edit"), ("get", "/staff"),
                                          ("post", "/staff"), ("post", "/staff/1/remove")])
def test_strangers_do_not_learn_that_a_pending_organisation_exists(client, factory, login, method, path):
    org = factory.organisation(verified=False)
    login(factory.user())
    response = getattr(client, method)(f"/organisations/{org.id}{path}")
    assert response.status_code == 404
    assert "找不到这个组织" in response.data.decode()


@pytest.mark.parametrize("path", ["", "/edit", "/staff"])
def test_unknown_organisation_ids_get_a_404_with_a_message(client, factory, login, path):
    login(factory.user(platform_admin=True))
    response = client.get(f"/organisations/987654{path}")
    assert response.status_code == 404
    assert "找不到这个组织" in response.data.decode()


def test_the_directory_lists_verified_organisations_filtered_by_type_and_community(client, factory):
    tree = factory.place_tree()
    factory.organisation(name="幸福里社区居委会", place=tree["c1_grid"])
    factory.organisation(name="建设路社区居委会", place=tree["c2"])
    factory.organisation(name="还在审核的读书会", place=tree["c1"], verified=False)
    page = client.get("/organisations/directory").data.decode()
    assert "幸福里社区居委会" in page and "建设路社区居委会" in page
    assert "还在审核的读书会" not in page
    filtered = client.get(f"/organisations/directory?community={tree['c1'].id}&type=community_office").data.decode()
    assert "幸福里社区居委会" in filtered and "建设路社区居委会" not in filtered
    assert "幸福里社区居委会" not in client.get("/organisations/directory?type=enterprise").data.decode()


def test_only_organisation_admins_may_edit(client, factory, login, session):
    admin = factory.user()
    org = factory.organisation(admin=admin, name="老年大学")
    staff = factory.user()
    organisations.add_staff(session, admin, org, staff.phone, "staff")
    session.commit()
    login(staff)
    assert client.get(f"/organisations/{org.id}/edit").status_code == 403
    response = client.post(f"/organisations/{org.id}/edit", data=_application(org.place, name="被改掉的名字"))
    assert response.status_code == 403
    session.refresh(org)
    assert org.name == "老年大学"


def test_editing_writes_an_audit_entry_with_before_and_after(client, factory, login, session):
    admin = factory.user()
    org = factory.organisation(admin=admin, name="老年大学")
    login(admin)
    response = client.post(f"/organisations/{org.id}/edit", data=_application(org.place, name="东大街老年大学"))
    assert response.status_code == 302
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.update"))
    assert (entry.before["name"], entry.after["name"]) == ("老年大学", "东大街老年大学")


def test_an_org_admin_adds_staff_by_phone_and_it_is_audited(client, factory, login, session):
    admin = factory.user()
    org = factory.organisation(admin=admin)
    helper = factory.user(phone="13698765432")
    login(admin)
    response = client.post(f"/organisations/{org.id}/staff", data={"login": "13698765432", "role": "staff"})
    assert response.status_code == 302
    membership = session.scalar(select(Membership).where(Membership.user_id == helper.id))
    assert membership.organisation_id == org.id and membership.role is StaffRole.staff
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.add_staff")).actor_id == admin.id


def test_adding_an_unknown_person_as_staff_is_refused_with_a_message(client, factory, login, session):
    admin = factory.user()
    org = factory.organisation(admin=admin)
    login(admin)
    response = client.post(f"/organisations/{org.id}/staff", data={"login": "13600000000", "role": "staff"})
    assert response.status_code == 422
    assert "没有找到这个手机号或邮箱对应的用户" in response.data.decode()
    assert len(org.memberships) == 1


def test_a_stranger_cannot_add_staff_to_someone_elses_organisation(client, factory, login, session):
    org = factory.organisation()
    stranger = factory.user()
    other_org = factory.organisation(admin=stranger)
    login(stranger)
    members_before = _count(session, Membership)
    assert client.get(f"/organisations/{org.id}/staff").status_code == 403
    response = client.post(f"/organisations/{org.id}/staff", data={"login": stranger.phone, "role": "admin"})
    assert response.status_code == 403
    assert _count(session, Membership) == members_before
    assert client.get(f"/organisations/{other_org.id}/staff").status_code == 200


def test_plain_staff_see_the_list_but_cannot_add_or_remove(client, factory, login, session):
    admin = factory.user()
    org = factory.organisation(admin=admin)
    staff = factory.user()
    organisations.add_staff(session, admin, org, staff.phone, "staff")
    session.commit()
    login(staff)
    assert client.get(f"/organisations/{org.id}/staff").status_code == 200
    newcomer = factory.user()
    assert client.post(f"/organisations/{org.id}/staff",
                       data={"login": newcomer.phone, "role": "staff"}).status_code == 403
    assert client.post(f"/organisations/{org.id}/staff/{admin.id}/remove").status_code == 403
    session.refresh(org)
    assert {m.user_id for m in org.memberships} == {admin.id, staff.id}


def test_staff_phones_are_masked_for_the_org_admin_and_whole_for_a_platform_admin(client, factory, login, session):
    admin = factory.user()
    org = factory.organisation(admin=admin)
    staff = factory.user(phone="13812345678")
    organisations.add_staff(session, admin, org, staff.phone, "staff")
    session.commit()
    login(admin)
    page = client.get(f"/organisations/{org.id}/staff").data.decode()
    assert "138****5678" in page and "13812345678" not in page
    _switch_to(client, factory.user(platform_admin=True))
    page = client.get(f"/organisations/{org.id}/staff").data.decode()
    assert "13812345678" in page


def test_removing_staff_works_but_the_last_admin_stays(client, factory, login, session):
    admin = factory.user()
    org = factory.organisation(admin=admin)
    staff = factory.user()
    organisations.add_staff(session, admin, org, staff.phone, "staff")
    session.commit()
    login(admin)
    assert client.post(f"/organisations/{org.id}/staff/{staff.id}/remove").status_code == 302
    refused = client.post(f"/organisations/{org.id}/staff/{admin.id}/remove")
    assert refused.status_code == 422
    assert "组织至少需要保留一位管理员" in refused.data.decode()
    session.refresh(org)
    assert [m.user_id for m in org.memberships] == [admin.id]


def test_removing_someone_who_is_not_a_member_is_a_404(client, factory, login):
    admin = factory.user()
    org = factory.organisation(admin=admin)
    login(admin)
    response = client.post(f"/organisations/{org.id}/staff/999999/remove")
    assert response.status_code == 404
    assert "这个用户不是本组织的成员" in response.data.decode()


def test_signing_in_is_needed_to_apply(client):
    response = client.get("/organisations/apply")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
