"""The code at a listing's door (shown as a QR code): a token that changes every local day.

The token is an HMAC of the listing and the local date under the deployment's secret, so nobody can make
one without the secret, and a photo of yesterday's code is refused today. Nothing is stored: the code is
derived again to check it, and compared in constant time.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date, datetime

from marketplace.core.errors import ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.zones import local_date
from marketplace.listings.models import Listing

_PURPOSE = b"door-check-in"


def door_token(secret: str, listing_id: int, day: date) -> str:
    """The listing's door token for the local date ``day``."""
    message = b"%s:%d:%s" % (_PURPOSE, listing_id, day.isoformat().encode())
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def todays_door_token(secret: str, listing_id: int, *, now: datetime, zone: str) -> str:
    """The token the listing's door shows now (its local date in ``zone``)."""
    return door_token(secret, listing_id, local_date(now, zone))


def is_valid_door_token(secret: str, listing_id: int, token: str, *, now: datetime, zone: str) -> bool:
    """Whether ``token`` is the listing's door token of today (local date in ``zone``)."""
    expected = todays_door_token(secret, listing_id, now=now, zone=zone)
    return hmac.compare_digest(expected.encode(), str(token).encode())


def require_door_code(listing: Listing, token: str, *, secret: str, now: datetime, zone: str) -> None:
    """Refuse (ValidationFailed) a listing that takes no check-in, and a wrong or old door code."""
    if not listing.requires_check_in:
        raise ValidationFailed("token", _l("这个资源不需要扫码签到"))
    if not is_valid_door_token(secret, listing.id, token, now=now, zone=zone):
        raise ValidationFailed("token", _l("签到码无效或已过期：请扫描门口今天的二维码"))
