"""The catalogue as Open Referral HSDS 3 (https://docs.openreferral.org): tables, nested documents, data package.

One representation in the middle: ``Tables``, a dict of HSDS table name → rows (flat dicts with their foreign ids),
each table in HSDS id order so that an export does not depend on our row ids. The JSON documents nest these rows
(``nest_service`` …); the tabular data package writes them as they are; an import reads either back into tables.

Ids: HSDS wants UUIDs. Each organisation and listing stores its own (``hsds_id``, and a listing its
service_at_location's): a fresh UUID for one born here (those born before the ids were stored kept the
``uuid5(NAMESPACE, "<kind>:<our id>")`` they were exported with), the id it came with for an imported one. Every
other object (location, address, schedule, contact, phone) hangs off its service or organisation and derives its id
from that one's, so exports are stable, imports idempotent, and a detail request one indexed lookup.

What is left out on purpose: a listing's kind, capacity, booking rules and photos (HSDS has no place for them);
drafts and suspended listings (not public); a volunteer's phone unless they chose to show it, and their account.
"""
from __future__ import annotations

import csv
import json
import uuid
from datetime import datetime, time
from pathlib import Path
from typing import Iterable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.masking import chosen_public_phone
from marketplace.core import zones
from marketplace.core.ids import child_uuid as child_id
from marketplace.listings.models import Listing, ListingStatus
from marketplace.organisations.models import Organisation
from marketplace.places.models import Place

NAMESPACE = uuid.UUID("6f1d3c2a-8e4b-5a7c-9d0e-1b2c3d4e5f60")
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
COUNTRY = "CN"

# Table name → (file in the data package, columns in order), after the HSDS 3 schemas' "path" and properties.
TABLES: dict[str, tuple[str, list[str]]] = {
    "organization": ("organizations.csv", ["id", "name", "description"]),
    "service": ("services.csv", ["id", "organization_id", "name", "description", "status"]),
    "location": ("locations.csv", ["id", "organization_id", "location_type", "name"]),
    "address": ("addresss.csv", ["id", "location_id", "address_1", "city", "region", "state_province",
                                 "postal_code", "country", "address_type"]),
    "service_at_location": ("service_at_location.csv", ["id", "service_id", "location_id"]),
    "schedule": ("schedules.csv", ["id", "service_id", "freq", "byday", "opens_at", "closes_at", "timezone"]),
    "contact": ("contacts.csv", ["id", "organization_id", "service_id", "name"]),
    "phone": ("phones.csv", ["id", "contact_id", "number", "description"]),
}
NUMBER_COLUMNS = {("schedule", "timezone")}
VOLUNTEERS_SUFFIX = "志愿者"

Tables = dict[str, list[dict]]


def _community_and_street(place: Place) -> tuple[str, str]:
    """The community's name ("" above one) and the street's, for an address."""
    community, node = "", place
    while node is not None:
        if node.kind.value == "community":
            community = node.name
        if node.parent is None:
            return community, node.name
        node = node.parent
    return community, ""


def offset_hours(zone: str, now: datetime) -> float:
    offset = zones.to_local(now, zone).utcoffset()
    hours = offset.total_seconds() / 3600
    return int(hours) if hours.is_integer() else hours


def _clock_time(value: time, offset: float) -> str:
    sign = "+" if offset >= 0 else "-"
    minutes = int(abs(offset) * 60)
    return f"{value:%H:%M}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def published_listings(street: Place | None = None) -> Select:
    """The public catalogue (under ``street`` if given), in our id order, with what the export reads loaded."""
    stmt = (select(Listing).where(Listing.status == ListingStatus.published)
            .options(selectinload(Listing.opening_hours), selectinload(Listing.organisation),
                     selectinload(Listing.provider_user), selectinload(Listing.place)))
    if street is not None:
        stmt = stmt.join(Place, Listing.place_id == Place.id).where(Place.path.startswith(street.path))
    return stmt.order_by(Listing.id)


def organisations_with_services() -> Select:
    """Organisations with at least one published listing: the ones an export names."""
    return (select(Organisation).where(select(Listing.id).where(Listing.organisation_id == Organisation.id,
                                                                 Listing.status == ListingStatus.published).exists())
            .order_by(Organisation.id))


def _load_ancestors(session: Session, places: Iterable[Place]) -> list[Place]:
    """Every place above these in one statement, so that walking up to the community and street finds them in the
    session's identity map instead of sending one statement per step. The caller holds on to the list while it
    walks: the identity map keeps objects only as long as something else does."""
    above = {int(part) for place in places for part in place.path.strip("/").split("/") if part} - {
        place.id for place in places}
    return list(session.scalars(select(Place).where(Place.id.in_(above)))) if above else []


def export_tables(session: Session, listings: Iterable[Listing], *, zone: str, now: datetime,
                  organisations: Iterable[Organisation] = (), progress=lambda listing: None) -> Tables:
    """These listings, their providers and ``organisations`` as HSDS tables, without personal data."""
    offset = offset_hours(zone, now)
    tables: Tables = {name: [] for name in TABLES}
    providers: dict[int, Organisation] = {org.id: org for org in organisations}
    volunteer_orgs: dict[str, str] = {}
    listings = list(listings)
    ancestors = _load_ancestors(session, {listing.place for listing in listings})  # noqa: F841 - held, see there
    for listing in listings:
        service_id = listing.hsds_id
        community, street_name = _community_and_street(listing.place)
        if listing.organisation is not None:
            providers[listing.organisation.id] = listing.organisation
            org_id = listing.organisation.hsds_id
        else:
            # HSDS wants every service under an organisation: volunteers' own offers sit under their street's.
            org_id = volunteer_orgs.setdefault(street_name, volunteers_id(street_name))
            _add_volunteer_contact(tables, service_id, listing)
        tables["service"].append({"id": service_id, "organization_id": org_id, "name": listing.title,
                                  "description": listing.description, "status": "active"})
        location_id = child_id(service_id, "location")
        tables["location"].append({"id": location_id, "organization_id": org_id, "location_type": "physical",
                                   "name": listing.place.name})
        tables["address"].append({
            "id": child_id(service_id, "address"), "location_id": location_id,
            "address_1": listing.address or listing.place.name, "city": street_name, "region": community,
            "state_province": "", "postal_code": "", "country": COUNTRY, "address_type": "physical"})
        tables["service_at_location"].append({"id": listing.hsds_service_at_location_id,
                                              "service_id": service_id, "location_id": location_id})
        for hours in listing.opening_hours:
            tables["schedule"].append({
                "id": child_id(service_id, f"schedule:{hours.weekday}:{hours.opens:%H:%M}"), "service_id": service_id,
                "freq": "WEEKLY", "byday": WEEKDAYS[hours.weekday], "opens_at": _clock_time(hours.opens, offset),
                "closes_at": _clock_time(hours.closes, offset), "timezone": offset})
        progress(listing)
    for organisation in providers.values():
        org_id = organisation.hsds_id
        tables["organization"].append({"id": org_id, "name": organisation.name,
                                       "description": organisation.description})
        if organisation.contact_phone:
            contact_id = child_id(org_id, "contact")
            tables["contact"].append({"id": contact_id, "organization_id": org_id, "name": organisation.name})
            tables["phone"].append({"id": child_id(contact_id, "phone"), "contact_id": contact_id,
                                    "number": organisation.contact_phone, "description": organisation.office_hours})
    for street_name, org_id in volunteer_orgs.items():
        tables["organization"].append({"id": org_id, "name": f"{street_name}{VOLUNTEERS_SUFFIX}",
                                       "description": "志愿者以个人名义提供的技能和服务"})
    for rows in tables.values():
        rows.sort(key=lambda row: row["id"])
    return tables


def volunteers_id(street_name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"volunteers:{street_name}"))


def find_listing(session: Session, hsds_id: str, *, service_at_location: bool = False) -> Listing | None:
    """The published listing whose service (or service_at_location) has this HSDS id, or None: one indexed lookup."""
    column = Listing.hsds_service_at_location_id if service_at_location else Listing.hsds_id
    return session.scalars(published_listings().where(column == hsds_id)).first()


def find_organisation(session: Session, hsds_id: str) -> Organisation | None:
    """The organisation with published listings that has this HSDS id, or None: one indexed lookup."""
    return session.scalars(organisations_with_services().where(Organisation.hsds_id == hsds_id)).first()


def _add_volunteer_contact(tables: Tables, service_id: str, listing: Listing) -> None:
    """A volunteer's contact is what they chose to show: their phone only if they chose it, their note with it."""
    volunteer = listing.provider_user
    phone = chosen_public_phone(volunteer) if volunteer else ""
    if not phone:
        return
    contact_id = child_id(service_id, "contact")
    tables["contact"].append({"id": contact_id, "service_id": service_id, "name": volunteer.display_name})
    tables["phone"].append({"id": child_id(contact_id, "phone"), "contact_id": contact_id, "number": phone,
                            "description": volunteer.public_contact_note})


# Nested documents, as the HSDS API and the JSON file give them.

# Columns the schemas require: kept even when empty (an address here has no province or postcode).
_REQUIRED_EMPTY_OK = {"description", "state_province", "postal_code", "city", "address_1"}


def _compact(row: dict) -> dict:
    """A row without its empty optional values (HSDS omits what is unknown)."""
    return {key: value for key, value in row.items() if value not in (None, "") or key in _REQUIRED_EMPTY_OK}


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        if row.get(key):
            grouped.setdefault(row[key], []).append(row)
    return grouped


class Catalogue:
    """The tables with lookups for nesting them."""

    def __init__(self, tables: Tables):
        self.tables = tables
        self.organizations = {row["id"]: row for row in tables["organization"]}
        self.services = {row["id"]: row for row in tables["service"]}
        self.locations = {row["id"]: row for row in tables["location"]}
        self.service_at_locations = {row["id"]: row for row in tables["service_at_location"]}
        self.addresses = _by(tables["address"], "location_id")
        self.schedules = _by(tables["schedule"], "service_id")
        self.sals = _by(tables["service_at_location"], "service_id")
        self.org_contacts = _by(tables["contact"], "organization_id")
        self.service_contacts = _by(tables["contact"], "service_id")
        self.phones = _by(tables["phone"], "contact_id")

    def _contact(self, row: dict) -> dict:
        return {**_compact(row), "phones": [_compact(phone) for phone in self.phones.get(row["id"], [])]}

    def organization(self, org_id: str) -> dict:
        return {**_compact(self.organizations[org_id]),
                "contacts": [self._contact(row) for row in self.org_contacts.get(org_id, [])]}

    def location(self, location_id: str) -> dict:
        return {**_compact(self.locations[location_id]),
                "addresss": [_compact(row) for row in self.addresses.get(location_id, [])]}

    def service_at_location(self, sal_id: str) -> dict:
        row = self.service_at_locations[sal_id]
        return {**_compact(row), "location": self.location(row["location_id"])}

    def service(self, service_id: str) -> dict:
        """The full service: its organisation, where it is given (with addresses), when, and whom to ask."""
        row = self.services[service_id]
        return {**_compact(row), "organization": self.organization(row["organization_id"]),
                "service_at_locations": [self.service_at_location(sal["id"]) for sal in self.sals.get(service_id, [])],
                "schedules": [_compact(s) for s in self.schedules.get(service_id, [])],
                "contacts": [self._contact(c) for c in self.service_contacts.get(service_id, [])]}

    def service_summary(self, service_id: str) -> dict:
        """The list form: the service's own fields and its one-to-one organisation."""
        row = self.services[service_id]
        return {**_compact(row), "organization": _compact(self.organizations[row["organization_id"]])}


def hsds_page(items: list, total: int, page: int, per_page: int) -> dict:
    """The HSDS 3 API's paginated list."""
    pages = max(1, -(-total // per_page))
    return {"total_items": total, "total_pages": pages, "page_number": page, "size": per_page,
            "first_page": page == 1, "last_page": page >= pages, "empty": not items, "contents": items}


# Files.

def write_package(tables: Tables, directory: Path) -> list[Path]:
    """The JSON document (full services, and organisations) and the tabular data package, into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    catalogue = Catalogue(tables)
    document = {"services": [catalogue.service(row["id"]) for row in tables["service"]],
                "organizations": [catalogue.organization(row["id"]) for row in tables["organization"]]}
    written = [directory / "hsds.json"]
    written[0].write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    resources = []
    for name, (filename, columns) in TABLES.items():
        with (directory / filename).open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            for row in tables[name]:
                writer.writerow({column: row.get(column, "") for column in columns})
        written.append(directory / filename)
        resources.append({"name": name, "path": filename, "profile": "tabular-data-resource", "format": "csv",
                          "mediatype": "text/csv", "encoding": "utf-8",
                          "schema": {"fields": [{"name": column, "type": "number" if (name, column) in NUMBER_COLUMNS
                                                 else "string"} for column in columns], "primaryKey": "id"}})
    package = {"name": "hsds", "title": "Human Services Data Specification 3 export", "profile": "tabular-data-package",
               "resources": resources}
    (directory / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n",
                                                encoding="utf-8")
    written.append(directory / "datapackage.json")
    return written


class UnreadableFile(ValueError):
    """The file is neither an HSDS JSON document nor a data package."""


def read_tables(path: Path) -> Tables:
    """HSDS tables from a JSON document (a list of services, or ``{"services": [...], "organizations": [...]}``),
    a ``datapackage.json``, or a directory holding one."""
    if path.is_dir():
        path = path / "datapackage.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableFile(f"{path}: {error}") from error
    if isinstance(document, dict) and "resources" in document:
        return _tables_from_package(path.parent, document)
    return tables_from_documents(document)


def _tables_from_package(directory: Path, package: dict) -> Tables:
    tables: Tables = {name: [] for name in TABLES}
    for resource in package["resources"]:
        name = resource.get("name")
        if name not in TABLES:
            continue
        with (directory / resource["path"]).open(encoding="utf-8-sig", newline="") as source:
            for row in csv.DictReader(source):
                tables[name].append({key: (_number(value) if (name, key) in NUMBER_COLUMNS else value)
                                     for key, value in row.items() if value != ""})
    return tables


def _number(value: str):
    number = float(value)
    return int(number) if number.is_integer() else number


def tables_from_documents(document) -> Tables:
    """Flatten nested HSDS documents into tables (a service's organisation, locations, schedules and contacts)."""
    if isinstance(document, list):
        document = {"services": document}
    if not isinstance(document, dict):
        raise UnreadableFile("not an HSDS document")
    tables: dict[str, dict[str, dict]] = {name: {} for name in TABLES}

    def put(name: str, row: dict, **links):
        if isinstance(row, dict) and row.get("id"):
            flat = {key: value for key, value in row.items() if not isinstance(value, (dict, list))}
            tables[name].setdefault(row["id"], {**flat, **{k: v for k, v in links.items() if v}})

    def contacts(rows: Iterable, **links):
        for contact in rows or []:
            put("contact", contact, **links)
            for phone in contact.get("phones") or []:
                put("phone", phone, contact_id=contact.get("id"))

    def organization(org: dict):
        put("organization", org)
        contacts(org.get("contacts"), organization_id=org.get("id"))

    for org in document.get("organizations") or []:
        organization(org)
    for service in document.get("services") or []:
        if not isinstance(service, dict):
            continue
        org = service.get("organization")
        if isinstance(org, dict):
            organization(org)
        put("service", service, organization_id=(org or {}).get("id") if isinstance(org, dict) else None)
        for sal in service.get("service_at_locations") or []:
            location = sal.get("location") or {}
            put("location", location)
            for address in location.get("addresss") or location.get("addresses") or []:
                put("address", address, location_id=location.get("id"))
            put("service_at_location", sal, service_id=service.get("id"), location_id=location.get("id"))
        for schedule in service.get("schedules") or []:
            put("schedule", schedule, service_id=service.get("id"))
        contacts(service.get("contacts"), service_id=service.get("id"))
    return {name: sorted(rows.values(), key=lambda row: row["id"]) for name, rows in tables.items()}
