"""Domain events that webhook receivers hear of become deliveries, once each (a durable subscriber: the outbox
runs it exactly once per event, in its transaction); the scheduler's ``send_webhooks`` job sends them."""
from __future__ import annotations

from sqlalchemy.orm import Session

from marketplace.core import clock, events
from marketplace.webhooks import services


@events.subscriber(*services.DOMAIN_EVENTS)
def enqueue_webhooks(session: Session, event) -> None:
    services.enqueue_for_event(session, event, clock.now())
