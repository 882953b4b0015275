"""Command-line entry points: `flask --app wsgi <command>`."""
import click
from flask import Flask

from marketplace.demo import seed
from marketplace.exchange.cli import exchange_cli
from marketplace.extensions import db
from marketplace.points.cli import points_cli
from marketplace.scheduler.cli import scheduler_cli
from marketplace.search.cli import search_cli


def register(app: Flask) -> None:
    app.cli.add_command(search_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(points_cli)
    app.cli.add_command(exchange_cli)

    @app.cli.command("seed-demo")
    def seed_demo():
        """Create the demo street (idempotent: does nothing when it already exists)."""
        created = seed(db.session, timezone=app.config["TIMEZONE"])
        db.session.commit()
        click.echo("demo data created" if created else "demo data already present")
