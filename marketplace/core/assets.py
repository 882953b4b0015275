"""Static files a browser may keep: each URL ``url_for('static', …)`` makes carries a digest of the file, so a
browser keeps it for a year without asking again, and a changed file has a new URL. A resident's phone on a
slow network then fetches the stylesheet and icons once, not on every page."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, request

KEEP_SECONDS = 365 * 24 * 3600


def install(app: Flask) -> None:
    folder = Path(app.static_folder)

    @lru_cache(maxsize=256)
    def digest(filename: str, modified: float) -> str:
        return hashlib.sha256((folder / filename).read_bytes()).hexdigest()[:12]

    @app.url_defaults
    def add_version(endpoint: str, values: dict) -> None:
        if endpoint != "static" or "v" in values:
            return
        try:
            values["v"] = digest(values["filename"], (folder / values["filename"]).stat().st_mtime)
        except (KeyError, OSError):
            return  # no such file: the URL stays plain and answers 404 as before

    def max_age(filename: str | None) -> int | None:
        # Only a versioned URL may be kept that long; a plain one (typed, or from an old page) is revalidated.
        return KEEP_SECONDS if request.args.get("v") else None

    app.get_send_file_max_age = max_age
