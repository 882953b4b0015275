"""The dashboard's wishes, feedback, pledges and points figures: each equals a count made independently from the
rows the real services wrote, small counts are "<5" (with the median or sum they would give away withheld), and
each group is a table on the page, a key of the JSON and a CSV with its columns."""
from __future__ import annotations

import csv
import io
from datetime import timedelta
from statistics import median

import pytest
from sqlalchemy import select

from marketplace.core import clock
from marketplace.feedback import services as feedback
from marketplace.feedback.models import Feedback
from marketplace.pledges import services as pledges
from marketplace.points import services as points
from marketplace.points.models import PointsTransfer, Reason
from marketplace.transparency import groups, services
from marketplace.wishes import services as wishes
from marketplace.wishes.models import Wish
from tests.bookings.conftest import NOW, SHANGHAI
from tests.feedback.conftest import build_street
from tests.pledges.test_pledges import delivered_world, street  # noqa: F401 - the fixtures
from tests.points.conftest import POLICY
from tests.wishes.conftest import Wishes


def csv_rows(client, url: str, table: str) -> list[dict]:
    response = client.get(f"{url}?format=csv&table={table}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def hours(seconds: float) -> float:
    return round(seconds / 3600, 1)


@pytest.fixture
def wish_world(session, factory):
    """In the first community: 2 pending wishes, 2 only approved, 2 claimed, 6 fulfilled (4 confirmed), each
    fulfilled some hours after its approval; nothing in the second community yet."""
    clock.travel_to(NOW)
    world = Wishes(session, factory)
    helpers = [*world.volunteers, world.party_member]
    world.posted(), world.posted()
    world.approved(), world.approved()
    world.claimed(by=helpers[0]), world.claimed(by=helpers[1])
    for n, hours_later in enumerate((3, 10, 26, 50, 75, 120)):
        clock.travel_to(NOW)
        wish = world.claimed(by=helpers[n % len(helpers)])
        clock.travel_to(NOW + timedelta(hours=hours_later))
        wishes.fulfil_wish(session, wish.claimant, wish, "换好了新的水龙头", "1.5")
        if n < 4:
            wishes.confirm_wish(session, world.resident, wish, thanks="谢谢")
        session.commit()
    clock.travel_to(NOW + timedelta(days=6))
    return world


def test_wish_figures_equal_an_independent_count_of_the_communitys_wishes(session, client, wish_world):
    c1, c2 = wish_world.tree["c1"], wish_world.tree["c2"]
    rows = session.scalars(select(Wish).where(Wish.community_id == c1.id)).all()
    expected = {
        "posted": sum(w.approved_at is not None for w in rows),
        "claimed": sum(w.claimed_at is not None for w in rows),
        "fulfilled": sum(w.fulfilled_at is not None for w in rows),
        "median_hours_to_fulfil": hours(median((w.fulfilled_at - w.approved_at).total_seconds()
                                               for w in rows if w.fulfilled_at)),
    }
    assert expected == {"posted": 10, "claimed": 8, "fulfilled": 6, "median_hours_to_fulfil": 38.0}
    assert groups.wishes(session, "community", c1.id) == expected
    assert client.get(f"/api/v1/stats/communities/{c1.id}").json["wishes"] == expected
    assert client.get("/api/v1/stats/street").json["wishes"] == expected  # the street holds only c1's so far
    assert client.get(f"/api/v1/stats/communities/{c2.id}").json["wishes"] == {
        "posted": 0, "claimed": 0, "fulfilled": 0, "median_hours_to_fulfil": None}
    assert client.get(f"/api/v1/stats/listings/{factory_listing(session, wish_world)}").json["wishes"] is None

    [row] = csv_rows(client, f"/transparency/communities/{c1.id}", "wishes")
    assert row == {"范围": c1.name, "发布的心愿": "10", "已认领的心愿": "8", "已完成的心愿": "6",
                   "完成所需小时（中位数）": "38.0"}
    page = client.get(f"/transparency/communities/{c1.id}").get_data(as_text=True)
    assert 'data-testid="table-wishes"' in page and 'data-testid="table-pledges"' not in page


def factory_listing(session, world) -> int:
    return world.factory.listing(organisation=world.office, actor=world.staff).id


def test_few_wishes_are_published_as_fewer_than_five_and_their_median_withheld(session, client, factory):
    clock.travel_to(NOW)
    world = Wishes(session, factory)
    wish = world.claimed()
    clock.travel_to(NOW + timedelta(hours=5))
    wishes.fulfil_wish(session, wish.claimant, wish, "换好了", "1")
    session.commit()
    body = client.get(f"/api/v1/stats/communities/{world.tree['c1'].id}").json["wishes"]
    assert body == {"posted": "<5", "claimed": "<5", "fulfilled": "<5", "median_hours_to_fulfil": None}


def send(session, author, subject, subject_id):
    item = feedback.send_feedback(session, author, feedback.FeedbackInput(
        kind="complaint", subject=subject, subject_id=subject_id, text="活动室能不能晚上也开放？"))
    session.commit()
    return item


def test_feedback_figures_equal_an_independent_count_per_community_organisation_and_street(
        session, client, factory):
    clock.travel_to(NOW)
    world = build_street(factory, session)
    for hours_later in (1, 4, 9, 30, 52):
        clock.travel_to(NOW)
        item = send(session, world.resident, "organisation", world.unit.id)
        clock.travel_to(NOW + timedelta(hours=hours_later))
        feedback.answer_feedback(session, world.unit_staff, item, "已安排，谢谢。")
        session.commit()
    clock.travel_to(NOW)
    send(session, world.neighbour, "organisation", world.unit.id)  # waiting
    item = send(session, world.neighbour, "community", world.tree["c1"].id)
    clock.travel_to(NOW + timedelta(hours=2))
    feedback.answer_feedback(session, world.office_staff, item, "收到。")
    session.commit()
    send(session, world.resident, "community", world.tree["c2"].id)  # the other community: one item, waiting

    def independent(where) -> dict:
        rows = session.scalars(select(Feedback).where(where)).all()
        answered = [(f.first_answered_at - f.created_at).total_seconds() for f in rows if f.first_answered_at]
        return {"received": len(rows), "answered": len(answered),
                "median_response_hours": hours(median(answered)) if answered else None}

    c1, c2 = world.tree["c1"], world.tree["c2"]
    unit = independent(Feedback.organisation_id == world.unit.id)
    assert unit == {"received": 6, "answered": 5, "median_response_hours": 9.0}
    assert client.get(f"/api/v1/stats/organisations/{world.unit.id}").json["feedback"] == unit
    community = independent(Feedback.community_id == c1.id)
    assert community == {"received": 7, "answered": 6, "median_response_hours": 6.5}
    assert client.get(f"/api/v1/stats/communities/{c1.id}").json["feedback"] == community
    assert independent(Feedback.id.is_not(None))["received"] == 8
    assert client.get("/api/v1/stats/street").json["feedback"] == {
        "received": 8, "answered": 6, "median_response_hours": 6.5}
    # One waiting item in the other community: "<5" received, nothing answered, no median.
    assert client.get(f"/api/v1/stats/communities/{c2.id}").json["feedback"] == {
        "received": "<5", "answered": 0, "median_response_hours": None}
    assert feedback.median_response_seconds(session, community_id=c1.id) == 6.5 * 3600

    [row] = csv_rows(client, f"/api/v1/stats/communities/{c1.id}", "feedback")
    assert row == {"范围": c1.name, "收到的意见": "7", "已答复的意见": "6", "答复所需小时（中位数）": "6.5"}


def test_few_answered_items_withhold_the_median(session, client, factory):
    clock.travel_to(NOW)
    world = build_street(factory, session)
    for _ in range(5):
        item = send(session, world.resident, "organisation", world.unit.id)
    clock.travel_to(NOW + timedelta(hours=3))
    feedback.answer_feedback(session, world.unit_staff, item, "已安排。")
    session.commit()
    assert client.get(f"/api/v1/stats/organisations/{world.unit.id}").json["feedback"] == {
        "received": 5, "answered": "<5", "median_response_hours": None}


def test_pledges_show_this_years_pledged_against_delivered_for_the_street_and_the_unit(
        session, client, delivered_world):
    world = delivered_world
    pledges.sign_pledge(session, world.admin, pledges.PledgeInput(
        organisation_id=world.unit.id, year=2026, room_hours=7, volunteer_hours=6))
    session.commit()
    # Delivered by the bookings of the fixture (see tests/pledges): 3.5 room hours and 3 volunteering hours in 2026.
    expected = [{"organisation_id": world.unit.id, "organisation": world.unit.name, "year": 2026,
                 "room_hours_pledged": 7, "room_hours_delivered": 3.5, "room_share": 0.5,
                 "volunteer_hours_pledged": 6, "volunteer_hours_delivered": 3.0, "volunteer_share": 0.5}]
    assert client.get("/api/v1/stats/street").json["pledges"] == expected
    assert client.get(f"/api/v1/stats/organisations/{world.unit.id}").json["pledges"] == expected
    other = world.community_office
    assert client.get(f"/api/v1/stats/organisations/{other.id}").json["pledges"] == []
    assert client.get(f"/api/v1/stats/communities/{world.tree['c1'].id}").json["pledges"] is None

    [row] = csv_rows(client, f"/transparency/organisations/{world.unit.id}", "pledges")
    assert (row["组织"], row["承诺场地小时"], row["兑现场地小时"], row["场地兑现率"], row["兑现志愿小时"]) == (
        world.unit.name, "7", "3.5", "0.5", "3.0")
    page = client.get("/transparency").get_data(as_text=True)
    assert 'data-testid="table-pledges"' in page and "50.0%" in page


def test_points_by_reason_equal_an_independent_sum_of_the_ledger_and_few_transfers_are_withheld(
        session, client, factory):
    clock.travel_to(NOW)
    admin = factory.user(platform_admin=True)
    people = [factory.user() for _ in range(6)]
    unit = factory.organisation()
    for n, person in enumerate(people):
        points.grant(session, admin, None, points.GrantRequest(amount=str(10 + n), memo="启动积分",
                                                               user_id=person.id), POLICY)
    for amount in ("30", "12.5"):
        points.grant(session, admin, None, points.GrantRequest(amount=amount, memo="活动经费",
                                                               organisation_id=unit.id), POLICY)
    session.commit()

    grants = session.scalars(select(PointsTransfer).where(PointsTransfer.reason == Reason.grant)).all()
    street = {row["reason"]: row for row in client.get("/api/v1/stats/street").json["points"]}
    assert set(street) == {reason.value for reason in Reason}
    assert (street["grant"]["transfers"], street["grant"]["points"]) == (len(grants), float(sum(t.amount for t in grants)))
    assert (len(grants), street["grant"]["points"]) == (8, 117.5)
    assert street["grant"]["direction"] == "earned" and street["take"]["direction"] == "spent"
    assert (street["take"]["transfers"], street["take"]["points"]) == (0, 0.0)
    # The unit received two grants: "<5", and their sum (which would tell the amounts) withheld.
    mine = {row["reason"]: row for row in client.get(f"/api/v1/stats/organisations/{unit.id}").json["points"]}
    assert (mine["grant"]["transfers"], mine["grant"]["points"]) == ("<5", None)

    rows = csv_rows(client, "/api/v1/stats/street", "points")
    assert list(rows[0]) == ["范围", "原因代码", "原因", "获得或花费", "笔数", "积分"]
    assert {row["原因代码"]: (row["笔数"], row["积分"]) for row in rows}["grant"] == ("8", "117.5")


def test_the_new_tables_are_refused_nowhere_and_documented(client, session, factory):
    clock.travel_to(NOW)
    listing = factory.listing()
    for table in ("wishes", "feedback", "pledges", "points"):
        rows = csv_rows(client, f"/api/v1/stats/listings/{listing.id}", table)
        assert rows == []  # the listing has no such figures: the header alone
    spec = client.get("/api/v1/openapi.json").json
    stats = spec["components"]["schemas"]["Stats"]["properties"]
    assert {"wishes", "feedback", "pledges", "points"} <= set(stats)
    assert services.published(3) == "<5"
