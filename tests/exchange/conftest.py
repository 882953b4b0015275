"""The vendored HSDS 3 schemas (see hsds_schemas/LICENSE.md) and a catalogue to export."""
from __future__ import annotations

import json
from datetime import time
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from marketplace.listings import services as listings

SCHEMAS = Path(__file__).parent / "hsds_schemas"
ZONE = "Asia/Shanghai"


def _load():
    contents = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT202012)) for name, schema in contents.items())
    return contents, registry


SCHEMA_CONTENTS, REGISTRY = _load()


def hsds_errors(kind: str, document: dict) -> list[str]:
    """Every way ``document`` breaks the official HSDS 3 schema of ``kind`` (e.g. "service")."""
    validator = Draft202012Validator(SCHEMA_CONTENTS[f"{kind}.json"], registry=REGISTRY)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def tabular_errors(kind: str, row: dict) -> list[str]:
    """A data package row (empty cells left out) against the schema, and the columns a table must have."""
    problems = hsds_errors(kind, row)
    problems += [f"{column} missing" for column in SCHEMA_CONTENTS[f"{kind}.json"].get("tabular_required", [])
                 if not row.get(column)]
    return problems


@pytest.fixture
def catalogue(factory, session):
    """A street with an organisation's two listings (one with an address), a volunteer who shows their phone and one
    who does not, and a draft that must stay out."""
    tree = factory.place_tree()
    staff = factory.user()
    organisation = factory.organisation(admin=staff, place=tree["c1"], name="幸福里社区居委会")
    organisation.contact_phone = "010-88886666"
    organisation.office_hours = "周一至周五 9:00-17:00"
    room = factory.listing(organisation=organisation, title="多功能活动室", address="幸福里3号楼一层")
    hall = factory.listing(organisation=organisation, title="阅览室", place_id=tree["c2"].id,
                           hours=[listings.HoursInterval(weekday=5, opens=time(8, 30),
                                                         closes=time(12))])
    draft = factory.listing(organisation=organisation, title="还没发布的仓库", publish=False)
    shown = factory.user(name="王老师", phone="13900001111", volunteer=True)
    shown.shows_phone_publicly = True
    shown.public_contact_note = "晚上八点后请勿来电"
    hidden = factory.user(name="李阿姨", phone="13900002222", volunteer=True)
    session.commit()
    tutoring = _volunteer_listing(session, shown, tree["c1"], "小学数学辅导")
    sewing = _volunteer_listing(session, hidden, tree["c2"], "缝补衣服")
    return {"tree": tree, "organisation": organisation, "room": room, "hall": hall, "draft": draft,
            "shown": shown, "hidden": hidden, "tutoring": tutoring, "sewing": sewing}


def _volunteer_listing(session, volunteer, place, title):
    listing = listings.create_listing(session, volunteer, listings.ListingData(
        kind="skill", title=title, place_id=place.id, description="每周末"), organisation_id=None)
    listings.set_opening_hours(session, volunteer, listing, [listings.HoursInterval(weekday=6, opens=time(14),
                                                                                   closes=time(16))])
    listings.publish_listing(session, volunteer, listing)
    session.commit()
    return listing
