"""The platform admin's pages: the audit log (written by every area through ``core.audit``), accounts, listings."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.core import audit, clock
from marketplace.core.audit import AuditEntry
from marketplace.core.errors import Conflict, Forbidden
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.validation import filter_text
from marketplace.core.permissions import is_platform_admin
from marketplace.listings.models import Listing, ListingStatus
from marketplace.listings.services import record_change
from marketplace.organisations.models import Organisation, OrganisationStatus
from marketplace.places.models import Place


def list_audit_entries(session: Session, *, page: int = 1, per_page: int = 50,
                       object_type: str | None = None, actor_id: int | None = None):
    """A page of the audit log, newest first, and the total."""
    stmt = select(AuditEntry)
    object_type = filter_text(object_type, 40)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if actor_id:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    return fetch_page(session, stmt.order_by(AuditEntry.id.desc()), page=page, per_page=per_page)


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: object
    after: object


def field_changes(entry: AuditEntry) -> list[FieldChange]:
    """The fields an audited action changed (every recorded field when only one side exists), by name."""
    before, after = entry.before or {}, entry.after or {}
    names = sorted(set(before) | set(after))
    if entry.before and entry.after:
        names = [name for name in names if before.get(name) != after.get(name)]
    return [FieldChange(name, before.get(name), after.get(name)) for name in names]


# What an audited object is called: its own name, or for a part of something (a photo of a listing) the
# name of the whole, found through the key its snapshot records.
NAMED_OBJECTS = {"listings": (Listing, "title"), "organisations": (Organisation, "name"),
                 "users": (User, "display_name"), "places": (Place, "name")}
PART_OF = {"photos": ("listings", "listing_id"), "listing_exceptions": ("listings", "listing_id"),
           "memberships": ("organisations", "organisation_id")}


def object_names(session: Session, entries: list[AuditEntry]) -> dict[int, str]:
    """Entry id → the name of the object it is about (today's name; the recorded one once it is deleted)."""
    wanted: dict[int, tuple[str, int | None, dict]] = {}
    for entry in entries:
        recorded = entry.after or entry.before or {}
        object_type, object_id = entry.object_type, entry.object_id
        if object_type in PART_OF:
            object_type, key = PART_OF[object_type]
            object_id = recorded.get(key)
        if object_type in NAMED_OBJECTS:
            wanted[entry.id] = (object_type, object_id, recorded if object_type == entry.object_type else {})
    found: dict[tuple[str, int], str] = {}
    for object_type, (model, attribute) in NAMED_OBJECTS.items():
        ids = {object_id for kind, object_id, _ in wanted.values() if kind == object_type and object_id is not None}
        if ids:
            column = getattr(model, attribute)
            found.update({(object_type, row.id): getattr(row, attribute)
                          for row in session.execute(select(model.id, column).where(model.id.in_(ids)))})
    names = {}
    for entry_id, (object_type, object_id, recorded) in wanted.items():
        name = found.get((object_type, object_id)) or recorded.get(NAMED_OBJECTS[object_type][1])
        if name:
            names[entry_id] = name
    return names


def audited_object_types(session: Session) -> list[str]:
    """The object types that appear in the audit log, for its filter."""
    return list(session.scalars(select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)))


def platform_counts(session: Session) -> dict[str, int]:
    """Headline numbers for the admin dashboard."""
    return {
        "pending_organisations": session.scalar(
            select(func.count(Organisation.id)).where(Organisation.status == OrganisationStatus.pending)),
        "users": session.scalar(select(func.count(User.id))),
        "published_listings": session.scalar(
            select(func.count(Listing.id)).where(Listing.status == ListingStatus.published)),
    }


def listings_for_admin(session: Session, *, status: ListingStatus | None = None, query: str | None = None,
                       page: int = 1, per_page: int = 20):
    """A page of listings in any status, optionally filtered by status and title, newest first, and the total."""
    stmt = select(Listing)
    if status is not None:
        stmt = stmt.where(Listing.status == status)
    text = filter_text(query, 50)
    if text:
        stmt = stmt.where(Listing.title.contains(text, autoescape=True))
    return fetch_page(session, stmt.options(selectinload(Listing.organisation), selectinload(Listing.provider_user))
                      .order_by(Listing.id.desc()), page=page, per_page=per_page)


def reinstate_listing(session: Session, admin: User, listing: Listing) -> Listing:
    """Return a suspended listing to public view (platform admins); its provider must still be verified."""
    if not is_platform_admin(admin):
        raise Forbidden(_l("只有平台管理员可以恢复资源"))
    if listing.status is not ListingStatus.suspended:
        raise Conflict(_l("只有已暂停的资源可以恢复"))
    if listing.organisation is not None and not listing.organisation.is_verified:
        raise Conflict(_l("这个资源所属的组织尚未通过认证，不能恢复发布"))
    before = audit.snapshot(listing)
    listing.status = ListingStatus.published
    listing.suspension_reason = None
    listing.suspended_by_platform = False
    listing.published_at = listing.published_at or clock.now()
    session.flush()
    audit.record(session, admin, "listing.reinstate", listing, before=before)
    record_change(session, admin, listing, "listing.reinstate")
    return listing
