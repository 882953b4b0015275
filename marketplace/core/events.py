"""Domain events: what happened, written in the same transaction as the change, and who reacts to it.

A service that changes something calls :func:`record` beside its change: the event (an outbox row in
``domain_events``) commits or rolls back with it, so an event exists exactly when its change does.
Areas react with subscriber functions in their own ``subscribers.py`` (imported by
``marketplace.subscribers``)::

    @events.subscriber("review.written")
    def recompute_reputation(session, event): ...

A durable subscriber (the default) gets one ``event_deliveries`` row per event, written with the event;
the scheduler runs due deliveries through :func:`process_outbox`, each exactly once, in the same
transaction as the subscriber's own writes, retrying failures with exponential backoff until
``MAX_ATTEMPTS`` and then leaving them ``failed`` for a platform admin to see (:func:`outbox_health`).
A ``batch=True`` subscriber receives a list instead: the due events of one outbox run at once, so that it
can read and write for all of them in a few statements::

    @events.subscriber("booking.confirmed", batch=True)
    def tell_booker(session, batch): ...
A ``durable=False`` subscriber runs in the process right after the outermost commit that holds the
event (never after a rollback, nor after a rolled-back savepoint that held it), on a session of its own,
once per subject and type in that commit (with the latest event); it must be idempotent, and whatever must survive a crash between commit and its run needs a durable
subscriber too (the search index has both).
"""
from __future__ import annotations

import fnmatch
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (JSON, ForeignKey, Index, String, Text, UniqueConstraint, event, func, insert, select,
                        tuple_, update)
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column, relationship, scoped_session

from marketplace.core import clock
from marketplace.core.db import Base, intpk

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY_AFTER = timedelta(seconds=30)

PENDING, DONE, FAILED = "pending", "done", "failed"

# session.info key: the events recorded in the session's current transaction, for after-commit subscribers.
_RECORDED = "domain_events_recorded"


class DomainEvent(Base):
    """Something that happened to a subject (type and id), with who did it and what subscribers need to know."""

    __tablename__ = "domain_events"

    id: Mapped[intpk]
    type: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    payload: Mapped[dict] = mapped_column(JSON)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)

    deliveries: Mapped[list[EventDelivery]] = relationship(back_populates="event", cascade="all, delete-orphan")


class EventDelivery(Base):
    """One durable subscriber's run for one event: pending until done, or failed after MAX_ATTEMPTS."""

    __tablename__ = "event_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscriber"),
        Index("ix_event_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("domain_events.id", ondelete="CASCADE"))
    subscriber: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None]

    event: Mapped[DomainEvent] = relationship(back_populates="deliveries")


# ``record_many``'s inserts, built once: every booking and every change of one sends them.
_INSERT_EVENTS = insert(DomainEvent.__table__).returning(
    DomainEvent.__table__.c.id, DomainEvent.__table__.c.subject_type, DomainEvent.__table__.c.subject_id)
_INSERT_DELIVERIES = insert(EventDelivery.__table__)


@dataclass(frozen=True)
class Event:
    """What an after-commit subscriber receives: the event's values, read before the commit expired the row."""

    id: int
    type: str
    subject_type: str
    subject_id: int
    payload: dict
    actor_id: int | None
    occurred_at: datetime


@dataclass(frozen=True)
class _Subscriber:
    name: str
    patterns: tuple[str, ...]
    fn: Callable
    durable: bool
    batch: bool = False
    when: Callable[[], bool] | None = None

    def wants(self, event_type: str) -> bool:
        return any(fnmatch.fnmatchcase(event_type, pattern) for pattern in self.patterns)


_subscribers: dict[str, _Subscriber] = {}
_durable_names: dict[str, tuple[str, ...]] = {}  # event type -> its durable subscribers, as record() needs them


def subscriber(*event_types: str, durable: bool = True, batch: bool = False, when: Callable[[], bool] | None = None):
    """Register ``fn(session, event)`` for these event types (``"booking.*"`` matches every booking event).

    With ``batch`` (durable only), ``fn(session, events)`` gets a list of events, oldest first. Its effects must
    stay in the database: when it raises, the outbox undoes them and runs it again on each event alone.

    ``when`` (durable only) is asked as each event is recorded: while it answers False the subscriber gets no
    delivery of it at all, so a reaction the deployment has turned off (email without SMTP settings) costs the
    outbox nothing. The subscriber must still check for itself: the settings may change before its delivery runs.
    """
    if (batch or when is not None) and not durable:
        raise ValueError("only durable subscribers take batches or a when")

    def register(fn):
        name = f"{fn.__module__}.{fn.__qualname__}"
        _subscribers[name] = _Subscriber(name, event_types, fn, durable, batch, when)
        _durable_names.clear()
        return fn

    return register


def _durable_subscribers(event_type: str) -> tuple[str, ...]:
    names = _durable_names.get(event_type)
    if names is None:
        names = _durable_names[event_type] = tuple(sub.name for sub in _subscribers.values()
                                                   if sub.durable and sub.wants(event_type))
    return tuple(name for name in names if (when := _subscribers[name].when) is None or when())


def record(session: Session, event_type: str, *, subject: tuple[str, int], payload: dict | None = None,
           actor_id: int | None = None) -> DomainEvent:
    """Add the event, and a pending delivery per durable subscriber, to the caller's transaction."""
    now = clock.now()
    subject_type, subject_id = subject
    domain_event = DomainEvent(type=event_type, subject_type=subject_type, subject_id=subject_id,
                               payload=payload or {}, actor_id=actor_id, occurred_at=now)
    for name in _durable_subscribers(event_type):
        domain_event.deliveries.append(EventDelivery(subscriber=name, status=PENDING, attempts=0,
                                                     next_attempt_at=now, last_error=""))
    if isinstance(session, scoped_session):
        session = session()
    session.add(domain_event)
    # The transaction it belongs to, so that rolling that back (a savepoint too) forgets it.
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(_RECORDED, []).append((transaction, domain_event))
    return domain_event


def record_many(session: Session, event_type: str, subjects: list[tuple[tuple[str, int], dict]], *,
                actor_id: int | None = None) -> list[int]:
    """``record`` of many events of one type, each (subject, payload): the events in one executemany, their
    deliveries in another (SQLAlchemy sends each as multi-row INSERTs from one cached compilation, where the ORM
    would flush row by row and a ``values([...])`` is compiled anew for each length); their ids, in the order given.

    The subjects must differ: the new ids are matched to them by subject (asking the INSERT to return them in
    order makes SQLAlchemy insert row by row on SQLite).
    """
    if not subjects:
        return []
    if isinstance(session, scoped_session):
        session = session()
    now = clock.now()
    if len({subject for subject, _payload in subjects}) != len(subjects):
        raise ValueError("record_many needs distinct subjects")
    # Core inserts given their rows as parameters (not .values([...]), which SQLAlchemy compiles anew each time):
    # the statements come from the cache, and the driver still gets one multi-row INSERT each.
    ids = {(row.subject_type, row.subject_id): row.id for row in session.execute(_INSERT_EVENTS, [
        {"type": event_type, "subject_type": subject_type, "subject_id": subject_id, "payload": payload,
         "actor_id": actor_id, "occurred_at": now} for (subject_type, subject_id), payload in subjects])}
    event_ids = [ids[subject] for subject, _payload in subjects]
    names = _durable_subscribers(event_type)
    if names:
        session.execute(_INSERT_DELIVERIES, [
            {"event_id": event_id, "subscriber": name, "status": PENDING, "attempts": 0, "next_attempt_at": now,
             "last_error": ""} for event_id in event_ids for name in names])
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_RECORDED, []).extend(
        (transaction, Event(event_id, event_type, subject_type, subject_id, payload, actor_id, now))
        for event_id, ((subject_type, subject_id), payload) in zip(event_ids, subjects))
    return event_ids


def process_outbox(session: Session, now: datetime, *, limit: int = 500) -> int:
    """Run up to ``limit`` due deliveries, oldest first, each exactly once; returns how many ran.

    The batch is claimed at once by a conditional update (status still pending, attempts unchanged), so a
    second sweep at the same moment claims nothing the first one ran: on PostgreSQL it skips the rows the
    first one locked, on SQLite it waits for the write lock and then finds them done. Each delivery runs in
    a savepoint of its own, so a failure undoes its writes alone and puts its delivery back to retry; the
    successes commit with the caller's transaction (a crash before that commit undoes the claims too: the
    deliveries run again, so effects outside the database, such as an email, are at least once).

    A batch subscriber's deliveries run together, in one savepoint: the rule for a failure is that the whole
    batch's writes are undone and each of its deliveries runs again alone, in a savepoint of its own, as
    above; so a failing event is retried with backoff by itself and its neighbours take effect once, in
    this run. Deliveries run subscriber after subscriber, each subscriber's in the order of their events.
    """
    due = session.execute(
        select(EventDelivery.id, EventDelivery.attempts)
        .where(EventDelivery.status == PENDING, EventDelivery.next_attempt_at <= now)
        .order_by(EventDelivery.event_id, EventDelivery.id).limit(limit)
        .with_for_update(skip_locked=True)).all()  # PostgreSQL: leave rows another sweep holds to it
    if not due:
        return 0
    claimed = session.execute(
        update(EventDelivery)
        .where(tuple_(EventDelivery.id, EventDelivery.attempts).in_([tuple(row) for row in due]),
               EventDelivery.status == PENDING)
        .values(attempts=EventDelivery.attempts + 1, status=DONE, finished_at=now, last_error="")
        .returning(EventDelivery.id, EventDelivery.event_id, EventDelivery.subscriber, EventDelivery.attempts)
        .execution_options(synchronize_session=False)).all()
    if not claimed:
        return 0
    loaded = {row.id: row for row in session.scalars(
        select(DomainEvent).where(DomainEvent.id.in_({delivery.event_id for delivery in claimed})))}
    by_subscriber: dict[str, list] = {}
    for delivery in sorted(claimed, key=lambda row: (row.event_id, row.id)):
        by_subscriber.setdefault(delivery.subscriber, []).append(delivery)
    for name, deliveries in by_subscriber.items():
        sub = _subscribers.get(name)
        if sub is not None and sub.batch and len(deliveries) > 1:
            try:
                with session.begin_nested():
                    sub.fn(session, [loaded[delivery.event_id] for delivery in deliveries])
                continue
            except Exception:  # noqa: BLE001 - undone; each delivery runs again alone below
                log.info("subscriber %s failed on a batch of %d; running them one by one", name, len(deliveries),
                         exc_info=True)
        for delivery in deliveries:
            _deliver_one(session, sub, delivery, loaded[delivery.event_id], now)
    return len(claimed)


def _deliver_one(session: Session, sub: _Subscriber | None, delivery, event: DomainEvent, now: datetime) -> None:
    """Run one claimed delivery in a savepoint; on failure put it back to retry later, or mark it failed."""
    try:
        if sub is None:
            raise LookupError(f"no subscriber named {delivery.subscriber}")
        with session.begin_nested():
            sub.fn(session, [event] if sub.batch else event)
    except Exception as error:  # noqa: BLE001 - any subscriber failure is retried, never lost
        log.warning("event %s: subscriber %s failed (attempt %d)", delivery.event_id, delivery.subscriber,
                    delivery.attempts, exc_info=True)
        if delivery.attempts >= MAX_ATTEMPTS:
            outcome = {"status": FAILED}
        else:
            outcome = {"status": PENDING, "next_attempt_at": now + FIRST_RETRY_AFTER * 2 ** (delivery.attempts - 1)}
        session.execute(update(EventDelivery).where(EventDelivery.id == delivery.id)
                        .values(finished_at=None, last_error=f"{type(error).__name__}: {error}"[:2000], **outcome)
                        .execution_options(synchronize_session=False))


def oldest_due(session: Session, now: datetime) -> datetime | None:
    """When the longest-waiting delivery ``process_outbox`` would run fell due, or None (one index seek)."""
    return session.scalar(select(EventDelivery.next_attempt_at).where(
        EventDelivery.status == PENDING, EventDelivery.next_attempt_at <= now)
        .order_by(EventDelivery.next_attempt_at).limit(1))


def outbox_health(session: Session, now: datetime) -> dict:
    """The outbox at a glance, for the platform admin's health page."""
    backlog, oldest = session.execute(
        select(func.count(), func.min(DomainEvent.occurred_at))
        .select_from(EventDelivery).join(DomainEvent)
        .where(EventDelivery.status == PENDING)).one()
    failed = session.scalar(select(func.count()).select_from(EventDelivery).where(EventDelivery.status == FAILED))
    due = session.scalar(select(func.count()).select_from(EventDelivery).where(
        EventDelivery.status == PENDING, EventDelivery.next_attempt_at <= now))
    return {"backlog": backlog, "due": due, "failed": failed, "oldest_pending_at": oldest}


def dispatch_after_commit(sessions) -> None:
    """Run after-commit subscribers for these sessions (a sessionmaker, a scoped_session or a Session subclass).

    Listening on the factory, not on ``Session``, keeps other sessions in the process (and other apps)
    out of it.
    """
    if not event.contains(sessions, "after_commit", _after_commit):
        event.listen(sessions, "after_flush", _after_flush)
        event.listen(sessions, "after_commit", _after_commit)
        event.listen(sessions, "after_soft_rollback", _after_soft_rollback)


def _after_flush(session: Session, _flush_context) -> None:
    # Read the values now: after the commit the rows are expired and the session may not query.
    recorded = session.info.get(_RECORDED, [])
    session.info[_RECORDED] = [(transaction, _values(item) if isinstance(item, DomainEvent) else item)
                               for transaction, item in recorded]


def _values(row: DomainEvent) -> Event:
    return Event(row.id, row.type, row.subject_type, row.subject_id, dict(row.payload), row.actor_id,
                 row.occurred_at)


def _after_soft_rollback(session: Session, rolled_back: SessionTransaction) -> None:
    recorded = session.info.get(_RECORDED)
    if recorded:
        session.info[_RECORDED] = [(t, item) for t, item in recorded if not _within(t, rolled_back)]


def _within(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def _after_commit(session: Session) -> None:
    # Releasing a savepoint commits nothing yet: wait for the outermost commit.
    if session.in_nested_transaction():
        return
    recorded = session.info.pop(_RECORDED, None)
    if not recorded:
        return
    after_commit = [sub for sub in _subscribers.values() if not sub.durable]
    # Each subject's latest event of a type, once: these subscribers re-read what they need, so the
    # create, hours and publish of one listing in one commit cost one index update, not three.
    latest = {(item.type, item.subject_type, item.subject_id): item for _transaction, item in recorded}
    bind = session.get_bind()
    for item in latest.values():
        for sub in after_commit:
            if not sub.wants(item.type):
                continue
            try:
                with Session(bind=bind) as own:
                    sub.fn(own, item)
                    own.commit()
            except Exception:
                # The change has committed; a durable subscriber (or nobody) repairs what this one missed.
                log.exception("after-commit subscriber %s failed for event %s", sub.name, item.id)
