"""Checks every area's services apply to the plain values they are given."""
from __future__ import annotations

from marketplace.core.errors import ValidationFailed
from marketplace.core.i18n import _l


def filter_text(value, limit: int) -> str | None:
    """A search or filter word from a query string: stripped, cut to ``limit`` characters, without NUL characters
    (which no one types and PostgreSQL refuses); None when nothing is left."""
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "").strip()[:limit] or None


def clean_text(value, field: str, limit: int, *, required=None, too_long=None) -> str:
    """``value`` stripped of surrounding spaces; ValidationFailed on ``field`` when it is not text, blank while
    ``required`` (the message to give), or longer than ``limit`` characters (``too_long``, or a plain message)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(field, _l("应为文本"))
    value = value.strip()
    if required is not None and not value:
        raise ValidationFailed(field, required)
    if len(value) > limit:
        raise ValidationFailed(field, too_long if too_long is not None else _l("不能超过%(n)s个字", n=limit))
    return value
