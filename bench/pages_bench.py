"""Pages benchmark: the app's pages and list APIs under gunicorn against a bare Flask hello, in one run.

    .venv/bin/python bench/pages_bench.py [--quick] [--extra N] [--seconds S] [--corpus PATH]

Both servers run with the repository's gunicorn.conf.py (what `make run` uses: 2 threaded workers).
The app serves a fresh copy of the demo street (`flask seed-demo`) on SQLite; the load runs twice,
at the demo size and after adding ``--extra`` listings (default 10,000; ``--quick``: 1,000) from
``../shared/bench/corpus.py``. Pages (home, browse, a listing, search and the listings and search
APIs, anonymous) are loaded one after another, interleaved with the bare hello in each round, by wrk
(20 connections; installed with apt-get when missing and possible) or, failing that, a Python load
generator, so every ratio compares figures taken under the same conditions. Each size is loaded twice:
as deployed (anonymous pages kept in each worker's memory, core/pagecache.py: wrk's visitors repeat a URL,
so nearly every request is served from it) and with the page cache off (every request renders: what a
page costs when it is not kept, after a change or on a URL no one asked for lately).

Printed: requests/s per page and its ratio to bare Flask (targets: ≥ 10 %, goal 25 %), SQL statements
per anonymous page measured in-process (target ≤ 4 for listing, browse and search), and memory per worker
after the load and the corpus's whole query mix (pinyin included): resident (RSS, target ≤ 150 MB), proportional
(PSS) and unique (USS); resident after the pages' load alone too. Ratios are printed last.
"""
from __future__ import annotations

import argparse
import http.client
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import event, insert, select  # noqa: E402

from marketplace import create_app  # noqa: E402
from marketplace.extensions import db  # noqa: E402
from marketplace.listings.models import FeeType, Listing, ListingKind, ListingStatus  # noqa: E402
from marketplace.organisations.models import Organisation  # noqa: E402
from marketplace.places.models import Place, PlaceKind  # noqa: E402

CONNECTIONS = 20
QUERY_CONNECTIONS = 4
SQL_TARGET = 4
MEMORY_TARGET_MB = 150
RATIO_TARGET, RATIO_GOAL = 0.10, 0.25


def load_corpus(path: Path):
    spec = importlib.util.spec_from_file_location("corpus", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask_cli(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=REPO, env=env, check=True,
                   capture_output=True)


def add_corpus_listings(app, corpus, count: int) -> None:
    """Bulk-insert ``count`` published corpus listings spread over the demo street's grids and organisations."""
    with app.app_context():
        grids = list(db.session.scalars(select(Place.id).where(Place.kind == PlaceKind.grid).order_by(Place.id)))
        organisations = list(db.session.scalars(select(Organisation.id).order_by(Organisation.id)))
        now = datetime.now(timezone.utc)
        rows = []
        for item in corpus.listings(count):
            rows.append({
                "kind": ListingKind(item["kind"]), "title": item["title"][:100], "description": item["description"],
                "tags": item["tags"], "facilities": [], "organisation_id": organisations[item["id"] % len(organisations)],
                "place_id": grids[item["id"] % len(grids)], "address": "", "capacity": item["capacity"],
                "fee_type": FeeType.free, "fee_amount": 0, "rules": "", "status": ListingStatus.published,
                "published_at": now, "created_at": now, "updated_at": now,
            })
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(Listing), rows[start:start + 5000])
        db.session.commit()


def pages(app) -> dict[str, str]:
    with app.app_context():
        listing_id = db.session.scalar(select(Listing.id).where(Listing.status == ListingStatus.published)
                                       .order_by(Listing.id))
    return {"home": "/", "browse": "/listings", "listing": f"/listings/{listing_id}",
            "search": "/search?q=%E6%B4%BB%E5%8A%A8%E5%AE%A4",  # 活动室
            "api listings": "/api/v1/listings", "api search": "/api/v1/search?q=%E6%B4%BB%E5%8A%A8%E5%AE%A4"}


def sql_statements(app, paths: dict[str, str]) -> dict[str, int]:
    """SQL statements each anonymous page runs, in-process (after one warm-up request)."""
    counts: dict[str, int] = {}
    with app.app_context():
        engine = db.engine
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        client = app.test_client()
        for name, path in paths.items():
            assert client.get(path).status_code == 200, path
            statements.clear()
            client.get(path)
            counts[name] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return counts


class Server:
    """gunicorn with the repository's settings, serving ``target`` on a free port."""

    def __init__(self, target: str, env: dict, log: Path):
        self.port = free_port()
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(REPO / "gunicorn.conf.py"), "--access-logfile", "/dev/null",
             target], cwd=REPO, env={**env, "PORT": str(self.port)}, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn for {target} did not start; see {log}")
            time.sleep(0.3)

    def _answers(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/")
            return connection.getresponse().status < 500
        except OSError:
            return False

    def worker_memory_mb(self) -> list[tuple[float, float, float]]:
        """Each worker's resident memory (RSS, the target's measure: every page it can touch, shared or not), its
        proportional share (PSS: pages shared with other processes, such as libraries, counted by their share)
        and its unique set (USS: pages no other process has, what stopping the worker would give back)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        sizes = []
        for pid in children:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            kb = {key: int(re.search(rf"^{key}:\s+(\d+) kB", rollup, re.M).group(1))
                  for key in ("Rss", "Pss", "Private_Clean", "Private_Dirty")}
            sizes.append((kb["Rss"] / 1024, kb["Pss"] / 1024, (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024))
        return sizes

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self._log.close()


def ensure_wrk() -> str | None:
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("wrk")


def load(url: str, seconds: float, wrk: str | None) -> float:
    """Requests per second that ``url`` sustains with CONNECTIONS keep-alive connections; non-2xx answers abort."""
    if wrk:
        output = subprocess.run([wrk, "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds:g}s", url],
                                capture_output=True, text=True, check=True).stdout
        if "Non-2xx" in output:
            raise SystemExit(f"{url} answered errors under load:\n{output}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return python_load(url, seconds)


def python_load(url: str, seconds: float) -> float:
    host, _, path = url.removeprefix("http://").partition("/")
    address, port = host.split(":")
    done = [0] * CONNECTIONS
    errors: list[str] = []
    deadline = time.monotonic() + seconds

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(address, int(port), timeout=30)
        while time.monotonic() < deadline:
            connection.request("GET", "/" + path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(f"{response.status} {url}")
                return
            done[index] += 1

    started = time.monotonic()
    run_clients(client, range(CONNECTIONS), errors)
    return sum(done) / (time.monotonic() - started)


def run_clients(client, arguments, errors: list[str]) -> None:
    """``client(argument)`` for each argument, each in a thread of its own; the first error ends the bench."""
    threads = [threading.Thread(target=client, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(errors[0])


def ask_every_query(server: Server, corpus) -> None:
    """The corpus's whole query mix (pinyin and everyday words among them) on the search page and API, once on
    each of a few connections (both workers take some), so each worker holds what real searches make it load
    before its memory is read."""
    paths = [f"{prefix}?q={quote(query)}" for queries in corpus.QUERIES.values() for query in queries
             for prefix in ("/search", "/api/v1/search")]
    errors: list[str] = []

    def ask(first: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for path in paths[first:] + paths[:first]:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(f"{path} answered {response.status}")

    run_clients(ask, (i * len(paths) // QUERY_CONNECTIONS for i in range(QUERY_CONNECTIONS)), errors)


def measure(app_server: Server, hello: Server, paths: dict[str, str], seconds: float, rounds: int,
            wrk: str | None) -> tuple[dict[str, float], float]:
    """Best requests/s of each page and of the bare hello over ``rounds`` interleaved rounds."""
    best = dict.fromkeys(paths, 0.0)
    best_hello = 0.0
    for _ in range(rounds):
        best_hello = max(best_hello, load(f"http://127.0.0.1:{hello.port}/", seconds, wrk))
        for name, path in paths.items():
            best[name] = max(best[name], load(f"http://127.0.0.1:{app_server.port}{path}", seconds, wrk))
    return best, best_hello


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "bench" / "corpus.py")
    parser.add_argument("--quick", action="store_true", help="1,000 extra listings, short loads, one round")
    parser.add_argument("--extra", type=int, help="corpus listings added for the second measurement")
    parser.add_argument("--seconds", type=float, help="length of each load (default 5; --quick 1)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds, the best of which counts (default 3)")
    args = parser.parse_args()
    extra = args.extra if args.extra is not None else (1_000 if args.quick else 10_000)
    seconds = args.seconds or (1.0 if args.quick else 5.0)
    rounds = args.rounds or (1 if args.quick else 3)
    corpus = load_corpus(args.corpus)
    wrk = ensure_wrk()

    workdir = Path(tempfile.mkdtemp(prefix="pages-bench-"))
    env = {**os.environ, "MARKETPLACE_INSTANCE": str(workdir), "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
           "SECRET_KEY": "bench", "SEARCH_INDEX_DIR": str(workdir / "index")}
    os.environ.update(env)
    print(f"pages bench: {os.cpu_count()} cores, load by {'wrk' if wrk else 'a Python client'}, "
          f"{CONNECTIONS} connections, {rounds} round(s) of {seconds:g} s, work dir {workdir}")
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "seed-demo")
    # In-process figures are those of a page rendered anew (what a visitor meets when it is not kept).
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "SECRET_KEY": "bench",
                      "SEARCH_INDEX_DIR": env["SEARCH_INDEX_DIR"], "PAGE_CACHE_SECONDS": 0})

    hello = Server("bench.apps.hello:app", env, workdir / "hello.log")
    results = {}
    try:
        for label, added in (("demo street", 0), (f"+{extra:,} listings", extra)):
            if added:
                add_corpus_listings(app, corpus, added)
            flask_cli(env, "search", "reindex", "--procs", "1")
            paths = pages(app)
            statements = sql_statements(app, paths)
            server = Server("serve:app", env, workdir / f"app-{added}.log")
            try:
                rates, hello_rate = measure(server, hello, paths, seconds, rounds, wrk)
                memory_after_pages = server.worker_memory_mb()
                ask_every_query(server, corpus)
                memory = server.worker_memory_mb()
            finally:
                server.stop()
            # The same pages with the anonymous page cache off: every request renders (the cost of a miss).
            server = Server("serve:app", {**env, "PAGE_CACHE_SECONDS": "0"}, workdir / f"app-{added}-uncached.log")
            try:
                rendered, rendered_hello = measure(server, hello, paths, seconds, rounds, wrk)
            finally:
                server.stop()
            results[label] = (rates, hello_rate, statements, memory, rendered, rendered_hello, memory_after_pages)
    finally:
        hello.stop()

    failures = []
    for label, (rates, hello_rate, statements, memory, rendered, _rendered_hello, after_pages) in results.items():
        print(f"\n{label}: bare Flask hello {hello_rate:,.0f} requests/s; "
              f"memory per worker {', '.join(f'{rss:.0f}' for rss, _pss, _uss in memory)} MB resident "
              f"(target ≤ {MEMORY_TARGET_MB}), {', '.join(f'{pss:.0f}' for _rss, pss, _uss in memory)} MB "
              f"proportional, {', '.join(f'{uss:.0f}' for _rss, _pss, uss in memory)} MB unique, after the pages' "
              f"load and the corpus's whole query mix (after the pages alone: "
              f"{', '.join(f'{rss:.0f}' for rss, _pss, _uss in after_pages)} MB resident)")
        print(f"  {'page':<14}{'requests/s':>12}{'rendered':>10}{'SQL':>6}")
        for name, rate in rates.items():
            print(f"  {name:<14}{rate:>12,.0f}{rendered[name]:>10,.0f}{statements[name]:>6}")
            if name in ("listing", "browse", "search") and statements[name] > SQL_TARGET:
                failures.append(f"{label}: {name} runs {statements[name]} SQL statements (target ≤ {SQL_TARGET})")
        largest = max(rss for rss, _pss, _uss in memory)
        if largest > MEMORY_TARGET_MB:
            failures.append(f"{label}: a worker holds {largest:.0f} MB (target ≤ {MEMORY_TARGET_MB})")

    print("\nratios to bare Flask (target ≥ 10 %, goal 25 %; rendered: every request renders, no page cache):")
    demo_label, grown_label = results
    for name in results[demo_label][0]:
        demo, grown = (results[label][0][name] / results[label][1] for label in (demo_label, grown_label))
        demo_rendered, grown_rendered = (results[label][4][name] / results[label][5] for label in (demo_label, grown_label))
        print(f"  {name:<14} demo {demo:6.1%}   {grown_label} {grown:6.1%}   "
              f"rendered: demo {demo_rendered:5.1%}   {grown_label} {grown_rendered:5.1%}")
        if min(demo, grown) < RATIO_TARGET:
            failures.append(f"{name}: {min(demo, grown):.1%} of bare Flask (target ≥ {RATIO_TARGET:.0%})")
    if failures:
        print("\ntargets not met:\n  " + "\n  ".join(failures))
    else:
        print("\nall targets met")


if __name__ == "__main__":
    main()
