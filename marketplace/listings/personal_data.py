"""Listings a volunteer provides in the export (see core.personal_data)."""
from marketplace.core.personal_data import exporter, keep, rows
from marketplace.listings.models import Listing


@exporter("listings", ("listings", "provider_user_id"))
def export_listings(session, user) -> list[dict]:
    return rows(session, Listing, Listing.provider_user_id == user.id)


keep("a volunteer's listings keep their bookings' history; the provider becomes the anonymised account",
     ("listings", "provider_user_id"))
