"""Both faces of points: 我的积分 and GET /api/v1/me/points, an organisation's points, the street's page, grants
and reversals, with bad input refused in the user's language."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import current_app
from sqlalchemy import event as sqlalchemy_event

from marketplace.core import clock, transactions, zones
from marketplace.core.audit import AuditEntry
from marketplace.organisations import services as organisations
from marketplace.organisations.models import StaffRole
from marketplace.points import services
from marketplace.points.models import PointsAccount, PointsTransfer
from marketplace.wishes import services as wishes
from tests.points.conftest import POLICY, balance, local


def test_my_points_lists_balance_and_entries_newest_first(client, factory, fund, api_token, points_listing, now):
    booker = factory.user()
    fund(user=booker, amount="9")
    booking = factory.booking(listing=points_listing(), booker=booker, start=local(1, 10))
    response = client.get("/api/v1/me/points", headers=api_token(booker))
    assert response.status_code == 200
    body = response.json
    assert (body["balance"], body["held"], body["total"]) == ("4.00", "5.00", 2)
    assert [(e["amount"], e["reason"], e["reference_type"], e["reference_id"]) for e in body["entries"]] == [
        ("-5.00", "hold", "booking", booking.id), ("9.00", "grant", "grant", None)]


def test_my_points_page_shows_the_balance_and_the_hold(client, factory, fund, login, points_listing, now):
    booker = factory.user()
    fund(user=booker, amount="9")
    factory.booking(listing=points_listing(), booker=booker, start=local(1, 10))
    login(booker)
    page = client.get("/points/").get_data(as_text=True)
    assert 'data-testid="points-balance"><strong>4.00</strong>' in page
    assert "另有5.00积分因尚未完成的预约冻结中" in page
    assert page.count('data-testid="points-entry"') == 2


def test_my_points_needs_a_signed_in_user(client):
    assert client.get("/api/v1/me/points").status_code == 401


def test_an_organisations_points_are_for_its_staff_only(client, factory, fund, api_token):
    organisation = factory.organisation()
    fund(organisation=organisation, amount="30")
    staff = next(m.user for m in organisation.memberships)
    response = client.get(f"/api/v1/organisations/{organisation.id}/points", headers=api_token(staff))
    assert (response.status_code, response.json["balance"]) == (200, "30.00")
    outsider = factory.user()
    refused = client.get(f"/api/v1/organisations/{organisation.id}/points", headers=api_token(outsider))
    assert refused.status_code == 403 and "工作人员" in refused.json["message"]
    assert client.get("/api/v1/organisations/999999/points", headers=api_token(staff)).status_code == 404


def test_an_organisation_admin_grants_through_the_api_and_the_audit_log_records_it(session, client, factory, fund,
                                                                                   api_token):
    organisation = factory.organisation()
    fund(organisation=organisation, amount="30")
    admin = next(m.user for m in organisation.memberships)
    volunteer = factory.user(volunteer=True)
    response = client.post(f"/api/v1/organisations/{organisation.id}/points/grants", headers=api_token(admin),
                           json={"amount": "7.5", "memo": "暑期托管志愿", "user_id": volunteer.id})
    assert response.status_code == 201, response.json
    assert (response.json["amount"], response.json["reason"]) == ("7.50", "grant")
    assert balance(session, volunteer) == Decimal("7.50")
    assert session.query(AuditEntry).filter_by(action="points.grant", actor_id=admin.id).count() == 1


@pytest.mark.parametrize("body, status, field", [
    ({"amount": "abc", "memo": "x", "user_id": 1}, 422, "amount"),
    ({"amount": "-1", "memo": "x", "user_id": 1}, 422, "amount"),
    ({"amount": "1", "memo": "x"}, 422, "user_id"),
    ({"amount": "1", "memo": "  ", "user_id": 1}, 422, "memo"),
    ({"amount": "1000", "memo": "太多了", "user_id": 1}, 409, None),
    ({"amount": "1", "memo": "x", "user_id": 1, "bonus": 2}, 422, "bonus"),
])
def test_a_bad_grant_gets_a_clear_4xx(client, factory, fund, api_token, body, status, field):
    organisation = factory.organisation()
    fund(organisation=organisation, amount="30")
    admin = next(m.user for m in organisation.memberships)
    if "user_id" in body:
        body = {**body, "user_id": admin.id}
    response = client.post(f"/api/v1/organisations/{organisation.id}/points/grants", headers=api_token(admin),
                           json=body)
    assert response.status_code == status, response.json
    text = str(response.json)
    assert field is None or field in text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), "the refusal is in Chinese"


def test_a_bad_grant_is_told_in_english_to_an_english_reader(session, client, factory, fund, api_token):
    organisation = factory.organisation()
    fund(organisation=organisation, amount="1")
    admin = next(m.user for m in organisation.memberships)
    admin.locale = "en"
    session.commit()
    response = client.post(f"/api/v1/organisations/{organisation.id}/points/grants", headers=api_token(admin),
                           json={"amount": "5", "memo": "x", "user_id": admin.id})
    assert response.status_code == 409
    assert response.json["message"].startswith("Not enough points: 5.00 needed")


def test_staff_who_are_not_admins_may_not_grant(client, factory, fund, api_token, session):
    organisation = factory.organisation()
    admin = next(m.user for m in organisation.memberships)
    desk = factory.user()
    organisations.add_staff(session, admin, organisation, desk.login_name, StaffRole.staff)
    session.commit()
    response = client.post(f"/api/v1/organisations/{organisation.id}/points/grants", headers=api_token(desk),
                           json={"amount": "1", "memo": "x", "user_id": desk.id})
    assert response.status_code == 403


def test_the_organisation_page_grants_by_phone_and_shows_the_refusal_on_the_form(session, client, factory, fund,
                                                                                login):
    organisation = factory.organisation()
    fund(organisation=organisation, amount="10")
    admin = next(m.user for m in organisation.memberships)
    volunteer = factory.user()
    login(admin)
    page = client.get(f"/points/organisations/{organisation.id}")
    assert page.status_code == 200 and 'data-testid="grant-form"' in page.get_data(as_text=True)
    done = client.post(f"/points/organisations/{organisation.id}",
                       data={"login": volunteer.login_name, "amount": "4", "memo": "帮忙搬桌椅"})
    assert done.status_code == 302
    assert balance(session, volunteer) == Decimal("4.00")
    refused = client.post(f"/points/organisations/{organisation.id}",
                          data={"login": volunteer.login_name, "amount": "40", "memo": "太多了"})
    assert refused.status_code == 409 and "积分不足" in refused.get_data(as_text=True)
    nobody = client.post(f"/points/organisations/{organisation.id}",
                         data={"login": "13000000000", "amount": "1", "memo": "x"})
    assert nobody.status_code == 422 and "没有找到这个手机号或邮箱对应的用户" in nobody.get_data(as_text=True)


def test_the_street_page_shows_totals_to_platform_admins_only(client, factory, fund, login, street_admin):
    fund(user=factory.user(), amount="6")
    login(street_admin)
    page = client.get("/points/street")
    assert page.status_code == 200 and 'data-testid="points-totals"' in page.get_data(as_text=True)
    client.post("/logout")
    login(factory.user())
    assert client.get("/points/street").status_code == 403


def test_the_street_totals_api_adds_up(client, factory, fund, api_token, street_admin, points_listing, now):
    booker = factory.user()
    fund(user=booker, amount="6")
    factory.booking(listing=points_listing(), booker=booker, start=local(1, 10))
    response = client.get("/api/v1/points/totals", headers=api_token(street_admin))
    assert response.status_code == 200
    assert {k: response.json[k] for k in ("user", "holds", "street", "issued", "transfers")} == {
        "user": "1.00", "holds": "5.00", "street": "-6.00", "issued": "0.00", "transfers": 2}
    assert client.get("/api/v1/points/totals", headers=api_token(booker)).status_code == 403


def test_a_platform_admin_reverses_a_grant_on_both_faces(session, client, factory, fund, api_token, login,
                                                         street_admin):
    volunteer = factory.user()
    fund(user=volunteer, amount="6")
    fund(user=volunteer, amount="4")
    first, second = session.query(PointsTransfer).order_by(PointsTransfer.id).all()
    response = client.post(f"/api/v1/points/transfers/{first.id}/reversal", headers=api_token(street_admin),
                           json={"memo": "发重了"})
    assert response.status_code == 201 and response.json["reverses_id"] == first.id
    again = client.post(f"/api/v1/points/transfers/{first.id}/reversal", headers=api_token(street_admin),
                        json={"memo": "再来"})
    assert again.status_code == 409
    assert client.post("/api/v1/points/transfers/999999/reversal", headers=api_token(street_admin),
                       json={"memo": "x"}).status_code == 404
    login(street_admin)
    done = client.post("/points/reversals", data={"transfer_id": str(second.id), "memo": "也发错了"})
    assert done.status_code == 302
    assert balance(session, volunteer) == 0
    bad = client.post("/points/reversals", data={"transfer_id": "abc", "memo": "x"})
    assert bad.status_code == 404


def test_booking_a_points_listing_without_enough_points_is_refused_with_409_in_chinese(client, factory, api_token,
                                                                                       points_listing, now):
    listing = points_listing()
    booker = factory.user()
    response = client.post("/api/v1/bookings", headers=api_token(booker), json={
        "listing_id": listing.id, "start": local(1, 10).isoformat(), "end": local(1, 11).isoformat()})
    assert response.status_code == 409
    assert response.json["message"] == "积分不足，无法预约：这个资源需要5.00积分，你的可用积分是0.00"


def test_reading_points_opens_no_account(session, client, factory, api_token, login, street_admin):
    newcomer, organisation = factory.user(), factory.organisation()
    staff = next(m.user for m in organisation.memberships)
    body = client.get("/api/v1/me/points", headers=api_token(newcomer)).json
    assert (body["balance"], body["held"], body["entries"], body["total"]) == ("0.00", "0.00", [], 0)
    assert client.get(f"/api/v1/organisations/{organisation.id}/points", headers=api_token(staff)).status_code == 200
    login(street_admin)
    assert client.get("/points/street").status_code == 200
    assert client.get("/points/").status_code == 200
    assert session.query(PointsAccount).count() == 0


def _earned_for_wishes(session, factory, user, titles) -> None:
    """Wishes posted through the real service, each confirmed with an hour's earning for ``user``."""
    rules = wishes.Rules.from_config(current_app.config)
    building = factory.place_tree()["c1_building"]
    resident = factory.user()
    with transactions.read_only(False):
        for title in titles:
            wish = wishes.post_wish(session, resident, wishes.WishInput(
                title=title, need="需要有人帮忙", place_id=building.id,
                needed_by=zones.local_date(clock.now(), rules.zone) + timedelta(days=5)), rules=rules)
            services.earn_for_wish(session, wish.id, {"claimant_id": user.id, "hours": 1}, POLICY)
        session.commit()


def test_my_points_names_each_wish_and_booked_listing_by_its_title(session, client, factory, fund, login,
                                                                   points_listing, api_token, now):
    user = factory.user(volunteer=True)
    fund(user=user, amount="9")
    listing = points_listing(title="幸福里书画室")
    factory.booking(listing=listing, booker=user, start=local(1, 10))
    _earned_for_wishes(session, factory, user, ["帮独居老人买菜", "陪王奶奶去医院"])
    login(user)
    page = client.get("/points/").get_data(as_text=True)
    shown = re.findall(r'data-testid="points-reference">([^<]+)<', page)
    assert shown == ["陪王奶奶去医院", "帮独居老人买菜", "幸福里书画室"]
    entries = client.get("/api/v1/me/points", headers=api_token(user)).json["entries"]
    assert [e["reference_title"] for e in entries] == ["陪王奶奶去医院", "帮独居老人买菜", "幸福里书画室", None]


def _statements_for_my_points(session, client) -> int:
    sent = []
    engine = session.get_bind()
    count = lambda *_args: sent.append(1)  # noqa: E731
    sqlalchemy_event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/points/").status_code == 200
    finally:
        sqlalchemy_event.remove(engine, "before_cursor_execute", count)
    return len(sent)


def test_the_titles_of_a_page_of_points_cost_one_query_however_many_entries(session, client, factory, login,
                                                                           points_listing, now):
    one, many = factory.user(), factory.user()
    _earned_for_wishes(session, factory, one, ["修水龙头"])
    _earned_for_wishes(session, factory, many, [f"心愿{n}" for n in range(8)])
    listing = points_listing()
    for start in range(3):
        factory.booking(listing=listing, booker=many, start=local(1, 10 + start))
    login(one)
    with_one = _statements_for_my_points(session, client)
    login(many)
    assert _statements_for_my_points(session, client) == with_one
