"""`flask --app wsgi search reindex [--if-missing]`: rebuild the index from the database."""
import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingStatus
from marketplace.search.sync import search_index

search_cli = AppGroup("search", help="Search index commands.")


@search_cli.command("reindex")
@click.option("--if-missing", is_flag=True, help="Only build when there is no index yet (for `make run`).")
@click.option("--procs", default=2, show_default=True, help="Indexing processes (1 to disable multiprocessing).")
def reindex(if_missing: bool, procs: int):
    """Rebuild the search index from the database's published listings."""
    index = search_index()
    if if_missing and index.exists():
        click.echo(f"search index present in {current_app.config['SEARCH_INDEX_DIR']}")
        return
    total = db.session.scalar(select(func.count()).where(Listing.status == ListingStatus.published))
    with click.progressbar(length=total, label="indexing listings") as bar:
        count = index.rebuild(db.session, procs=max(1, procs), progress=bar.update)
    db.session.rollback()
    click.echo(f"indexed {count} listings into {current_app.config['SEARCH_INDEX_DIR']}")
