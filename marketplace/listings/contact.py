"""How to reach whoever provides a listing, as anyone looking at the listing or a booking of it may see.

An organisation's contact is public by nature (office phone, address, hours). A volunteer's is
private unless they choose otherwise: their phone appears whole here only because they chose to
show it, and everywhere else it stays masked (accounts.masking).
"""
from __future__ import annotations

from dataclasses import dataclass

from marketplace.accounts.masking import chosen_public_phone
from marketplace.listings.models import Listing


@dataclass(frozen=True)
class PublicContact:
    phone: str = ""
    address: str = ""
    hours: str = ""
    note: str = ""

    def __bool__(self) -> bool:
        return bool(self.phone or self.address or self.hours or self.note)


def provider_contact(listing: Listing) -> PublicContact:
    """The public contact of the listing's provider; empty for a volunteer who chose to show nothing."""
    if listing.organisation is not None:
        org = listing.organisation
        return PublicContact(phone=org.contact_phone, address=org.address, hours=org.office_hours)
    volunteer = listing.provider_user
    if volunteer is None:
        return PublicContact()
    return PublicContact(phone=chosen_public_phone(volunteer), note=volunteer.public_contact_note)
