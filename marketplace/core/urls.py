"""URL helpers for the HTTP edge: ids in paths and query strings, and safe redirect targets."""
from urllib.parse import urlsplit

from marketplace.core.db import MAX_ID, is_id

# URL converter for ids, in HTML and API routes alike: larger numbers would overflow the id columns (a 500, not a 404).
ID = f"int(min=1, max={MAX_ID})"


def id_arg(value: str) -> int:
    """A query-string id (``request.args.get("community", type=id_arg)``): ValueError, hence the default,
    unless a whole number that fits the id columns."""
    number = int(value)
    if not is_id(number):
        raise ValueError(value)
    return number


def safe_next_url(target: str | None) -> str | None:
    """Only same-site relative paths may be redirected to after login (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target
