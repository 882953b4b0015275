"""Applying for, verifying and staffing organisations."""
from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.accounts.services import find_user_by_login
from marketplace.core import audit, clock, events
from marketplace.core.db import get_by_id
from marketplace.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.pagination import fetch_page
from marketplace.core.permissions import can_manage_organisation, is_platform_admin, role_in
from marketplace.core.validation import clean_text
from marketplace.listings.models import Listing, ListingStatus
from marketplace.organisations.models import (
    Membership,
    Organisation,
    OrganisationStatus,
    OrganisationType,
    StaffRole,
)
from marketplace.places.services import get_place


@dataclass
class OrganisationData:
    name: str
    type: OrganisationType | str
    place_id: int
    description: str = ""
    address: str = ""
    contact_phone: str = ""
    office_hours: str = ""
    max_active_bookings_per_booker: int | None = None
    max_hours_per_week_per_booker: int | None = None


ACTIVE_CAP_LABEL = _l("每人同时有效预约上限（全组织合计）")
HOURS_CAP_LABEL = _l("每人每周预约小时上限（全组织合计）")


def _optional_cap(value, field_name: str, high: int, label) -> int | None:
    """A whole number from 1 to ``high``, or None for "no cap" (blank)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationFailed(field_name, _l("%(label)s必须是整数", label=label))
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationFailed(field_name, _l("%(label)s必须是整数", label=label)) from None
    if isinstance(value, float) and value != number:
        raise ValidationFailed(field_name, _l("%(label)s必须是整数", label=label))
    if not 1 <= number <= high:
        raise ValidationFailed(field_name, _l("%(label)s应在%(low)s到%(high)s之间", label=label, low=1, high=high))
    return number


def _clean(session: Session, data: OrganisationData, existing: Organisation | None = None) -> dict:
    name = clean_text(data.name, "name", 100, required=_l("请填写组织名称"), too_long=_l("组织名称不能超过100个字"))
    try:
        org_type = OrganisationType(data.type)
    except ValueError:
        raise ValidationFailed("type", _l("请选择组织类型")) from None
    if data.place_id is None:
        raise ValidationFailed("place_id", _l("请选择所在社区"))
    get_place(session, data.place_id)
    values = {
        "name": name,
        "type": org_type,
        "place_id": data.place_id,
        "description": clean_text(data.description, "description", 5000, too_long=_l("简介不能超过5000个字")),
        "address": clean_text(data.address, "address", 200, too_long=_l("地址不能超过200个字")),
        "contact_phone": clean_text(data.contact_phone, "contact_phone", 20,
                                    too_long=_l("联系电话不能超过20个字符")),
        "office_hours": clean_text(data.office_hours, "office_hours", 200, too_long=_l("办公时间不能超过200个字")),
        "max_active_bookings_per_booker": _optional_cap(
            data.max_active_bookings_per_booker, "max_active_bookings_per_booker", 1000, ACTIVE_CAP_LABEL),
        "max_hours_per_week_per_booker": _optional_cap(
            data.max_hours_per_week_per_booker, "max_hours_per_week_per_booker", 168, HOURS_CAP_LABEL),
    }
    clash = session.scalar(select(Organisation.id).where(Organisation.name == name))
    if clash and (existing is None or clash != existing.id):
        raise Conflict(_l("已经有同名的组织了"), field="name")
    return values


def apply_for_organisation(session: Session, applicant: User, data: OrganisationData) -> Organisation:
    """Create a pending organisation with the applicant as its admin; publishing waits for verification."""
    org = Organisation(**_clean(session, data), applicant_id=applicant.id, status=OrganisationStatus.pending)
    org.memberships.append(Membership(user_id=applicant.id, role=StaffRole.admin))
    session.add(org)
    session.flush()
    audit.record(session, applicant, "organisation.apply", org)
    return org


def update_organisation(session: Session, actor: User, org: Organisation, data: OrganisationData) -> Organisation:
    """Edit an organisation's details; its admins and platform admins only."""
    if not can_manage_organisation(actor, org):
        raise Forbidden(_l("你没有管理这个组织的权限"))
    before = audit.snapshot(org)
    for key, value in _clean(session, data, existing=org).items():
        setattr(org, key, value)
    session.flush()
    audit.record(session, actor, "organisation.update", org, before=before)
    events.record(session, "organisation.changed", subject=("organisation", org.id), payload={"action": "organisation.update"},
                  actor_id=actor.id)
    return org


def verify_organisation(session: Session, admin: User, org: Organisation) -> Organisation:
    """Mark an organisation verified so that it may publish listings (platform admins)."""
    if not is_platform_admin(admin):
        raise Forbidden(_l("只有平台管理员可以审核组织"))
    if org.status is OrganisationStatus.verified:
        raise Conflict(_l("这个组织已经认证过了"))
    before = audit.snapshot(org)
    org.status = OrganisationStatus.verified
    org.rejection_reason = None
    org.verified_at = clock.now()
    session.flush()
    audit.record(session, admin, "organisation.verify", org, before=before)
    events.record(session, "organisation.changed", subject=("organisation", org.id), payload={"action": "organisation.verify"},
                  actor_id=admin.id)
    return org


def reject_organisation(session: Session, admin: User, org: Organisation, reason: str) -> Organisation:
    """Refuse (or withdraw) verification with a reason the applicant sees (platform admins)."""
    if not is_platform_admin(admin):
        raise Forbidden(_l("只有平台管理员可以审核组织"))
    reason = clean_text(reason, "reason", 500, required=_l("请填写不通过的原因"), too_long=_l("原因不能超过500个字"))
    before = audit.snapshot(org)
    org.status = OrganisationStatus.rejected
    org.rejection_reason = reason
    org.verified_at = None
    session.flush()
    audit.record(session, admin, "organisation.reject", org, before=before)
    events.record(session, "organisation.changed", subject=("organisation", org.id), payload={"action": "organisation.reject"},
                  actor_id=admin.id)
    return org


def add_staff(session: Session, actor: User, org: Organisation, login: str, role: StaffRole | str) -> Membership:
    """Add the user with phone/email ``login`` to the organisation's staff."""
    if not can_manage_organisation(actor, org):
        raise Forbidden(_l("你没有管理这个组织的权限"))
    try:
        role = StaffRole(role)
    except ValueError:
        raise ValidationFailed("role", _l("请选择角色")) from None
    user = find_user_by_login(session, login)
    if user is None:
        raise ValidationFailed("login", _l("没有找到这个手机号或邮箱对应的用户，请先让对方注册"))
    if any(m.user_id == user.id for m in org.memberships):
        raise Conflict(_l("这个用户已经是本组织的成员"), field="login")
    membership = Membership(user_id=user.id, role=role)
    org.memberships.append(membership)
    session.flush()
    audit.record(session, actor, "organisation.add_staff", membership,
                 after={"organisation_id": org.id, "user_id": user.id, "role": role.value})
    return membership


def remove_staff(session: Session, actor: User, org: Organisation, user_id: int) -> None:
    """Remove a member; the last admin cannot be removed."""
    if not can_manage_organisation(actor, org):
        raise Forbidden(_l("你没有管理这个组织的权限"))
    membership = next((m for m in org.memberships if m.user_id == user_id), None)
    if membership is None:
        raise NotFound(_l("这个用户不是本组织的成员"))
    admins = [m for m in org.memberships if m.role is StaffRole.admin]
    if membership.role is StaffRole.admin and len(admins) == 1:
        raise ValidationFailed(None, _l("组织至少需要保留一位管理员"))
    before = {"organisation_id": org.id, "user_id": user_id, "role": membership.role.value}
    org.memberships.remove(membership)
    session.flush()
    audit.record(session, actor, "organisation.remove_staff", object_type="memberships",
                 object_id=membership.id, before=before)


def organisation_data(org: Organisation) -> OrganisationData:
    """The organisation's current details as OrganisationData: the starting point of a partial update."""
    return OrganisationData(**{f.name: getattr(org, f.name) for f in fields(OrganisationData)})


def staff_of(session: Session, viewer, org: Organisation) -> list[Membership]:
    """The organisation's members, admins first; only its members and platform admins may see them."""
    if role_in(viewer, org) is None and not is_platform_admin(viewer):
        raise Forbidden(_l("只有本组织的成员可以查看成员名单"))
    return sorted(org.memberships, key=lambda m: (m.role is not StaffRole.admin, m.created_at, m.id))


def get_organisation(session: Session, org_id: int) -> Organisation:
    """Return the organisation or raise NotFound."""
    org = get_by_id(session, Organisation, org_id)
    if org is None:
        raise NotFound(_l("找不到这个组织"))
    return org


def list_organisations(session: Session, *, status: OrganisationStatus | None = OrganisationStatus.verified,
                       type: OrganisationType | None = None, place_ids: list[int] | None = None,
                       page: int = 1, per_page: int = 20):
    """A page of organisations (verified ones by default) and the total."""
    stmt = select(Organisation)
    if status is not None:
        stmt = stmt.where(Organisation.status == status)
    if type is not None:
        stmt = stmt.where(Organisation.type == type)
    if place_ids is not None:
        stmt = stmt.where(Organisation.place_id.in_(place_ids))
    return fetch_page(session, stmt.order_by(Organisation.name), page=page, per_page=per_page)


def organisations_of(session: Session, user: User) -> list[Organisation]:
    """Organisations where the user is staff or admin."""
    return list(session.scalars(
        select(Organisation).join(Membership).where(Membership.user_id == user.id).order_by(Organisation.name)
    ))


def get_visible_organisation(session: Session, org_id: int, viewer) -> Organisation:
    """The organisation if the viewer may see it: verified ones are public, others only to members and admins."""
    org = get_organisation(session, org_id)
    if not org.is_verified and not is_platform_admin(viewer) and role_in(viewer, org) is None:
        raise NotFound(_l("找不到这个组织"))
    return org


def published_listings_of(session: Session, org: Organisation) -> list[Listing]:
    """The organisation's published listings, newest first."""
    return list(session.scalars(
        select(Listing)
        .where(Listing.organisation_id == org.id, Listing.status == ListingStatus.published)
        .options(selectinload(Listing.photos), selectinload(Listing.place))
        .order_by(Listing.published_at.desc(), Listing.id.desc())
    ))


def community_offices(session: Session, limit: int = 50) -> list[Organisation]:
    """Verified community offices (社区居委会), by name: whom residents call for help."""
    return list(session.scalars(
        select(Organisation).where(Organisation.type == OrganisationType.community_office,
                                   Organisation.status == OrganisationStatus.verified)
        .order_by(Organisation.name).limit(limit)
    ))


def organisations_for_review(session: Session, *, status: OrganisationStatus | None = None,
                             page: int = 1, per_page: int = 20):
    """A page of organisations for platform admins, pending applications first (oldest first), and the total."""
    stmt = select(Organisation)
    if status is not None:
        stmt = stmt.where(Organisation.status == status)
    pending_first = case((Organisation.status == OrganisationStatus.pending, 0), else_=1)
    return fetch_page(session, stmt.options(selectinload(Organisation.place), selectinload(Organisation.applicant))
                      .order_by(pending_first, Organisation.created_at, Organisation.id), page=page, per_page=per_page)
