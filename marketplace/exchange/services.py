"""Importing an HSDS catalogue into a street: organisations and their services, idempotently, with a report.

An object keeps the HSDS id it came with (its ``hsds_id``), so importing the same file again updates what changed
and creates nothing. Whatever cannot be taken in is refused with a reason, never half-imported.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.core.errors import ValidationFailed
from marketplace.core.i18n import _l
from marketplace.exchange.hsds import VOLUNTEERS_SUFFIX, WEEKDAYS, Tables, offset_hours, volunteers_id
from marketplace.listings.models import Listing, ListingKind, ListingStatus, OpeningHours
from marketplace.listings.services import record_change
from marketplace.organisations.models import Organisation, OrganisationStatus, OrganisationType
from marketplace.places import services as places
from marketplace.places.models import Place, PlaceKind

CLOCK = re.compile(r"^(\d{2}):(\d{2})(?::\d{2})?(Z|[+-]\d{2}:\d{2})?$")


@dataclass
class Outcome:
    table: str
    hsds_id: str
    name: str
    reason: str = ""


@dataclass
class ImportReport:
    created: list[Outcome] = field(default_factory=list)
    updated: list[Outcome] = field(default_factory=list)
    unchanged: list[Outcome] = field(default_factory=list)
    refused: list[Outcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {key: len(getattr(self, key)) for key in ("created", "updated", "unchanged", "refused")}


def get_street(session: Session, street_id: int) -> Place:
    """The street to import into; NotFound if there is none with that id, ValidationFailed if it is not a street."""
    place = places.get_place(session, street_id)
    if place.kind is not PlaceKind.street:
        raise ValidationFailed("street", _l("只能导入到街道"))
    return place


def _uuid(value) -> str | None:
    """The id in its canonical form (lower case, hyphens), or None when it is not a UUID, which HSDS requires."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


ID_TAKEN = _l("这个编号已属于平台上另一条记录")


def _ours_in(street: Place, found):
    """What an earlier import of this id into ``street`` made, or None: an object elsewhere with that id (born
    here and exported, or imported into another street) is not this import's to change."""
    return found if found is not None and found.place.path.startswith(street.path) else None


def _id_taken(session: Session, model, hsds_id: str) -> bool:
    return session.scalar(select(model.id).where(model.hsds_id == hsds_id)) is not None


def _is_volunteers(org: dict) -> bool:
    """The organisation our export puts volunteers' own offers under (see ``hsds.export_tables``)."""
    return org.get("id") == volunteers_id(str(org.get("name", "")).removesuffix(VOLUNTEERS_SUFFIX))


def _apply(obj, values: dict) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def import_tables(session: Session, street: Place, tables: Tables, *, zone: str, now: datetime,
                  progress=lambda row: None) -> ImportReport:
    """Take the catalogue's organisations and active services into ``street``; returns what was created, updated,
    left unchanged and refused (with the reason). Importing the same tables twice creates nothing the second time."""
    report = ImportReport()
    phones = {row.get("contact_id"): row for row in tables.get("phone", [])}
    org_contacts = {row.get("organization_id"): row for row in tables.get("contact", []) if row.get("organization_id")}
    organisations: dict[str, Organisation | None] = {}
    for org in tables.get("organization", []):
        organisations[org["id"]] = _import_organisation(session, street, org, phones.get(
            (org_contacts.get(org["id"]) or {}).get("id")) or {}, report, now)
    locations = {row["id"]: row for row in tables.get("location", [])}
    addresses = {row.get("location_id"): row for row in tables.get("address", [])}
    sals = {row.get("service_id"): row for row in tables.get("service_at_location", [])}
    schedules: dict[str, list[dict]] = {}
    for row in tables.get("schedule", []):
        schedules.setdefault(row.get("service_id"), []).append(row)
    local_offset = offset_hours(zone, now)
    for service in tables.get("service", []):
        location = locations.get((sals.get(service["id"]) or {}).get("location_id"), {})
        _import_service(session, street, service, organisations, addresses.get(location.get("id"), {}),
                        schedules.get(service["id"], []), local_offset, report, now)
        progress(service)
    return report


def _import_organisation(session, street, org: dict, phone: dict, report: ImportReport, now) -> Organisation | None:
    name = str(org.get("name") or "").strip()
    if _is_volunteers(org):
        report.refused.append(Outcome("organization", org["id"], name, str(_l("志愿者个人提供的服务不导入：平台上没有对应的志愿者账号"))))
        return None
    if not name or len(name) > 100:
        report.refused.append(Outcome("organization", org["id"], name, str(_l("组织名称必须填写，且不超过100个字"))))
        return None
    hsds_id = _uuid(org["id"])
    if hsds_id is None:
        report.refused.append(Outcome("organization", org["id"], name, str(_l("编号不是 UUID"))))
        return None
    values = {"name": name, "description": str(org.get("description") or ""),
              "contact_phone": str(phone.get("number") or "")[:20], "office_hours": str(phone.get("description") or "")[:200]}
    organisation = _ours_in(street, session.scalar(select(Organisation).where(Organisation.hsds_id == hsds_id)))
    clash = session.scalar(select(Organisation).where(Organisation.name == name))
    if clash is not None and clash is not organisation:
        report.refused.append(Outcome("organization", org["id"], name, str(_l("平台上已有同名的组织"))))
        return None
    if organisation is not None:
        (report.updated if _apply(organisation, values) else report.unchanged).append(
            Outcome("organization", org["id"], name))
        return organisation
    if _id_taken(session, Organisation, hsds_id):
        report.refused.append(Outcome("organization", org["id"], name, str(ID_TAKEN)))
        return None
    organisation = Organisation(**values, type=OrganisationType.social_organisation, place_id=street.id,
                                status=OrganisationStatus.verified, verified_at=now, hsds_id=hsds_id)
    session.add(organisation)
    session.flush()
    report.created.append(Outcome("organization", org["id"], name))
    return organisation


def _import_service(session, street, service: dict, organisations, address: dict, schedules: list[dict],
                    local_offset: float, report: ImportReport, now) -> None:
    name = str(service.get("name") or "").strip()

    def refuse(reason):
        report.refused.append(Outcome("service", service["id"], name, str(reason)))

    organisation = organisations.get(service.get("organization_id"))
    if organisation is None:
        return refuse(_l("所属组织没有导入"))
    if service.get("status") != "active":
        return refuse(_l("只导入正在提供的服务（状态为 active）"))
    if not name or len(name) > 100:
        return refuse(_l("服务名称必须填写，且不超过100个字"))
    hsds_id = _uuid(service["id"])
    if hsds_id is None:
        return refuse(_l("编号不是 UUID"))
    try:
        hours = sorted({_hours(row, local_offset) for row in schedules})
    except ValueError as error:
        return refuse(_l("开放时间无法识别：%(detail)s", detail=str(error)))
    place = _place_for(session, street, str(address.get("region") or "").strip(), report)
    values = {"title": name, "description": str(service.get("description") or ""), "place_id": place.id,
              "address": str(address.get("address_1") or "")[:200], "organisation_id": organisation.id}
    listing = _ours_in(street, session.scalar(select(Listing).where(Listing.hsds_id == hsds_id)))
    if listing is None and _id_taken(session, Listing, hsds_id):
        return refuse(ID_TAKEN)
    if listing is None:
        listing = Listing(**values, kind=ListingKind.service, status=ListingStatus.published, published_at=now,
                          hsds_id=hsds_id)
        session.add(listing)
        session.flush()
        changed, outcome = True, report.created
    else:
        changed = _apply(listing, values)
        outcome = None
    if [(h.weekday, h.opens, h.closes) for h in listing.opening_hours] != hours:
        listing.opening_hours = [OpeningHours(weekday=d, opens=o, closes=c) for d, o, c in hours]
        changed = True
    if outcome is None:
        outcome = report.updated if changed else report.unchanged
    outcome.append(Outcome("service", service["id"], name))
    if changed:
        session.flush()
        record_change(session, None, listing, "listing.import")


def _place_for(session, street: Place, community: str, report: ImportReport) -> Place:
    """The street's community of that name (added if missing), or the street itself when none is named."""
    if not community:
        return street
    found = session.scalar(select(Place).where(Place.parent_id == street.id, Place.name == community))
    if found is not None:
        return found
    place = places.create_place(session, kind=PlaceKind.community, name=community, parent_id=street.id)
    report.created.append(Outcome("place", str(place.id), community))
    return place


def _minutes(value, offset_hours: float) -> int:
    match = CLOCK.match(str(value or ""))
    if not match:
        raise ValueError(str(value))
    hours, minutes, suffix = int(match[1]), int(match[2]), match[3]
    if hours > 24 or minutes > 59:
        raise ValueError(str(value))
    if suffix and suffix != "Z":
        sign = 1 if suffix[0] == "+" else -1
        offset = sign * (int(suffix[1:3]) * 60 + int(suffix[4:6]))
    elif suffix == "Z":
        offset = 0
    else:
        offset = int(offset_hours * 60)
    return hours * 60 + minutes - offset


def _hours(row: dict, local_offset: float) -> tuple[int, time, time]:
    """One weekly opening (weekday, opens, closes) in local time from a schedule row; ValueError if it is not one."""
    if row.get("freq") != "WEEKLY" or row.get("byday") not in WEEKDAYS:
        raise ValueError(f"{row.get('freq')} {row.get('byday')}")
    # Times without an offset are in the schedule's timezone, and UTC when it gives none (as HSDS says).
    zone_offset = float(row["timezone"]) if isinstance(row.get("timezone"), (int, float)) else 0
    shift = int(local_offset * 60)
    opens = _minutes(row.get("opens_at"), zone_offset) + shift
    closes = _minutes(row.get("closes_at"), zone_offset) + shift
    if not 0 <= opens < closes <= 24 * 60:
        raise ValueError(f"{row.get('opens_at')}–{row.get('closes_at')}")
    closes = min(closes, 24 * 60 - 1)  # a TIME column has no 24:00
    return WEEKDAYS.index(row["byday"]), time(opens // 60, opens % 60), time(closes // 60, closes % 60)

