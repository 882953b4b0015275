"""A scheduler process killed (SIGKILL, by the test) while it waits on a webhook receiver, for test_webhooks.py.

    python tests/webhooks/killed_sender.py DATABASE_URL NOW_ISO

It takes the lease and runs the send_webhooks job; the test's receiver holds the request open and the test
kills this process while it waits for the answer.
"""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from marketplace import create_app  # noqa: E402
from marketplace.core import clock  # noqa: E402
from marketplace.scheduler.runner import Runner  # noqa: E402


def main() -> None:
    app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "test-secret", "TESTING": True,
                      "WEBHOOK_ALLOW_PRIVATE_TARGETS": True})
    clock.travel_to(datetime.fromisoformat(sys.argv[2]))
    runner = Runner(app)
    print("holding" if runner.heartbeat() else "not holding", flush=True)
    runner.run_job("send_webhooks")


if __name__ == "__main__":
    main()
