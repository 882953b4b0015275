"""Public ids for the open-data exchange (HSDS wants UUIDs): a fresh one for an object born here, and one derived
from its parent's for an object that hangs off another (its location, schedule, contact …)."""
from __future__ import annotations

import uuid


def new_uuid() -> str:
    return str(uuid.uuid4())


def child_uuid(parent: str, what: str) -> str:
    return str(uuid.uuid5(uuid.UUID(parent), what))
