"""A process killed (SIGKILL) right after a listing's commit, before its index update (for test_events)."""
from __future__ import annotations

import os
import signal

from sqlalchemy import event

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.listings import services as listings
from marketplace.listings.models import Listing


def retitle_then_die(config: dict, listing_id: int, actor_id: int, title: str) -> None:
    app = create_app(config)
    with app.app_context():
        # Ahead of the after-commit dispatch: the database has committed, the index has not been touched.
        event.listen(db.session, "after_commit", lambda _session: os.kill(os.getpid(), signal.SIGKILL), insert=True)
        listing = db.session.get(Listing, listing_id)
        data = listings.listing_data(listing)
        data.title = title
        listings.update_listing(db.session, db.session.get(User, actor_id), listing, data)
        db.session.commit()
