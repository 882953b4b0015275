"""The migration that split people from seats: existing listings keep their seats, seat listings get a size."""
from __future__ import annotations

from datetime import datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, text

from marketplace import create_app
from marketplace.extensions import db

BEFORE_PEOPLE = "b8f4c2a1d9e3"  # the revision before 5c1e2a7d9b30 (listings.people)


def _filler(column):
    """Some value of the column's type, for the NOT NULL columns the test does not care about."""
    try:
        kind = column.type.python_type
    except NotImplementedError:  # JSON
        return []
    return {int: 1, str: "x", bool: False, datetime: datetime(2026, 1, 1)}.get(kind, [])


@pytest.fixture
def old_database(tmp_path):
    """A database migrated up to just before the split, with an exclusive room and a 24-seat study room."""
    migrating = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}",
                            "SECRET_KEY": "test", "SEARCH_INDEX_DIR": str(tmp_path / "index")})
    with migrating.app_context():
        upgrade(revision=BEFORE_PEOPLE)
        tables = MetaData()
        tables.reflect(db.engine, only=["places", "organisations", "listings"])
        with db.engine.begin() as connection:
            for name, rows in (("places", [{"id": 1}]), ("organisations", [{"id": 1}]), ("listings", [
                    {"id": 1, "capacity": 1}, {"id": 2, "capacity": 24}])):
                table = tables.tables[name]
                for values in rows:
                    row = {column.name: _filler(column) for column in table.columns
                           if not column.nullable and column.server_default is None}
                    row.update({column.name: 1 for column in table.columns if column.foreign_keys
                                and not column.nullable})
                    row.update(values)
                    if name == "listings":
                        row.update(kind="space", status="published", fee_type="free", fee_amount=0, organisation_id=1)
                    connection.execute(table.insert().values(row))
        yield migrating


def test_exclusive_listings_keep_one_seat_and_seat_listings_hold_their_seats_in_people(old_database):
    with old_database.app_context():
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, capacity, people FROM listings ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [(1, 1, None), (2, 24, 24)]
