"""A scheduler process that dies (SIGKILL, no clean-up) in the middle of a sweep, for test_scheduler.py.

    python tests/scheduler/killed_sweeper.py DATABASE_URL NOW_ISO BATCH_SIZE [JOB]

It takes the lease, commits the first batch of the job (default: the expiry job) and is killed just before
committing the second: a crash with one batch done and one in flight.
"""
from __future__ import annotations

import os
import signal
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.core import clock  # noqa: E402
from marketplace.scheduler.runner import Runner  # noqa: E402

# The heartbeat's commit, then the first batch's; the second batch dies with its changes unwritten.
COMMITS_BEFORE_THE_CRASH = 2


def main() -> None:
    url, now, batch_size = sys.argv[1], datetime.fromisoformat(sys.argv[2]), int(sys.argv[3])
    job = sys.argv[4] if len(sys.argv) > 4 else "expire_requests"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test-secret", "TESTING": True,
                      "SCHEDULER_BATCH_SIZE": batch_size})
    clock.travel_to(now)
    commits = 0

    @event.listens_for(Session, "before_commit")
    def crash_in_the_second_batch(session):
        nonlocal commits
        commits += 1
        if commits > COMMITS_BEFORE_THE_CRASH:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    runner = Runner(app)
    print("holding" if runner.heartbeat() else "not holding", flush=True)
    runner.run_job(job)


if __name__ == "__main__":
    main()
