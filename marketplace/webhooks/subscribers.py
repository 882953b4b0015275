"""Domain events that webhook receivers hear of become deliveries, once each (a durable subscriber: the outbox
runs it exactly once per event, in its transaction; a batch of events at once, in a few statements); the scheduler's ``send_webhooks`` job sends them."""
from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace.core import clock, events
from marketplace.webhooks import services


@events.subscriber(*services.DOMAIN_EVENTS, batch=True)
def enqueue_webhooks(session: Session, batch) -> None:
    services.enqueue_for_events(session, batch, clock.now())
