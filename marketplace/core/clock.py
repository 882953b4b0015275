"""The one clock of the application.

Everything that needs "now" calls :func:`now`. Tests move time with :func:`travel_to` /
:func:`advance` instead of mocking datetime, so the real code paths run at a chosen instant.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """Return the current instant as an aware UTC datetime."""
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc) + _offset


def travel_to(instant: datetime, *, freeze: bool = True) -> None:
    """Make :func:`now` return ``instant`` (frozen) or run on from it."""
    global _frozen, _offset
    if instant.tzinfo is None:
        raise ValueError("travel_to needs an aware datetime")
    if freeze:
        _frozen = instant.astimezone(timezone.utc)
    else:
        _frozen = None
        _offset = instant - datetime.now(timezone.utc)


def advance(delta: timedelta) -> None:
    """Move the clock forward by ``delta``."""
    global _frozen, _offset
    if _frozen is not None:
        _frozen += delta
    else:
        _offset += delta


def reset() -> None:
    """Return to real time."""
    global _frozen, _offset
    _frozen = None
    _offset = timedelta(0)


def state() -> tuple[datetime | None, timedelta]:
    """The clock's setting, for code that travels in time and then puts it back (:func:`restore`)."""
    return _frozen, _offset


def restore(saved: tuple[datetime | None, timedelta]) -> None:
    global _frozen, _offset
    _frozen, _offset = saved


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    """Stop the clock at ``instant`` for the block, then put it back as it was (the demo's history uses it)."""
    saved = state()
    travel_to(instant)
    try:
        yield
    finally:
        restore(saved)
