"""Wishes posted for or by the person and wishes they claimed, in the export (see core.personal_data)."""
from sqlalchemy import or_

from marketplace.core.personal_data import exporter, keep, rows
from marketplace.wishes.models import Wish, WishCoClaimer


@exporter("wishes", ("wishes", "resident_id"), ("wishes", "posted_by_id"), ("wishes", "claimant_id"),
          ("wish_co_claimers", "user_id"))
def export_wishes(session, user) -> dict:
    return {"posted": rows(session, Wish, or_(Wish.resident_id == user.id, Wish.posted_by_id == user.id)),
            "claimed": rows(session, Wish, Wish.claimant_id == user.id),
            "co_claimed": rows(session, WishCoClaimer, WishCoClaimer.user_id == user.id)}


keep("a wish's history and the points earned for it stay; the people in it become the anonymised account",
     ("wishes", "resident_id"), ("wishes", "posted_by_id"), ("wishes", "claimant_id"), ("wishes", "reviewed_by_id"),
     ("wishes", "confirmed_by_id"), ("wishes", "resident_confirmed_by_id"), ("wish_co_claimers", "user_id"))
