"""The public dashboard's pages (no login): the street, a community, an organisation, a listing; every table
also as CSV (``?format=csv&table=…``). Read only: nothing here writes."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, render_template, request

from marketplace.core import clock
from marketplace.core.errors import ValidationFailed
from marketplace.core.i18n import _l
from marketplace.core.urls import ID
from marketplace.core.zones import local_date
from marketplace.extensions import db
from marketplace.transparency import related, services
from marketplace.transparency.tables import TABLES, table

bp = Blueprint("transparency", __name__, url_prefix="/transparency")
SETTLED = "transparency_settled_sums"


def board_of(kind: str, scope_id: int | None = None) -> services.Dashboard:
    zone = current_app.config["TIMEZONE"]
    scope = services.get_scope(db.session, kind, scope_id)
    return services.dashboard(db.session, scope, today=local_date(clock.now(), zone), zone=zone,
                              settled=settled_sums())


def settled_sums() -> services.SettledSums | None:
    """This process's kept snapshot sums, or None when ``DASHBOARD_CACHE_ENTRIES`` is 0."""
    entries = current_app.config["DASHBOARD_CACHE_ENTRIES"]
    if entries <= 0:
        return None
    if SETTLED not in current_app.extensions:
        current_app.extensions[SETTLED] = services.SettledSums(entries)
    return current_app.extensions[SETTLED]


def csv_response(board: services.Dashboard, name: str) -> Response:
    """One table as CSV: UTF-8 with a byte-order mark, so that Excel opens the Chinese right."""
    if name not in TABLES:
        raise ValidationFailed("table", _l("没有这个表格"))
    _keys, labels, rows = table(board, name)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([str(label) for label in labels])
    writer.writerows([["" if value is None else str(value) for value in row] for row in rows])
    filename = f"{board.scope.kind}{'-' + str(board.scope.id) if board.scope.id else ''}-{name}.csv"
    return Response(out.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


def _page(kind: str, scope_id: int | None = None):
    board = board_of(kind, scope_id)
    if request.args.get("format") == "csv":
        return csv_response(board, request.args.get("table", "summary"))
    return render_template("transparency/dashboard.html", board=board, links=related.related(db.session, board.scope),
                           tables={name: table(board, name) for name in TABLES})


@bp.route("")
def street():
    return _page("street")


@bp.route(f"/communities/<{ID}:place_id>")
def community(place_id: int):
    return _page("community", place_id)


@bp.route(f"/organisations/<{ID}:org_id>")
def organisation(org_id: int):
    return _page("organisation", org_id)


@bp.route(f"/listings/<{ID}:listing_id>")
def listing(listing_id: int):
    return _page("listing", listing_id)
