"""`flask exchange export hsds --out DIR` and `flask exchange import hsds PATH`: the catalogue in and out as HSDS 3."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.core import clock
from marketplace.core.errors import DomainError
from marketplace.exchange import hsds, services
from marketplace.extensions import db
from marketplace.places.models import Place, PlaceKind

exchange_cli = AppGroup("exchange", help="Open-standard exchange (Open Referral HSDS 3).")
export_cli = AppGroup("export", help="Write data out in an open standard.")
import_cli = AppGroup("import", help="Read data in from an open standard.")
exchange_cli.add_command(export_cli)
exchange_cli.add_command(import_cli)


def _street(street_id: int | None) -> Place | None:
    if street_id is None:
        return None
    try:
        return services.get_street(db.session, street_id)
    except DomainError as error:
        raise click.BadParameter(str(error.message), param_hint="--street") from error


@export_cli.command("hsds")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for hsds.json, the CSV files and datapackage.json.")
@click.option("--street", "street_id", type=int, help="Only this street's listings (default: all).")
def export_hsds(out: Path, street_id: int | None):
    """Export the published catalogue as HSDS 3 JSON and as a tabular data package."""
    street = _street(street_id)
    listings = db.session.scalars(hsds.published_listings(street)).all()
    with click.progressbar(length=len(listings), label="services") as bar:
        tables = hsds.export_tables(db.session, listings, zone=current_app.config["TIMEZONE"], now=clock.now(),
                                    progress=lambda _listing: bar.update(1))
    for path in hsds.write_package(tables, out):
        click.echo(f"wrote {path}")
    db.session.rollback()
    click.echo(", ".join(f"{len(rows)} {name}" for name, rows in tables.items()))


@import_cli.command("hsds")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--street", "street_id", type=int,
              help="The street to import into (may be left out when there is only one).")
def import_hsds(path: Path, street_id: int | None):
    """Import an HSDS 3 JSON file or data package (datapackage.json or its directory) into a street."""
    street = _street(street_id)
    if street is None:
        streets = db.session.scalars(select(Place).where(Place.kind == PlaceKind.street).limit(2)).all()
        if len(streets) != 1:
            raise click.UsageError("say which street to import into with --street ID")
        street = streets[0]
    try:
        tables = hsds.read_tables(path)
    except hsds.UnreadableFile as error:
        raise click.ClickException(f"not an HSDS file: {error}") from error
    with click.progressbar(length=len(tables["service"]), label="services") as bar:
        report = services.import_tables(db.session, street, tables, zone=current_app.config["TIMEZONE"],
                                        now=clock.now(), progress=lambda _row: bar.update(1))
    db.session.commit()
    for title, outcomes in (("created", report.created), ("updated", report.updated), ("refused", report.refused)):
        for outcome in outcomes:
            reason = f": {outcome.reason}" if outcome.reason else ""
            click.echo(f"{title} {outcome.table} {outcome.hsds_id} {outcome.name}{reason}")
    click.echo(", ".join(f"{count} {key}" for key, count in report.counts().items()))
