"""`flask scheduler run` (the long-running scheduler) and `flask scheduler tick` (one sweep, then exit)."""
from __future__ import annotations

import signal
import threading
from datetime import datetime, timezone

import logging

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from flask import current_app
from flask.cli import AppGroup

from marketplace.extensions import db
from marketplace.scheduler import jobs, lease
from marketplace.scheduler.runner import Runner

scheduler_cli = AppGroup("scheduler", help="The scheduler: expiry, completion and the other due work.")


class _SkipsAreExpected(logging.Filter):
    """A job still running (or queued behind another) when its next time comes is skipped by design (see
    ``build_scheduler``); APScheduler warns about every such skip, which would bury the warnings that matter."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


_SKIPS_ARE_EXPECTED = _SkipsAreExpected()  # one instance: adding it again is a no-op


def build_scheduler(runner: Runner) -> BackgroundScheduler:
    """The fixed job list on APScheduler: the heartbeat (lease) and one interval job per entry of ``jobs.JOBS``.

    One worker thread, so jobs run one after another; a job still running when its next time comes is
    skipped (max_instances), and missed runs collapse into one (coalesce): each sweep does all that is due.
    The first heartbeat is the caller's, before it starts the scheduler; the jobs start at once.
    """
    logging.getLogger("apscheduler.scheduler").addFilter(_SKIPS_ARE_EXPECTED)
    scheduler = BackgroundScheduler(timezone=timezone.utc, executors={"default": ThreadPoolExecutor(1)},
                                  job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    started = datetime.now(timezone.utc)
    scheduler.add_job(runner.heartbeat, "interval", seconds=lease.RENEW_EVERY.total_seconds(), id="heartbeat",
                      next_run_time=started + lease.RENEW_EVERY)
    for name, job in jobs.JOBS.items():
        scheduler.add_job(runner.run_job, "interval", args=[name], seconds=job.every.total_seconds(), id=name,
                          next_run_time=started)
    return scheduler


@scheduler_cli.command("run")
def run():
    """Run the scheduler until SIGTERM or Ctrl-C; only the holder of the lease runs jobs, the others wait."""
    # The main thread only waits for a signal (which may come at any moment, even before the start).
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
    runner = Runner(current_app._get_current_object())
    db.session.remove()  # this command's own context holds no transaction while the jobs use theirs
    scheduler = build_scheduler(runner)
    holding = runner.heartbeat()
    click.echo(f"scheduler {runner.holder}: started, " + ("holding the lease" if holding else
                                                           "waiting for the lease (another scheduler holds it)"))
    scheduler.start()
    stopping.wait()
    scheduler.shutdown(wait=True)  # lets the batch in progress commit
    runner.release()
    click.echo(f"scheduler {runner.holder}: stopped")


@scheduler_cli.command("tick")
def tick():
    """Run one sweep of everything due and exit; fails when another scheduler holds the lease."""
    runner = Runner(current_app._get_current_object())
    db.session.remove()
    moved = runner.sweep()
    if moved is None:
        held = lease.current(db.session)
        db.session.rollback()
        holder = f" ({held.holder}, until {held.expires_at:%Y-%m-%d %H:%M:%S} UTC)" if held else ""
        raise click.ClickException(f"another scheduler holds the lease{holder}; nothing was run")
    runner.release()
    click.echo("scheduler tick: " + ", ".join(f"{name} {count}" for name, count in moved.items()))
