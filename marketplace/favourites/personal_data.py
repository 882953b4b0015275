"""Favourites in the export and on deletion (see core.personal_data)."""
from sqlalchemy import delete

from marketplace.core.personal_data import eraser, exporter, rows
from marketplace.favourites.models import Favourite


@exporter("favourites", ("favourites", "user_id"))
def export_favourites(session, user) -> list[dict]:
    return rows(session, Favourite, Favourite.user_id == user.id)


@eraser("favourites", ("favourites", "user_id"))
def erase_favourites(session, user, erasure) -> None:
    session.execute(delete(Favourite).where(Favourite.user_id == user.id))
