"""indexes for the public dashboard's wishes, feedback and points figures: a community's wishes by status, the
medians of a community's and the street's answer times, the ledger's sums by reason

Revision ID: d4a8c2e6f913
Revises: b7e3d5a9c104
Create Date: 2026-12-01 16:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4a8c2e6f913'
down_revision = 'b7e3d5a9c104'
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_wishes_community_id_status", "wishes", ["community_id", "status"]),
    ("ix_feedback_items_community_response", "feedback_items", ["community_id", "response_seconds"]),
    ("ix_feedback_items_response", "feedback_items", ["response_seconds"]),
    ("ix_points_transfers_reason_amount", "points_transfers", ["reason", "amount"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
