"""Wishes posted for or by the person, wishes they claimed and the photos they added, in the export (see
core.personal_data)."""
from sqlalchemy import or_

from marketplace.core.personal_data import exporter, keep, rows
from marketplace.wishes.models import Wish, WishCoClaimer, WishPhoto


@exporter("wishes", ("wishes", "resident_id"), ("wishes", "posted_by_id"), ("wishes", "claimant_id"),
          ("wish_co_claimers", "user_id"), ("wish_photos", "uploaded_by_id"))
def export_wishes(session, user) -> dict:
    return {"posted": rows(session, Wish, or_(Wish.resident_id == user.id, Wish.posted_by_id == user.id)),
            "claimed": rows(session, Wish, Wish.claimant_id == user.id),
            "co_claimed": rows(session, WishCoClaimer, WishCoClaimer.user_id == user.id),
            "photos_uploaded": rows(session, WishPhoto, WishPhoto.uploaded_by_id == user.id)}


keep("a wish's history and the points earned for it stay; the people in it become the anonymised account",
     ("wishes", "resident_id"), ("wishes", "posted_by_id"), ("wishes", "claimant_id"), ("wishes", "reviewed_by_id"),
     ("wishes", "confirmed_by_id"), ("wishes", "resident_confirmed_by_id"), ("wish_co_claimers", "user_id"),
     ("wish_photos", "uploaded_by_id"))
