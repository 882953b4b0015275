"""Who may do what with bookings, built from the shared predicates in ``core.permissions``."""
from __future__ import annotations

from marketplace.core.permissions import can_edit_listing, can_manage_listings_of, is_platform_admin


def can_provide(user, listing) -> bool:
    """Decide on the listing's bookings (approve, reject, cancel, check in, no-show): its provider, i.e.
    the staff of its organisation or the volunteer who offers it."""
    return can_edit_listing(user, listing)


def can_see_requests_of(user, organisation) -> bool:
    """Read an organisation's inbox of booking requests: any of its staff."""
    return can_manage_listings_of(user, organisation)


def is_booker(user, booking) -> bool:
    return user is not None and getattr(user, "id", None) == booking.booker_id


def can_view_booking(user, booking) -> bool:
    """The booker, members of the group booked for, the provider, who served it and platform admins."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_booker(user, booking) or is_platform_admin(user) or can_provide(user, booking.listing):
        return True
    if booking.served_by_id is not None and user.id == booking.served_by_id:
        return True
    return booking.group is not None and booking.group.has_member(user)


def takes_part_in_conversation(user, booking) -> bool:
    """Write in the booking's conversation: its booker and its provider (the group booked for is not a party)."""
    return is_booker(user, booking) or can_provide(user, booking.listing)


def can_read_conversation(user, booking) -> bool:
    """Read the booking's conversation: those who take part, and platform admins (to settle a complaint)."""
    return takes_part_in_conversation(user, booking) or is_platform_admin(user)
