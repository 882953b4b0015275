"""What the person looked at, kept for their recommendations, in the export and on deletion (see core.personal_data)."""
from sqlalchemy import delete

from marketplace.core.personal_data import eraser, exporter, rows
from marketplace.search.models import ListingView


@exporter("listing_views", ("listing_views", "user_id"))
def export_views(session, user) -> list[dict]:
    return rows(session, ListingView, ListingView.user_id == user.id)


@eraser("listing_views", ("listing_views", "user_id"))
def erase_views(session, user, erasure) -> None:
    session.execute(delete(ListingView).where(ListingView.user_id == user.id))
