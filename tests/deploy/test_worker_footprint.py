"""What a web worker holds: the app gunicorn serves loads neither the command-line commands (Flask-Migrate, Alembic,
the demo street, APScheduler) nor setuptools' pkg_resources (which zhconv would import to find its data file), nor
what only a few pages or the scheduler use (icalendar, Pillow, segno, urllib3) until one of them is asked for, and
still converts traditional characters in searches. Checked in a fresh interpreter, as a worker starts."""
from __future__ import annotations

import subprocess
import sys

from marketplace.config import PROJECT_ROOT

WORKER = """
import sys

imported = []


class Watch:
    def find_spec(self, name, path=None, target=None):
        imported.append(name)
        return None


sys.meta_path.insert(0, Watch())
import threading
import serve
from marketplace.search import analyzer

# A worker's threads all search at once on its first requests: each converts, none fails.
start = threading.Barrier(8)
converted = []


def search():
    start.wait()
    converted.append(analyzer._to_simplified()("社區活動室"))


threads = [threading.Thread(target=search) for _ in range(8)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
loaded = {"flask_migrate", "alembic", "pkg_resources", "marketplace.demo", "marketplace.cli", "apscheduler",
          "icalendar", "PIL", "segno", "urllib3"} & set(imported)
assert not loaded, f"loaded {sorted(loaded)}"
print(" ".join(converted))
"""


def test_the_served_app_leaves_out_the_commands_pkg_resources_and_what_few_pages_use(tmp_path):
    finished = subprocess.run([sys.executable, "-c", WORKER], cwd=PROJECT_ROOT, capture_output=True, text=True,
                              env={"MARKETPLACE_INSTANCE": str(tmp_path), "SECRET_KEY": "footprint",
                                   "PATH": "/usr/bin:/bin"}, timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert finished.stdout.split() == ["社区活动室"] * 8


def test_the_command_line_app_still_has_the_migration_commands(tmp_path):
    finished = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "current"], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=120,
                              env={"MARKETPLACE_INSTANCE": str(tmp_path), "SECRET_KEY": "footprint",
                                   "PATH": "/usr/bin:/bin"})
    assert finished.returncode == 0, finished.stderr[-2000:]
