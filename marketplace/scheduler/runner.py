"""A scheduler process's behaviour, apart from APScheduler's timing: hold the lease, run the jobs.

``Runner`` is what both commands use: ``scheduler run`` lets APScheduler call ``heartbeat`` and
``run_job`` at fixed intervals; ``scheduler tick`` calls ``sweep`` once. Each call is its own unit of
work in its own app context (and so its own session), as any job outside a request.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from flask import Flask

from marketplace.core import clock, transactions
from marketplace.extensions import db
from marketplace.scheduler import jobs, lease

log = logging.getLogger(__name__)

# A lease this runner renewed so recently cannot have passed to another (it runs LEASE_TTL, far longer), so a
# batch starting within this skips renewing it again: an idle sweep writes the lease once, not once per job.
RENEWED_RECENTLY = timedelta(seconds=5)


class Runner:
    def __init__(self, app: Flask, *, holder: str | None = None):
        self.app = app
        self.holder = holder or lease.new_holder()
        self.holding = False
        self.renewed_at: datetime | None = None
        # Held while a job runs, so that a stop waits for the batch in progress before releasing the lease.
        self.busy = threading.Lock()

    def heartbeat(self) -> bool:
        """Take or renew the lease (the heartbeat); whether this runner may act."""
        with self.app.app_context():
            now = clock.now()
            self.holding = lease.acquire(db.session, self.holder, now)
            db.session.commit()
        self.renewed_at = now if self.holding else None
        return self.holding

    def run_job(self, name: str, *, due: bool | None = None) -> int:
        """Run one job until nothing is due, batch by batch; how many bookings this runner moved.

        ``due`` is what the caller's read of the job's probe found (``sweep`` reads every probe at once); by
        default a job with a probe reads it first and stops there when nothing is due.
        """
        if not self.holding:
            return 0
        job = jobs.JOBS[name]
        batch_size = self.app.config["SCHEDULER_BATCH_SIZE"]
        moved = 0
        with self.busy, self.app.app_context():
            if due is None and job.due is not None:
                due = self._due([name])[name]
            if due is False:
                return 0
            while True:
                now = clock.now()
                # Each batch renews the lease first (unless it just did): a long catch-up keeps it (and
                # beats), and a runner that lost it to another stops here.
                renewing = not self._renewed_recently(now)
                if renewing and not lease.acquire(db.session, self.holder, now):
                    db.session.rollback()
                    self.holding = False
                    self.renewed_at = None
                    log.warning("scheduler %s lost its lease; %s stops", self.holder, name)
                    return moved
                found, changed = job.step(db.session, now, batch_size, self.app.config)
                db.session.commit()
                if renewing:
                    self.renewed_at = now  # only once committed: a batch rolled back renewed nothing
                moved += changed
                if found < batch_size:
                    return moved

    def _due(self, names) -> dict[str, bool]:
        """Whether each of these jobs (each with a probe) has work due, read in one reader's transaction: no write
        lock taken, nothing to commit."""
        with transactions.read_only():
            now = clock.now()
            due = {name: jobs.JOBS[name].due(db.session, now, self.app.config) is not None for name in names}
            db.session.rollback()
        return due

    def _renewed_recently(self, now: datetime) -> bool:
        return self.renewed_at is not None and self.renewed_at <= now < self.renewed_at + RENEWED_RECENTLY

    def sweep(self) -> dict[str, int] | None:
        """Take the lease and run every job once; None when another scheduler holds the lease."""
        if not self.heartbeat():
            return None
        with self.app.app_context():
            due = self._due([name for name, job in jobs.JOBS.items() if job.due is not None])
        moved: dict[str, int] = {}
        for name in jobs.JOBS:
            # A job that moved something may have made work for a later one (the outbox, webhook deliveries for
            # send_webhooks): from then on "nothing due" is read again when its job's turn comes.
            found_due = due.get(name, True)
            stale = any(moved.values())
            moved[name] = self.run_job(name, due=None if stale and not found_due else found_due)
        return moved

    def release(self) -> None:
        with self.busy, self.app.app_context():
            lease.release(db.session, self.holder, clock.now())
            db.session.commit()
        self.holding = False
        self.renewed_at = None
