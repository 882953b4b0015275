"""A place added through this process is in the next search's place words and community filter at once."""
from __future__ import annotations

from marketplace.core import events
from marketplace.places import directory


@events.subscriber("place.added", durable=False)
def forget_the_names(session, event) -> None:
    directory.forget()
