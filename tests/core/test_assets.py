"""Static files: the URLs pages use carry the file's digest and may be kept a year; a plain URL may not."""
from __future__ import annotations

import os
import re

from flask import Flask, url_for

from marketplace.core import assets
from marketplace.core.assets import KEEP_SECONDS


def stylesheet_url(client) -> str:
    page = client.get("/help").data.decode()
    return re.search(r'href="(/static/css/app\.css[^"]*)"', page).group(1)


def test_pages_link_the_stylesheet_by_its_digest_and_it_may_be_kept_a_year(client):
    url = stylesheet_url(client)
    assert re.fullmatch(r"/static/css/app\.css\?v=[0-9a-f]{12}", url), url
    with client.get(url) as kept:
        assert kept.status_code == 200 and f"max-age={KEEP_SECONDS}" in kept.headers["Cache-Control"]
    with client.get("/static/css/app.css") as plain:
        assert plain.status_code == 200 and "max-age" not in plain.headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_url(tmp_path):
    (tmp_path / "site.css").write_text("body { color: black; }")
    app = Flask(__name__, static_folder=str(tmp_path), static_url_path="/static")
    assets.install(app)
    with app.test_request_context():
        before = url_for("static", filename="site.css")
        (tmp_path / "site.css").write_text("body { color: navy; }")
        os.utime(tmp_path / "site.css", (1, 1))  # a new mtime, whatever the clock's resolution
        after = url_for("static", filename="site.css")
        missing = url_for("static", filename="gone.css")
    assert before != after and before.startswith("/static/site.css?v=")
    assert missing == "/static/gone.css"
