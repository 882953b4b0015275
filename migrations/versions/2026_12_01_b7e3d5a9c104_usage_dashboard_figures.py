"""usage snapshots for the public dashboard: no-shows released by check-in, cancellation lead minutes, and booked
minutes per local hour (the busiest-hours heat map); earlier snapshots keep zeros there until recomputed

Revision ID: b7e3d5a9c104
Revises: c3e7a9b51d24
Create Date: 2026-12-01 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e3d5a9c104'
down_revision = 'c3e7a9b51d24'
branch_labels = None
depends_on = None

COLUMNS = ("released", "cancel_lead_minutes", *(f"booked_h{hour:02d}" for hour in range(24)))


def upgrade():
    with op.batch_alter_table('usage_snapshots') as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('usage_snapshots') as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
