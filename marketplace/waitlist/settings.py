"""The deployment's waitlist settings, read at the edges (pages, API, subscribers, the scheduler's job)."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app


def hold_time() -> timedelta:
    """How long a freed slot stays held for the first in line (``WAITLIST_HOLD_MINUTES``)."""
    return timedelta(minutes=current_app.config["WAITLIST_HOLD_MINUTES"])
