"""Who may do what: small predicates used by views (to refuse), templates (to hide) and services (to raise)."""
from __future__ import annotations

from marketplace.listings.models import ListingStatus
from marketplace.organisations.models import Organisation, StaffRole


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_platform_admin(user) -> bool:
    return _signed_in(user) and bool(user.is_platform_admin)


def role_in(user, organisation: Organisation) -> StaffRole | None:
    """The user's role in the organisation, or None."""
    if not _signed_in(user):
        return None
    for membership in organisation.memberships:
        if membership.user_id == user.id:
            return membership.role
    return None


def can_manage_organisation(user, organisation: Organisation) -> bool:
    """Edit the organisation and its staff: its admins and platform admins."""
    return is_platform_admin(user) or role_in(user, organisation) is StaffRole.admin


def can_manage_listings_of(user, organisation: Organisation) -> bool:
    """Create and edit the organisation's listings: any of its staff."""
    return role_in(user, organisation) is not None


def can_edit_listing(user, listing) -> bool:
    """Staff of the owning organisation, or the volunteer who offers it."""
    if not _signed_in(user):
        return False
    if listing.organisation is not None:
        return can_manage_listings_of(user, listing.organisation)
    return listing.provider_user_id == user.id


def can_moderate_listing(user, listing) -> bool:
    """Suspend or reinstate: the provider's editors and platform admins."""
    return is_platform_admin(user) or can_edit_listing(user, listing)


def is_held_by_platform(listing) -> bool:
    """Suspended by a platform admin: moderation that only a platform admin lifts."""
    return listing.status is ListingStatus.suspended and listing.suspended_by_platform


def can_publish_listing(user, listing) -> bool:
    """Make public: its editors, unless a platform admin suspended it."""
    return can_edit_listing(user, listing) and (not is_held_by_platform(listing) or is_platform_admin(user))


def can_view_listing(user, listing) -> bool:
    """Published listings are public; drafts and suspended ones only to those who may edit them."""
    return listing.status is ListingStatus.published or can_moderate_listing(user, listing)
