"""A process that creates, publishes and edits listings, committing each change (for test_concurrency)."""
from __future__ import annotations

from datetime import time

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import Listing


def write_listings(config: dict, organisation_id: int, place_id: int, actor_id: int, shared_id: int, name: str,
                   count: int, barrier) -> None:
    """Create and publish ``count`` listings, and after each retitle the shared one: one commit per change."""
    app = create_app(config)
    with app.app_context():
        session = db.session
        barrier.wait(timeout=120)
        for n in range(count):
            # Take SQLite's write lock first, as a web request that writes does; the index lock is ours.
            actor = session.get(User, actor_id)
            listing = listings.create_listing(session, actor, listings.ListingData(
                kind="space", title=f"{name}活动室{n}", place_id=place_id), organisation_id=organisation_id)
            listings.set_opening_hours(session, actor, listing, [
                listings.HoursInterval(weekday=d, opens=time(9), closes=time(21)) for d in range(7)])
            listings.publish_listing(session, actor, listing)
            session.commit()
            actor = session.get(User, actor_id)
            shared = session.get(Listing, shared_id)
            data = listings.listing_data(shared)
            data.title = f"共享会议室{name}{n}"
            listings.update_listing(session, actor, shared, data)
            session.commit()
        session.remove()
