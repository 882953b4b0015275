"""Every benchmark in bench/ still runs: its --quick form, start to finish, exits 0.

No speed targets here (the suite's machine is shared); a bench exits non-zero when its references
disagree with the code under test, so this also checks that they agree. Scripts are found by globbing
bench/*.py, so a new one is covered without touching this file. A bench that can run on PostgreSQL
takes its URL from BENCH_DATABASE_URL: on the suite's PostgreSQL pass it gets TEST_DATABASE_URL there
(it works in a schema of its own and drops it); the others are SQLite-only and run in the SQLite pass.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from marketplace.config import PROJECT_ROOT

BENCHES = sorted((PROJECT_ROOT / "bench").glob("*.py"))
TIMEOUT_SECONDS = 300


def test_there_are_benches_to_run():
    assert BENCHES


@pytest.mark.parametrize("script", BENCHES, ids=[path.stem for path in BENCHES])
def test_the_bench_runs_in_its_quick_form(script):
    env = {**os.environ}
    env.pop("BENCH_DATABASE_URL", None)
    postgres_url = os.environ.get("TEST_DATABASE_URL")
    if postgres_url:
        if "BENCH_DATABASE_URL" not in script.read_text(encoding="utf-8"):
            pytest.skip("a SQLite-only bench: it runs in the SQLite pass")
        env["BENCH_DATABASE_URL"] = postgres_url
    finished = subprocess.run([sys.executable, str(script), "--quick"], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    assert finished.returncode == 0, (finished.stdout[-3000:], finished.stderr[-3000:])
    assert "ratios" in finished.stdout  # the last section each bench prints: it ran to the end
