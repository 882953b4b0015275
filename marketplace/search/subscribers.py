"""The search index follows listing changes: at once after the commit, and durably from the outbox."""
from __future__ import annotations

from marketplace.core import events
from marketplace.search.sync import EVENT_TYPES, apply_events


@events.subscriber(*EVENT_TYPES, durable=False)
def index_after_commit(session, event) -> None:
    apply_events(session, [event])


@events.subscriber(*EVENT_TYPES, batch=True)
def index_from_outbox(session, batch) -> None:
    # Repeats the after-commit update (idempotent), or makes it when a crash came between commit and index.
    apply_events(session, batch)
