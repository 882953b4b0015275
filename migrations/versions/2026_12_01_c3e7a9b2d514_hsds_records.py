"""HSDS ids of imported organisations and listings

Revision ID: c3e7a9b2d514
Revises: f2c6a9d41e37
Create Date: 2026-12-01 15:30:00

"""
from alembic import op
import sqlalchemy as sa

from marketplace.core.db import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'c3e7a9b2d514'
down_revision = 'f2c6a9d41e37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'hsds_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('hsds_id', sa.String(length=64), nullable=False),
        sa.Column('local_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hsds_records')),
        sa.UniqueConstraint('kind', 'hsds_id', name=op.f('uq_hsds_records_kind_hsds_id')),
        sa.UniqueConstraint('kind', 'local_id', name=op.f('uq_hsds_records_kind_local_id')),
    )


def downgrade():
    op.drop_table('hsds_records')
