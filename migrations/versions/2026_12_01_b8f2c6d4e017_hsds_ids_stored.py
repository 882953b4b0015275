"""HSDS ids stored on organisations and listings (and a listing's service_at_location id), each under a unique
index, so that an HSDS API detail request is one indexed lookup; back-filled with the ids exports gave so far (an
imported object's from hsds_records, which this replaces, else the uuid5 derived from our id)

Revision ID: b8f2c6d4e017
Revises: e3b7d1f5a209
Create Date: 2026-12-01 17:45:00

"""
import uuid
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

from marketplace.core.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'b8f2c6d4e017'
down_revision = 'e3b7d1f5a209'
branch_labels = None
depends_on = None

# exchange.hsds's namespace: the ids exports derived from our ids until this revision.
NAMESPACE = uuid.UUID("6f1d3c2a-8e4b-5a7c-9d0e-1b2c3d4e5f60")
BATCH = 5000


def _derived(kind: str, local_id: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{local_id}"))


def _child(parent: str, what: str) -> str:
    return str(uuid.uuid5(uuid.UUID(parent), what))


def _fill(connection, table: sa.Table, rows: list[dict]) -> None:
    """Each row's new values (keys ``new_<column>``; bind names must differ from the columns') by its ``row_id``."""
    if not rows:
        return
    statement = table.update().where(table.c.id == sa.bindparam("row_id")).values(
        {key.removeprefix("new_"): sa.bindparam(key) for key in rows[0] if key != "row_id"})
    for start in range(0, len(rows), BATCH):
        connection.execute(statement, rows[start:start + BATCH])


def upgrade():
    for table, columns in (("organisations", ["hsds_id"]), ("listings", ["hsds_id", "hsds_service_at_location_id"])):
        for column in columns:
            op.add_column(table, sa.Column(column, sa.String(length=36), nullable=True))
    connection = op.get_bind()
    imported = {(kind, local_id): hsds_id for kind, hsds_id, local_id in connection.execute(
        sa.text("SELECT kind, hsds_id, local_id FROM hsds_records"))}
    organisations = sa.table("organisations", sa.column("id"), sa.column("hsds_id"))
    _fill(connection, organisations, [
        {"row_id": org_id, "new_hsds_id": imported.get(("organization", org_id)) or _derived("organization", org_id)}
        for (org_id,) in connection.execute(sa.text("SELECT id FROM organisations ORDER BY id"))])
    listings = sa.table("listings", sa.column("id"), sa.column("hsds_id"), sa.column("hsds_service_at_location_id"))
    rows = []
    for (listing_id,) in connection.execute(sa.text("SELECT id FROM listings ORDER BY id")):
        service_id = imported.get(("service", listing_id)) or _derived("service", listing_id)
        rows.append({"row_id": listing_id, "new_hsds_id": service_id,
                     "new_hsds_service_at_location_id": _child(service_id, "service_at_location")})
    _fill(connection, listings, rows)
    for table, columns in (("organisations", ["hsds_id"]), ("listings", ["hsds_id", "hsds_service_at_location_id"])):
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column], unique=True)
            # NOT NULL on PostgreSQL; SQLite would have to rebuild the table for it, and every insert fills the
            # columns anyway (their defaults in the models).
            if connection.dialect.name == "postgresql":
                op.alter_column(table, column, nullable=False)
    op.drop_table("hsds_records")


def downgrade():
    op.create_table(
        "hsds_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("hsds_id", sa.String(length=64), nullable=False),
        sa.Column("local_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hsds_records")),
        sa.UniqueConstraint("kind", "hsds_id", name="uq_hsds_records_kind_hsds_id"),
        sa.UniqueConstraint("kind", "local_id", name="uq_hsds_records_kind_local_id"))
    connection = op.get_bind()
    records = sa.table("hsds_records", sa.column("kind"), sa.column("hsds_id"), sa.column("local_id"),
                       sa.column("created_at"))
    now = datetime.now(timezone.utc)
    for table, kind in (("organisations", "organization"), ("listings", "service")):
        # Only the ids that are not the derived ones were imported (or born after the upgrade): those need a row.
        kept = [{"kind": kind, "hsds_id": hsds_id, "local_id": local_id, "created_at": now} for local_id, hsds_id in connection.execute(
            sa.text(f"SELECT id, hsds_id FROM {table}")) if hsds_id != _derived(kind, local_id)]
        if kept:
            connection.execute(records.insert(), kept)
    for table, columns in (("listings", ["hsds_service_at_location_id", "hsds_id"]), ("organisations", ["hsds_id"])):
        for column in columns:
            op.drop_index(f"ix_{table}_{column}", table_name=table)
        # A plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): rebuilding the table would trip over its foreign keys.
        with op.batch_alter_table(table, recreate="never") as batch_op:
            for column in columns:
                batch_op.drop_column(column)
