"""Personal data minimisation: what others may see of a user."""


def mask_phone(phone: str | None) -> str:
    """138****1234 for an 11-digit mobile number; keep only the edges of anything else."""
    if not phone:
        return ""
    if len(phone) <= 4:
        return "*" * len(phone)
    keep_head = 3 if len(phone) >= 11 else 1
    return phone[:keep_head] + "*" * (len(phone) - keep_head - 4) + phone[-4:]


def visible_phone(owner, viewer) -> str:
    """``owner``'s phone as ``viewer`` may see it: whole for the owner and platform admins, masked otherwise."""
    phone = owner.phone
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        if viewer.is_platform_admin or viewer.id == owner.id:
            return phone or ""
    return mask_phone(phone)


def chosen_public_phone(owner) -> str:
    """``owner``'s whole phone where they chose to show it (their listings' contact), else nothing."""
    return (owner.phone or "") if owner.shows_phone_publicly else ""
