"""The throwaway database a benchmark runs on: a fresh SQLite file, or a schema of its own on a PostgreSQL server.

Shared by the bench scripts (bench/*.py); this folder holds no bench itself, so the suite's bench smoke test
(which runs every bench/*.py) does not run it.
"""
from __future__ import annotations

import os
import tempfile

from flask_migrate import upgrade
from sqlalchemy import event, text

from marketplace import create_app
from marketplace.extensions import db


def bench_app(url: str | None, *, schema: str, zone: str):
    """An app on PostgreSQL at ``url`` inside ``schema``, or on a new SQLite file when ``url`` is None."""
    if url:
        config = {"DATABASE_URL": url,
                  "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-c search_path={schema}"}}}
    else:
        handle, path = tempfile.mkstemp(prefix=f"{schema}-", suffix=".db")
        os.close(handle)
        os.unlink(path)
        config = {"DATABASE_URL": f"sqlite:///{path}"}
    return create_app({"SECRET_KEY": "bench", "TESTING": True, "TIMEZONE": zone, **config})


def prepare_schema(dialect: str, schema: str) -> None:
    """Migrate an empty database (on PostgreSQL, a new schema of that name)."""
    if dialect == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    upgrade()


def drop_schema(dialect: str, schema: str) -> None:
    """Remove what the bench made: the PostgreSQL schema, or the SQLite file with its WAL."""
    db.session.remove()
    if dialect == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    else:
        db.engine.dispose()
        path = db.engine.url.database
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)


class ServerCPU:
    """CPU seconds the PostgreSQL backends of ``engine``'s connections have used, read from /proc (the server runs
    on this machine in the bench set-ups); None on SQLite (its work is this process's own) or when unreadable."""

    def __init__(self, engine):
        self.pids: set[int] = set()
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", self._remember)

    def _remember(self, connection, _record) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self.pids.add(cursor.fetchone()[0])

    def seconds(self) -> float | None:
        if not self.pids:
            return None
        total = 0
        try:
            for pid in self.pids:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            return None
        return total / os.sysconf("SC_CLK_TCK")
