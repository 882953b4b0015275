"""Importing HSDS into a street: idempotent, every refusal with its reason, and a lossless round trip."""
from __future__ import annotations

import json
from datetime import time

import pytest

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from marketplace.core import clock
from marketplace.core.db import Base
from marketplace.exchange import hsds, services
from marketplace.listings.models import Listing
from marketplace.organisations.models import Organisation
from marketplace.places import services as places
from marketplace.places.models import PlaceKind

from .conftest import ZONE

ORG = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
OTHER_ORG = "1e2f3a4b-5c6d-4e7f-8091-a2b3c4d5e6f7"


def _foreign_document(existing_name: str) -> list[dict]:
    """Services as another platform publishes them: one good, one closed, one on a daily rule, one whose
    organisation has the name of one already here."""
    org = {"id": ORG, "name": "南城养老服务中心", "description": "日间照料",
           "contacts": [{"id": "2f3a4b5c-6d7e-4f80-91a2-b3c4d5e6f708", "organization_id": ORG, "name": "前台",
                         "phones": [{"id": "3a4b5c6d-7e8f-4091-a2b3-c4d5e6f70819", "number": "010-66665555",
                                     "description": "工作日"}]}]}
    location = {"id": "4b5c6d7e-8f90-4a1b-b2c3-d4e5f6071829", "location_type": "physical", "name": "南城",
                "addresss": [{"id": "5c6d7e8f-9001-4b2c-83d4-e5f60718293a", "address_1": "南城路1号", "city": "x",
                              "region": "南城社区", "state_province": "", "postal_code": "", "country": "CN",
                              "address_type": "physical"}]}
    good = {"id": "6d7e8f90-0112-4c3d-94e5-f60718293a4b", "name": "老年助餐", "description": "午餐",
            "status": "active", "organization": org,
            "service_at_locations": [{"id": "7e8f9001-1223-4d4e-a5f6-0718293a4b5c", "location": location}],
            "schedules": [{"id": "8f900112-2334-4e5f-b607-18293a4b5c6d", "freq": "WEEKLY", "byday": "MO",
                           "opens_at": "03:30Z", "closes_at": "05:30Z"}]}
    closed = {"id": "90011223-3445-4f60-8718-293a4b5c6d7e", "name": "理发", "status": "inactive",
              "organization": org}
    daily = {"id": "a0112233-4556-4071-8829-3a4b5c6d7e8f", "name": "血压测量", "status": "active", "organization": org,
             "schedules": [{"id": "b1223344-5667-4182-993a-4b5c6d7e8f90", "freq": "DAILY"}]}
    twin = {"id": "c2334455-6778-4293-aa4b-5c6d7e8f9001", "name": "法律咨询", "status": "active",
            "organization": {"id": OTHER_ORG, "name": existing_name, "description": ""}}
    return [good, closed, daily, twin]


def _names(outcomes):
    return sorted((o.table, o.name) for o in outcomes)


def test_importing_the_same_file_twice_creates_nothing_the_second_time(session, factory):
    street = factory.place_tree()["street"]
    existing = factory.organisation(name="城南法律援助站")
    tables = hsds.tables_from_documents(_foreign_document(existing.name))
    first = services.import_tables(session, street, tables, zone=ZONE, now=clock.now())
    session.commit()
    assert _names(first.created) == [("organization", "南城养老服务中心"), ("place", "南城社区"), ("service", "老年助餐")]
    assert {(o.name, o.reason) for o in first.refused} == {
        ("理发", "只导入正在提供的服务（状态为 active）"), ("血压测量", "开放时间无法识别：DAILY None"),
        ("城南法律援助站", "平台上已有同名的组织"), ("法律咨询", "所属组织没有导入")}
    counts = (session.scalar(select(func.count(Listing.id))), session.scalar(select(func.count(Organisation.id))))

    second = services.import_tables(session, street, tables, zone=ZONE, now=clock.now())
    session.commit()
    assert (second.created, second.updated) == ([], [])
    assert _names(second.unchanged) == [("organization", "南城养老服务中心"), ("service", "老年助餐")]
    assert (session.scalar(select(func.count(Listing.id))), session.scalar(select(func.count(Organisation.id)))) == counts

    meal = session.scalar(select(Listing).where(Listing.title == "老年助餐"))
    assert meal.place.name == "南城社区" and meal.place.parent_id == street.id and meal.is_published
    assert [(h.weekday, h.opens, h.closes) for h in meal.opening_hours] == [(0, time(11, 30), time(13, 30))]
    assert meal.organisation.contact_phone == "010-66665555"


def test_an_import_keeps_the_ids_it_came_with_and_touches_nothing_outside_its_street(session, factory):
    street, elsewhere = factory.place_tree()["street"], factory.place_tree()["street"]
    tables = hsds.tables_from_documents(_foreign_document("没有重名"))
    services.import_tables(session, street, tables, zone=ZONE, now=clock.now())
    session.commit()
    meal = session.scalar(select(Listing).where(Listing.title == "老年助餐"))
    assert (meal.hsds_id, meal.organisation.hsds_id) == ("6d7e8f90-0112-4c3d-94e5-f60718293a4b", ORG)
    assert meal.hsds_service_at_location_id == hsds.child_id(meal.hsds_id, "service_at_location")
    # The same ids into another street: what the first import made is not this one's to move or rename.
    again = services.import_tables(session, elsewhere, tables, zone=ZONE, now=clock.now())
    session.commit()
    assert (again.created, again.updated, again.unchanged) == ([], [], [])
    assert {(o.name, o.reason) for o in again.refused} >= {
        ("南城养老服务中心", "平台上已有同名的组织"), ("老年助餐", "所属组织没有导入")}
    session.refresh(meal)
    assert meal.place.parent_id == street.id


def test_an_id_that_is_not_a_uuid_or_is_taken_elsewhere_is_refused_with_the_reason(session, factory):
    street = factory.place_tree()["street"]
    ours = factory.listing(title="本平台的活动室")
    tables = hsds.tables_from_documents({"services": [
        {"id": "not-a-uuid", "name": "理疗", "status": "active", "organization": {"id": ORG, "name": "新机构"}},
        {"id": ours.hsds_id, "name": "冒名的服务", "status": "active", "organization": {"id": ORG, "name": "新机构"}}],
        "organizations": [{"id": "also-not-a-uuid", "name": "另一个机构"},
                          {"id": ours.organisation.hsds_id, "name": "冒名的机构"}]})
    report = services.import_tables(session, street, tables, zone=ZONE, now=clock.now())
    assert {(o.name, o.reason) for o in report.refused} == {
        ("理疗", "编号不是 UUID"), ("另一个机构", "编号不是 UUID"),
        ("冒名的服务", "这个编号已属于平台上另一条记录"), ("冒名的机构", "这个编号已属于平台上另一条记录")}
    assert _names(report.created) == [("organization", "新机构")]
    session.refresh(ours)
    assert ours.title == "本平台的活动室"


def test_a_changed_service_is_updated_not_duplicated(session, factory):
    street = factory.place_tree()["street"]
    document = _foreign_document("不会重名")
    services.import_tables(session, street, hsds.tables_from_documents(document), zone=ZONE, now=clock.now())
    document[0] = {**document[0], "name": "老年助餐（午餐）"}
    report = services.import_tables(session, street, hsds.tables_from_documents(document), zone=ZONE, now=clock.now())
    assert _names(report.updated) == [("service", "老年助餐（午餐）")]
    assert session.scalar(select(func.count(Listing.id)).where(Listing.title.like("老年助餐%"))) == 1


def test_export_import_into_an_empty_database_and_export_again_gives_the_same(session, factory, tmp_path):
    tree = factory.place_tree()
    organisation = factory.organisation(place=tree["c1"], name="幸福里社区居委会")
    organisation.contact_phone = "010-88886666"
    organisation.office_hours = "周一至周五"
    factory.listing(organisation=organisation, title="多功能活动室", address="3号楼一层")
    factory.listing(organisation=organisation, title="阅览室", place_id=tree["c2"].id)
    first = hsds.export_tables(session, session.scalars(hsds.published_listings()).all(), zone=ZONE, now=clock.now())
    hsds.write_package(first, tmp_path / "first")

    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    Base.metadata.create_all(engine)
    for source in (tmp_path / "first" / "datapackage.json", tmp_path / "first" / "hsds.json"):
        with Session(engine) as other:
            street = other.scalar(select(places.Place).where(places.Place.kind == PlaceKind.street)) or \
                places.create_place(other, kind=PlaceKind.street, name=tree["street"].name, parent_id=None)
            report = services.import_tables(other, street, hsds.read_tables(source), zone=ZONE, now=clock.now())
            other.commit()
            assert report.refused == []
            again = hsds.export_tables(other, other.scalars(hsds.published_listings()).all(), zone=ZONE,
                                       now=clock.now())
            assert again == first
    hsds.write_package(again, tmp_path / "again")
    for name in ("hsds.json", "services.csv", "schedules.csv", "datapackage.json"):
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "first" / name).read_bytes()
    engine.dispose()


def test_volunteers_offers_are_not_imported_for_want_of_their_account(session, catalogue):
    tables = hsds.export_tables(session, session.scalars(hsds.published_listings()).all(), zone=ZONE,
                                now=clock.now())
    street = places.create_place(session, kind=PlaceKind.street, name="西大街街道", parent_id=None)
    report = services.import_tables(session, street, tables, zone=ZONE, now=clock.now())
    refused = {(o.name, o.reason) for o in report.refused}
    assert ("小学数学辅导", "所属组织没有导入") in refused
    assert any(reason.startswith("志愿者个人提供的服务不导入") for _name, reason in refused)


def test_a_file_that_is_not_hsds_is_refused_readably(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(hsds.UnreadableFile, match="x.json"):
        hsds.read_tables(path)
    path.write_text(json.dumps("a string"), encoding="utf-8")
    with pytest.raises(hsds.UnreadableFile):
        hsds.read_tables(path)


def test_the_commands_export_and_import_with_a_report(app, session, factory, tmp_path):
    tree = factory.place_tree()
    factory.listing(organisation=factory.organisation(place=tree["c1"], name="幸福里社区居委会"), title="活动室")
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["exchange", "export", "hsds", "--out", str(tmp_path / "out")])
    assert exported.exit_code == 0, exported.output
    assert "1 service" in exported.output and (tmp_path / "out" / "datapackage.json").exists()
    street = places.create_place(session, kind=PlaceKind.street, name="西大街街道", parent_id=None)
    session.commit()
    imported = runner.invoke(args=["exchange", "import", "hsds", str(tmp_path / "out"), "--street", str(street.id)])
    assert imported.exit_code == 0, imported.output
    # Same database: the organisation's name is taken, so it and its service are refused, each with the reason.
    assert "refused organization" in imported.output and "平台上已有同名的组织" in imported.output
    assert "0 created, 0 updated, 0 unchanged, 2 refused" in imported.output
    wrong = runner.invoke(args=["exchange", "import", "hsds", str(tmp_path / "out"), "--street", str(tree["c1"].id)])
    assert wrong.exit_code != 0 and "只能导入到街道" in wrong.output
