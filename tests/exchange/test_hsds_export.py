"""The catalogue in HSDS 3: valid against the official schemas, stable ids, no personal data, the HSDS API."""
from __future__ import annotations

import csv
import json
import uuid

from marketplace.core import clock
from marketplace.exchange import hsds

from .conftest import ZONE, hsds_errors, tabular_errors


def _tables(session):
    return hsds.export_tables(session, session.scalars(hsds.published_listings()).all(), zone=ZONE, now=clock.now())


def _documents(session):
    catalogue = hsds.Catalogue(_tables(session))
    return catalogue, [catalogue.service(row["id"]) for row in catalogue.tables["service"]]


def test_every_exported_service_and_organisation_validates_against_the_hsds_3_schemas(session, catalogue):
    catalogue_, services = _documents(session)
    assert len(services) == 4
    for service in services:
        assert hsds_errors("service", service) == []
    for row in catalogue_.tables["organization"]:
        assert hsds_errors("organization", catalogue_.organization(row["id"])) == []
    room = next(s for s in services if s["name"] == "多功能活动室")
    address = room["service_at_locations"][0]["location"]["addresss"][0]
    assert (address["address_1"], address["city"], address["region"]) == (
        "幸福里3号楼一层", catalogue["tree"]["street"].name, "幸福里社区")
    assert {(s["byday"], s["opens_at"], s["closes_at"]) for s in room["schedules"]} == {
        (day, "09:00+08:00", "21:00+08:00") for day in hsds.WEEKDAYS}


def test_the_data_package_tables_validate_and_name_their_files(session, catalogue, tmp_path):
    hsds.write_package(_tables(session), tmp_path)
    package = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    checked = 0
    for resource in package["resources"]:
        with (tmp_path / resource["path"]).open(encoding="utf-8", newline="") as source:
            reader = csv.DictReader(source)
            assert reader.fieldnames == [f["name"] for f in resource["schema"]["fields"]]
            for row in reader:
                # A string column's empty cell is an empty string (the address has no province or postcode here).
                cells = {k: (float(v) if k == "timezone" else v) for k, v in row.items()}
                assert tabular_errors(resource["name"], cells) == [], (resource["name"], row)
                checked += 1
    assert checked > 20


def test_a_malformed_document_fails_the_schema_check(session, catalogue):
    """The validation above could fail: a service without status, or a schedule on a daily rule, is refused."""
    _, services = _documents(session)
    broken = {**services[0]}
    del broken["status"]
    broken["schedules"] = [{**services[0]["schedules"][0], "freq": "DAILY"}]
    assert len(hsds_errors("service", broken)) == 2


def test_ids_are_the_stored_uuids_and_the_same_on_every_export(session, catalogue):
    first, second = _tables(session), _tables(session)
    assert first == second
    room = catalogue["room"]
    assert uuid.UUID(room.hsds_id) and room.hsds_id in {row["id"] for row in first["service"]}
    assert {row["id"]: row["service_id"] for row in first["service_at_location"]}[
        room.hsds_service_at_location_id] == room.hsds_id
    assert catalogue["organisation"].hsds_id in {row["id"] for row in first["organization"]}


def test_drafts_stay_out_and_volunteers_show_only_what_they_chose(session, catalogue):
    tables = _tables(session)
    text = json.dumps(tables, ensure_ascii=False)
    assert "还没发布的仓库" not in text
    assert "13900001111" in text and "晚上八点后请勿来电" in text  # chose to show their phone
    assert "13900002222" not in text  # did not
    for person in (catalogue["shown"], catalogue["hidden"]):
        assert person.email is None or person.email not in text
    assert {row["name"] for row in tables["contact"]} == {"幸福里社区居委会", "王老师"}


def test_the_services_list_pages_in_the_hsds_form(client, catalogue):
    first = client.get("/api/v1/exchange/hsds/services?page=1&per_page=3").json
    assert {k: first[k] for k in ("total_items", "total_pages", "page_number", "size", "first_page", "last_page",
                                  "empty")} == {"total_items": 4, "total_pages": 2, "page_number": 1, "size": 3,
                                                "first_page": True, "last_page": False, "empty": False}
    second = client.get("/api/v1/exchange/hsds/services?page=2&per_page=3").json
    assert (second["last_page"], len(second["contents"])) == (True, 1)
    names = {s["name"] for s in first["contents"] + second["contents"]}
    assert names == {"多功能活动室", "阅览室", "小学数学辅导", "缝补衣服"}
    for summary in first["contents"]:
        assert hsds_errors("service", summary) == []
        assert "service_at_locations" not in summary and summary["organization"]["name"]
    beyond = client.get("/api/v1/exchange/hsds/services?page=9&per_page=3").json
    assert (beyond["empty"], beyond["contents"]) == (True, [])


def test_one_service_comes_whole_with_organisation_locations_and_schedules(client, catalogue):
    service_id = catalogue["hall"].hsds_id
    service = client.get(f"/api/v1/exchange/hsds/services/{service_id}").json
    assert hsds_errors("service", service) == []
    assert service["organization"]["contacts"][0]["phones"][0]["number"] == "010-88886666"
    assert service["service_at_locations"][0]["location"]["addresss"][0]["region"] == "建设路社区"
    assert [(s["byday"], s["opens_at"]) for s in service["schedules"]] == [("SA", "08:30+08:00")]
    assert client.get(f"/api/v1/exchange/hsds/services/{uuid.uuid4()}").status_code == 404
    draft_id = catalogue["draft"].hsds_id
    assert client.get(f"/api/v1/exchange/hsds/services/{draft_id}").status_code == 404


def test_organisations_and_service_at_locations_are_served_alike(client, catalogue):
    organisations = client.get("/api/v1/exchange/hsds/organizations").json
    assert [o["name"] for o in organisations["contents"]] == ["幸福里社区居委会"]
    org_id = organisations["contents"][0]["id"]
    organisation = client.get(f"/api/v1/exchange/hsds/organizations/{org_id}").json
    assert hsds_errors("organization", organisation) == []
    sals = client.get("/api/v1/exchange/hsds/service_at_locations?per_page=100").json
    assert sals["total_items"] == 4
    sal = sals["contents"][0]
    assert hsds_errors("service_at_location", sal) == []
    one = client.get(f"/api/v1/exchange/hsds/service_at_locations/{sal['id']}").json
    assert one == sal
    assert client.get(f"/api/v1/exchange/hsds/organizations/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/api/v1/exchange/hsds/service_at_locations/{uuid.uuid4()}").status_code == 404
