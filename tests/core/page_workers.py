"""Another web worker's process committing a change (for test_page_cache)."""
from __future__ import annotations

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import Listing


def retitle(config: dict, listing_id: int, actor_id: int, title: str) -> None:
    app = create_app(config)
    with app.app_context():
        listing = db.session.get(Listing, listing_id)
        data = listings.listing_data(listing)
        data.title = title
        listings.update_listing(db.session, db.session.get(User, actor_id), listing, data)
        db.session.commit()
        db.engine.dispose()
