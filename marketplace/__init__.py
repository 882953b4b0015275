"""社区资源超市 — the community resource marketplace."""
from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.config import PROJECT_ROOT, load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the application: config → extensions → blueprints → CLI → errors. No migrations, seeding or scheduler."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("MARKETPLACE_INSTANCE", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    load_config(app, config)
    if app.config["TRUSTED_PROXIES"]:
        # Behind nginx every request comes from the proxy: take the client's address (login limits are per
        # address) and scheme from the headers the trusted proxies set, and from no one else.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from marketplace import extensions, models, subscribers, web  # noqa: F401 - the metadata, the reactions
    from marketplace.core import assets, http, pagecache

    extensions.init_app(app)
    assets.install(app)
    pagecache.install(app, extensions.db.session)
    web.register_blueprints(app)
    http.register(app)

    if app.config["COMMANDS"]:
        from marketplace import cli

        cli.register(app)
    return app
