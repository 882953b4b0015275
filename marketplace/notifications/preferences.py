"""The preferences as both faces show them: nested per kind for the API, flat columns for the model and form."""
from __future__ import annotations

from marketplace.notifications.models import Kind, NotificationPreference

# (kind, key in the API) → column
COLUMNS = {(kind.value, "email"): f"{kind.value}_email" for kind in Kind}
COLUMNS[("reminders", "enabled")] = "reminders"
COLUMNS[("requests", "digest")] = "requests_digest"


def as_nested(preferences: NotificationPreference) -> dict:
    nested: dict[str, dict] = {}
    for (kind, key), column in COLUMNS.items():
        nested.setdefault(kind, {})[key] = getattr(preferences, column)
    return nested


def from_nested(args: dict) -> dict[str, bool]:
    return {COLUMNS[(kind, key)]: value for kind, values in args.items() for key, value in values.items()}
