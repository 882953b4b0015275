"""`flask --app wsgi search reindex [--catch-up]`: rebuild the index from the database, or catch it up."""
import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from marketplace.core.transactions import read_only
from marketplace.extensions import db
from marketplace.listings.models import Listing, ListingStatus
from marketplace.search.sync import search_index

search_cli = AppGroup("search", help="Search index commands.")


@search_cli.command("reindex")
@click.option("--catch-up", is_flag=True,
              help="Build a missing index or one made by another version of the code; bring an existing one up "
                   "to date with what changed since it was last written, e.g. after a crash (for `make run`).")
@click.option("--procs", default=2, show_default=True, help="Indexing processes (1 to disable multiprocessing).")
def reindex(catch_up: bool, procs: int):
    """Rebuild the search index from the database's published listings."""
    index = search_index()
    if catch_up and index.exists() and index.is_current():
        with read_only():
            count = index.catch_up(db.session)
            db.session.rollback()
        click.echo(f"search index in {current_app.config['SEARCH_INDEX_DIR']} caught up ({count} listings re-read)")
        return
    with read_only():  # a long read that must not hold SQLite's write lock
        _rebuild(index, procs)


def _rebuild(index, procs: int) -> None:
    total = db.session.scalar(select(func.count()).where(Listing.status == ListingStatus.published))
    with click.progressbar(length=total, label="indexing listings") as bar:
        count = index.rebuild(db.session, procs=max(1, procs), progress=bar.update)
    db.session.rollback()
    click.echo(f"indexed {count} listings into {current_app.config['SEARCH_INDEX_DIR']}")
