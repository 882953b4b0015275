"""`flask points verify`: check every invariant of the ledger; exit 1 with a report when one fails."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.core import transactions
from marketplace.extensions import db
from marketplace.points import services

points_cli = AppGroup("points", help="The service-points ledger.")


@points_cli.command("verify")
def verify():
    """Sum zero, no forbidden negative balance, balances equal to their transfers, reversals mirror their
    originals, each booking's hold consistent with its status."""
    with transactions.read_only():
        in_flight = services.bookings_in_flight(db.session)
        problems = services.verify(db.session, services.Policy.from_config(current_app.config), in_flight=in_flight)
        db.session.rollback()
    if problems:
        click.echo(f"points ledger: {len(problems)} problem(s)", err=True)
        for problem in problems:
            click.echo(f"  - {problem}", err=True)
        raise SystemExit(1)
    suffix = f" ({len(in_flight)} booking(s) waiting for the outbox)" if in_flight else ""
    click.echo(f"points ledger: every invariant holds{suffix}")
