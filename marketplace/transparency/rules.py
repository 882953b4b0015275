"""The one rule for small counts, shared by every figure group of the dashboard."""

# Fewer than this many, and a count could point at a person: it is published as "<5".
SMALL_COUNT = 5
SUPPRESSED = f"<{SMALL_COUNT}"


def published(count: int) -> int | str:
    """The one rule for small counts: 1 to 4 become "<5" (0 stays 0, it points at nobody)."""
    return SUPPRESSED if 0 < count < SMALL_COUNT else count
